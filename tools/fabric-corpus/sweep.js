// The refusal sweep: small canvases (160 x 120 px) that exercise every Fabric object class and the property
// combinations storefront editors save — every globalCompositeOperation over a transparent and an opaque
// canvas, nested / inverted / absolutely positioned clipPaths on objects, groups and the canvas, per-character
// styles (gradient and pattern fills, deltaY, textBackgroundColor, decorations), text on a path (decorations,
// backgrounds, several lines, charSpacing), rtl, splitByGrapheme, shadows on everything, every filter,
// dashes, paintFirst, skewed images, groups in groups — each saved as a storefront saves it (toJSON() plus
// width/height) with Fabric's own render at 1x:
//
//   node sweep.js 6     # fabric 6.9.1 (npm ci here)
//   node sweep.js 7     # fabric 7.4.0 (cd v7 && npm ci)
//   node sweep.js 5     # fabric 5.3.0 (cd v5 && npm ci): Fabric 5's field spellings
//
// Output: tests/fabric_corpus/sweep/v<N>/<name>.json, <name>.png, manifest.json. tests/fabric/test_fabric_sweep.py
// renders every one with the default (print) policy: none may be refused.
'use strict';

const fs = require('fs');
const path = require('path');
const { keepCaching } = require('./keep_caching');

const MAJOR = Number(process.argv[2] || '6');
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
if (!DIRS[MAJOR]) throw new Error('usage: node sweep.js 5|6|7');
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const { registerFont, createCanvas } = from('canvas');
const REPO = path.resolve(__dirname, '..', '..');
const OUT = path.join(REPO, 'tests', 'fabric_corpus', 'sweep', `v${MAJOR}`);
const FONTS = path.join(REPO, 'fonts');
for (const [file, family, weight, style] of [
  ['noto-sans/NotoSans-Regular.ttf', 'Noto Sans', 'normal', 'normal'],
  ['noto-sans/NotoSans-Bold.ttf', 'Noto Sans', 'bold', 'normal'],
  ['noto-serif/NotoSerif-Regular.ttf', 'Noto Serif', 'normal', 'normal'],
  ['noto-serif/NotoSerif-Bold.ttf', 'Noto Serif', 'bold', 'normal'],
  ['noto-sans/NotoSans-Italic.ttf', 'Noto Sans', 'normal', 'italic'],
  ['noto-sans-hebrew/NotoSansHebrew-Regular.ttf', 'Noto Sans Hebrew', 'normal', 'normal'],
  ['droid-sans-fallback/DroidSansFallbackFull.ttf', 'Droid Sans Fallback', 'normal', 'normal'],
]) {
  if (fs.existsSync(path.join(FONTS, file))) registerFont(path.join(FONTS, file), { family, weight, style });
}

// a browser's save()/restore() of ctx.direction (canvas_direction.js explains why node-canvas needs it)
require('./canvas_direction').browserDirection(createCanvas);

const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Rect: fabric.Rect, Circle: fabric.Circle, Ellipse: fabric.Ellipse, Triangle: fabric.Triangle, Line: fabric.Line,
  Polygon: fabric.Polygon, Polyline: fabric.Polyline, Path: fabric.Path, Text: fabric.FabricText || fabric.Text,
  IText: fabric.IText, Textbox: fabric.Textbox, Image: fabric.FabricImage || fabric.Image, Group: fabric.Group,
  Gradient: fabric.Gradient, Pattern: fabric.Pattern, Shadow: fabric.Shadow, filters: fabric.filters || fabric.Image.filters,
};
const W = 160;
const H = 120;
const C = { originX: 'center', originY: 'center' };
const TL = { originX: 'left', originY: 'top' };

function photo(w, h, seed) {
  const c = createCanvas(w, h);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, ['#5dade2', '#f5b041', '#a569bd'][seed % 3]);
  g.addColorStop(1, ['#d6eaf8', '#fdebd0', '#e8daef'][seed % 3]);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = ['#1e8449', '#784212', '#1b4f72'][seed % 3];
  ctx.beginPath();
  ctx.moveTo(0, h * 0.7);
  ctx.quadraticCurveTo(w * 0.4, h * 0.45, w, h * 0.65);
  ctx.lineTo(w, h);
  ctx.lineTo(0, h);
  ctx.fill();
  ctx.fillStyle = '#f4d03f';
  ctx.beginPath();
  ctx.arc(w * 0.7, h * 0.3, h * 0.12, 0, Math.PI * 2);
  ctx.fill();
  return c;
}
function tile(size, bg, fg) {
  const c = createCanvas(size, size);
  const t = c.getContext('2d');
  t.fillStyle = bg;
  t.fillRect(0, 0, size, size);
  t.fillStyle = fg;
  t.fillRect(0, 0, size / 2, size / 2);
  t.fillRect(size / 2, size / 2, size / 2, size / 2);
  return c;
}
function cutout(size) {  // a transparent PNG: a disc with a hole
  const c = createCanvas(size, size);
  const t = c.getContext('2d');
  t.fillStyle = '#c0392b';
  t.beginPath();
  t.arc(size / 2, size / 2, size * 0.45, 0, Math.PI * 2);
  t.arc(size / 2, size / 2, size * 0.2, 0, Math.PI * 2, true);
  t.fill();
  return c;
}
const lin = (x2, y2, stops, extra) => new F.Gradient({
  type: 'linear', coords: { x1: 0, y1: 0, x2, y2 },
  colorStops: stops.map((color, i) => ({ offset: i / (stops.length - 1), color })), ...extra,
});
const pct = (stops) => new F.Gradient({
  type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 0 },
  colorStops: stops.map((color, i) => ({ offset: i / (stops.length - 1), color })),
});
const shadow = (o) => new F.Shadow({ color: 'rgba(0,0,0,0.45)', blur: 4, offsetX: 3, offsetY: 3, ...o });
const img = (o, seed = 0, w = 120, h = 90) => new F.Image(photo(w, h, seed), { left: 80, top: 60, ...C, ...o });
const label = (t, o) => new F.Text(t, { left: 80, top: 60, ...C, fontFamily: 'Noto Sans', fontSize: 24, fill: '#1b2631', ...o });
const arch = (o) => new F.Path('M 10 90 Q 80 10 150 90', { visible: false, fill: '', stroke: '', ...o });
const GCO = [
  'source-over', 'source-in', 'source-out', 'source-atop', 'destination-over', 'destination-in', 'destination-out',
  'destination-atop', 'lighter', 'copy', 'xor', 'multiply', 'screen', 'overlay', 'darken', 'lighten', 'color-dodge',
  'color-burn', 'hard-light', 'soft-light', 'difference', 'exclusion', 'hue', 'saturation', 'color', 'luminosity',
];
const FILTERS = () => {
  const f = F.filters;
  const list = {
    grayscale: [new f.Grayscale()], sepia: [new f.Sepia()], invert: [new f.Invert()],
    brightness: [new f.Brightness({ brightness: 0.2 })], contrast: [new f.Contrast({ contrast: 0.3 })],
    saturation: [new f.Saturation({ saturation: 0.6 })], noise: [new f.Noise({ noise: 60 })],
    pixelate: [new f.Pixelate({ blocksize: 6 })], blur: [new f.Blur({ blur: 0.2 })],
    sharpen: [new f.Convolute({ matrix: [0, -1, 0, -1, 5, -1, 0, -1, 0] })],
    emboss: [new f.Convolute({ matrix: [1, 1, 1, 1, 0.7, -1, -1, -1, -1] })],
    colormatrix: [new f.ColorMatrix({ matrix: [0.8, 0.2, 0, 0, 0, 0.1, 0.7, 0.2, 0, 0, 0, 0.3, 0.7, 0, 0, 0, 0, 0, 1, 0] })],
    removecolor: [new f.RemoveColor({ color: '#f4d03f', distance: 0.2 })],
    blendcolor_multiply: [new f.BlendColor({ color: '#ff6600', mode: 'multiply', alpha: 0.5 })],
    blendcolor_tint: [new f.BlendColor({ color: '#0066ff', mode: 'tint', alpha: 0.4 })],
    blendcolor_overlay: [new f.BlendColor({ color: '#aa00ff', mode: 'overlay', alpha: 0.6 })],
    gamma: [new f.Gamma({ gamma: [1.5, 1, 0.6] })],
    hue: [new f.HueRotation({ rotation: 0.4 })],
    kodachrome: [new f.Kodachrome()], brownie: [new f.Brownie()], vintage: [new f.Vintage()],
    technicolor: [new f.Technicolor()], polaroid: [new f.Polaroid()], blackwhite: [new f.BlackWhite()],
  };
  if (f.Vibrance) list.vibrance = [new f.Vibrance({ vibrance: 0.6 })];
  if (f.Composed) list.composed = [new f.Composed({ subFilters: [new f.Grayscale(), new f.Brightness({ brightness: 0.1 })] })];
  if (f.BlendImage) {
    const mask = new F.Image(tile(40, '#ffffff', '#000000'), { left: 0, top: 0 });
    list.blendimage_multiply = [new f.BlendImage({ image: mask, mode: 'multiply', alpha: 0.5 })];
  }
  return list;
};

const designs = {};
const add = (name, make) => { designs[name] = make; };

// --- every globalCompositeOperation, over a transparent canvas and over an opaque one ---
for (const op of GCO) {
  for (const bg of ['clear', 'white']) {
    add(`gco_${op}_${bg}`, () => ({
      background: bg === 'white' ? '#ffffff' : undefined,
      objects: [
        new F.Circle({ left: 60, top: 60, radius: 40, ...C, fill: '#2e86c1', strokeWidth: 0 }),
        new F.Rect({ left: 95, top: 60, width: 80, height: 60, ...C, fill: '#e67e22', strokeWidth: 0, globalCompositeOperation: op }),
      ],
    }));
  }
}
for (const op of ['multiply', 'destination-out', 'source-atop', 'destination-in', 'xor', 'screen']) {
  add(`gco_text_${op}`, () => ({
    background: '#fdf2e9',
    objects: [
      img({ scaleX: 1.2, scaleY: 1.2 }),
      label('SALE', { fontSize: 50, fontWeight: 'bold', fill: '#8e44ad', globalCompositeOperation: op }),
    ],
  }));
  add(`gco_image_${op}`, () => ({
    objects: [
      new F.Rect({ ...TL, left: 10, top: 10, width: 140, height: 100, fill: '#f1c40f', strokeWidth: 0 }),
      img({ scaleX: 0.9, scaleY: 0.9, angle: 10, globalCompositeOperation: op }, 2),
    ],
  }));
  add(`gco_in_group_${op}`, () => ({
    background: '#ffffff',
    objects: [
      new F.Group([
        new F.Rect({ left: 0, top: 0, width: 100, height: 70, ...C, fill: '#16a085', strokeWidth: 0 }),
        new F.Circle({ left: 20, top: 0, radius: 30, ...C, fill: '#e74c3c', strokeWidth: 0, globalCompositeOperation: op }),
      ], { left: 80, top: 60, ...C, opacity: 0.8, objectCaching: true }),  // cached, as in a browser
    ],
  }));
}

// --- clipPaths: nested, inverted, absolute, on objects / groups / the canvas ---
const clipCircle = (o) => new F.Circle({ radius: 40, left: 0, top: 0, ...C, ...o });
const clipRect = (o) => new F.Rect({ width: 90, height: 60, rx: 10, ry: 10, left: 0, top: 0, ...C, ...o });
for (const [kind, make] of [
  ['image', (o) => img(o)],
  ['rect', (o) => new F.Rect({ left: 80, top: 60, width: 130, height: 90, ...C, fill: lin(130, 0, ['#1abc9c', '#8e44ad']), strokeWidth: 0, ...o })],
  ['text', (o) => label('Clipped', { fontSize: 36, fontWeight: 'bold', ...o })],
  ['path', (o) => new F.Path('M 0 0 L 120 10 L 100 90 L 10 80 Z', { left: 80, top: 60, ...C, fill: '#d35400', ...o })],
]) {
  add(`clip_nested_${kind}`, () => ({ objects: [make({ clipPath: clipCircle({ clipPath: clipRect({ width: 70 }) }) })] }));
  add(`clip_inverted_${kind}`, () => ({ objects: [make({ clipPath: clipCircle({ inverted: true, radius: 25 }) })] }));
  add(`clip_absolute_${kind}`, () => ({ objects: [make({ clipPath: new F.Rect({ ...TL, left: 40, top: 30, width: 70, height: 50, absolutePositioned: true }) })] }));
  add(`clip_absolute_inverted_${kind}`, () => ({ objects: [make({ clipPath: new F.Circle({ ...TL, left: 50, top: 30, radius: 25, absolutePositioned: true, inverted: true }) })] }));
  add(`clip_group_and_own_${kind}`, () => ({
    objects: [new F.Group([make({ left: 0, top: 0, clipPath: clipRect({ angle: 15 }) })], { left: 80, top: 60, ...C, clipPath: clipCircle({ radius: 45 }) })],
  }));
  add(`clip_canvas_group_own_${kind}`, () => ({
    clipPath: new F.Rect({ ...TL, left: 15, top: 10, width: 130, height: 100, rx: 20, ry: 20 }),
    objects: [new F.Group([make({ left: 0, top: 0, clipPath: clipCircle({ radius: 42 }) })], { left: 80, top: 60, ...C, clipPath: clipRect({ width: 110, height: 70 }) })],
  }));
  add(`clip_groups_nested_${kind}`, () => ({
    objects: [new F.Group([new F.Group([make({ left: 0, top: 0 })], { left: 0, top: 0, ...C, clipPath: clipCircle({ radius: 45 }) })], { left: 80, top: 60, ...C, clipPath: clipRect({ width: 120, height: 60 }) })],
  }));
}
add('clip_canvas_nested', () => ({
  background: '#f9e79f',
  clipPath: new F.Circle({ left: 80, top: 60, radius: 55, ...C, clipPath: new F.Rect({ left: 0, top: 0, width: 90, height: 200, ...C }) }),
  objects: [img({})],
}));
add('clip_canvas_inverted', () => ({
  background: '#f9e79f',
  clipPath: new F.Circle({ left: 80, top: 60, radius: 30, ...C, inverted: true }),
  objects: [img({})],
}));
add('clip_group_of_shapes_nested', () => ({
  objects: [img({ clipPath: new F.Group([clipCircle({ left: -25, radius: 30 }), clipCircle({ left: 25, radius: 30 })], { clipPath: clipRect({ height: 40 }) }) })],
}));
add('clip_text_clip_nested', () => ({
  objects: [img({ scaleX: 1.2, scaleY: 1.2, clipPath: new F.Text('BIG', { left: 0, top: 0, ...C, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 60, clipPath: clipRect({ width: 60 }) }) })],
}));
add('clip_shadow_image', () => ({ objects: [img({ clipPath: clipCircle(), shadow: shadow() })] }));
add('clip_shadow_group', () => ({
  background: '#ffffff',
  objects: [new F.Group([new F.Rect({ left: 0, top: 0, width: 80, height: 50, ...C, fill: '#5dade2' }), label('Hi', { left: 0, top: 0 })], { left: 80, top: 60, ...C, clipPath: clipCircle({ radius: 35 }), shadow: shadow() })],
}));

// --- per-character styles ---
const styled = (styles, o) => new F.IText('Happy Days', { left: 80, top: 60, ...C, fontFamily: 'Noto Sans', fontSize: 28, fill: '#1b2631', styles, ...o });
const range = (a, b, style) => Object.fromEntries([...Array(b - a).keys()].map((i) => [a + i, style]));
add('style_fill_gradient', () => ({ objects: [styled({ 0: range(0, 5, { fill: pct(['#e74c3c', '#f1c40f']) }) })] }));
add('style_fill_gradient_px', () => ({ objects: [styled({ 0: range(6, 10, { fill: lin(60, 0, ['#1abc9c', '#2c3e50']) }) })] }));
add('style_fill_pattern', () => ({ objects: [styled({ 0: range(0, 5, { fill: new F.Pattern({ source: tile(6, '#f5b7b1', '#922b21'), repeat: 'repeat' }) }) }, { fontWeight: 'bold', fontSize: 32 })] }));
add('style_stroke_gradient', () => ({ objects: [styled({ 0: range(0, 5, { stroke: pct(['#e74c3c', '#2980b9']), strokeWidth: 1.5 }) })] }));
add('style_deltaY', () => ({ objects: [styled({ 0: { 4: { deltaY: -8, fontSize: 16 }, 9: { deltaY: 5, fontSize: 16 } } })] }));
add('style_text_background', () => ({ objects: [styled({ 0: range(2, 7, { textBackgroundColor: '#f9e79f' }) }, { textBackgroundColor: 'rgba(52,152,219,0.3)' })] }));
add('style_decorations', () => ({ objects: [styled({ 0: { ...range(0, 5, { underline: true }), ...range(6, 10, { linethrough: true, overline: true, fill: '#c0392b' }) } })] }));
add('style_decoration_thickness', () => ({ objects: [styled({ 0: range(0, 5, { underline: true, textDecorationThickness: 150 }) })] }));
add('style_transparent_fill', () => ({ objects: [styled({ 0: range(0, 5, { fill: 'transparent', stroke: '#c0392b', strokeWidth: 1 }) })] }));
// per-character charSpacing: Fabric 6's toJSON fails on it (styles range export)
add('style_char_spacing_object', () => ({ objects: [styled({}, { charSpacing: 200 })] }));
add('style_font_mix', () => ({ objects: [styled({ 0: { ...range(0, 5, { fontFamily: 'Noto Serif', fontWeight: 'bold' }), ...range(6, 10, { fontSize: 36, fill: '#117a65' }) } })] }));
add('style_textbox_multiline', () => ({
  objects: [new F.Textbox('One two three four five six', { ...TL, left: 10, top: 10, width: 140, fontFamily: 'Noto Sans', fontSize: 20, fill: '#1b2631',
    styles: { 0: { ...range(0, 3, { fill: '#e74c3c', underline: true }), ...range(8, 13, { deltaY: -4, fontSize: 14 }), ...range(14, 18, { textBackgroundColor: '#abebc6' }) } } })],
}));

// --- text on a path ---
const onPath = (t, o) => new F.IText(t, { left: 80, top: 60, ...C, fontFamily: 'Noto Sans', fontSize: 22, fill: '#1b4f72', path: arch(), ...o });
add('path_text', () => ({ objects: [onPath('On a curve')] }));
add('path_text_underline', () => ({ objects: [onPath('Underlined', { underline: true })] }));
add('path_text_linethrough_overline', () => ({ objects: [onPath('Struck out', { linethrough: true, overline: true, fill: '#922b21' })] }));
add('path_text_style_underline', () => ({ objects: [onPath('Some words', { styles: { 0: range(5, 10, { underline: true, fill: '#c0392b' }) } })] }));
add('path_text_background', () => ({ objects: [onPath('Highlight', { textBackgroundColor: '#f9e79f' })] }));
add('path_text_style_background', () => ({ objects: [onPath('Highlight', { styles: { 0: range(0, 4, { textBackgroundColor: '#aed6f1' }) } })] }));
add('path_text_multiline', () => ({ objects: [onPath('First line\nsecond')] }));
add('path_text_textbox', () => ({ objects: [new F.Textbox('Wrapped along a path here', { left: 80, top: 60, ...C, width: 90, fontFamily: 'Noto Sans', fontSize: 18, fill: '#6c3483', path: arch() })] }));
add('path_text_charspacing', () => ({ objects: [onPath('Spaced', { charSpacing: 400 })] }));
add('path_text_gradient', () => ({ objects: [onPath('Gradient', { fill: pct(['#e74c3c', '#8e44ad']), fontWeight: 'bold' })] }));
add('path_text_style_gradient', () => ({ objects: [onPath('Gradient', { styles: { 0: range(0, 4, { fill: pct(['#e74c3c', '#f39c12']) }) } })] }));
add('path_text_stroke_shadow', () => ({ objects: [onPath('Shadow', { stroke: '#f39c12', strokeWidth: 1, shadow: shadow(), fontWeight: 'bold' })] }));
add('path_text_visible_path', () => ({ objects: [onPath('Visible', { path: arch({ visible: true, stroke: '#7f8c8d', strokeWidth: 1 }) })] }));
add('path_text_right_center', () => ({ objects: [onPath('Other side', { pathSide: 'right', pathAlign: 'center', textAlign: 'center' })] }));
add('path_text_deltaY', () => ({ objects: [onPath('H2O 5th', { styles: { 0: { 1: { deltaY: 4, fontSize: 13 }, 6: { deltaY: -7, fontSize: 13 } } } })] }));
add('path_text_rotated_group', () => ({ objects: [new F.Group([onPath('In a group', { left: 0, top: 0 })], { left: 80, top: 60, ...C, angle: 20 })] }));
add('path_text_clipped', () => ({ objects: [onPath('Clipped path', { clipPath: clipRect({ width: 80, height: 200 }) })] }));

// --- direction, graphemes ---
add('rtl_text', () => ({ objects: [new F.Text('שלום עולם', { left: 80, top: 60, ...C, fontFamily: 'Noto Sans Hebrew', fontSize: 28, fill: '#1b2631', direction: 'rtl' })] }));
add('rtl_textbox_styles', () => ({
  objects: [new F.Textbox('שלום עולם יפה מאוד', { ...TL, left: 10, top: 10, width: 140, fontFamily: 'Noto Sans Hebrew', fontSize: 24, fill: '#1b2631', direction: 'rtl', textAlign: 'right', underline: true, styles: { 0: range(0, 4, { fill: '#c0392b' }) } })],
}));
add('split_by_grapheme', () => ({
  objects: [new F.Textbox('你好世界欢迎光临本店铺', { ...TL, left: 10, top: 10, width: 120, fontFamily: 'Droid Sans Fallback', fontSize: 22, fill: '#1b2631', splitByGrapheme: true })],
}));

// --- shadows everywhere ---
add('shadow_rect', () => ({ objects: [new F.Rect({ left: 80, top: 60, width: 90, height: 60, ...C, fill: '#5dade2', shadow: shadow() })] }));
add('shadow_rect_background', () => ({ objects: [new F.Rect({ left: 80, top: 60, width: 90, height: 60, ...C, fill: '#5dade2', backgroundColor: '#fdebd0', shadow: shadow() })] }));
add('shadow_circle_arc', () => ({ objects: [new F.Circle({ left: 80, top: 60, radius: 40, ...C, startAngle: 0, endAngle: 270, fill: '#f5b041', shadow: shadow() })] }));
add('shadow_clipped_arc', () => ({ objects: [new F.Circle({ left: 80, top: 60, radius: 40, ...C, startAngle: 0, endAngle: 270, fill: '#f5b041', clipPath: clipRect({ width: 60 }) })] }));
add('shadow_line', () => ({ objects: [new F.Line([20, 20, 140, 100], { stroke: '#2c3e50', strokeWidth: 6, shadow: shadow() })] }));
add('shadow_polyline', () => ({ objects: [new F.Polyline([{ x: 10, y: 100 }, { x: 60, y: 20 }, { x: 100, y: 90 }, { x: 150, y: 30 }], { fill: '', stroke: '#8e44ad', strokeWidth: 5, shadow: shadow() })] }));
add('shadow_image', () => ({ objects: [img({ scaleX: 0.8, scaleY: 0.8, shadow: shadow({ blur: 8 }) })] }));
add('shadow_cutout_image', () => ({ objects: [new F.Image(cutout(90), { left: 80, top: 60, ...C, shadow: shadow() })] }));
add('shadow_text', () => ({ objects: [label('Shadow', { shadow: shadow(), fontSize: 34 })] }));
add('shadow_text_in_group', () => ({ objects: [new F.Group([new F.Rect({ left: 0, top: 0, width: 120, height: 60, ...C, fill: '#fdebd0' }), label('Group', { left: 0, top: 0, shadow: shadow() })], { left: 80, top: 60, ...C })] }));
add('shadow_group', () => ({ objects: [new F.Group([new F.Rect({ left: 0, top: 0, width: 80, height: 50, ...C, fill: '#5dade2' }), new F.Circle({ left: 30, top: 20, radius: 20, ...C, fill: '#f4d03f' })], { left: 80, top: 60, ...C, shadow: shadow() })] }));
add('shadow_group_children_shadows', () => ({ objects: [new F.Group([new F.Rect({ left: 0, top: 0, width: 80, height: 50, ...C, fill: '#5dade2', shadow: shadow() }), new F.Circle({ left: 30, top: 20, radius: 20, ...C, fill: '#f4d03f' })], { left: 80, top: 60, ...C, shadow: shadow({ color: 'rgba(255,0,0,0.5)' }) })] }));
add('shadow_nested_group', () => ({ objects: [new F.Group([new F.Group([new F.Rect({ left: 0, top: 0, width: 80, height: 50, ...C, fill: '#5dade2' })], { left: 0, top: 0, ...C, shadow: shadow() }), label('In', { left: 30, top: 20 })], { left: 80, top: 60, ...C })] }));
add('shadow_group_with_image', () => ({ objects: [new F.Group([img({ left: 0, top: 0, scaleX: 0.7, scaleY: 0.7 }), label('Pic', { left: 0, top: 25, fill: '#ffffff' })], { left: 80, top: 60, ...C, shadow: shadow() })] }));
add('shadow_pattern_rect', () => ({ objects: [new F.Rect({ left: 80, top: 60, width: 90, height: 60, ...C, fill: new F.Pattern({ source: tile(10, '#fdebd0', '#e67e22'), repeat: 'repeat' }), shadow: shadow() })] }));
add('shadow_translucent_text_stroke', () => ({ objects: [label('Ghost', { fontSize: 40, opacity: 0.6, stroke: '#000000', strokeWidth: 1, shadow: shadow() })] }));

// --- filters, one each ---
for (const [name, list] of Object.entries(FILTERS())) {
  add(`filter_${name}`, () => {
    const im = img({ scaleX: 1.1, scaleY: 1.1 }, 1);
    im.filters = list;
    im.applyFilters();
    return { objects: [im] };
  });
}
add('filter_resize', () => {
  const im = img({ scaleX: 0.5, scaleY: 0.5 }, 1, 240, 180);
  if (F.filters.Resize) im.resizeFilter = new F.filters.Resize({ resizeType: 'sliceHack' });
  return { objects: [im] };
});

// --- strokes ---
add('stroke_dashes_all', () => ({
  objects: [
    new F.Rect({ left: 45, top: 40, width: 60, height: 40, ...C, fill: '', stroke: '#2c3e50', strokeWidth: 3, strokeDashArray: [6, 3], strokeDashOffset: 2 }),
    new F.Circle({ left: 120, top: 40, radius: 25, ...C, fill: '#fdebd0', stroke: '#c0392b', strokeWidth: 3, strokeDashArray: [2, 4], strokeLineCap: 'round' }),
    new F.Path('M 10 100 C 50 60 100 130 150 90', { fill: '', stroke: '#16a085', strokeWidth: 4, strokeDashArray: [10, 4, 2, 4] }),
    new F.Polygon([{ x: 60, y: 70 }, { x: 90, y: 70 }, { x: 75, y: 95 }], { fill: '#f4d03f', stroke: '#7d6608', strokeWidth: 4, strokeLineJoin: 'round', paintFirst: 'stroke' }),
  ],
}));
add('stroke_paint_first_text', () => ({ objects: [label('Outline', { fontSize: 40, fontWeight: 'bold', stroke: '#1b4f72', strokeWidth: 6, paintFirst: 'stroke', fill: '#f7dc6f', strokeLineJoin: 'round' })] }));
add('stroke_uniform_skewed', () => ({ objects: [new F.Rect({ left: 80, top: 60, width: 60, height: 40, ...C, fill: '#d6eaf8', stroke: '#1b4f72', strokeWidth: 3, scaleX: 1.8, skewX: 20, strokeUniform: true })] }));
add('stroke_nonuniform', () => ({ objects: [new F.Ellipse({ left: 80, top: 60, rx: 30, ry: 20, ...C, fill: '#fadbd8', stroke: '#922b21', strokeWidth: 3, scaleX: 2, scaleY: 1 })] }));
add('stroke_gradient_dashed_path', () => ({ objects: [new F.Path('M 10 60 Q 80 0 150 60 T 150 100', { fill: '', stroke: lin(140, 0, ['#e74c3c', '#3498db']), strokeWidth: 5, strokeDashArray: [8, 4] })] }));

// --- images ---
add('image_skew_x', () => ({ objects: [img({ scaleX: 0.9, scaleY: 0.9, skewX: 25 })] }));
add('image_skew_xy_rotated', () => ({ objects: [img({ scaleX: 0.8, scaleY: 0.8, skewX: 15, skewY: 10, angle: 20 })] }));
add('image_skew_clip', () => ({ objects: [img({ skewX: 20, clipPath: clipCircle() })] }));
add('image_skew_shadow_flip', () => ({ objects: [img({ scaleX: 0.8, scaleY: 0.8, skewY: 15, flipX: true, shadow: shadow() })] }));
add('image_crop_stroke', () => ({ objects: [img({ cropX: 20, cropY: 10, width: 80, height: 60, stroke: '#ffffff', strokeWidth: 6 })] }));
add('image_translucent_rotated', () => ({ background: '#2c3e50', objects: [img({ opacity: 0.5, angle: 30 })] }));

// --- groups ---
add('group_in_group_in_group', () => ({
  objects: [new F.Group([
    new F.Group([
      new F.Group([new F.Rect({ left: 0, top: 0, width: 40, height: 40, ...C, fill: '#e74c3c' }), label('a', { left: 0, top: 0, fill: '#fff' })], { left: -20, top: 0, ...C, angle: 15, opacity: 0.8 }),
      new F.Circle({ left: 30, top: 0, radius: 20, ...C, fill: '#3498db' }),
    ], { left: 0, top: 0, ...C, scaleX: 1.2, scaleY: 1.2, flipX: true }),
    img({ left: 0, top: 30, scaleX: 0.3, scaleY: 0.3 }),
  ], { left: 80, top: 60, ...C, angle: -10, opacity: 0.9 })],
}));
add('group_translucent_image_overlap', () => ({
  objects: [new F.Group([img({ left: -20, top: 0, scaleX: 0.6, scaleY: 0.6 }), new F.Rect({ left: 20, top: 0, width: 60, height: 50, ...C, fill: '#8e44ad' })], { left: 80, top: 60, ...C, opacity: 0.6 })],
}));
add('group_blend_translucent', () => ({
  background: '#ffffff',
  objects: [img({}), new F.Group([new F.Rect({ left: 0, top: 0, width: 80, height: 60, ...C, fill: '#f1c40f', globalCompositeOperation: 'multiply' }), label('x', { left: 0, top: 0 })], { left: 80, top: 60, ...C, opacity: 0.7, objectCaching: true })],
}));
add('group_backgroundcolor_skew', () => ({ objects: [new F.Group([new F.Rect({ left: 0, top: 0, width: 60, height: 40, ...C, fill: '#1abc9c' })], { left: 80, top: 60, ...C, backgroundColor: '#fcf3cf', skewX: 15 })] }));

// --- text variety ---
add('text_justify_left_multiline_plain', () => ({ objects: [new F.Text('a b c d\ne f', { left: 80, top: 60, ...C, fontFamily: 'Noto Sans', fontSize: 20, textAlign: 'justify-left' })] }));
add('text_skewed_gradient_shadow', () => ({ objects: [label('Skew', { fontSize: 44, skewX: 20, fill: pct(['#e74c3c', '#f1c40f']), shadow: shadow() })] }));
add('text_nonuniform', () => ({ objects: [label('Wide', { fontSize: 30, scaleX: 1.6, scaleY: 0.9 })] }));
add('text_clip_with_background', () => ({ objects: [img({ clipPath: new F.Text('HI', { left: 0, top: 0, ...C, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 70, textBackgroundColor: '#ff0000' }) })] }));
add('text_clip_underline', () => ({ objects: [img({ clipPath: new F.Text('HI', { left: 0, top: 0, ...C, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 70, underline: true }) })] }));
add('text_background_shadow_group', () => ({ objects: [new F.Group([label('Bg', { left: 0, top: 0, backgroundColor: '#fdebd0', shadow: shadow() })], { left: 80, top: 60, ...C })] }));
add('text_stroke_gradient_pattern', () => ({ objects: [label('Fancy', { fontSize: 40, fontWeight: 'bold', fill: new F.Pattern({ source: tile(8, '#d6eaf8', '#2874a6'), repeat: 'repeat' }), stroke: lin(100, 0, ['#c0392b', '#f39c12']), strokeWidth: 2 })] }));

// --- shapes variety ---
add('shape_rx_ry', () => ({ objects: [new F.Rect({ left: 80, top: 60, width: 110, height: 70, ...C, rx: 30, ry: 12, fill: '#a3e4d7', stroke: '#117864', strokeWidth: 2 })] }));
add('shape_fill_stroke_alpha', () => ({ objects: [new F.Rect({ left: 80, top: 60, width: 110, height: 70, ...C, fill: 'rgba(231,76,60,0.5)', stroke: '#1b2631', strokeWidth: 4 })] }));
add('shape_background_color_skew_shadow', () => ({ objects: [new F.Circle({ left: 80, top: 60, radius: 35, ...C, fill: '#f5b041', backgroundColor: '#d5f5e3', skewX: 10, shadow: shadow() })] }));
add('shape_radial_pattern_transform', () => ({
  background: new F.Pattern({ source: tile(16, '#fef9e7', '#f9e79f'), repeat: 'repeat', patternTransform: [0.7, 0.7, -0.7, 0.7, 0, 0] }),
  objects: [new F.Ellipse({ left: 80, top: 60, rx: 60, ry: 40, ...C, fill: new F.Gradient({ type: 'radial', gradientUnits: 'percentage', coords: { x1: 0.3, y1: 0.3, r1: 0.05, x2: 0.5, y2: 0.5, r2: 0.6 }, colorStops: [{ offset: 0, color: '#ffffff' }, { offset: 1, color: '#2e86c1' }] }) })],
}));

// --- what storefronts save besides toJSON()'s defaults: legacy type names, defaults left out, nulls, strings
// Fabric reads (shadows, hsl colours, raw SVG path data), mirrors by negative scale, canvas images/overlays.
// `patch` edits the saved JSON the way an editor or an older Fabric writes it; the reference is then Fabric
// loading that JSON (loadFromJSON), so it is only kept when Fabric itself draws it.
const lower = (json) => { json.objects.forEach((o) => { o.type = { IText: 'i-text', FabricText: 'text', Text: 'text' }[o.type] || o.type.toLowerCase(); }); return json; };
add('saved_type_names_lowercase', () => ({
  objects: [new F.Rect({ left: 10, top: 10, width: 50, height: 30, fill: '#2e86c1' }), new F.Circle({ left: 100, top: 10, radius: 18, fill: '#f5b041' }),
    new F.IText('i-text', { left: 10, top: 60, fontFamily: 'Noto Sans', fontSize: 20, fill: '#6c3483' }), new F.Textbox('a textbox wraps', { left: 90, top: 55, width: 60, fontFamily: 'Noto Sans', fontSize: 14, fill: '#117864' })],
  patch: lower,
}));
add('saved_without_defaults', () => ({
  objects: [new F.Rect({ left: 10, top: 10, width: 60, height: 40 }), new F.Text('Default', { left: 80, top: 20, fontFamily: 'Noto Sans', fontSize: 22 }),
    new F.Circle({ left: 30, top: 60, radius: 20, stroke: '#c0392b' }), new F.Polygon([{ x: 0, y: 0 }, { x: 40, y: 10 }, { x: 20, y: 40 }], { left: 100, top: 65 })],
  withoutDefaults: true,
}));
add('saved_nulls', () => ({
  objects: [new F.Rect({ left: 20, top: 20, width: 60, height: 40, fill: '#48c9b0' }), new F.Rect({ left: 90, top: 50, width: 50, height: 50, fill: '#e74c3c', stroke: '#000', strokeWidth: 3 }),
    new F.Text('null\nfields', { left: 10, top: 70, fontFamily: 'Noto Sans', fontSize: 16, fill: '#1b2631', textAlign: 'right' })],
  patch: (json) => { Object.assign(json.objects[0], { stroke: null, strokeDashArray: null, shadow: null, clipPath: null, backgroundColor: null, skewX: null, angle: null, originX: null, originY: null });
    Object.assign(json.objects[2], { pathSide: null, pathAlign: null });
    Object.assign(json.objects[1], { fill: null, strokeLineCap: null, strokeLineJoin: null, strokeMiterLimit: null }); return json; },
}));
add('saved_invisible_objects', () => ({
  objects: [new F.Rect({ left: 10, top: 10, width: 140, height: 100, fill: '#000', visible: false }), label('Shown', { fontSize: 30 }), new F.Circle({ left: 100, top: 70, radius: 30, fill: '#e74c3c', visible: false }),
    new F.Group([new F.Rect({ left: 0, top: 0, width: 40, height: 20, fill: '#2e86c1', visible: false }), new F.Rect({ left: 50, top: 0, width: 40, height: 20, fill: '#2e86c1' })], { left: 20, top: 85 })],
}));
add('saved_negative_scale', () => ({
  objects: [new F.Rect({ left: 70, top: 10, width: 50, height: 30, fill: '#2e86c1' }), new F.Text('Mirror', { left: 90, top: 50, fontFamily: 'Noto Sans', fontSize: 24, fill: '#6c3483' }),
    img({ left: 150, top: 85, originX: 'left', originY: 'top', scaleX: 0.5, scaleY: 0.3 }), new F.Triangle({ left: 20, top: 115, width: 30, height: 30, fill: '#f5b041', angle: 15 })],
  // toJSON() writes a negative scale as a flip (Fabric's _set); an editor may write the negative scale itself
  patch: (json) => { json.objects[0].scaleX = -1.2; json.objects[1] = { ...json.objects[1], scaleX: -1 }; delete json.objects[1].flipX;
    json.objects[2].scaleX = -0.5; json.objects[3] = { ...json.objects[3], flipY: true, scaleY: -1 }; return json; },
}));
add('saved_zero_sizes', () => ({
  objects: [new F.Rect({ left: 20, top: 20, width: 0, height: 0, fill: '#e74c3c', stroke: '#1b2631', strokeWidth: 4 }), new F.Rect({ left: 40, top: 20, width: 50, height: 0, stroke: '#1b2631', strokeWidth: 2 }),
    new F.IText('', { left: 40, top: 60, fontFamily: 'Noto Sans', fontSize: 20 }), new F.Group([], { left: 80, top: 80 }), new F.Rect({ left: 100, top: 60, width: 40, height: 40, fill: '#48c9b0', scaleX: 0 }), label('zero', { left: 120, top: 100, fontSize: 16 })],
}));
add('saved_huge_and_tiny_scale', () => ({
  objects: [new F.Rect({ left: 80, top: 60, width: 1, height: 1, ...C, fill: '#fdebd0', scaleX: 150, scaleY: 110 }), new F.Circle({ left: 80, top: 60, radius: 2000, ...C, fill: '#5dade2', scaleX: 0.02, scaleY: 0.02 }),
    label('Big', { fontSize: 2, scaleX: 12, scaleY: 12 })],
}));
add('saved_path_svg_data', () => ({
  objects: [new F.Path('M 10 10 A 30 20 0 0 1 70 50 L 10 50 z', { left: 15, top: 10, fill: '#2e86c1', stroke: '#1b2631', strokeWidth: 2 }),
    new F.Path('M 90 20 h 50 v 30 c -10 10 -40 10 -50 0 s 10 -20 0 -30 z', { left: 90, top: 60, fill: '#f5b041' })],
  // an older editor (or Fabric < 4) keeps the path data as written: a string with arcs, relative commands
  patch: (json) => { json.objects[0].path = 'M 10 10 A 30 20 0 0 1 70 50 L 10 50 z'; json.objects[1].path = [['M', 90, 20], ['h', 50], ['v', 30], ['c', -10, 10, -40, 10, -50, 0], ['s', 10, -20, 0, -30], ['z']]; return json; },
}));
add('saved_strings_fabric_reads', () => ({
  objects: [new F.Rect({ left: 15, top: 15, width: 60, height: 40, fill: 'hsla(200, 60%, 50%, 0.8)', shadow: shadow() }),
    new F.Rect({ left: 10, top: 75, width: 40, height: 30, fill: '', stroke: 'rgba(26, 51, 153, 0.9)', strokeWidth: 4 }),
    new F.Circle({ left: 95, top: 30, radius: 25, fill: 'hsl(30, 90%, 55%)', shadow: shadow() }), label('hsl', { left: 80, top: 95, fill: 'hsl(280, 50%, 40%)' })],
  patch: (json) => { json.objects[0].shadow = 'rgba(0,0,0,0.45) 3px 3px 4px'; json.objects[2].shadow = '2px 4px 6px #c0392b'; return json; },
}));
add('saved_polyline_line_ellipse', () => ({
  objects: [new F.Polyline([{ x: 10, y: 100 }, { x: 40, y: 30 }, { x: 70, y: 90 }, { x: 100, y: 20 }], { fill: '', stroke: '#8e44ad', strokeWidth: 6, strokeLineJoin: 'round', strokeLineCap: 'round' }),
    new F.Polyline([{ x: 0, y: 0 }, { x: 30, y: 20 }, { x: 60, y: 0 }], { left: 95, top: 10, fill: '#d6eaf8', stroke: '#1b4f72', strokeWidth: 3, strokeDashArray: [6, 3] }),
    new F.Line([150, 110, 100, 60], { stroke: '#c0392b', strokeWidth: 5, strokeLineCap: 'square' }), new F.Line([20, 110, 90, 110], { stroke: '#1b2631', strokeWidth: 2, strokeDashArray: [4, 4] }),
    new F.Ellipse({ left: 120, top: 80, rx: 30, ry: 12, ...C, fill: '#f9e79f', stroke: '#b7950b', strokeWidth: 3, angle: -25 })],
}));
// Fabric 5 skips a null filter; 6 fails to load the canvas, 7 draws the image as nothing: Fabric 5 only
if (MAJOR === 5) add('saved_image_filters_nulls', () => ({
  objects: [img({ crossOrigin: 'anonymous', filters: [new F.filters.Grayscale()] })],
  patch: (json) => { json.objects[0].filters = [null, ...json.objects[0].filters]; return json; },
}));
if (fabric.LayoutManager && fabric.FixedLayout) {
  add('saved_group_layout_manager', () => ({
    objects: [new F.Group([new F.Rect({ left: 10, top: 10, width: 60, height: 40, fill: '#2e86c1' }), new F.Circle({ left: 50, top: 30, radius: 20, fill: '#f5b041' })],
      { left: 30, top: 20, width: 120, height: 90, layoutManager: new fabric.LayoutManager(new fabric.FixedLayout()), backgroundColor: '#fdebd0' })],
  }));
}
add('saved_canvas_images_overlay', () => ({
  objects: [label('Over', { fontSize: 32, fill: '#ffffff' })],
  backgroundImage: img({ left: 0, top: 0, originX: 'left', originY: 'top', scaleX: 160 / 120, scaleY: 120 / 90 }, 1),
  overlayImage: new F.Image(cutout(60), { left: 100, top: 50 }),
  overlayColor: 'rgba(30,60,120,0.25)',
}));
add('saved_canvas_clip_absolute', () => ({
  objects: [img({ scaleX: 1.4, scaleY: 1.4 }), new F.Rect({ left: 0, top: 0, width: 160, height: 30, fill: '#1b2631' })],
  clipPath: new F.Circle({ left: 80, top: 60, radius: 50, ...C, absolutePositioned: true }),
}));

// a Pattern inside per-character styles is not serialised by Fabric's toObject (JSON.stringify walks the
// Pattern and its canvas source): written as Pattern.toObject() writes an object's fill pattern
const canvasAsDataURL = (key, value) => {
  if (value instanceof F.Pattern) return value.toObject();
  return value && typeof value.toDataURL === 'function' && typeof value.getContext === 'function' ? value.toDataURL() : value;
};


async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const only = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;
  const mpath = path.join(OUT, 'manifest.json');
  const manifest = only && fs.existsSync(mpath) ? JSON.parse(fs.readFileSync(mpath, 'utf8'))
    : { fabric_version: fabric.version, major: MAJOR, designs: {} };
  for (const [name, make] of Object.entries(designs)) {
    if (only && !only.has(name)) continue;
    let made;
    try {
      made = make();
    } catch (e) {
      console.log(`v${MAJOR} ${name}: not made by this Fabric (${e.message.split('\n')[0]})`);
      continue;
    }
    let canvas = new fabric.StaticCanvas(null, { width: W, height: H, enableRetinaScaling: false });
    if (made.background) canvas.backgroundColor = made.background;
    made.objects.forEach((o) => canvas.add(o));
    if (made.clipPath) canvas.clipPath = made.clipPath;
    for (const key of ['backgroundImage', 'overlayImage', 'overlayColor']) if (made[key]) canvas[key] = made[key];
    if (made.withoutDefaults) canvas.includeDefaultValues = false;
    try {
      canvas.renderAll();
    } catch (e) {
      console.log(`v${MAJOR} ${name}: not drawn by this Fabric (${e.message.split('\n')[0]})`);
      continue;
    }
    let json;
    try {
      json = keepCaching(canvas.toJSON(['objectCaching']));
    } catch (e) {
      console.log(`v${MAJOR} ${name}: toJSON failed (${e.message.split('\n')[0]})`);
      continue;
    }
    if (made.patch) {  // saved as an editor writes it: the reference is Fabric loading that JSON
      json = made.patch(JSON.parse(JSON.stringify(json, canvasAsDataURL)));
      canvas = new fabric.StaticCanvas(null, { width: W, height: H, enableRetinaScaling: false });
      try {
        if (MAJOR === 5) await new Promise((res) => canvas.loadFromJSON(json, res));
        else await canvas.loadFromJSON(json);
        canvas.renderAll();
      } catch (e) {
        console.log(`v${MAJOR} ${name}: Fabric does not load it (${e.message.split('\n')[0]})`);
        continue;
      }
    }
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify({ ...json, width: W, height: H }, canvasAsDataURL) + '\n');
    const url = canvas.toDataURL({ format: 'png', multiplier: 1 });
    fs.writeFileSync(path.join(OUT, `${name}.png`), Buffer.from(url.split(',')[1], 'base64'));
    manifest.designs[name] = { width: W, height: H };
  }
  fs.writeFileSync(mpath, JSON.stringify(manifest, null, 1) + '\n');
  console.log(`v${MAJOR}: ${Object.keys(manifest.designs).length} designs`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
