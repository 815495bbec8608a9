// Storefront canvases for what the importer used to refuse (required by storefront.js, Fabric 6 and 7 only):
// nested clipPaths (a clipPath clipped by its own clipPath: the intersection), and multi-line text on a path
// (Fabric draws every line on the curve itself, each aligned along it by its own width).
'use strict';

module.exports = ({ F, photo, TL }) => ({
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
