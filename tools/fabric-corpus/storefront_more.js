// More storefront canvases (required by storefront.js; Fabric 5, 6 and 7): the combinations real shop
// editors save that the first set did not have — nested groups, a filtered and clipped photo, styles across
// wrapped lines, a gradient path, patterned polygons and shadowed patterned shapes, shadows and opacity,
// flips, skews and strokeUniform, a background photo under an overlay frame, Porter-Duff erasing.
'use strict';

module.exports = ({ F, fabric, createCanvas, photo, star, TL }) => {
  const tile = (size, bg, fg, kind) => {
    const c = createCanvas(size, size);
    const t = c.getContext('2d');
    t.fillStyle = bg;
    t.fillRect(0, 0, size, size);
    t.fillStyle = fg;
    if (kind === 'dots') {
      t.beginPath();
      t.arc(size / 2, size / 2, size / 4, 0, Math.PI * 2);
      t.fill();
    } else {
      t.fillRect(0, 0, size / 2, size / 2);
      t.fillRect(size / 2, size / 2, size / 2, size / 2);
    }
    return c;
  };
  const heart = 'M 100 180 C 20 120 0 80 20 50 C 40 15 85 15 100 50 C 115 15 160 15 180 50 C 200 80 180 120 100 180 Z';
  return {
    nested_group_badge: () => ({
      width: 600, height: 500, background: '#fdfefe',
      objects: [
        new F.Group([
          new F.Rect({ left: 0, top: 0, width: 360, height: 220, rx: 30, ry: 30, fill: '#1a5276', originX: 'center', originY: 'center', strokeWidth: 0 }),
          new F.Group([
            new F.Circle({ left: 0, top: 0, radius: 50, fill: '#f4d03f', stroke: '#ffffff', strokeWidth: 4, originX: 'center', originY: 'center' }),
            new F.Text('A+', { left: 0, top: 0, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 44, fill: '#1a5276' }),
          ], { left: -110, top: 0, originX: 'center', originY: 'center', angle: -10 }),
          new F.Textbox('Star Student of the Month', { left: 60, top: 0, width: 200, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 30, fill: '#ffffff', textAlign: 'center' }),
        ], { left: 300, top: 250, originX: 'center', originY: 'center', angle: 6, opacity: 0.92 }),
      ],
    }),
    photo_filters_clip: () => {
      const img = new F.Image(photo(240, 240, 1), {
        left: 180, top: 200, originX: 'center', originY: 'center', scaleX: 1.2, scaleY: 1.2,
        clipPath: new F.Circle({ radius: 110, left: 0, top: 0, originX: 'center', originY: 'center' }),
      });
      img.filters = [new F.filters.Brightness({ brightness: 0.08 }), new F.filters.Contrast({ contrast: 0.15 }), new F.filters.Saturation({ saturation: 0.3 })];
      img.applyFilters();
      const img2 = new F.Image(photo(200, 140, 2), {
        ...TL, left: 330, top: 90, angle: 5, shadow: new F.Shadow({ color: 'rgba(0,0,0,0.35)', blur: 10, offsetX: 5, offsetY: 5 }),
      });
      img2.filters = [new F.filters.Grayscale()];
      img2.applyFilters();
      return {
        width: 600, height: 400, background: '#f8f9f9',
        objects: [img, img2, new F.Text('Our little family', { left: 300, top: 360, originX: 'center', originY: 'center', fontFamily: 'Dancing Script', fontSize: 40, fill: '#5b2c6f' })],
      };
    },
    textbox_styles_lines: () => ({
      width: 600, height: 400, background: '#ffffff',
      objects: [
        new F.Textbox('Thank you for shopping small!\nEvery order supports our family bakery.', {
          ...TL, left: 40, top: 40, width: 520, fontFamily: 'Noto Serif', fontSize: 36, fill: '#2c3e50', lineHeight: 1.25,
          styles: {
            0: Object.fromEntries([...Array(14).keys()].map((i) => [i + 16, { fill: '#c0392b', fontWeight: 'bold' }])),
            1: Object.assign(
              Object.fromEntries([...Array(9).keys()].map((i) => [i + 6, { underline: true, fill: '#1e8449' }])),
              Object.fromEntries([...Array(6).keys()].map((i) => [i + 31, { fontStyle: 'italic', fontSize: 44 }])),
            ),
          },
        }),
      ],
    }),
    emoji_text: () => ({
      width: 600, height: 300, background: '#fef5e7',
      objects: [
        new F.IText('Happy Birthday 🎉🎂', { left: 300, top: 90, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 48, fill: '#943126' }),
        new F.IText('Love you ❤️ Mom', {
          left: 300, top: 200, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 36, fill: '#1a5276',
          path: new F.Path('M 100 260 Q 300 120 500 260', { visible: false }), pathAlign: 'center',
        }),
      ],
    }),
    gradient_path: () => ({
      width: 500, height: 400, background: '#ffffff',
      objects: [
        new F.Path(heart, {
          left: 250, top: 190, originX: 'center', originY: 'center', scaleX: 1.6, scaleY: 1.6, stroke: '#922b21', strokeWidth: 3,
          fill: new F.Gradient({
            type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 1 },
            colorStops: [{ offset: 0, color: '#f1948a' }, { offset: 1, color: '#c0392b' }],
          }),
        }),
        new F.Polygon(star(0, 0, 50, 22, 5), {
          left: 80, top: 330, originX: 'center', originY: 'center', strokeWidth: 0, angle: 15,
          fill: new F.Gradient({
            type: 'radial', gradientUnits: 'percentage', coords: { x1: 0.5, y1: 0.5, r1: 0, x2: 0.5, y2: 0.5, r2: 0.5 },
            colorStops: [{ offset: 0, color: '#fcf3cf' }, { offset: 1, color: '#d4ac0d' }],
          }),
        }),
        new F.Text('with love', { left: 330, top: 355, originX: 'center', originY: 'center', fontFamily: 'Dancing Script', fontSize: 44, fill: '#922b21' }),
      ],
    }),
    polygon_pattern: () => ({
      width: 600, height: 400, background: '#ffffff',
      objects: [
        new F.Polygon(star(0, 0, 150, 65, 5), {
          left: 170, top: 200, originX: 'center', originY: 'center', stroke: '#7d3c98', strokeWidth: 4,
          fill: new fabric.Pattern({ source: tile(24, '#f5eef8', '#bb8fce', 'dots'), repeat: 'repeat' }),
        }),
        new F.Triangle({
          left: 440, top: 130, width: 180, height: 150, originX: 'center', originY: 'center', strokeWidth: 0,
          fill: new fabric.Pattern({ source: tile(20, '#fef9e7', '#f39c12', 'checks'), repeat: 'repeat' }),
        }),
        new F.Circle({
          left: 440, top: 300, radius: 70, originX: 'center', originY: 'center', strokeWidth: 0,
          fill: new fabric.Pattern({ source: tile(16, '#e8f8f5', '#16a085', 'checks'), repeat: 'repeat' }),
          shadow: new F.Shadow({ color: 'rgba(0,0,0,0.3)', blur: 8, offsetX: 4, offsetY: 4 }),
        }),
      ],
    }),
    shadows_opacity: () => ({
      width: 600, height: 400, background: '#eef2f3',
      objects: [
        new F.Rect({ ...TL, left: 40, top: 40, width: 220, height: 140, rx: 12, ry: 12, fill: '#ffffff', strokeWidth: 0, shadow: new F.Shadow({ color: 'rgba(0,0,0,0.25)', blur: 15, offsetX: 0, offsetY: 6 }) }),
        new F.Circle({ left: 420, top: 110, radius: 70, originX: 'center', originY: 'center', fill: '#e74c3c', opacity: 0.6, strokeWidth: 0 }),
        new F.Circle({ left: 480, top: 150, radius: 70, originX: 'center', originY: 'center', fill: '#3498db', opacity: 0.6, strokeWidth: 0 }),
        new F.Text('SALE', { left: 150, top: 110, originX: 'center', originY: 'center', fontFamily: 'Bebas Neue', fontSize: 90, fill: '#c0392b', shadow: new F.Shadow({ color: '#7b241c', blur: 0, offsetX: 3, offsetY: 3 }) }),
        new F.Textbox('Limited time only', { ...TL, left: 60, top: 260, width: 480, fontFamily: 'Noto Sans', fontSize: 46, fill: '#2c3e50', opacity: 0.75, textAlign: 'center', shadow: new F.Shadow({ color: 'rgba(44,62,80,0.4)', blur: 6, offsetX: 2, offsetY: 2 }) }),
      ],
    }),
    flips_skew_uniform: () => ({
      width: 600, height: 400, background: '#ffffff',
      objects: [
        new F.Image(photo(160, 120, 0), { ...TL, left: 30, top: 30, flipY: true, scaleX: 1.1, scaleY: 1.1 }),
        new F.Image(photo(160, 120, 1), { ...TL, left: 230, top: 30, skewY: 12, scaleX: 1.1, scaleY: 1.1 }),
        new F.Rect({ ...TL, left: 420, top: 40, width: 60, height: 40, scaleX: 2.5, scaleY: 1.2, fill: '#d6eaf8', stroke: '#1b4f72', strokeWidth: 3, strokeUniform: true }),
        new F.Polygon(star(0, 0, 60, 25, 6), { left: 120, top: 300, originX: 'center', originY: 'center', scaleX: 1.8, scaleY: 1, fill: '#fad7a0', stroke: '#935116', strokeWidth: 2, strokeUniform: true }),
        new F.Text('Flip me', { left: 400, top: 300, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 54, fill: '#117a65', flipX: true, skewX: -15 }),
      ],
    }),
    overlay_frame: () => {
      const frame = createCanvas(500, 500);
      const f = frame.getContext('2d');
      f.fillStyle = '#6e2c00';
      f.fillRect(0, 0, 500, 500);
      f.globalCompositeOperation = 'destination-out';
      f.beginPath();
      f.ellipse(250, 230, 190, 170, 0, 0, Math.PI * 2);
      f.fill();
      return {
        width: 500, height: 500,
        backgroundImage: new F.Image(photo(250, 250, 0), { ...TL, left: 0, top: 0, scaleX: 2, scaleY: 2 }),
        overlayImage: new F.Image(frame, { ...TL, left: 0, top: 0 }),
        objects: [
          new F.Text('Home Sweet Home', { left: 250, top: 450, originX: 'center', originY: 'center', fontFamily: 'Lobster Two', fontWeight: 'bold', fontSize: 40, fill: '#fdebd0' }),
        ],
      };
    },
    borders_arcs_pattern_text: () => ({
      width: 600, height: 400, background: '#fdfefe',
      objects: [
        new F.Image(photo(160, 120, 2), { ...TL, left: 30, top: 30, scaleX: 1.2, scaleY: 1.2, stroke: '#ffffff', strokeWidth: 8, shadow: null }),
        new F.Image(photo(120, 120, 0), { ...TL, left: 270, top: 40, stroke: '#34495e', strokeWidth: 4, strokeDashArray: [10, 6] }),
        new F.Circle({ left: 500, top: 100, radius: 60, originX: 'center', originY: 'center', startAngle: 180, endAngle: 360, fill: '#f5b041', stroke: '#935116', strokeWidth: 3 }),
        new F.Circle({ left: 500, top: 130, radius: 40, originX: 'center', originY: 'center', startAngle: 0, endAngle: 270, fill: '', stroke: '#1abc9c', strokeWidth: 6, strokeLineCap: 'round' }),
        new F.Text('PATTERN', {
          left: 300, top: 260, originX: 'center', originY: 'center', fontFamily: 'Bebas Neue', fontSize: 120,
          fill: new fabric.Pattern({ source: tile(18, '#2e86c1', '#aed6f1', 'checks'), repeat: 'repeat' }), stroke: '#1b4f72', strokeWidth: 2,
        }),
        new F.Text('dashed & uniform', {
          left: 300, top: 360, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 30, scaleX: 1.3, scaleY: 1.3,
          fill: '#fdebd0', stroke: '#cb4335', strokeWidth: 2, strokeUniform: true, strokeDashArray: [4, 2],
        }),
      ],
    }),
    group_shadows_backgrounds: () => ({
      width: 600, height: 400, background: '#fbfcfc',
      objects: [
        new F.Group([
          new F.Rect({ left: 0, top: 0, width: 300, height: 160, fill: '#d6eaf8', originX: 'center', originY: 'center', strokeWidth: 0 }),
          new F.Text('Team Spirit', { left: 0, top: -20, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 44, fill: '#1b4f72', shadow: new F.Shadow({ color: 'rgba(0,0,0,0.4)', blur: 4, offsetX: 3, offsetY: 3 }) }),
          new F.Rect({ left: 0, top: 45, width: 120, height: 30, fill: '#f5b041', backgroundColor: '#ffffff', strokeWidth: 0, originX: 'center', originY: 'center', shadow: new F.Shadow({ color: 'rgba(0,0,0,0.3)', blur: 6, offsetX: 2, offsetY: 2 }) }),
        ], { left: 190, top: 120, originX: 'center', originY: 'center', angle: -5 }),
        new F.Circle({ left: 470, top: 120, radius: 60, originX: 'center', originY: 'center', fill: '#e74c3c', strokeWidth: 0, backgroundColor: '#fdebd0', shadow: new F.Shadow({ color: 'rgba(0,0,0,0.35)', blur: 10, offsetX: 5, offsetY: 5 }) }),
        new F.Text('with a shadow', { left: 300, top: 320, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontSize: 40, fill: '#512e5f', backgroundColor: '#f4ecf7', shadow: new F.Shadow({ color: 'rgba(0,0,0,0.3)', blur: 5, offsetX: 3, offsetY: 3 }) }),
      ],
    }),
    group_clip_photo: () => ({
      // a photo masked by a group of shapes (two hearts' worth of circles and a triangle), and a rect with an
      // inverted group clip (two holes)
      width: 600, height: 400, background: '#ffffff',
      objects: [
        new F.Image(photo(240, 200, 0), {
          left: 170, top: 200, originX: 'center', originY: 'center', scaleX: 1.4, scaleY: 1.4,
          clipPath: new F.Group([
            new F.Circle({ radius: 40, left: -38, top: -25, originX: 'center', originY: 'center' }),
            new F.Circle({ radius: 40, left: 38, top: -25, originX: 'center', originY: 'center' }),
            new F.Polygon([{ x: -76, y: -10 }, { x: 76, y: -10 }, { x: 0, y: 80 }], { left: 0, top: 25, originX: 'center', originY: 'center' }),
          ]),
        }),
        new F.Rect({
          left: 440, top: 200, width: 240, height: 180, originX: 'center', originY: 'center', fill: '#2e86c1', strokeWidth: 0,
          clipPath: new F.Group([
            new F.Circle({ radius: 35, left: -50, top: 0, originX: 'center', originY: 'center' }),
            new F.Rect({ width: 60, height: 60, left: 50, top: 0, originX: 'center', originY: 'center', angle: 45 }),
          ], { inverted: true }),
        }),
      ],
    }),
    knockout_text: () => ({
      width: 500, height: 300,
      objects: [
        new F.Rect({ ...TL, left: 50, top: 50, width: 400, height: 200, rx: 20, ry: 20, fill: '#1f618d', strokeWidth: 0 }),
        new F.Text('CUT', { left: 250, top: 150, originX: 'center', originY: 'center', fontFamily: 'Bebas Neue', fontSize: 150, fill: '#000000', globalCompositeOperation: 'destination-out' }),
      ],
    }),
  };
};
