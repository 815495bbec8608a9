// Generates tests/fabric_corpus/: Fabric.js designs as canvas.toJSON() output plus Fabric's own render
// of each (StaticCanvas in Node through node-canvas/cairo), used by tests/fabric/test_fabric.py as the
// fidelity reference for render_engine/fabric/ (the importer package).
//
//   cd tools/fabric-corpus && npm ci && node generate.js
//
// node-canvas builds from source here: apt-get install libcairo2-dev libpango1.0-dev libjpeg-dev
// libgif-dev librsvg2-dev build-essential first. Fonts are registered from /fonts so Fabric and the
// engine draw with the same font files. Every file this writes is derived from this script alone.
'use strict';

const fs = require('fs');
const path = require('path');
const { keepCaching } = require('./keep_caching');
const { registerFont, createCanvas } = require('canvas');

const REPO = path.resolve(__dirname, '..', '..');
const OUT = path.join(REPO, 'tests', 'fabric_corpus');
const FONTS = path.join(REPO, 'fonts');

// Register bundled fonts before fabric creates any canvas (node-canvas requires that order).
const FACES = [
  ['noto-sans/NotoSans-Regular.ttf', 'Noto Sans', 'normal', 'normal'],
  ['noto-sans/NotoSans-Bold.ttf', 'Noto Sans', 'bold', 'normal'],
  ['noto-sans/NotoSans-Italic.ttf', 'Noto Sans', 'normal', 'italic'],
  ['noto-serif/NotoSerif-Regular.ttf', 'Noto Serif', 'normal', 'normal'],
  ['noto-serif/NotoSerif-Bold.ttf', 'Noto Serif', 'bold', 'normal'],
  ['dancing-script/DancingScript-Regular.otf', 'Dancing Script', 'normal', 'normal'],
  ['noto-sans-hebrew/NotoSansHebrew-Regular.ttf', 'Noto Sans Hebrew', 'normal', 'normal'],
  ['noto-sans-hebrew/NotoSansHebrew-Bold.ttf', 'Noto Sans Hebrew', 'bold', 'normal'],
  ['noto-sans-arabic/NotoSansArabic-Regular.ttf', 'Noto Sans Arabic', 'normal', 'normal'],
  ['droid-sans-fallback/DroidSansFallback.ttf', 'Droid Sans Fallback', 'normal', 'normal'],
];
for (const [file, family, weight, style] of FACES) {
  registerFont(path.join(FONTS, file), { family, weight, style });
}

const fabric = require('fabric/node');

// node-canvas has no CanvasRenderingContext2D.direction: a browser's save()/restore() of it (canvas_direction.js)
require('./canvas_direction').browserDirection(createCanvas);

const W = 600; // 12 x 16 in at 50 dpi: tshirt-front-dtg's trim box (no bleed), aspect 3:4
const H = 800;

function photoCanvas() {
  // A small procedural "photo": gradient, disc and bars, so crops, flips and rotations are visible.
  const c = createCanvas(160, 120);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 160, 120);
  g.addColorStop(0, '#1e5aa8');
  g.addColorStop(1, '#f2b134');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 160, 120);
  ctx.fillStyle = '#c0392b';
  ctx.beginPath();
  ctx.arc(50, 45, 28, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(100, 20, 12, 80);
  ctx.fillStyle = '#222222';
  ctx.fillRect(10, 95, 70, 12);
  return c;
}

const designs = {
  rects: () => [
    new fabric.Rect({ left: 40, top: 40, width: 200, height: 120, fill: '#e74c3c', strokeWidth: 0 }),
    new fabric.Rect({
      left: 300, top: 60, width: 220, height: 160, fill: '#3498db', stroke: '#2c3e50', strokeWidth: 8,
      rx: 24, ry: 24,
    }),
    new fabric.Rect({
      left: 300, top: 450, width: 260, height: 120, fill: '#2ecc71', stroke: '#000000', strokeWidth: 4,
      angle: 30, originX: 'center', originY: 'center',
    }),
    new fabric.Rect({ left: 60, top: 620, width: 120, height: 80, fill: 'rgb(155, 89, 182)', scaleX: 1.5, scaleY: 1.5 }),
  ],
  circles: () => [
    new fabric.Circle({ left: 60, top: 60, radius: 90, fill: '#f39c12', strokeWidth: 0 }),
    new fabric.Circle({ left: 320, top: 80, radius: 100, fill: 'white', stroke: '#8e44ad', strokeWidth: 10 }),
    new fabric.Ellipse({
      left: 300, top: 500, rx: 180, ry: 80, fill: '#16a085', stroke: '#0b3d35', strokeWidth: 6, angle: -20,
      originX: 'center', originY: 'center',
    }),
    new fabric.Ellipse({ left: 40, top: 640, rx: 60, ry: 40, fill: '#d35400', scaleX: 2, scaleY: 1.5, strokeWidth: 0 }),
  ],
  text: () => [
    new fabric.Text('Grandma Rose', { left: 40, top: 40, fontFamily: 'Noto Sans', fontSize: 56, fill: '#1a1a1a' }),
    new fabric.Text('Happy Birthday', {
      left: 40, top: 160, fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 48, fill: '#c0392b',
    }),
    new fabric.IText('with love', {
      left: 300, top: 330, originX: 'center', fontFamily: 'Dancing Script', fontSize: 64, fill: '#8e44ad',
    }),
    new fabric.Text('Two lines\nof centred text', {
      left: 60, top: 480, fontFamily: 'Noto Sans', fontSize: 40, textAlign: 'center', fill: '#2c3e50',
      lineHeight: 1.3,
    }),
  ],
  textbox: () => [
    new fabric.Textbox('The quick brown fox jumps over the lazy dog near the riverbank', {
      left: 40, top: 40, width: 300, fontFamily: 'Noto Sans', fontSize: 32, fill: '#000000',
    }),
    new fabric.Textbox('Forever and always, together in every season of our lives', {
      left: 60, top: 420, width: 480, fontFamily: 'Noto Serif', fontSize: 36, textAlign: 'center',
      lineHeight: 1.25, fill: '#1e3799',
    }),
    new fabric.Textbox('Spaced letters wrap too', {
      left: 380, top: 60, width: 190, fontFamily: 'Noto Sans', fontSize: 26, charSpacing: 100, fill: '#6a1b9a',
      textAlign: 'right',
    }),
  ],
  image: () => {
    const src = photoCanvas();
    return [
      new fabric.FabricImage(src, { left: 40, top: 40, scaleX: 2.5, scaleY: 2.5 }),
      new fabric.FabricImage(src, {
        left: 300, top: 560, originX: 'center', originY: 'center', scaleX: 2, scaleY: 2, angle: 15, flipX: true,
      }),
      new fabric.FabricImage(src, { left: 460, top: 60, cropX: 20, cropY: 10, width: 60, height: 80, scaleX: 1.5, scaleY: 1.5 }),
    ];
  },
  transforms: () => [
    new fabric.Rect({ left: 100, top: 100, width: 150, height: 60, fill: '#e84393', angle: 45, strokeWidth: 0 }),
    new fabric.Rect({
      left: 550, top: 300, width: 100, height: 50, fill: '#00b894', originX: 'right', originY: 'bottom',
      angle: -30, scaleX: 2, scaleY: 1.2, strokeWidth: 0,
    }),
    new fabric.Triangle({
      left: 150, top: 420, width: 160, height: 120, fill: '#fdcb6e', stroke: '#e17055', strokeWidth: 5, flipY: true,
    }),
    new fabric.Rect({ left: 360, top: 450, width: 140, height: 100, fill: '#0984e3', skewX: 20, strokeWidth: 0 }),
    new fabric.Text('Tilted', {
      left: 300, top: 700, originX: 'center', originY: 'center', angle: -12, fontFamily: 'Noto Sans', fontSize: 60,
      fill: '#2d3436', scaleX: 1.2, scaleY: 1.2,
    }),
  ],
  group: () => {
    const g = new fabric.Group(
      [
        new fabric.Rect({ left: 0, top: 0, width: 200, height: 140, fill: '#74b9ff', strokeWidth: 0 }),
        new fabric.Circle({ left: 120, top: 60, radius: 50, fill: '#d63031', strokeWidth: 0 }),
        new fabric.Rect({ left: 20, top: 100, width: 60, height: 60, fill: '#55efc4', angle: 20, strokeWidth: 0 }),
      ],
      { left: 120, top: 120, angle: 25, scaleX: 1.3, scaleY: 1.3 },
    );
    const inner = new fabric.Group([
      new fabric.Ellipse({ left: 0, top: 0, rx: 60, ry: 30, fill: '#fd79a8', strokeWidth: 0 }),
      new fabric.Rect({ left: 80, top: 10, width: 50, height: 50, fill: '#636e72', strokeWidth: 0 }),
    ]);
    const outer = new fabric.Group([inner, new fabric.Rect({ left: 0, top: 90, width: 150, height: 30, fill: '#fab1a0', strokeWidth: 0 })], {
      left: 300, top: 500, angle: -15, flipX: true,
    });
    return [g, outer];
  },
  path: () => [
    new fabric.Path('M 10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80 L 180 160 L 10 160 Z', {
      left: 40, top: 60, fill: '#00cec9', stroke: '#2d3436', strokeWidth: 4, scaleX: 2.5, scaleY: 2.5,
    }),
    new fabric.Path('M 0 0 Q 60 -60 120 0 T 240 0', {
      left: 150, top: 600, fill: '', stroke: '#e17055', strokeWidth: 10, angle: 10,
    }),
    new fabric.Path('M 50 0 L 61 35 L 98 35 L 68 57 L 79 91 L 50 70 L 21 91 L 32 57 L 2 35 L 39 35 Z', {
      left: 380, top: 420, fill: '#fdcb6e', strokeWidth: 0, scaleX: 1.8, scaleY: 1.8,
    }),
  ],
  polygon: () => [
    new fabric.Polygon(
      [{ x: 0, y: 0 }, { x: 200, y: 40 }, { x: 160, y: 200 }, { x: 40, y: 160 }],
      { left: 60, top: 60, fill: '#a29bfe', stroke: '#2d3436', strokeWidth: 6 },
    ),
    new fabric.Polyline(
      [{ x: 0, y: 100 }, { x: 60, y: 0 }, { x: 120, y: 100 }, { x: 180, y: 0 }, { x: 240, y: 100 }],
      { left: 300, top: 120, fill: '', stroke: '#d63031', strokeWidth: 8, strokeLineJoin: 'round' },
    ),
    new fabric.Polygon(
      [{ x: 50, y: 0 }, { x: 100, y: 50 }, { x: 50, y: 100 }, { x: 0, y: 50 }],
      { left: 300, top: 500, originX: 'center', originY: 'center', fill: '#00b894', angle: 10, scaleX: 2.5, scaleY: 1.5, strokeWidth: 0 },
    ),
    new fabric.Line([60, 700, 540, 620], { stroke: '#0984e3', strokeWidth: 12 }),
  ],
  gradients: () => [
    new fabric.Rect({
      left: 40, top: 40, width: 240, height: 160, strokeWidth: 0,
      fill: new fabric.Gradient({
        type: 'linear', coords: { x1: 0, y1: 0, x2: 240, y2: 0 },
        colorStops: [{ offset: 0, color: '#e74c3c' }, { offset: 0.5, color: '#f1c40f' }, { offset: 1, color: '#2980b9' }],
      }),
    }),
    new fabric.Circle({
      left: 330, top: 40, radius: 110, strokeWidth: 0,
      fill: new fabric.Gradient({
        type: 'radial', coords: { x1: 110, y1: 110, r1: 0, x2: 110, y2: 110, r2: 110 },
        colorStops: [{ offset: 0, color: '#ffffff' }, { offset: 1, color: '#8e44ad' }],
      }),
    }),
    new fabric.Rect({
      left: 300, top: 420, width: 300, height: 140, angle: 20, originX: 'center', originY: 'center', strokeWidth: 0,
      fill: new fabric.Gradient({
        type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 0, y2: 1 },
        colorStops: [{ offset: 0, color: '#1abc9c' }, { offset: 1, color: '#2c3e50', opacity: 0.6 }],
      }),
    }),
    new fabric.Path('M 50 0 L 61 35 L 98 35 L 68 57 L 79 91 L 50 70 L 21 91 L 32 57 L 2 35 L 39 35 Z', {
      left: 120, top: 580, scaleX: 2, scaleY: 2, strokeWidth: 0,
      fill: new fabric.Gradient({
        type: 'linear', coords: { x1: 0, y1: 0, x2: 100, y2: 0 }, gradientTransform: [1, 0, 0, 1, 0, 0],
        colorStops: [{ offset: 0, color: '#e67e22' }, { offset: 1, color: '#c0392b' }],
      }),
    }),
  ],
  filters: () => {
    const src = photoCanvas();
    const F = fabric.filters;
    const specs = [
      [new F.Grayscale()],
      [new F.Sepia()],
      [new F.Brightness({ brightness: 0.2 })],
      [new F.Contrast({ contrast: 0.4 })],
      [new F.Invert()],
      [new F.BlendColor({ color: '#3498db', mode: 'multiply', alpha: 1 })],
    ];
    return specs.map((filters, i) => {
      const img = new fabric.FabricImage(src, { left: 20 + (i % 2) * 290, top: 20 + Math.floor(i / 2) * 260, scaleX: 1.7, scaleY: 1.7 });
      img.filters = filters;
      img.applyFilters();
      return img;
    });
  },
  opacity: () => [
    new fabric.Rect({ left: 80, top: 80, width: 300, height: 300, fill: '#e74c3c', opacity: 0.6, strokeWidth: 0 }),
    new fabric.Circle({ left: 220, top: 220, radius: 150, fill: 'rgba(52, 152, 219, 0.5)', strokeWidth: 0 }),
    new fabric.Rect({ left: 100, top: 560, width: 400, height: 120, fill: '#2ecc71', opacity: 0.4, strokeWidth: 0 }),
    new fabric.Text('Half', { left: 200, top: 580, fontFamily: 'Noto Sans', fontSize: 72, fill: '#000000', opacity: 0.5 }),
  ],
  decorations: () => [
    new fabric.Text('Underlined', { left: 40, top: 40, fontFamily: 'Noto Sans', fontSize: 56, fill: '#c0392b', underline: true }),
    new fabric.Text('Struck and over', {
      left: 300, top: 260, originX: 'center', originY: 'center', angle: -10, fontFamily: 'Noto Serif', fontSize: 48,
      fill: '#1e3799', linethrough: true, overline: true,
    }),
    new fabric.Textbox('Every wrapped line gets its own underline', {
      left: 60, top: 400, width: 480, fontFamily: 'Noto Sans', fontSize: 40, textAlign: 'center', fill: '#2d3436',
      underline: true, charSpacing: 50,
    }),
    new fabric.Text('thick', {
      left: 80, top: 660, fontFamily: 'Noto Sans', fontSize: 64, fill: '#6a1b9a', underline: true,
      textDecorationThickness: 150,
    }),
  ],
  clips: () => {
    const src = photoCanvas();
    return [
      new fabric.FabricImage(src, {
        left: 30, top: 30, scaleX: 1.6, scaleY: 1.6,
        clipPath: new fabric.Circle({ radius: 55, originX: 'center', originY: 'center', left: 0, top: 0 }),
      }),
      new fabric.FabricImage(src, {
        left: 450, top: 140, originX: 'center', originY: 'center', scaleX: 1.5, scaleY: 1.5, angle: 20, flipX: true,
        clipPath: new fabric.Rect({ left: -60, top: -40, width: 100, height: 70, rx: 12, ry: 12, angle: 15 }),
      }),
      new fabric.Rect({
        left: 40, top: 330, width: 240, height: 160, fill: '#e67e22', stroke: '#2c3e50', strokeWidth: 6,
        clipPath: new fabric.Ellipse({ rx: 110, ry: 60, originX: 'center', originY: 'center', left: 20, top: 0 }),
      }),
      new fabric.Polygon(
        [{ x: 0, y: 0 }, { x: 220, y: 20 }, { x: 200, y: 200 }, { x: 10, y: 180 }],
        {
          left: 330, top: 320, fill: '#16a085', strokeWidth: 0,
          clipPath: new fabric.Path('M 50 0 L 61 35 L 98 35 L 68 57 L 79 91 L 50 70 L 21 91 L 32 57 L 2 35 L 39 35 Z', {
            originX: 'center', originY: 'center', left: 0, top: 0, scaleX: 2, scaleY: 2,
          }),
        },
      ),
      new fabric.FabricImage(src, {
        left: 40, top: 560, scaleX: 1.5, scaleY: 1.5,
        clipPath: new fabric.Rect({ left: 60, top: 600, width: 160, height: 120, absolutePositioned: true }),
      }),
      new fabric.Rect({
        left: 330, top: 560, width: 220, height: 180, fill: '#8e44ad', strokeWidth: 0,
        clipPath: new fabric.Circle({ radius: 50, originX: 'center', originY: 'center', left: 0, top: 0, inverted: true }),
      }),
    ];
  },
  shadows: () => [
    new fabric.Rect({
      left: 60, top: 60, width: 200, height: 140, fill: '#3498db', strokeWidth: 0,
      shadow: new fabric.Shadow({ color: 'rgba(0,0,0,0.6)', blur: 12, offsetX: 10, offsetY: 10 }),
    }),
    new fabric.Circle({
      left: 340, top: 60, radius: 90, fill: '#f1c40f', stroke: '#d35400', strokeWidth: 8,
      shadow: new fabric.Shadow({ color: '#2c3e50', blur: 20, offsetX: -8, offsetY: 14 }),
    }),
    new fabric.Path('M 50 0 L 61 35 L 98 35 L 68 57 L 79 91 L 50 70 L 21 91 L 32 57 L 2 35 L 39 35 Z', {
      left: 260, top: 470, originX: 'center', originY: 'center', angle: 25, scaleX: 2.2, scaleY: 2.2, fill: '#e74c3c',
      strokeWidth: 0, shadow: new fabric.Shadow({ color: 'rgba(120,0,0,0.5)', blur: 8, offsetX: 6, offsetY: 6 }),
    }),
    new fabric.Rect({
      left: 380, top: 600, width: 160, height: 100, fill: '#27ae60', strokeWidth: 0, angle: -15,
      shadow: new fabric.Shadow({ color: '#000000', blur: 0, offsetX: 12, offsetY: 12 }),
    }),
  ],
  justify: () => [
    // Fabric's 'justify' stretches every line with spaces, the last one too; 'justify-*' align the last line
    // of each paragraph (hard break) instead
    new fabric.Textbox('Justified text spreads its words so that every line meets both edges of the box', {
      left: 40, top: 30, width: 520, fontFamily: 'Noto Sans', fontSize: 30, textAlign: 'justify', fill: '#1a1a1a',
    }),
    new fabric.Textbox('With love from all of us on your special day\nand many more to come', {
      left: 40, top: 250, width: 340, fontFamily: 'Noto Serif', fontSize: 28, textAlign: 'justify-left',
      fill: '#1e3799', lineHeight: 1.2,
    }),
    new fabric.Textbox('Centred last line of a justified paragraph here', {
      left: 60, top: 470, width: 300, fontFamily: 'Noto Sans', fontSize: 26, textAlign: 'justify-center',
      fill: '#6a1b9a', underline: true,
    }),
    new fabric.Textbox('Right aligned last line after the stretch', {
      left: 390, top: 470, width: 190, fontFamily: 'Noto Sans', fontSize: 24, textAlign: 'justify-right',
      fill: '#b71540', charSpacing: 40,
    }),
    new fabric.Text('a short line\nand a much longer second line', {
      left: 60, top: 660, fontFamily: 'Noto Sans', fontSize: 34, textAlign: 'justify', fill: '#2d3436',
    }),
  ],
  styles: () => {
    const t1 = new fabric.Textbox('Happy birthday dear Rose, with all our love', {
      left: 40, top: 40, width: 520, fontFamily: 'Noto Sans', fontSize: 40, fill: '#2d3436',
    });
    t1.setSelectionStyles({ fill: '#c0392b', fontWeight: 'bold' }, 20, 24); // Rose
    t1.setSelectionStyles({ fontStyle: 'italic', underline: true }, 6, 14); // birthday
    t1.setSelectionStyles({ fill: '#2980b9', textBackgroundColor: '#ffeaa7' }, 34, 37); // our
    const t2 = new fabric.IText('Serif and sans\nin one object', {
      left: 60, top: 330, fontFamily: 'Noto Sans', fontSize: 48, fill: '#000000', textAlign: 'center',
    });
    t2.setSelectionStyles({ fontFamily: 'Noto Serif', fill: '#16a085' }, 0, 5);
    t2.setSelectionStyles({ linethrough: true, fill: '#e67e22' }, 18, 21);
    t2.setSelectionStyles({ overline: true }, 25, 29);
    const t3 = new fabric.Text('RAINBOW', {
      left: 300, top: 640, originX: 'center', originY: 'center', angle: -8, fontFamily: 'Noto Sans',
      fontWeight: 'bold', fontSize: 72, fill: '#000000',
    });
    ['#e74c3c', '#e67e22', '#f1c40f', '#2ecc71', '#3498db', '#8e44ad', '#e84393'].forEach((c, i) =>
      t3.setSelectionStyles({ fill: c }, i, i + 1));
    return [t1, t2, t3];
  },
  text_effects: () => [
    new fabric.Text('Outlined', {
      left: 40, top: 30, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 80, fill: '#f1c40f',
      stroke: '#2d3436', strokeWidth: 3,
    }),
    new fabric.Text('Stroke first', {
      left: 40, top: 150, fontFamily: 'Noto Serif', fontSize: 64, fill: '#ffffff', stroke: '#c0392b',
      strokeWidth: 8, paintFirst: 'stroke', strokeLineJoin: 'round',
    }),
    new fabric.Textbox('Highlighted lines of a wrapped textbox', {
      left: 40, top: 270, width: 330, fontFamily: 'Noto Sans', fontSize: 32, fill: '#2d3436',
      textBackgroundColor: '#81ecec', backgroundColor: '#dfe6e9', textAlign: 'center',
    }),
    new fabric.Text('Shadow', {
      left: 400, top: 300, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 56, fill: '#0984e3',
      shadow: new fabric.Shadow({ color: 'rgba(0,0,0,0.5)', blur: 8, offsetX: 5, offsetY: 5 }),
    }),
    new fabric.Text('Ghost', {
      left: 60, top: 470, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 90, fill: '#6c5ce7',
      stroke: '#000000', strokeWidth: 6, opacity: 0.5, angle: 5,
      objectCaching: true, // as in a browser: fill and stroke composited as one picture (see group_opacity)
    }),
    new fabric.Text('Boxed', {
      left: 360, top: 620, originX: 'center', originY: 'center', angle: 12, fontFamily: 'Noto Serif', fontSize: 54,
      fill: '#ffffff', backgroundColor: '#2d3436', textBackgroundColor: '#d63031',
      shadow: new fabric.Shadow({ color: '#636e72', blur: 0, offsetX: 8, offsetY: 8 }),
    }),
  ],
  group_clips: () => {
    const src = photoCanvas();
    const g = new fabric.Group(
      [
        new fabric.Rect({ left: 0, top: 0, width: 220, height: 160, fill: '#74b9ff', strokeWidth: 0 }),
        new fabric.Circle({ left: 120, top: 60, radius: 70, fill: '#d63031', strokeWidth: 0 }),
        new fabric.Text('Clipped', { left: 10, top: 100, fontFamily: 'Noto Sans', fontSize: 44, fill: '#2d3436' }),
      ],
      {
        left: 40, top: 40, angle: 10,
        clipPath: new fabric.Circle({ radius: 110, originX: 'center', originY: 'center', left: 0, top: 0 }),
      },
    );
    const g2 = new fabric.Group(
      [
        new fabric.FabricImage(src, { left: 0, top: 0, scaleX: 1.4, scaleY: 1.4 }),
        new fabric.Rect({ left: 40, top: 100, width: 200, height: 40, fill: '#fdcb6e', strokeWidth: 0 }),
      ],
      {
        left: 330, top: 60,
        clipPath: new fabric.Rect({ left: -100, top: -70, width: 200, height: 150, rx: 30, ry: 30, strokeWidth: 0 }),
      },
    );
    return [
      g,
      g2,
      new fabric.Text('Half text', {
        left: 40, top: 340, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 80, fill: '#00b894',
        clipPath: new fabric.Rect({ left: -200, top: -60, width: 400, height: 60, strokeWidth: 0 }),
      }),
      new fabric.Text('Holed', {
        left: 300, top: 520, originX: 'center', fontFamily: 'Noto Serif', fontSize: 96, fill: '#e17055',
        clipPath: new fabric.Circle({ radius: 30, originX: 'center', originY: 'center', left: 0, top: 0, inverted: true }),
      }),
      new fabric.FabricImage(src, {
        left: 60, top: 620, scaleX: 1.1, scaleY: 1.1,
        shadow: new fabric.Shadow({ color: 'rgba(0,0,0,0.6)', blur: 10, offsetX: 8, offsetY: 8 }),
      }),
      new fabric.Circle({
        left: 380, top: 610, radius: 70, fill: '#a29bfe', stroke: '#2d3436', strokeWidth: 6,
        backgroundColor: '#ffeaa7', angle: -15,
      }),
    ];
  },
  text_transforms: () => [
    // mirrored and skewed text have no native equivalent: drawn as outlines through the full matrix.
    // Non-uniformly scaled text is not here: node-canvas (pango) draws it wrongly (glyphs keep unscaled
    // advances), so Fabric's Node render is no reference for it; a structural test covers it.
    new fabric.Text('Turned over', {
      left: 300, top: 80, originX: 'center', originY: 'center', fontFamily: 'Noto Sans', fontSize: 48,
      fill: '#2d3436', flipX: true, flipY: true, angle: 10, scaleX: 1.2, scaleY: 1.2,
    }),
    new fabric.Text('Mirrored', {
      left: 300, top: 230, originX: 'center', fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 64,
      fill: '#0984e3', flipX: true, underline: true,
    }),
    new fabric.Text('Slanted', {
      left: 60, top: 380, fontFamily: 'Noto Sans', fontSize: 72, fill: '#d63031', skewX: -20, stroke: '#2d3436',
      strokeWidth: 2,
    }),
    new fabric.Textbox('Upside down and justified across the box', {
      left: 60, top: 560, width: 400, fontFamily: 'Noto Sans', fontSize: 30, fill: '#6c5ce7', flipY: true,
      textAlign: 'justify-left', scaleX: 1.1, scaleY: 1.1, angle: 4, textBackgroundColor: '#ffeaa7',
    }),
  ],
  group_opacity: () => {
    // In a browser Fabric draws a group into its cache, then the cache with the group's opacity: overlapping
    // children do not show through each other. objectCaching defaults to true in browsers but to false under
    // Node, so these groups ask for it (toJSON() does not record it; the engine renders the browser's way).
    const g = new fabric.Group(
      [
        new fabric.Rect({ left: 0, top: 0, width: 220, height: 160, fill: '#0984e3', strokeWidth: 0 }),
        new fabric.Circle({ left: 120, top: 60, radius: 80, fill: '#d63031', stroke: '#2d3436', strokeWidth: 6 }),
        new fabric.Text('Together', { left: 20, top: 120, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 48, fill: '#fdcb6e' }),
      ],
      { left: 40, top: 40, opacity: 0.5, angle: 8, backgroundColor: '#55efc4', objectCaching: true },
    );
    const inner = new fabric.Group(
      [
        new fabric.Rect({ left: 0, top: 0, width: 120, height: 120, fill: '#6c5ce7', strokeWidth: 0 }),
        new fabric.Rect({ left: 60, top: 60, width: 120, height: 120, fill: '#e84393', strokeWidth: 0, opacity: 0.8 }),
      ],
      { opacity: 0.6, objectCaching: true },
    );
    const outer = new fabric.Group(
      [inner, new fabric.Ellipse({ left: 100, top: 150, rx: 100, ry: 40, fill: '#00b894', strokeWidth: 0 })],
      { left: 300, top: 420, opacity: 0.7, scaleX: 1.2, scaleY: 1.2, objectCaching: true },
    );
    const src = photoCanvas();
    const withImage = new fabric.Group(
      [
        new fabric.FabricImage(src, { left: 0, top: 0 }),
        new fabric.Rect({ left: 0, top: 140, width: 160, height: 40, fill: '#2d3436', strokeWidth: 0 }),
      ],
      { left: 60, top: 560, opacity: 0.6 },
    );
    const shadowed = new fabric.Group(
      [
        new fabric.Rect({ left: 0, top: 0, width: 180, height: 90, fill: '#ffeaa7', stroke: '#e17055', strokeWidth: 4 }),
        new fabric.Text('Shadow', { left: 20, top: 40, fontFamily: 'Noto Serif', fontSize: 40, fill: '#d63031' }),
      ],
      {
        left: 60, top: 330, angle: -6, objectCaching: true,
        shadow: new fabric.Shadow({ color: 'rgba(0,0,0,0.5)', blur: 10, offsetX: 10, offsetY: 12 }),
      },
    );
    return [g, outer, withImage, shadowed];
  },
  canvas_clip: () => {
    // a storefront's printable area as the canvas clipPath: it clips the background colour, the
    // backgroundImage and the objects, not the overlayImage (painted after it)
    const src = photoCanvas();
    return {
      backgroundColor: '#dfe6e9',
      clipPath: new fabric.Rect({ left: 60, top: 60, width: 480, height: 640, rx: 80, ry: 80, strokeWidth: 0 }),
      backgroundImage: new fabric.FabricImage(src, { left: 0, top: 0, scaleX: 600 / 160, scaleY: 300 / 120, opacity: 0.6 }),
      objects: [
        new fabric.Circle({ left: -60, top: 280, radius: 150, fill: '#e17055', strokeWidth: 0 }),
        new fabric.Text('Printable area', {
          left: 300, top: 400, originX: 'center', originY: 'center', angle: -25, fontFamily: 'Noto Sans',
          fontWeight: 'bold', fontSize: 84, fill: '#2d3436',
        }),
        new fabric.Group(
          [
            new fabric.Rect({ left: 0, top: 0, width: 200, height: 120, fill: '#0984e3', strokeWidth: 0 }),
            new fabric.Rect({ left: 80, top: 60, width: 200, height: 120, fill: '#00b894', strokeWidth: 0 }),
          ],
          { left: 380, top: 560, opacity: 0.7, objectCaching: true },
        ),
      ],
      overlayImage: new fabric.FabricImage(src, { left: 20, top: 700, scaleX: 0.6, scaleY: 0.6 }),
    };
  },
  canvas_images: () => {
    const src = photoCanvas();
    return {
      backgroundImage: new fabric.FabricImage(src, { left: 0, top: 0, scaleX: 600 / 160, scaleY: 800 / 120 }),
      overlayImage: new fabric.FabricImage(src, { left: 350, top: 550, scaleX: 1.4, scaleY: 1.4, opacity: 0.7, angle: 10 }),
      objects: [new fabric.Rect({ left: 100, top: 300, width: 300, height: 300, fill: '#ffffff', strokeWidth: 0, opacity: 0.8 })],
    };
  },
  // ---- paint, compositing, images and strokes (issue 17)
  paint_gradients: () => ({
    backgroundColor: new fabric.Gradient({
      type: 'linear', coords: { x1: 0, y1: 0, x2: 600, y2: 800 },
      colorStops: [{ offset: 0, color: '#fceabb' }, { offset: 0.5, color: '#f8b500' }, { offset: 1, color: '#6a3093' }],
    }),
    objects: [
      new fabric.Rect({
        left: 40, top: 40, width: 240, height: 240, strokeWidth: 0,
        fill: new fabric.Gradient({
          type: 'radial', gradientUnits: 'percentage',
          coords: { x1: 0.35, y1: 0.35, r1: 0.05, x2: 0.5, y2: 0.5, r2: 0.5 },
          colorStops: [
            { offset: 0, color: '#ffffff' }, { offset: 0.6, color: 'rgba(41,128,185,0.8)' },
            { offset: 1, color: 'rgba(41,128,185,0)' },
          ],
        }),
      }),
      new fabric.Ellipse({
        left: 330, top: 60, rx: 110, ry: 75, fill: '#ffffff', strokeWidth: 14, angle: 15,
        stroke: new fabric.Gradient({
          type: 'linear', coords: { x1: 0, y1: 0, x2: 220, y2: 0 },
          colorStops: [{ offset: 0, color: '#e84393' }, { offset: 1, color: '#0984e3' }],
        }),
      }),
      new fabric.Circle({
        left: 60, top: 340, radius: 110, strokeWidth: 0,
        fill: new fabric.Gradient({
          type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 0 },
          gradientTransform: [0.7071, 0.7071, -0.7071, 0.7071, 0.5, -0.2],
          colorStops: [
            { offset: 0, color: '#00b894' }, { offset: 0.3, color: '#ffeaa7' }, { offset: 0.3, color: '#d63031' },
            { offset: 1, color: '#2d3436' },
          ],
        }),
      }),
      new fabric.Rect({
        left: 330, top: 360, width: 100, height: 100, scaleX: 2.2, scaleY: 1.2, angle: -8, strokeWidth: 0,
        fill: new fabric.Gradient({
          type: 'linear', coords: { x1: 0, y1: 0, x2: 100, y2: 100 }, offsetX: 10,
          colorStops: [{ offset: 0.1, color: '#6c5ce7' }, { offset: 0.9, color: '#fd79a8', opacity: 0.4 }],
        }),
      }),
      new fabric.Path('M 0 0 L 220 0 L 110 170 Z', {
        left: 320, top: 580, strokeWidth: 0,
        fill: new fabric.Gradient({
          type: 'radial', coords: { x1: 110, y1: 50, r1: 0, x2: 110, y2: 60, r2: 130 },
          colorStops: [{ offset: 0, color: '#fdcb6e' }, { offset: 1, color: '#e17055' }],
        }),
      }),
      new fabric.Rect({
        left: 40, top: 600, width: 240, height: 150, rx: 20, ry: 20, strokeWidth: 0,
        fill: new fabric.Gradient({
          type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 0, y2: 1 },
          colorStops: [{ offset: 0, color: 'rgba(255,255,255,0.9)' }, { offset: 1, color: 'rgba(255,255,255,0)' }],
        }),
      }),
    ],
  }),
  blend_modes: () => {
    const photo = photoCanvas();
    const tex = textureCanvas();
    const modes = ['screen', 'overlay', 'darken', 'lighten', 'color-dodge', 'color-burn', 'hard-light',
      'soft-light', 'difference', 'exclusion', 'hue', 'saturation', 'color', 'luminosity'];
    const objects = [
      new fabric.FabricImage(photo, { left: 0, top: 0, scaleX: 600 / 160, scaleY: 400 / 120 }),
      new fabric.FabricImage(tex, { left: 0, top: 0, scaleX: 600 / 120, scaleY: 400 / 80, globalCompositeOperation: 'multiply' }),
      new fabric.Rect({
        left: 0, top: 400, width: 600, height: 400, strokeWidth: 0,
        fill: new fabric.Gradient({
          type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 1 },
          colorStops: [{ offset: 0, color: '#0984e3' }, { offset: 0.5, color: '#fdcb6e' }, { offset: 1, color: '#d63031' }],
        }),
      }),
    ];
    modes.forEach((mode, i) => {
      objects.push(new fabric.Circle({
        left: 20 + (i % 5) * 115, top: 420 + Math.floor(i / 5) * 125, radius: 52, strokeWidth: 0,
        fill: ['#e84393', '#00cec9', '#6c5ce7', '#ffeaa7', '#2d3436'][i % 5], globalCompositeOperation: mode,
      }));
    });
    objects.push(new fabric.Text('multiply', {
      left: 420, top: 300, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 48, fill: '#74b9ff',
      globalCompositeOperation: 'multiply',
    }));
    return objects;
  },
  strokes: () => [
    new fabric.Rect({
      left: 40, top: 40, width: 220, height: 140, fill: '#ffeaa7', stroke: '#d63031', strokeWidth: 6,
      strokeDashArray: [20, 10], strokeDashOffset: 5,
    }),
    new fabric.Line([320, 60, 560, 180], { stroke: '#0984e3', strokeWidth: 14, strokeLineCap: 'round', strokeDashArray: [1, 24] }),
    new fabric.Rect({
      left: 40, top: 250, width: 100, height: 60, scaleX: 2.4, scaleY: 1.4, fill: '#81ecec', stroke: '#2d3436',
      strokeWidth: 4, strokeUniform: true,
    }),
    new fabric.Polygon(
      [{ x: 100, y: 0 }, { x: 130, y: 70 }, { x: 200, y: 75 }, { x: 145, y: 120 }, { x: 165, y: 195 },
        { x: 100, y: 150 }, { x: 35, y: 195 }, { x: 55, y: 120 }, { x: 0, y: 75 }, { x: 70, y: 70 }],
      { left: 340, top: 240, fill: '#fdcb6e', stroke: '#e17055', strokeWidth: 12, strokeLineJoin: 'bevel', paintFirst: 'stroke' },
    ),
    new fabric.Path('M 0 0 L 160 40 L 0 80', {
      left: 60, top: 470, fill: '', stroke: '#6c5ce7', strokeWidth: 18, strokeLineJoin: 'miter', strokeMiterLimit: 10,
    }),
    new fabric.Ellipse({
      left: 330, top: 500, rx: 110, ry: 70, fill: '#a29bfe', stroke: '#2d3436', strokeWidth: 10,
      strokeDashArray: [30, 15, 5, 15], paintFirst: 'stroke',
    }),
    new fabric.Circle({
      left: 60, top: 640, radius: 50, scaleX: 2.4, scaleY: 1, fill: '', stroke: '#00b894', strokeWidth: 6,
      strokeUniform: true, strokeDashArray: [12, 8],
    }),
    new fabric.Rect({
      left: 380, top: 680, width: 160, height: 80, fill: '#dfe6e9', stroke: '#2d3436', strokeWidth: 8,
      strokeLineJoin: 'round', strokeDashArray: [16, 8], strokeLineCap: 'square', angle: -6,
    }),
  ],
  skewed_images: () => {
    const src = photoCanvas();
    return [
      new fabric.FabricImage(src, { left: 40, top: 40, scaleX: 1.6, scaleY: 1.6, skewX: 20 }),
      new fabric.FabricImage(src, { left: 360, top: 60, scaleX: 1.3, scaleY: 1.3, skewY: -15, angle: 10 }),
      new fabric.FabricImage(src, {
        left: 300, top: 560, originX: 'center', originY: 'center', scaleX: 2, scaleY: 1.5, skewX: -25,
        shadow: new fabric.Shadow({ color: 'rgba(0,0,0,0.5)', blur: 12, offsetX: 10, offsetY: 10 }),
      }),
    ];
  },
  filters_more: () => {
    const src = photoCanvas();
    const F = fabric.filters;
    const specs = [
      [new F.Saturation({ saturation: 0.7 })],
      [new F.Vibrance({ vibrance: 0.8 })],
      [new F.HueRotation({ rotation: 0.35 })],
      [new F.Gamma({ gamma: [1.8, 1.0, 0.6] })],
      [new F.Blur({ blur: 0.15 })],
      [new F.Pixelate({ blocksize: 8 })],
      [new F.Convolute({ matrix: [0, -1, 0, -1, 5, -1, 0, -1, 0] })],
      [new F.Kodachrome(), new F.RemoveColor({ color: '#ffffff', distance: 0.1 })],
    ];
    return specs.map((filters, i) => {
      const img = new fabric.FabricImage(src, { left: 20 + (i % 2) * 290, top: 10 + Math.floor(i / 2) * 195, scaleX: 1.55, scaleY: 1.55 });
      img.filters = filters;
      img.applyFilters();
      return img;
    });
  },
  cutouts_and_clips: () => {
    // a transparent PNG cut-out whose shadow follows its pixels, and a photo under three clips (its own, its
    // group's, the canvas's) that intersect
    const cut = createCanvas(240, 240);
    const ctx = cut.getContext('2d');
    ctx.fillStyle = '#e17055';
    ctx.beginPath();
    for (let i = 0; i < 10; i++) {
      const r = i % 2 ? 48 : 116;
      const a = (Math.PI / 5) * i - Math.PI / 2;
      ctx.lineTo(120 + r * Math.cos(a), 120 + r * Math.sin(a));
    }
    ctx.closePath();
    ctx.fill();
    const photo = photoCanvas();
    const clipped = new fabric.FabricImage(photo, {
      left: -150, top: -110, scaleX: 1.9, scaleY: 1.9,
      clipPath: new fabric.Circle({ radius: 55, left: 0, top: 0, originX: 'center', originY: 'center' }),
    });
    return {
      clipPath: new fabric.Rect({ left: 20, top: 20, width: 560, height: 760, rx: 40, ry: 40 }),
      backgroundColor: '#f5f6fa',
      objects: [
        new fabric.FabricImage(cut, {
          // unscaled and upright: node-canvas scales and turns drawImage shadows with the transform (a browser
          // does not, nor does the engine), so only here does Fabric's Node render show the browser's shadow
          left: 60, top: 60,
          shadow: new fabric.Shadow({ color: 'rgba(0,0,0,0.55)', blur: 10, offsetX: 12, offsetY: 14 }),
        }),
        new fabric.Group([clipped], {
          left: 260, top: 380, clipPath: new fabric.Rect({ left: -150, top: -110, width: 300, height: 150 }),
        }),
        new fabric.FabricImage(photo, {
          left: 380, top: 40, scaleX: 1.2, scaleY: 1.2, angle: -8,
          clipPath: new fabric.Rect({ left: -60, top: -40, width: 120, height: 80, rx: 20, ry: 20, inverted: false }),
        }),
      ],
    };
  },
  text_clip: () => {
    // a photo shaped by a word (text as the clipPath): centred bold text, an inverted one, an absolutely
    // positioned textbox and a rotated, scaled image whose clip turns with it
    const photo = photoCanvas();
    const word = (opts) => new fabric.FabricText('LOVE', {
      fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 110, originX: 'center', originY: 'center', left: 0, top: 0,
      ...opts,
    });
    return [
      new fabric.FabricImage(photo, { left: 20, top: 20, scaleX: 3.5, scaleY: 1.6, clipPath: word({ scaleX: 1 / 3.5, scaleY: 1 / 1.6 }) }),
      new fabric.FabricImage(photo, {
        left: 30, top: 230, scaleX: 3.4, scaleY: 1.5, clipPath: word({ inverted: true, fontSize: 90, scaleX: 1 / 3.4, scaleY: 1 / 1.5 }),
      }),
      new fabric.FabricImage(photo, {
        left: 20, top: 430, scaleX: 3.6, scaleY: 1.8,
        clipPath: new fabric.Textbox('shaped by words', {
          fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 64, width: 420, textAlign: 'center',
          left: 80, top: 470, absolutePositioned: true,
        }),
      }),
      new fabric.FabricImage(photo, {
        left: 330, top: 600, scaleX: 1.6, scaleY: 1.6, angle: -12, originX: 'center', originY: 'center',
        clipPath: word({ fontSize: 60, angle: 10, scaleX: 1 / 1.6, scaleY: 1 / 1.6 }),
      }),
    ];
  },
  patterns: () => {
    // pattern fills (Fabric's Pattern: the source image at its own pixel size, repeat modes, offset,
    // patternTransform) on a rect, a rotated ellipse, a stroked circle and the canvas background
    const tile = createCanvas(24, 24);
    const t = tile.getContext('2d');
    t.fillStyle = '#ffeaa7';
    t.fillRect(0, 0, 24, 24);
    t.fillStyle = '#e17055';
    t.beginPath();
    t.arc(12, 12, 7, 0, Math.PI * 2);
    t.fill();
    t.fillStyle = '#0984e3';
    t.fillRect(0, 0, 6, 6);
    const stripes = createCanvas(16, 16);
    const st = stripes.getContext('2d');
    st.fillStyle = '#dfe6e9';
    st.fillRect(0, 0, 16, 16);
    st.fillStyle = '#6c5ce7';
    st.fillRect(0, 0, 8, 16);
    const pat = (source, opts) => new fabric.Pattern({ source, ...opts });
    return {
      backgroundColor: pat(stripes, { repeat: 'repeat', patternTransform: [0.7071, 0.7071, -0.7071, 0.7071, 0, 0] }),
      objects: [
        new fabric.Rect({ left: 40, top: 40, width: 240, height: 200, strokeWidth: 0, fill: pat(tile, { repeat: 'repeat' }) }),
        new fabric.Ellipse({
          left: 330, top: 60, rx: 110, ry: 80, angle: 20, strokeWidth: 0,
          fill: pat(tile, { repeat: 'repeat', offsetX: 6, offsetY: 4, patternTransform: [1.5, 0, 0, 1.5, 0, 0] }),
        }),
        new fabric.Rect({ left: 40, top: 320, width: 240, height: 200, strokeWidth: 0, fill: pat(tile, { repeat: 'repeat-x' }) }),
        new fabric.Rect({ left: 320, top: 320, width: 240, height: 200, strokeWidth: 0, fill: pat(tile, { repeat: 'no-repeat', offsetX: 80, offsetY: 60 }) }),
        new fabric.Circle({
          left: 200, top: 560, radius: 90, stroke: '#2d3436', strokeWidth: 8, scaleX: 1.2, scaleY: 1.2,
          fill: pat(tile, { repeat: 'repeat-y' }),
        }),
      ],
    };
  },
  storefront_mix: () => {
    // what a gift shop's editor sends: a gradient background, a multiply-blended paper texture under a
    // saturated photo, a dashed frame and a gradient-filled badge
    const photo = photoCanvas();
    const tex = textureCanvas();
    const img = new fabric.FabricImage(photo, { left: 100, top: 140, scaleX: 2.5, scaleY: 2.5, angle: -4 });
    img.filters = [new fabric.filters.Saturation({ saturation: 0.5 }), new fabric.filters.Contrast({ contrast: 0.1 })];
    img.applyFilters();
    return {
      backgroundColor: new fabric.Gradient({
        type: 'radial', coords: { x1: 300, y1: 300, r1: 0, x2: 300, y2: 400, r2: 520 },
        colorStops: [{ offset: 0, color: '#fff5e6' }, { offset: 1, color: '#c8a27c' }],
      }),
      objects: [
        new fabric.FabricImage(tex, { left: 0, top: 0, scaleX: 5, scaleY: 10, globalCompositeOperation: 'multiply', opacity: 0.8 }),
        img,
        new fabric.Rect({
          left: 80, top: 120, width: 440, height: 340, fill: '', stroke: '#5d4037', strokeWidth: 5,
          strokeDashArray: [14, 7], angle: -4,
        }),
        new fabric.Circle({
          left: 400, top: 560, radius: 80, stroke: '#ffffff', strokeWidth: 6,
          fill: new fabric.Gradient({
            type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 1 },
            colorStops: [{ offset: 0, color: '#ff7675' }, { offset: 1, color: '#6c5ce7' }],
          }),
        }),
      ],
    };
  },
};

function textureCanvas() {
  // a procedural paper/linen texture: light, fine stripes in two directions (deterministic)
  const c = createCanvas(120, 80);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#f1e7d0';
  ctx.fillRect(0, 0, 120, 80);
  for (let i = 0; i < 120; i += 3) {
    ctx.fillStyle = `rgba(120, 90, 40, ${0.08 + 0.07 * ((i * 7) % 5) / 4})`;
    ctx.fillRect(i, 0, 1, 80);
  }
  for (let j = 0; j < 80; j += 4) {
    ctx.fillStyle = `rgba(90, 60, 30, ${0.05 + 0.05 * ((j * 3) % 4) / 3})`;
    ctx.fillRect(0, j, 120, 1);
  }
  return c;
}

// Each image filter applied by Fabric to the procedural photo, drawn at 1:1 (no resampling), so the
// importer's filter formulas are checked pixel for pixel (tests/fabric/test_fabric_paint.py).


async function filterRefs() {
  const dir = path.join(OUT, 'filter_refs');
  fs.mkdirSync(dir, { recursive: true });
  const F = fabric.filters;
  const specs = {
    source: [],
    saturation: [new F.Saturation({ saturation: 0.7 })],
    saturation_negative: [new F.Saturation({ saturation: -0.6 })],
    vibrance: [new F.Vibrance({ vibrance: 0.8 })],
    hue_rotation: [new F.HueRotation({ rotation: 0.35 })],
    gamma: [new F.Gamma({ gamma: [1.8, 1.0, 0.6] })],
    blur: [new F.Blur({ blur: 0.15 })],
    pixelate: [new F.Pixelate({ blocksize: 8 })],
    convolute: [new F.Convolute({ matrix: [0, -1, 0, -1, 5, -1, 0, -1, 0] })],
    convolute_blur: [new F.Convolute({ matrix: Array(9).fill(1 / 9), opaque: true })],
    color_matrix: [new F.ColorMatrix({ matrix: [0.8, 0.2, 0, 0, 0.05, 0, 0.9, 0.1, 0, 0, 0.1, 0, 0.7, 0, 0.1, 0, 0, 0, 1, 0] })],
    kodachrome_remove_white: [new F.Kodachrome(), new F.RemoveColor({ color: '#ffffff', distance: 0.1 })],
    vintage: [new F.Vintage()],
    blend_screen: [new F.BlendColor({ color: '#e84393', mode: 'screen', alpha: 0.6 })],
  };
  const out = {};
  for (const [name, filters] of Object.entries(specs)) {
    const img = new fabric.FabricImage(photoCanvas(), { left: 0, top: 0 });
    img.filters = filters;
    img.applyFilters();
    const canvas = new fabric.StaticCanvas(null, { width: 160, height: 120 });
    canvas.add(img);
    canvas.renderAll();
    fs.writeFileSync(path.join(dir, `${name}.png`), canvas.getNodeCanvas().toBuffer('image/png'));
    out[name] = filters.map((f) => f.toObject());
  }
  fs.writeFileSync(path.join(dir, 'filters.json'), JSON.stringify(out, null, 1) + '\n');
}

Object.assign(designs, require('./designs_text.js')(fabric));

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { fabric_version: fabric.version, canvas: { width: W, height: H }, template: 'tshirt-front-dtg', designs: {} };
  // ONLY=name,name regenerates just those designs and keeps the rest of the manifest
  const only = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;
  if (only) Object.assign(manifest.designs, JSON.parse(fs.readFileSync(path.join(OUT, 'manifest.json'), 'utf8')).designs);
  for (const [name, make] of Object.entries(designs)) {
    if (only && !only.has(name)) continue;
    const made = make();
    const canvas = new fabric.StaticCanvas(null, { width: W, height: H, backgroundColor: made.backgroundColor || '#ffffff' });
    const objects = Array.isArray(made) ? made : made.objects;
    objects.forEach((o) => canvas.add(o));
    if (made.backgroundImage) canvas.backgroundImage = made.backgroundImage;
    if (made.overlayImage) canvas.overlayImage = made.overlayImage;
    if (made.clipPath) canvas.clipPath = made.clipPath;
    canvas.renderAll();
    const json = keepCaching(canvas.toJSON(['objectCaching']));
    const lines = {};
    const types = {};
    objects.forEach((o, i) => {
      if (o._textLines) {
        lines[`objects[${i}]`] = o._textLines.map((l) => l.join(''));
        types[`objects[${i}]`] = o.constructor.type;
      }
    });
    fs.writeFileSync(
      path.join(OUT, `${name}.fabric.json`),
      JSON.stringify({ canvas: { width: W, height: H }, fabric: json }, null, 1) + '\n',
    );
    fs.writeFileSync(path.join(OUT, `${name}.png`), canvas.getNodeCanvas().toBuffer('image/png'));
    manifest.designs[name] = { text_lines: lines, text_types: types };
    console.log(`${name}: ${objects.length} objects`);
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  if (!only) await filterRefs();
}

// `node generate.js filter_refs` writes only the per-filter references
(process.argv[2] === 'filter_refs' ? filterRefs() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
