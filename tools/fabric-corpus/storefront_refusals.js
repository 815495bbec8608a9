// Storefront canvases for what the importer used to refuse (required by storefront.js, Fabric 6 and 7 only):
// nested clipPaths (a clipPath clipped by its own clipPath: the intersection), and multi-line text on a path
// (Fabric draws every line on the curve itself, each aligned along it by its own width).
'use strict';

module.exports = ({ F, photo, TL }) => ({
  path_text_decorations: () => ({
    // decorations and text backgrounds on text on a path: Fabric draws each character's piece in its frame
    width: 600, height: 400, background: '#ffffff',
    objects: [
      new F.IText('Best Grandpa Ever', {
        left: 300, top: 120, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontSize: 40, fill: '#1a5276',
        underline: true, path: new F.Path('M 80 200 Q 300 20 520 200', { visible: false }),
      }),
      new F.IText('HAPPY BIRTHDAY', {
        left: 300, top: 300, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 36,
        fill: '#ffffff', textBackgroundColor: '#e74c3c', path: new F.Path('M 90 260 C 200 380 400 380 510 260', { visible: false }),
      }),
      new F.IText('crossed', {
        left: 300, top: 200, originX: 'center', originY: 'center', fontFamily: 'Dancing Script', fontSize: 44, fill: '#7d3c98',
        linethrough: true, overline: true, path: new F.Path('M 200 230 L 400 190', { visible: false }),
      }),
    ],
  }),
  gradient_chars: () => {
    // per-character gradient fills and a gradient stroke, as a storefront's "colour this word" tool saves them
    const pct = (a, b) => new F.Gradient({
      type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 0 },
      colorStops: [{ offset: 0, color: a }, { offset: 1, color: b }],
    });
    const range = (a, b, style) => Object.fromEntries([...Array(b - a).keys()].map((i) => [a + i, style]));
    return {
      width: 600, height: 400, background: '#fdfefe',
      objects: [
        new F.IText('SUMMER SALE', {
          left: 300, top: 110, originX: 'center', originY: 'center', fontFamily: 'Bebas Neue', fontSize: 110, fill: '#1b2631',
          styles: { 0: range(0, 6, { fill: pct('#f39c12', '#c0392b') }) },
        }),
        new F.Textbox('Fresh fruit every morning from our farm', {
          ...TL, left: 50, top: 200, width: 500, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 40, fill: '#145a32', textAlign: 'center',
          styles: { 0: { ...range(6, 11, { fill: new F.Gradient({ type: 'linear', coords: { x1: 0, y1: 0, x2: 500, y2: 0 }, colorStops: [{ offset: 0, color: '#e74c3c' }, { offset: 1, color: '#8e44ad' }] }) }),
            ...range(27, 31, { stroke: pct('#1abc9c', '#2980b9'), strokeWidth: 2 }) } },
        }),
      ],
    };
  },
  composite_masks: () => ({
    // Porter-Duff masking as editors use it, each drawn by flattening: a photo masked to a circle by a
    // destination-in circle in its (cached) group, a texture kept inside a heart by source-atop, an eraser
    // stroke (a destination-out path) through a banner, and a translucent group whose sticker multiplies
    width: 600, height: 400, background: '#f4f6f7',
    objects: [
      new F.Group([
        new F.Image(photo(240, 200, 0), { left: 0, top: 0, originX: 'center', originY: 'center' }),
        new F.Circle({ left: 0, top: 0, radius: 85, originX: 'center', originY: 'center', fill: '#000000', globalCompositeOperation: 'destination-in' }),
      ], { left: 140, top: 130, originX: 'center', originY: 'center', objectCaching: true }),
      new F.Group([
        new F.Path('M 100 180 C 20 120 0 80 20 50 C 40 15 85 15 100 50 C 115 15 160 15 180 50 C 200 80 180 120 100 180 Z', { left: 0, top: 0, originX: 'center', originY: 'center', fill: '#c0392b' }),
        new F.Image(photo(200, 200, 2), { left: 0, top: 0, originX: 'center', originY: 'center', opacity: 0.7, globalCompositeOperation: 'source-atop' }),
      ], { left: 430, top: 130, originX: 'center', originY: 'center', objectCaching: true }),
      new F.Group([
        new F.Rect({ left: 0, top: 0, width: 420, height: 90, originX: 'center', originY: 'center', fill: '#1a5276', rx: 12, ry: 12 }),
        new F.Text('ERASED', { left: 0, top: 0, originX: 'center', originY: 'center', fontFamily: 'Bebas Neue', fontSize: 70, fill: '#f9e79f' }),
        new F.Path('M -200 30 Q -100 -40 0 10 T 200 -20', { left: -10, top: 0, originX: 'center', originY: 'center', fill: '', stroke: '#000000', strokeWidth: 14, strokeLineCap: 'round', globalCompositeOperation: 'destination-out' }),
      ], { left: 300, top: 310, originX: 'center', originY: 'center', objectCaching: true }),
      new F.Group([
        new F.Circle({ left: 0, top: 0, radius: 40, originX: 'center', originY: 'center', fill: '#f5b041' }),
        new F.Rect({ left: 20, top: 10, width: 60, height: 40, originX: 'center', originY: 'center', fill: '#5dade2', globalCompositeOperation: 'multiply' }),
      ], { left: 540, top: 330, originX: 'center', originY: 'center', opacity: 0.8, objectCaching: true }),
    ],
  }),
  nested_clip_photo: () => ({
    // a photo in a circle that is itself cut by a rounded rect (a "pill" window), a rect clipped by a rotated
    // rect whose own clip is an inverted circle (a bite), and a canvas clipPath with a nested clipPath
    width: 600, height: 400, background: '#fdfefe',
    clipPath: new F.Rect({
      ...TL, left: 10, top: 10, width: 580, height: 380, rx: 40, ry: 40,
      clipPath: new F.Circle({ left: 0, top: 0, radius: 300, originX: 'center', originY: 'center' }),
    }),
    objects: [
      new F.Image(photo(300, 220, 0), {
        left: 180, top: 200, originX: 'center', originY: 'center', scaleX: 1.1, scaleY: 1.1, angle: -6,
        clipPath: new F.Circle({
          radius: 110, left: 0, top: 0, originX: 'center', originY: 'center',
          clipPath: new F.Rect({ width: 260, height: 150, rx: 30, ry: 30, left: 0, top: 0, originX: 'center', originY: 'center', angle: 20 }),
        }),
      }),
      new F.Rect({
        left: 450, top: 200, width: 220, height: 260, originX: 'center', originY: 'center', fill: '#2e86c1', strokeWidth: 0,
        clipPath: new F.Rect({
          left: 0, top: 0, width: 180, height: 220, originX: 'center', originY: 'center', angle: 10,
          clipPath: new F.Circle({ radius: 100, left: 20, top: 0, originX: 'center', originY: 'center', inverted: true }),
        }),
      }),
      new F.Text('Nested', { left: 300, top: 360, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 40, fill: '#1b2631' }),
    ],
  }),
  multiline_path_text: () => ({
    // a two-line IText and a three-line centred one on curves: every line on the same curve, as Fabric draws
    width: 600, height: 400, background: '#fef9e7',
    objects: [
      new F.IText('Happy Birthday\nLove Mom', {
        left: 300, top: 120, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 34, fill: '#922b21',
        path: new F.Path('M 60 180 Q 300 20 540 180', { visible: false }),
      }),
      new F.IText('one\ntwo words\nthree', {
        left: 300, top: 300, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontSize: 30, fill: '#1a5276',
        textAlign: 'center', path: new F.Path('M 80 260 C 200 380 400 380 520 260', { visible: false }),
      }),
    ],
  }),
});
