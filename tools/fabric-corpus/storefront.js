// Generates tests/fabric_corpus/storefront/v<N>/: canvases made the way shop editors make them (a photo on
// a mug, a name in a script face, a gradient poster, a clipped collage, a sticker's printable area ...), each
// as canvas.toJSON() plus Fabric's own render at 1x and 2x (toDataURL multiplier), for Fabric 5, 6 and 7:
//
//   node storefront.js 6     # fabric 6.9.1 from ./node_modules      (npm ci here)
//   node storefront.js 7     # fabric 7.4.0 from ./v7/node_modules   (cd v7 && npm ci: node-canvas 3.x)
//   node storefront.js 5     # fabric 5.3.0 from ./v5/node_modules   (cd v5 && npm ci: node-canvas 2.x + jsdom)
//
// tests/fabric/test_fabric_storefront.py renders every design through the public API with no template (the canvas
// as it is) and compares. Unlike generate.js, designs here use each version's defaults as an editor would
// (no explicit originX where an editor would not set one), and "include_defaults: false" designs are
// exported with includeDefaultValues = false, as some storefronts do to keep the JSON small.
// Groups that a browser caches (and so composites as one picture with one shadow) set objectCaching: true,
// which Node's StaticCanvas would otherwise leave off (docs/fabric.md, "Browser or Node").
// A storefront font ("Shop Script": the bundled Kaushan Script file under the shop's own family name) is
// registered here and given to the engine with --fonts-dir / Settings(extra_fonts_dir=...).
'use strict';

const fs = require('fs');
const path = require('path');
const { keepCaching } = require('./keep_caching');

const MAJOR = Number(process.argv[2] || '6');
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
if (!DIRS[MAJOR]) throw new Error('usage: node storefront.js 5|6|7');
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));

const { registerFont, createCanvas } = from('canvas');
const REPO = path.resolve(__dirname, '..', '..');
const FONTS = path.join(REPO, 'fonts');
const OUT = path.join(REPO, 'tests', 'fabric_corpus', 'storefront', `v${MAJOR}`);

const FACES = [
  ['noto-sans/NotoSans-Regular.ttf', 'Noto Sans', 'normal', 'normal'],
  ['noto-sans/NotoSans-Bold.ttf', 'Noto Sans', 'bold', 'normal'],
  ['noto-sans/NotoSans-Italic.ttf', 'Noto Sans', 'normal', 'italic'],
  ['noto-serif/NotoSerif-Regular.ttf', 'Noto Serif', 'normal', 'normal'],
  ['noto-serif/NotoSerif-Bold.ttf', 'Noto Serif', 'bold', 'normal'],
  ['noto-serif/NotoSerif-Italic.ttf', 'Noto Serif', 'normal', 'italic'],
  ['dancing-script/DancingScript-Regular.otf', 'Dancing Script', 'normal', 'normal'],
  ['dancing-script/DancingScript-Bold.otf', 'Dancing Script', 'bold', 'normal'],
  ['lobster-two/LobsterTwo-Bold.otf', 'Lobster Two', 'bold', 'normal'],
  ['bebas-neue/BebasNeue-Regular.otf', 'Bebas Neue', 'normal', 'normal'],
  ['eb-garamond/EBGaramond12-Regular.otf', 'EB Garamond', 'normal', 'normal'],
  ['eb-garamond/EBGaramond12-Italic.otf', 'EB Garamond', 'normal', 'italic'],
  // the storefront's own font: a file the shop ships, under the family name its editor uses
  ['kaushan-script/KaushanScript-Regular.otf', 'Shop Script', 'normal', 'normal'],
];
for (const [file, family, weight, style] of FACES) registerFont(path.join(FONTS, file), { family, weight, style });

const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Rect: fabric.Rect,
  Circle: fabric.Circle,
  Ellipse: fabric.Ellipse,
  Triangle: fabric.Triangle,
  Line: fabric.Line,
  Polygon: fabric.Polygon,
  Path: fabric.Path,
  Text: fabric.FabricText || fabric.Text,
  IText: fabric.IText,
  Textbox: fabric.Textbox,
  Image: fabric.FabricImage || fabric.Image,
  Group: fabric.Group,
  Gradient: fabric.Gradient,
  Shadow: fabric.Shadow,
  filters: fabric.filters || fabric.Image.filters,
};
// Fabric 7 places objects by their centre unless told otherwise; editors written for 6 set top-left origins
// explicitly when they upgrade. These designs say what they mean: TL for a top-left placed object.
const TL = { originX: 'left', originY: 'top' };

function photo(w, h, seed) {
  // a procedural "photo": sky gradient, sun, hills, a figure; different per seed
  const c = createCanvas(w, h);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, ['#5dade2', '#f5b041', '#a569bd'][seed % 3]);
  g.addColorStop(1, ['#d6eaf8', '#fdebd0', '#e8daef'][seed % 3]);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#f4d03f';
  ctx.beginPath();
  ctx.arc(w * 0.75, h * 0.3, h * 0.12, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = ['#1e8449', '#784212', '#1b4f72'][seed % 3];
  ctx.beginPath();
  ctx.moveTo(0, h * 0.7);
  ctx.quadraticCurveTo(w * 0.3, h * 0.45, w * 0.6, h * 0.68);
  ctx.quadraticCurveTo(w * 0.8, h * 0.8, w, h * 0.62);
  ctx.lineTo(w, h);
  ctx.lineTo(0, h);
  ctx.fill();
  ctx.fillStyle = '#2c3e50';
  ctx.fillRect(w * 0.3, h * 0.5, w * 0.06, h * 0.25);
  ctx.beginPath();
  ctx.arc(w * 0.33, h * 0.46, w * 0.04, 0, Math.PI * 2);
  ctx.fill();
  return c;
}

const star = (cx, cy, r1, r2, n) => {
  const pts = [];
  for (let i = 0; i < n * 2; i++) {
    const r = i % 2 ? r2 : r1;
    const a = (Math.PI * i) / n - Math.PI / 2;
    pts.push({ x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) });
  }
  return pts;
};

// name -> () => {width, height, background?, objects, clipPath?, backgroundImage?, overlayImage?}
const designs = {
  mug_photo_name: () => ({
    width: 900, height: 350, background: '#ffffff',
    objects: [
      new F.Image(photo(300, 175, 0), { ...TL, left: 0, top: 0, scaleX: 3, scaleY: 2 }),
      new F.Text('Grandma Rose', {
        left: 450, top: 260, originX: 'center', originY: 'center', fontFamily: 'Dancing Script', fontWeight: 'bold',
        fontSize: 72, fill: '#ffffff', shadow: new F.Shadow({ color: 'rgba(0,0,0,0.45)', blur: 8, offsetX: 3, offsetY: 3 }),
      }),
    ],
  }),
  tshirt_slogan: () => ({
    width: 500, height: 600,
    objects: [
      new F.Textbox('BORN TO\nRIDE\nFOREVER WILD', {
        ...TL, left: 40, top: 120, width: 420, fontFamily: 'Bebas Neue', fontSize: 96, textAlign: 'center',
        fill: '#c0392b', stroke: '#1c2833', strokeWidth: 3, charSpacing: 80, lineHeight: 0.95,
      }),
      new F.Rect({ ...TL, left: 60, top: 100, width: 380, height: 6, fill: '#1c2833', strokeWidth: 0 }),
      new F.Rect({ ...TL, left: 60, top: 470, width: 380, height: 6, fill: '#1c2833', strokeWidth: 0 }),
    ],
  }),
  birthday_card: () => ({
    width: 700, height: 500, background: '#fef9e7',
    objects: [
      ...[[80, 70, '#e74c3c'], [620, 90, '#3498db'], [110, 420, '#27ae60'], [600, 430, '#f39c12'], [350, 60, '#8e44ad']].map(
        ([x, y, c], i) => new F.Circle({ left: x, top: y, radius: 18 + i * 4, fill: c, originX: 'center', originY: 'center', strokeWidth: 0, opacity: 0.8 }),
      ),
      new F.IText('Happy 30th Birthday!', {
        left: 350, top: 220, originX: 'center', originY: 'center', fontFamily: 'Lobster Two', fontWeight: 'bold',
        fontSize: 64, fill: '#2c3e50', angle: -6,
        styles: { 0: { 6: { fill: '#e74c3c' }, 7: { fill: '#e74c3c' }, 8: { fill: '#e67e22' }, 9: { fill: '#e67e22' } } },
      }),
      new F.Text('Love, Sam & the kids', {
        left: 350, top: 330, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontStyle: 'italic',
        fontSize: 30, fill: '#7f8c8d',
      }),
    ],
  }),
  photo_collage: () => ({
    width: 800, height: 600, background: '#f2f3f4',
    objects: [0, 1, 2].map((i) => {
      const img = new F.Image(photo(240, 180, i), {
        left: 170 + i * 230, top: 260 + (i % 2) * 80, originX: 'center', originY: 'center', angle: [-8, 4, 10][i],
        scaleX: 1.05, scaleY: 1.05,
        clipPath: i === 1
          ? new F.Circle({ radius: 88, originX: 'center', originY: 'center', left: 0, top: 0 })
          : new F.Rect({ width: 220, height: 160, rx: 24, ry: 24, originX: 'center', originY: 'center', left: 0, top: 0 }),
      });
      return img;
    }).concat([
      new F.Text('Summer 2026', {
        left: 400, top: 540, originX: 'center', originY: 'center', fontFamily: 'Shop Script', fontSize: 54, fill: '#1a5276',
      }),
    ]),
  }),
  gradient_poster: () => ({
    width: 600, height: 800,
    objects: [
      new F.Rect({
        ...TL, left: 0, top: 0, width: 600, height: 800, strokeWidth: 0,
        fill: new F.Gradient({
          type: 'linear', coords: { x1: 0, y1: 0, x2: 0, y2: 800 },
          colorStops: [{ offset: 0, color: '#0b132b' }, { offset: 0.6, color: '#3a506b' }, { offset: 1, color: '#f4a261' }],
        }),
      }),
      new F.Circle({
        left: 300, top: 560, radius: 150, originX: 'center', originY: 'center', strokeWidth: 0,
        fill: new F.Gradient({
          type: 'radial', coords: { x1: 150, y1: 150, r1: 10, x2: 150, y2: 150, r2: 150 },
          colorStops: [{ offset: 0, color: '#ffe66d' }, { offset: 1, color: 'rgba(255,107,107,0.2)' }],
        }),
      }),
      new F.Textbox('NIGHT RUN 10K', {
        ...TL, left: 50, top: 90, width: 500, fontFamily: 'Bebas Neue', fontSize: 110, fill: '#ffffff', textAlign: 'center',
      }),
      new F.Text('Saturday · 9 pm · City Park', {
        left: 300, top: 330, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 28, fill: '#e0e1dd',
      }),
    ],
  }),
  badge_group: () => ({
    width: 500, height: 500,
    objects: [
      new F.Group([
        new F.Circle({ left: 0, top: 0, radius: 150, fill: '#154360', stroke: '#f1c40f', strokeWidth: 10, originX: 'center', originY: 'center' }),
        new F.Polygon(star(0, 0, 60, 26, 5), { fill: '#f1c40f', strokeWidth: 0, left: 0, top: -40, originX: 'center', originY: 'center' }),
        new F.Text('BEST DAD', { left: 0, top: 70, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 44, fill: '#ffffff' }),
      ], { left: 250, top: 250, originX: 'center', originY: 'center', angle: 12, scaleX: 1.1, scaleY: 1.1 }),
    ],
  }),
  wedding_invite: () => ({
    width: 600, height: 800, background: '#fdfefe',
    objects: [
      new F.Path('M 60 140 C 200 60 400 220 540 140', { fill: '', stroke: '#b7950b', strokeWidth: 3 }),
      new F.Path('M 60 680 C 200 760 400 600 540 680', { fill: '', stroke: '#b7950b', strokeWidth: 3 }),
      new F.Text('Anna & Tom', {
        left: 300, top: 250, originX: 'center', originY: 'center', fontFamily: 'Dancing Script', fontSize: 80, fill: '#4a235a',
      }),
      new F.Textbox('Together with their families invite you to celebrate their marriage on the twelfth of June, at the old mill by the river.', {
        ...TL, left: 90, top: 350, width: 420, fontFamily: 'EB Garamond', fontSize: 28, lineHeight: 1.4, textAlign: 'justify', fill: '#2e4053',
      }),
      new F.Text('RSVP by May 1st', {
        left: 300, top: 620, originX: 'center', originY: 'center', fontFamily: 'EB Garamond', fontStyle: 'italic',
        fontSize: 26, fill: '#4a235a', underline: true,
      }),
    ],
  }),
  pet_tag: () => ({
    width: 400, height: 400,
    objects: [
      new F.Ellipse({ left: 200, top: 200, rx: 180, ry: 150, originX: 'center', originY: 'center', fill: '#d5f5e3', stroke: '#196f3d', strokeWidth: 6 }),
      new F.Polygon(star(200, 110, 40, 17, 5), { fill: '#f5b041', stroke: '#9c640c', strokeWidth: 2 }),
      new F.Text('BUDDY', {
        left: 200, top: 210, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 64,
        fill: '#145a32', textBackgroundColor: 'rgba(255,255,255,0.7)',
      }),
      new F.Text('07700 900123', { left: 200, top: 285, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 26, fill: '#1d8348' }),
    ],
  }),
  sticker_printable_area: () => ({
    width: 500, height: 500, background: '#fadbd8',
    clipPath: new F.Circle({ left: 250, top: 250, radius: 230, originX: 'center', originY: 'center' }),
    backgroundImage: new F.Image(photo(250, 250, 2), { ...TL, left: 0, top: 0, scaleX: 2, scaleY: 2, opacity: 0.85 }),
    objects: [
      new F.Text('Stay\nCurious', {
        left: 250, top: 250, originX: 'center', originY: 'center', fontFamily: 'Lobster Two', fontWeight: 'bold', fontSize: 84,
        fill: '#ffffff', textAlign: 'center', stroke: '#6c3483', strokeWidth: 4, paintFirst: 'stroke', strokeLineJoin: 'round',
      }),
    ],
  }),
  filtered_photo: () => {
    const a = new F.Image(photo(200, 150, 1), { ...TL, left: 20, top: 40, scaleX: 1.4, scaleY: 1.4 });
    a.filters = [new F.filters.Grayscale()];
    a.applyFilters();
    const b = new F.Image(photo(200, 150, 0), { ...TL, left: 320, top: 40, scaleX: 1.4, scaleY: 1.4 });
    b.filters = [new F.filters.Sepia(), new F.filters.Brightness({ brightness: 0.1 })];
    b.applyFilters();
    return {
      width: 620, height: 320, background: '#ffffff',
      objects: [a, b, new F.Text('then & now', { left: 310, top: 290, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontSize: 26, fill: '#333333' })],
    };
  },
  dashed_frame: () => ({
    width: 600, height: 400, background: '#ffffff',
    objects: [
      new F.Rect({ ...TL, left: 30, top: 30, width: 540, height: 340, fill: '', stroke: '#2874a6', strokeWidth: 6, strokeDashArray: [20, 10], rx: 20, ry: 20 }),
      new F.Line([80, 330, 520, 330], { stroke: '#2874a6', strokeWidth: 4, strokeLineCap: 'round' }),
      new F.Triangle({ left: 300, top: 140, width: 120, height: 100, originX: 'center', originY: 'center', fill: '#f7dc6f', stroke: '#b7950b', strokeWidth: 4, strokeLineJoin: 'round' }),
      new F.Text('Coupon: 20% off', { left: 300, top: 260, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 40, fill: '#1b4f72' }),
    ],
  }),
  polaroid_group: () => ({
    width: 600, height: 600, background: '#eaeded',
    objects: [
      new F.Group([
        new F.Rect({ left: 0, top: 0, width: 300, height: 340, fill: '#ffffff', originX: 'center', originY: 'center', strokeWidth: 0 }),
        new F.Image(photo(260, 240, 1), { left: 0, top: -30, originX: 'center', originY: 'center' }),
        new F.Text('Paris, 2019', { left: 0, top: 135, originX: 'center', originY: 'center', fontFamily: 'Shop Script', fontSize: 34, fill: '#34495e' }),
      ], { left: 300, top: 300, originX: 'center', originY: 'center', angle: -7, objectCaching: true, shadow: new F.Shadow({ color: 'rgba(0,0,0,0.3)', blur: 12, offsetX: 6, offsetY: 8 }) }),
    ],
  }),
  phone_case: () => ({
    width: 360, height: 720,
    objects: [
      new F.Rect({ ...TL, left: 0, top: 0, width: 360, height: 720, fill: '#1b2631', strokeWidth: 0 }),
      ...[0, 1, 2, 3, 4, 5].map((i) => new F.Circle({ left: 60 + (i % 3) * 120, top: 200 + Math.floor(i / 3) * 300, radius: 45, originX: 'center', originY: 'center', fill: ['#f1948a', '#7fb3d5', '#82e0aa'][i % 3], strokeWidth: 0, opacity: 0.9 })),
      new F.Text('M', { left: 180, top: 360, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 220, fill: '#f8f9f9', opacity: 0.9 }),
    ],
  }),
  styled_message: () => ({
    width: 700, height: 400, background: '#ffffff',
    objects: [
      new F.Textbox('Congratulations Jamie on your graduation from Riverside High!', {
        ...TL, left: 50, top: 60, width: 600, fontFamily: 'Noto Sans', fontSize: 40, textAlign: 'center', fill: '#17202a', lineHeight: 1.2,
        styles: {
          0: {
            16: { fill: '#c0392b', fontWeight: 'bold' }, 17: { fill: '#c0392b', fontWeight: 'bold' }, 18: { fill: '#c0392b', fontWeight: 'bold' },
            19: { fill: '#c0392b', fontWeight: 'bold' }, 20: { fill: '#c0392b', fontWeight: 'bold' },
            41: { fontStyle: 'italic', underline: true }, 42: { fontStyle: 'italic', underline: true }, 43: { fontStyle: 'italic', underline: true },
            44: { fontStyle: 'italic', underline: true }, 45: { fontStyle: 'italic', underline: true }, 46: { fontStyle: 'italic', underline: true },
            47: { fontStyle: 'italic', underline: true }, 48: { fontStyle: 'italic', underline: true }, 49: { fontStyle: 'italic', underline: true },
          },
        },
      }),
    ],
  }),
  flipped_mirror: () => ({
    width: 600, height: 300, background: '#fbfcfc',
    objects: [
      new F.Image(photo(200, 150, 2), { ...TL, left: 40, top: 60, flipX: true, scaleX: 1.2, scaleY: 1.2 }),
      new F.Text('mirror', { left: 430, top: 150, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontSize: 60, fill: '#6c3483', flipY: true, flipX: true }),
      new F.Rect({ left: 430, top: 230, width: 180, height: 20, originX: 'center', originY: 'center', fill: '#6c3483', skewX: 25, strokeWidth: 0 }),
    ],
  }),
  curved_name: () => ({
    width: 600, height: 400, background: '#fdf2e9',
    objects: [
      new F.IText('Best Teacher Ever', {
        left: 300, top: 190, originX: 'center', originY: 'center', fontFamily: 'Noto Serif', fontWeight: 'bold',
        fontSize: 40, fill: '#6e2c00', path: new F.Path('M 80 260 Q 300 40 520 260', { visible: false }),
        pathAlign: 'center', pathStartOffset: 20,
      }),
      new F.Text('Class of 2026', { left: 300, top: 300, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 28, fill: '#a04000' }),
    ],
  }),
  superscript_date: () => ({
    width: 500, height: 250, background: '#ffffff',
    objects: [
      new F.IText('June 5th, H2O', {
        left: 250, top: 125, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 60, fill: '#1c2833',
        styles: {
          0: {
            6: { fontSize: 33, deltaY: -22 }, 7: { fontSize: 33, deltaY: -22 },
            11: { fontSize: 33, deltaY: 8 },
          },
        },
      }),
    ],
  }),
  gradient_text: () => ({
    width: 600, height: 300, background: '#17202a',
    objects: [
      new F.Text('GAME ON', {
        left: 300, top: 150, originX: 'center', originY: 'center', fontFamily: 'Bebas Neue', fontSize: 150,
        fill: new F.Gradient({
          type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 0 },
          colorStops: [{ offset: 0, color: '#f1c40f' }, { offset: 0.5, color: '#e74c3c' }, { offset: 1, color: '#8e44ad' }],
        }),
      }),
    ],
  }),
  pattern_fill: () => {
    const tile = createCanvas(20, 20);
    const t = tile.getContext('2d');
    t.fillStyle = '#fdebd0';
    t.fillRect(0, 0, 20, 20);
    t.fillStyle = '#e59866';
    t.beginPath();
    t.arc(10, 10, 5, 0, Math.PI * 2);
    t.fill();
    return {
      width: 400, height: 400,
      objects: [
        new F.Rect({ ...TL, left: 0, top: 0, width: 400, height: 400, strokeWidth: 0, fill: new fabric.Pattern({ source: tile, repeat: 'repeat' }) }),
        new F.Text('Polka', { left: 200, top: 200, originX: 'center', originY: 'center', fontFamily: 'Lobster Two', fontWeight: 'bold', fontSize: 90, fill: '#784212' }),
      ],
    };
  },
  multiply_texture: () => ({
    width: 600, height: 400, background: '#ffffff',
    objects: [
      new F.Image(photo(300, 200, 0), { ...TL, left: 0, top: 0, scaleX: 2, scaleY: 2 }),
      new F.Rect({ ...TL, left: 0, top: 0, width: 600, height: 400, strokeWidth: 0, fill: '#d4ac0d', globalCompositeOperation: 'multiply', opacity: 0.6 }),
      new F.Text('Golden Hour', { left: 300, top: 330, originX: 'center', originY: 'center', fontFamily: 'Dancing Script', fontWeight: 'bold', fontSize: 64, fill: '#ffffff' }),
    ],
  }),
  include_defaults_false: () => ({
    // exported with includeDefaultValues = false: only non-default properties are in the JSON
    width: 500, height: 400, includeDefaults: false,
    objects: [
      new F.Rect({ left: 250, top: 200, width: 300, height: 200, fill: '#aed6f1', stroke: '#1f618d', strokeWidth: 4, originX: 'center', originY: 'center' }),
      new F.Rect({ ...TL, left: 20, top: 20, width: 80, height: 60, fill: '#f5b7b1' }),
      new F.Text('Hello', { left: 250, top: 200, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 50, fill: '#154360' }),
    ],
  }),
  // more combinations (storefront_more.js)
  ...require('./storefront_more.js')({ F, fabric, createCanvas, photo, star, TL }),
  ...require('./storefront_refusals.js')({ F, fabric, createCanvas, photo, star, TL }),
};



async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { fabric_version: fabric.version, major: MAJOR, designs: {} };
  for (const [name, make] of Object.entries(designs)) {
    const made = make();
    const canvas = new fabric.StaticCanvas(null, { width: made.width, height: made.height, enableRetinaScaling: false });
    if (made.background) canvas.backgroundColor = made.background;
    made.objects.forEach((o) => canvas.add(o));
    if (made.backgroundImage) canvas.backgroundImage = made.backgroundImage;
    if (made.overlayImage) canvas.overlayImage = made.overlayImage;
    if (made.clipPath) canvas.clipPath = made.clipPath;
    canvas.renderAll();
    if (made.includeDefaults === false) {
      canvas.includeDefaultValues = false;
      made.objects.forEach((o) => { o.includeDefaultValues = false; });
    }
    const json = keepCaching(canvas.toJSON(['objectCaching']));
    const lines = {};
    made.objects.forEach((o, i) => {
      if (o._textLines) lines[`objects[${i}]`] = o._textLines.map((l) => l.join(''));
    });
    // the request as a storefront sends it: no template (the canvas as it is), its size beside the objects
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify({ ...json, width: made.width, height: made.height }, null, 1) + '\n');
    for (const m of MAJOR === 5 ? [1] : [1, 2]) {
      const url = canvas.toDataURL({ format: 'png', multiplier: m });
      fs.writeFileSync(path.join(OUT, `${name}@${m}x.png`), Buffer.from(url.split(',')[1], 'base64'));
    }
    manifest.designs[name] = { width: made.width, height: made.height, text_lines: lines };
    console.log(`v${MAJOR} ${name}: ${made.objects.length} objects`);
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
