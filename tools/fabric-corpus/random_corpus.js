// A randomised corpus of storefront designs, made the way shop editors make them (personalised mugs, tees,
// cards, posters, phone cases, stickers: photos with filters / shadows / rounded clips, names in the bundled
// Google fonts with strokes, shadows, charSpacing and lineHeight, justified wrapping textboxes, IText with
// per-character styles, SVG and PNG clip-art, shapes, gradients), each saved as a storefront saves it
// (canvas.toJSON() plus width/height, no template) with Fabric's own render at multiplier 1 and 2:
//
//   node random_corpus.js 6 --count 30 --seed 1 --out /tmp/corpus/v6     # fabric 6 (./node_modules)
//   node random_corpus.js 7 ...                                          # fabric 7 (./v7/node_modules)
//   node random_corpus.js 5 ...                                          # fabric 5 (./v5/node_modules)
//
// The same seed makes the same designs in every version (the RNG is mulberry32), so a design can be compared
// across versions. score_corpus.py renders each through the engine and scores it against Fabric's render;
// tests/fabric_corpus/random/ keeps a small subset (tests/fabric/test_fabric_random.py).
'use strict';

const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const MAJOR = Number(args[0] || '6');
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const COUNT = Number(opt('count', '30'));
const SEED = Number(opt('seed', '1'));
const ONLY = opt('only', '');
// --profile shop: bigger canvases (2000 x 800 mug wraps, 1080 x 1080 social posts, ...), every Latin face of the
// bundled catalogue (Kalam too; now and then a Devanagari or Chinese name), high-resolution photos scaled down,
// and what storefront editors add (text on a curve, label backgrounds, outlined and glowing text, clip-art groups,
// badge groups, patterns, frames, a multiply texture). The default profile ("classic") is unchanged.
const PROFILE = opt('profile', 'classic');
if (!['classic', 'shop'].includes(PROFILE)) throw new Error(`unknown --profile ${PROFILE}`);
const SHOP = PROFILE === 'shop';
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
if (!DIRS[MAJOR]) throw new Error('usage: node random_corpus.js 5|6|7 [--count N] [--seed S] [--out DIR]');
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const REPO = path.resolve(__dirname, '..', '..');
const OUT = opt('out', path.join('/tmp', 'fabric-random', `v${MAJOR}`));

const { registerFont, createCanvas } = from('canvas');
const FONTS = path.join(REPO, 'fonts');
// the bundled faces, registered as a storefront registers its web fonts (faces.txt: file|family|weight|style)
const FACES = fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('|'));
for (const [file, family, weight, style] of FACES) registerFont(path.join(FONTS, file), { family, weight, style });
const SHOP_ONLY = ['Kalam', 'Ma Shan Zheng'];
const FAMILIES = [...new Set(FACES.map((f) => f[1]))].filter((f) => SHOP || !SHOP_ONLY.includes(f));
const LATIN = FAMILIES.filter((f) => f !== 'Ma Shan Zheng');
const hasFace = (family, weight, style) => FACES.some((f) => f[1] === family && f[2] === weight && f[3] === style);

const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Rect: fabric.Rect, Circle: fabric.Circle, Ellipse: fabric.Ellipse, Triangle: fabric.Triangle, Line: fabric.Line,
  Polygon: fabric.Polygon, Path: fabric.Path, Text: fabric.FabricText || fabric.Text, IText: fabric.IText,
  Textbox: fabric.Textbox, Image: fabric.FabricImage || fabric.Image, Group: fabric.Group,
  Gradient: fabric.Gradient, Shadow: fabric.Shadow, Pattern: fabric.Pattern, filters: fabric.filters || fabric.Image.filters,
};

// mulberry32: the same designs for a seed in every Fabric version
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let R = rng(1);
const rand = (a, b) => a + (b - a) * R();
const randi = (a, b) => Math.floor(rand(a, b + 1));
const pick = (xs) => xs[Math.floor(R() * xs.length)];
const chance = (p) => R() < p;
const r1 = (x) => Math.round(x * 10) / 10;

const PALETTE = ['#c0392b', '#e74c3c', '#8e44ad', '#2980b9', '#16a085', '#27ae60', '#f39c12', '#d35400', '#2c3e50',
  '#1b4f72', '#784212', '#6c3483', '#b03a2e', '#117864', '#f4d03f', '#ffffff', '#17202a', '#fadbd8', '#d6eaf8'];
const PASTEL = ['#fef9e7', '#fdedec', '#eaf2f8', '#e8f8f5', '#f4ecf7', '#fdf2e9', '#ffffff', '#f8f9f9', '#fcf3cf'];
const NAMES = ['Grandma Rose', 'Emma', 'Oliver & Mia', 'Dad', 'Team Lucas', 'Sophie', 'Mr. Jones', 'Ava Grace',
  'The Smiths', 'Noah', 'Aunt Lily', 'Zoë', 'Jack', 'Best Mum Ever', 'Charlotte', 'Happy 40th', 'Love You'];
const LINES = ['Happy Birthday', 'World\'s Best Teacher', 'Est. 2026', 'Just Married', 'Coffee first', 'Class of 2026',
  'Merry Christmas', 'Thank you!', 'Adventure awaits', 'Home sweet home', 'Bride squad', 'Stay wild'];
const PARAS = [
  'Wishing you a day filled with love, laughter and everything that makes you smile.',
  'Together with their families, they invite you to celebrate their marriage on Saturday the twelfth of June.',
  'Thank you for being the most wonderful teacher this year. We will miss you!',
  'Every morning starts better with a hot cup of coffee and a good friend.',
  'To the moon and back, forever and always. Love from all of us.',
  'Hand made with care in our little workshop by the sea. Please enjoy!',
  'Keep calm and carry on: the best is yet to come, one step at a time.',
];

function photo(w, h, seed) {
  // a procedural "photo": sky gradient, sun, hills, a figure, some noise-like texture
  const c = createCanvas(w, h);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, ['#5dade2', '#f5b041', '#a569bd', '#48c9b0'][seed % 4]);
  g.addColorStop(1, ['#d6eaf8', '#fdebd0', '#e8daef', '#d1f2eb'][seed % 4]);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#f4d03f';
  ctx.beginPath();
  ctx.arc(w * (0.6 + (seed % 3) * 0.1), h * 0.3, h * 0.12, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = ['#1e8449', '#784212', '#1b4f72', '#7d6608'][seed % 4];
  ctx.beginPath();
  ctx.moveTo(0, h * 0.7);
  ctx.quadraticCurveTo(w * 0.3, h * 0.45, w * 0.6, h * 0.68);
  ctx.quadraticCurveTo(w * 0.8, h * 0.8, w, h * 0.62);
  ctx.lineTo(w, h);
  ctx.lineTo(0, h);
  ctx.fill();
  for (let i = 0; i < 14; i++) {
    ctx.fillStyle = `rgba(255,255,255,${0.15 + ((i * 37 + seed) % 5) / 20})`;
    ctx.beginPath();
    ctx.arc(((i * 53 + seed * 17) % 100) / 100 * w, ((i * 29 + seed * 7) % 45) / 100 * h, 2 + (i % 4), 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = '#2c3e50';
  ctx.fillRect(w * 0.3, h * 0.5, w * 0.06, h * 0.25);
  ctx.beginPath();
  ctx.arc(w * 0.33, h * 0.46, w * 0.04, 0, Math.PI * 2);
  ctx.fill();
  return c;
}

function clipartPng(size, kind, color) {
  // a transparent PNG clip-art: a balloon, a heart or a paw, antialiased edges
  const c = createCanvas(size, size);
  const t = c.getContext('2d');
  t.fillStyle = color;
  t.strokeStyle = '#17202a';
  t.lineWidth = size / 40;
  const s = size / 100;
  t.beginPath();
  if (kind === 0) {
    t.ellipse(50 * s, 40 * s, 30 * s, 36 * s, 0, 0, Math.PI * 2);
    t.fill();
    t.stroke();
    t.beginPath();
    t.moveTo(50 * s, 76 * s);
    t.quadraticCurveTo(40 * s, 88 * s, 55 * s, 98 * s);
    t.stroke();
  } else if (kind === 1) {
    t.moveTo(50 * s, 88 * s);
    t.bezierCurveTo(10 * s, 60 * s, 5 * s, 30 * s, 28 * s, 18 * s);
    t.bezierCurveTo(40 * s, 12 * s, 48 * s, 20 * s, 50 * s, 30 * s);
    t.bezierCurveTo(52 * s, 20 * s, 60 * s, 12 * s, 72 * s, 18 * s);
    t.bezierCurveTo(95 * s, 30 * s, 90 * s, 60 * s, 50 * s, 88 * s);
    t.fill();
    t.stroke();
  } else {
    t.ellipse(50 * s, 65 * s, 24 * s, 20 * s, 0, 0, Math.PI * 2);
    t.fill();
    for (const [x, y] of [[22, 40], [40, 25], [60, 25], [78, 40]]) {
      t.beginPath();
      t.ellipse(x * s, y * s, 9 * s, 12 * s, 0, 0, Math.PI * 2);
      t.fill();
    }
  }
  return c;
}

const star = (cx, cy, ro, ri, n) => {
  const pts = [];
  for (let i = 0; i < n * 2; i++) {
    const r = i % 2 ? ri : ro;
    const a = (Math.PI * i) / n - Math.PI / 2;
    pts.push({ x: r1(cx + r * Math.cos(a)), y: r1(cy + r * Math.sin(a)) });
  }
  return pts;
};
const SVG_ART = [
  'M 100 180 C 20 120 0 80 20 50 C 40 15 85 15 100 50 C 115 15 160 15 180 50 C 200 80 180 120 100 180 Z', // heart
  'M 20 160 L 40 60 L 80 110 L 100 30 L 120 110 L 160 60 L 180 160 Z', // crown
  'M 100 20 C 150 40 180 100 100 180 C 20 100 50 40 100 20 Z', // leaf / drop
  'M 30 100 Q 100 0 170 100 Q 100 200 30 100 Z', // eye / lens
  'M 20 120 L 80 120 L 80 60 L 120 60 L 120 120 L 180 120 L 100 180 Z', // arrow
];

const origin = (x, y) => (chance(0.5) ? { originX: 'left', originY: 'top', left: x, top: y } : { originX: 'center', originY: 'center', left: x, top: y });
const shadow = (big) => new F.Shadow({
  color: pick(['rgba(0,0,0,0.45)', 'rgba(0,0,0,0.3)', '#555555', 'rgba(40,0,80,0.5)']),
  blur: randi(0, big ? 20 : 10), offsetX: randi(-6, 6), offsetY: randi(-2, 8),
});
function gradient(w, h) {
  const stops = [{ offset: 0, color: pick(PALETTE) }, { offset: 1, color: pick(PALETTE) }];
  if (chance(0.4)) stops.splice(1, 0, { offset: r1(rand(0.3, 0.7)), color: pick(PALETTE) });
  if (chance(0.5)) {
    return new F.Gradient({ type: 'linear', coords: { x1: 0, y1: 0, x2: chance(0.5) ? w : 0, y2: h }, colorStops: stops });
  }
  const r = Math.max(w, h) / 2;
  return new F.Gradient({ type: 'radial', coords: { x1: w / 2, y1: h / 2, r1: 0, x2: w / 2, y2: h / 2, r2: r }, colorStops: stops });
}
function face(family) {
  const weight = chance(0.4) && hasFace(family, 'bold', 'normal') ? 'bold' : 'normal';
  const style = weight === 'normal' && chance(0.2) && hasFace(family, 'normal', 'italic') ? 'italic' : 'normal';
  return { fontFamily: family, fontWeight: weight, fontStyle: style };
}

function photoObject(W, H, seed) {
  const w = randi(140, 320);
  const h = randi(110, 260);
  const sc = r1(rand(0.7, Math.min(2.2, (W * 0.8) / w)));
  const img = new F.Image(photo(w, h, seed), { ...origin(r1(rand(0.1, 0.6) * W), r1(rand(0.05, 0.5) * H)), scaleX: sc, scaleY: sc });
  if (chance(0.3)) img.angle = randi(-12, 12);
  if (chance(0.45)) {
    img.clipPath = chance(0.5)
      ? new F.Circle({ radius: Math.min(w, h) / 2 - 4, originX: 'center', originY: 'center', left: 0, top: 0 })
      : new F.Rect({ width: w - 6, height: h - 6, rx: randi(8, 40), ry: 0, originX: 'center', originY: 'center', left: 0, top: 0 });
    if (img.clipPath.ry === 0) img.clipPath.ry = img.clipPath.rx;
  }
  if (chance(0.45)) {
    const all = [
      () => new F.filters.Grayscale(), () => new F.filters.Sepia(),
      () => new F.filters.Brightness({ brightness: r1(rand(-0.2, 0.25)) }),
      () => new F.filters.Contrast({ contrast: r1(rand(-0.2, 0.3)) }),
      () => new F.filters.Saturation({ saturation: r1(rand(-0.5, 0.6)) }),
      () => new F.filters.Blur({ blur: r1(rand(0.05, 0.3)) }),
      () => new F.filters.HueRotation({ rotation: r1(rand(-0.5, 0.5)) }),
    ];
    img.filters = [pick(all)()];
    if (chance(0.4)) img.filters.push(pick(all)());
    img.applyFilters();
  }
  if (chance(0.3)) img.shadow = shadow(true);
  if (chance(0.15)) img.opacity = r1(rand(0.5, 0.95));
  return img;
}

function nameText(W, H, y) {
  const family = pick(SHOP ? LATIN : FAMILIES);
  const fs_ = randi(28, Math.min(110, Math.round(W / 6)));
  let text = pick(chance(0.6) ? NAMES : LINES);
  if (chance(0.15)) text = `${pick(NAMES)}\n${pick(LINES)}`;
  const o = {
    ...face(family), fontSize: fs_, fill: pick(PALETTE), textAlign: pick(['left', 'center', 'right']),
    originX: 'center', originY: 'center', left: r1(W / 2 + rand(-0.1, 0.1) * W), top: r1(y),
  };
  if (chance(0.3)) Object.assign(o, { stroke: pick(PALETTE), strokeWidth: r1(rand(0.5, 5)), strokeLineJoin: pick(['miter', 'round']) });
  if (chance(0.15) && o.stroke) o.paintFirst = 'stroke';
  if (chance(0.3)) o.shadow = shadow(false);
  if (chance(0.45)) o.charSpacing = randi(-40, 400);
  if (chance(0.3)) o.lineHeight = r1(rand(0.85, 1.6));
  if (chance(0.25)) o.angle = randi(-15, 15);
  if (chance(0.15)) o.gradient = true;
  if (chance(0.1)) o.underline = true;
  const T = chance(0.5) ? F.IText : F.Text;
  if (T === F.IText && chance(0.5)) {
    // a coloured / bold word
    const words = [...text.matchAll(/\S+/g)].filter((m) => !text.slice(0, m.index).includes('\n'));
    const m = pick(words);
    const st = chance(0.5) ? { fill: pick(PALETTE) } : { fill: pick(PALETTE), fontWeight: 'bold' };
    const line = {};
    for (let i = m.index; i < m.index + m[0].length; i++) line[i] = { ...st };
    o.styles = { 0: line };
  }
  const grad = o.gradient;
  delete o.gradient;
  const t = new T(text, o);
  if (grad) {
    t.set('fill', new F.Gradient({
      type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: 1, y2: 0 },
      colorStops: [{ offset: 0, color: pick(PALETTE) }, { offset: 1, color: pick(PALETTE) }],
    }));
  }
  return t;
}

function paragraph(W, H, y, U = 1) {
  const family = pick(SHOP ? LATIN : FAMILIES);
  const width = randi(Math.round(W * 0.4), Math.round(W * 0.85));
  const text = pick(PARAS);
  const o = {
    ...face(family), fontSize: Math.round(randi(16, 38) * U), width, fill: pick(PALETTE.filter((c) => c !== '#ffffff')),
    textAlign: pick(['left', 'center', 'right', 'justify', 'justify-left', 'justify-center']),
    lineHeight: r1(rand(0.9, 1.8)), ...origin(r1((W - width) / 2 + rand(-0.05, 0.05) * W), r1(y)),
  };
  if (o.originX === 'center') o.left = r1(W / 2);
  if (chance(0.35)) o.charSpacing = randi(-20, 200);
  if (chance(0.15)) o.angle = randi(-6, 6);
  if (chance(0.4)) {
    // styles on a word: colour, bold, italic, underline (as an editor's toolbar writes them)
    const words = [...text.matchAll(/\S+/g)];
    const styles = {};
    for (let k = 0; k < randi(1, 3); k++) {
      const m = pick(words);
      const st = pick([{ fill: pick(PALETTE) }, { fontWeight: 'bold' }, { underline: true }, { fontStyle: 'italic' }, { fill: pick(PALETTE), fontWeight: 'bold' }]);
      for (let i = m.index; i < m.index + m[0].length; i++) styles[i] = { ...(styles[i] || {}), ...st };
    }
    o.styles = { 0: styles };
  }
  return new F.Textbox(text, o);
}

function shape(W, H) {
  const kind = pick(['rect', 'circle', 'triangle', 'star', 'ellipse', 'line', 'frame']);
  const x = r1(rand(0.1, 0.9) * W);
  const y = r1(rand(0.1, 0.9) * H);
  const s = randi(40, Math.round(Math.min(W, H) / 3));
  const paint = () => (chance(0.3) ? gradient(s, s) : pick(PALETTE));
  const base = { ...origin(x, y), opacity: chance(0.2) ? r1(rand(0.4, 0.9)) : 1, angle: chance(0.3) ? randi(-30, 30) : 0 };
  const stroke = chance(0.5) ? { stroke: pick(PALETTE), strokeWidth: randi(1, 8) } : { strokeWidth: 0 };
  if (stroke.stroke && chance(0.3)) stroke.strokeDashArray = [randi(4, 20), randi(3, 12)];
  let o;
  if (kind === 'rect') o = new F.Rect({ ...base, ...stroke, width: s, height: r1(s * rand(0.5, 1.2)), fill: paint(), rx: chance(0.4) ? 12 : 0, ry: 0 });
  else if (kind === 'circle') o = new F.Circle({ ...base, ...stroke, radius: s / 2, fill: paint() });
  else if (kind === 'ellipse') o = new F.Ellipse({ ...base, ...stroke, rx: s / 2, ry: r1(s / 3), fill: paint() });
  else if (kind === 'triangle') o = new F.Triangle({ ...base, ...stroke, width: s, height: s, fill: paint(), strokeLineJoin: pick(['miter', 'round', 'bevel']) });
  else if (kind === 'star') o = new F.Polygon(star(0, 0, s / 2, s / 4.5, 5), { ...base, ...stroke, fill: paint(), strokeLineJoin: pick(['miter', 'round']) });
  else if (kind === 'line') o = new F.Line([0, 0, s * 2, 0], { ...base, stroke: pick(PALETTE), strokeWidth: randi(2, 8), strokeLineCap: pick(['butt', 'round', 'square']) });
  else o = new F.Rect({ ...origin(r1(W * 0.05), r1(H * 0.05)), originX: 'left', originY: 'top', width: r1(W * 0.9), height: r1(H * 0.9), fill: '', stroke: pick(PALETTE), strokeWidth: randi(2, 10), rx: randi(0, 30), ry: 0, strokeDashArray: chance(0.4) ? [randi(8, 24), randi(4, 12)] : null });
  if (o.rx && !o.ry) o.ry = o.rx;
  if (chance(0.15) && kind !== 'line' && kind !== 'frame') o.shadow = shadow(false);
  return o;
}

function clipart(W, H, seed) {
  const x = r1(rand(0.15, 0.85) * W);
  const y = r1(rand(0.15, 0.85) * H);
  if (chance(0.5)) {
    const size = pick([64, 100, 128]);
    const img = new F.Image(clipartPng(size, seed % 3, pick(PALETTE)), { ...origin(x, y) });
    const sc = r1(rand(0.5, 1.8));
    img.scaleX = sc;
    img.scaleY = sc;
    if (chance(0.3)) img.angle = randi(-25, 25);
    if (chance(0.2)) img.shadow = shadow(false);
    return img;
  }
  const sc = r1(rand(0.3, 1));
  const o = { ...origin(x, y), scaleX: sc, scaleY: sc, fill: chance(0.3) ? gradient(200, 200) : pick(PALETTE) };
  if (chance(0.4)) Object.assign(o, { stroke: pick(PALETTE), strokeWidth: randi(1, 6), strokeLineJoin: 'round' });
  if (chance(0.2)) o.angle = randi(-20, 20);
  return new F.Path(pick(SVG_ART), o);
}

const PRODUCTS = {
  mug: { w: 900, h: 350 }, tshirt: { w: 500, h: 600 }, card: { w: 700, h: 500 }, poster: { w: 600, h: 800 },
  phone: { w: 360, h: 720 }, sticker: { w: 500, h: 500 }, square: { w: 600, h: 600 },
};

function design(i) {
  R = rng(SEED * 100003 + i * 7919);
  const product = pick(Object.keys(PRODUCTS));
  const { w: W, h: H } = PRODUCTS[product];
  const made = { name: `${product}_${String(i).padStart(3, '0')}`, width: W, height: H, objects: [] };
  const bg = R();
  if (product !== 'tshirt') {
    if (bg < 0.45) made.background = pick(PASTEL);
    else if (bg < 0.7) made.objects.push(new F.Rect({ originX: 'left', originY: 'top', left: 0, top: 0, width: W, height: H, strokeWidth: 0, fill: gradient(W, H) }));
    else if (bg < 0.85) {
      const img = new F.Image(photo(Math.round(W / 3), Math.round(H / 3), i), { originX: 'left', originY: 'top', left: 0, top: 0, scaleX: 3, scaleY: 3 });
      made.objects.push(img);
    } else made.background = '#ffffff';
  }
  if (product === 'sticker' && chance(0.4)) made.clipPath = new F.Circle({ radius: 240, originX: 'center', originY: 'center', left: 250, top: 250 });
  const n = randi(2, 6);
  for (let k = 0; k < n; k++) {
    const r = R();
    if (r < 0.25) made.objects.push(photoObject(W, H, i + k));
    else if (r < 0.45) made.objects.push(shape(W, H));
    else if (r < 0.65) made.objects.push(clipart(W, H, i + k));
    else made.objects.push(paragraph(W, H, rand(0.1, 0.6) * H));
  }
  // every design has a name or a headline, drawn last (on top), as editors put it
  made.objects.push(nameText(W, H, rand(0.2, 0.8) * H));
  if (chance(0.4)) made.objects.push(nameText(W, H, rand(0.1, 0.9) * H));
  return made;
}


// ------------------------------------------------------------------------------------------ --profile shop
const SHOP_PRODUCTS = {
  mugwrap: { w: 2000, h: 800 }, social: { w: 1080, h: 1080 }, tee: { w: 1000, h: 1200 }, card5x7: { w: 1050, h: 1470 },
  mug: { w: 900, h: 350 }, phone: { w: 600, h: 1200 }, sticker: { w: 800, h: 800 },
};
const DEVANAGARI = ['प्रिया', 'शुभ दीपावली', 'जन्मदिन मुबारक'];
const HANZI = ['新年快乐', '福', '恭喜发财'];

function tile(size, bg, fg, kind) {
  const c = createCanvas(size, size);
  const t = c.getContext('2d');
  t.fillStyle = bg;
  t.fillRect(0, 0, size, size);
  t.fillStyle = fg;
  if (kind === 0) {
    t.beginPath();
    t.arc(size / 2, size / 2, size / 4, 0, Math.PI * 2);
    t.fill();
  } else if (kind === 1) {
    t.fillRect(0, 0, size / 2, size / 2);
    t.fillRect(size / 2, size / 2, size / 2, size / 2);
  } else {
    t.fillRect(0, 0, size, size / 3);
  }
  return c;
}

function shopPhoto(W, H, seed, U) {
  // an uploaded photo: 800-2400 px, scaled down onto the canvas (what customers upload)
  const w = randi(800, 2400);
  const h = Math.round(w * rand(0.6, 1.4));
  const shown = rand(0.25, 0.6) * Math.min(W, H * 1.5);
  const sc = Math.round((shown / w) * 1000) / 1000;
  const img = new F.Image(photo(w, h, seed), { ...origin(r1(rand(0.15, 0.75) * W), r1(rand(0.1, 0.6) * H)), scaleX: sc, scaleY: sc });
  if (chance(0.25)) img.angle = randi(-10, 10);
  if (chance(0.15)) img.flipX = true;
  if (chance(0.5)) {
    const k = R();
    img.clipPath = k < 0.4
      ? new F.Circle({ radius: Math.min(w, h) / 2 - 4, originX: 'center', originY: 'center', left: 0, top: 0 })
      : k < 0.8
        ? new F.Rect({ width: w - 6, height: h - 6, rx: randi(20, 160), ry: 0, originX: 'center', originY: 'center', left: 0, top: 0 })
        : new F.Path(SVG_ART[0], { originX: 'center', originY: 'center', left: 0, top: 0, scaleX: Math.min(w, h) / 200, scaleY: Math.min(w, h) / 200 });
    if (img.clipPath.ry === 0) img.clipPath.ry = img.clipPath.rx;
  }
  if (chance(0.35)) {
    const all = [
      () => new F.filters.Grayscale(), () => new F.filters.Sepia(),
      () => new F.filters.Brightness({ brightness: r1(rand(-0.15, 0.2)) }),
      () => new F.filters.Contrast({ contrast: r1(rand(-0.2, 0.3)) }),
      () => new F.filters.Saturation({ saturation: r1(rand(-0.5, 0.6)) }),
    ];
    img.filters = [pick(all)()];
    img.applyFilters();
  }
  if (chance(0.2)) Object.assign(img, { stroke: pick(PALETTE), strokeWidth: randi(4, 20) });
  if (chance(0.25)) img.shadow = new F.Shadow({ color: 'rgba(0,0,0,0.4)', blur: randi(5, 30) * U, offsetX: randi(-8, 8) * U, offsetY: randi(0, 12) * U });
  return img;
}

function shopText(W, H, y, U) {
  const f = pick(LATIN);
  let text = pick(chance(0.6) ? NAMES : LINES);
  let fam = face(f);
  const r = R();
  if (r < 0.06) fam = { fontFamily: 'Kalam', fontWeight: pick(['normal', 'bold']), fontStyle: 'normal' }, text = pick(DEVANAGARI);
  else if (r < 0.1) fam = { fontFamily: 'Ma Shan Zheng', fontWeight: 'normal', fontStyle: 'normal' }, text = pick(HANZI);
  if (chance(0.2)) text = text.toUpperCase();
  const fs_ = randi(Math.round(30 * U), Math.round(Math.min(160 * U, W / 6)));
  const o = {
    ...fam, fontSize: fs_, fill: pick(PALETTE), textAlign: pick(['left', 'center']),
    originX: 'center', originY: 'center', left: r1(W / 2 + rand(-0.2, 0.2) * W), top: r1(y),
  };
  const style = pick(['plain', 'outline', 'glow', 'shadow', 'label', 'curve', 'spaced', 'gradient', 'plain']);
  if (style === 'outline') Object.assign(o, { stroke: pick(PALETTE), strokeWidth: r1(rand(2, 8) * U), paintFirst: 'stroke', strokeLineJoin: 'round' });
  if (style === 'glow') o.shadow = new F.Shadow({ color: pick(['#ffffff', '#f4d03f', 'rgba(255,105,180,0.9)']), blur: randi(8, 25) * U, offsetX: 0, offsetY: 0 });
  if (style === 'shadow') o.shadow = new F.Shadow({ color: 'rgba(0,0,0,0.35)', blur: randi(2, 10) * U, offsetX: randi(2, 6) * U, offsetY: randi(2, 6) * U });
  if (style === 'label') Object.assign(o, { textBackgroundColor: pick(['#fdebd0', '#17202a', 'rgba(255,255,255,0.7)', '#f4d03f']) });
  if (style === 'spaced') o.charSpacing = randi(150, 600);
  if (style === 'curve') {
    const span = Math.min(W * 0.7, fs_ * text.length * 0.7);
    const rise = span * rand(0.15, 0.35);
    o.path = new F.Path(`M 0 ${r1(rise)} Q ${r1(span / 2)} ${r1(-rise)} ${r1(span)} ${r1(rise)}`, { visible: false });
    o.pathAlign = pick(['baseline', 'center']);
    o.textAlign = 'center';
  }
  if (chance(0.15)) o.angle = randi(-12, 12);
  if (chance(0.1)) o.underline = true;
  if (chance(0.08)) o.opacity = r1(rand(0.6, 0.95));
  const T = chance(0.6) ? F.IText : F.Text;
  const t = new T(text, o);
  if (style === 'gradient') {
    t.set('fill', new F.Gradient({
      type: 'linear', gradientUnits: 'percentage', coords: { x1: 0, y1: 0, x2: chance(0.7) ? 1 : 0, y2: chance(0.3) ? 1 : 0 },
      colorStops: [{ offset: 0, color: pick(PALETTE) }, { offset: 1, color: pick(PALETTE) }],
    }));
  }
  return t;
}

function clipartGroup(W, H, U) {
  // SVG clip-art as editors load it (loadSVGFromString -> a group of paths): a flower, balloons or hearts
  const kind = randi(0, 2);
  const parts = [];
  if (kind === 0) {
    for (let i = 0; i < 6; i++) {
      parts.push(new F.Ellipse({ rx: 18, ry: 40, left: 0, top: -40, originX: 'center', originY: 'center', fill: pick(PALETTE), angle: i * 60 }));
      const p = parts[parts.length - 1];
      const a = (i * Math.PI) / 3;
      p.left = r1(Math.sin(a) * 40);
      p.top = r1(-Math.cos(a) * 40);
    }
    parts.push(new F.Circle({ radius: 18, left: 0, top: 0, originX: 'center', originY: 'center', fill: '#f4d03f', stroke: '#784212', strokeWidth: 2 }));
  } else if (kind === 1) {
    for (let i = 0; i < 3; i++) {
      parts.push(new F.Path('M 0 70 Q -8 90 6 110', { left: -40 + i * 40, top: 70, fill: '', stroke: '#566573', strokeWidth: 2, originX: 'center', originY: 'top' }));
      parts.push(new F.Ellipse({ rx: 24, ry: 30, left: -40 + i * 40, top: 30 + (i % 2) * 12, originX: 'center', originY: 'center', fill: pick(PALETTE), stroke: '#17202a', strokeWidth: 1 }));
    }
  } else {
    for (let i = 0; i < 4; i++) {
      parts.push(new F.Path(SVG_ART[0], { left: r1(rand(-60, 60)), top: r1(rand(-40, 40)), scaleX: 0.35, scaleY: 0.35, originX: 'center', originY: 'center', fill: pick(PALETTE), angle: randi(-30, 30) }));
    }
  }
  const sc = r1(rand(0.8, 2.5) * U);
  const g = new F.Group(parts, { ...origin(r1(rand(0.1, 0.9) * W), r1(rand(0.1, 0.9) * H)), scaleX: sc, scaleY: sc });
  if (chance(0.25)) g.angle = randi(-20, 20);
  if (chance(0.15)) g.opacity = r1(rand(0.5, 0.9));
  return g;
}

function badge(W, H, U) {
  // a badge: a shape with a word on it, grouped (editors' "sticker" elements)
  const s = randi(90, 180) * U;
  const shapeO = chance(0.5)
    ? new F.Circle({ radius: s / 2, fill: pick(PALETTE), stroke: '#ffffff', strokeWidth: 4 * U, originX: 'center', originY: 'center', left: 0, top: 0 })
    : new F.Rect({ width: s * 1.6, height: s * 0.6, rx: s * 0.3, ry: s * 0.3, fill: pick(PALETTE), originX: 'center', originY: 'center', left: 0, top: 0, strokeWidth: 0 });
  const word = new F.Text(pick(['SALE', 'NEW', 'Best', 'No. 1', 'Love', '2026', 'VIP']), {
    ...face(pick(LATIN)), fontSize: r1(s * 0.32), fill: '#ffffff', originX: 'center', originY: 'center', left: 0, top: 0,
  });
  const g = new F.Group([shapeO, word], { ...origin(r1(rand(0.15, 0.85) * W), r1(rand(0.15, 0.85) * H)) });
  if (chance(0.5)) g.angle = randi(-25, 25);
  if (chance(0.2)) g.shadow = new F.Shadow({ color: 'rgba(0,0,0,0.35)', blur: randi(4, 14) * U, offsetX: 3 * U, offsetY: 4 * U });
  return g;
}

function patterned(W, H, U) {
  const s = randi(120, 400) * U;
  const src = tile(randi(12, 36), pick(PASTEL), pick(PALETTE), randi(0, 2));
  const o = { ...origin(r1(rand(0.1, 0.8) * W), r1(rand(0.1, 0.8) * H)), fill: new F.Pattern({ source: src, repeat: 'repeat' }) };
  if (chance(0.5)) return new F.Rect({ ...o, width: s, height: r1(s * rand(0.3, 0.8)), rx: chance(0.5) ? 16 : 0, ry: 16, strokeWidth: 0 });
  return new F.Circle({ ...o, radius: s / 2, stroke: pick(PALETTE), strokeWidth: randi(0, 6) });
}

function frame(W, H, U) {
  // a decorative frame: double rounded border, sometimes dashed
  const m = Math.min(W, H) * rand(0.03, 0.06);
  const o = { originX: 'left', originY: 'top', fill: '', rx: randi(0, 40) * U, strokeUniform: false };
  o.ry = o.rx;
  const outer = new F.Rect({ ...o, left: m, top: m, width: r1(W - 2 * m), height: r1(H - 2 * m), stroke: pick(PALETTE), strokeWidth: randi(3, 10) * U });
  if (chance(0.4)) outer.strokeDashArray = [randi(10, 30) * U, randi(6, 16) * U];
  return outer;
}


function shopDesign(i) {
  R = rng(SEED * 100003 + i * 7919 + 17);
  const product = pick(Object.keys(SHOP_PRODUCTS));
  const { w: W, h: H } = SHOP_PRODUCTS[product];
  const U = Math.max(1, Math.min(W, H) / 500);
  const made = { name: `${product}_${String(i).padStart(3, '0')}`, width: W, height: H, objects: [] };
  const bg = R();
  if (product !== 'tee') {
    if (bg < 0.35) made.background = pick(PASTEL);
    else if (bg < 0.6) made.objects.push(new F.Rect({ originX: 'left', originY: 'top', left: 0, top: 0, width: W, height: H, strokeWidth: 0, fill: gradient(W, H) }));
    else if (bg < 0.8) {
      const img = new F.Image(photo(Math.round(W / 2), Math.round(H / 2), i), { originX: 'left', originY: 'top', left: 0, top: 0, scaleX: 2, scaleY: 2 });
      made.objects.push(img);
      if (chance(0.4)) {
        const tex = new F.Image(tile(64, '#f8f9f9', '#d5d8dc', 2), { originX: 'left', originY: 'top', left: 0, top: 0, scaleX: W / 64, scaleY: H / 64, opacity: 0.6 });
        tex.globalCompositeOperation = 'multiply';
        made.objects.push(tex);
      }
    } else made.background = '#ffffff';
  }
  if (product === 'sticker' && chance(0.4)) made.clipPath = new F.Circle({ radius: W / 2 - 10, originX: 'center', originY: 'center', left: W / 2, top: H / 2 });
  if (chance(0.2)) made.objects.push(frame(W, H, U));
  const n = randi(2, 7);
  for (let k = 0; k < n; k++) {
    const r = R();
    if (r < 0.25) made.objects.push(shopPhoto(W, H, i + k, U));
    else if (r < 0.35) made.objects.push(shape(W, H));
    else if (r < 0.5) made.objects.push(clipartGroup(W, H, U));
    else if (r < 0.58) made.objects.push(badge(W, H, U));
    else if (r < 0.65) made.objects.push(patterned(W, H, U));
    else if (r < 0.75) {
      const c = clipart(W, H, i + k);
      c.set({ scaleX: c.scaleX * U, scaleY: c.scaleY * U });
      made.objects.push(c);
    } else made.objects.push(paragraph(W, H, rand(0.1, 0.6) * H, U));
  }
  made.objects.push(shopText(W, H, rand(0.2, 0.8) * H, U));
  if (chance(0.5)) made.objects.push(shopText(W, H, rand(0.1, 0.9) * H, U));
  return made;
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { fabric_version: fabric.version, major: MAJOR, seed: SEED, profile: PROFILE, designs: {} };
  for (let i = 0; i < COUNT; i++) {
    const made = SHOP ? shopDesign(i) : design(i);
    if (ONLY && !ONLY.split(',').includes(made.name)) continue;
    const canvas = new fabric.StaticCanvas(null, { width: made.width, height: made.height, enableRetinaScaling: false });
    if (made.background) canvas.backgroundColor = made.background;
    made.objects.forEach((o) => canvas.add(o));
    if (made.clipPath) canvas.clipPath = made.clipPath;
    canvas.renderAll();
    const json = canvas.toJSON();
    const lines = {};
    made.objects.forEach((o, k) => {
      if (o._textLines) lines[`objects[${k}]`] = o._textLines.map((l) => l.join(''));
    });
    fs.writeFileSync(path.join(OUT, `${made.name}.json`), JSON.stringify({ ...json, width: made.width, height: made.height }) + '\n');
    for (const m of [1, 2]) {
      const url = canvas.toDataURL({ format: 'png', multiplier: m });
      fs.writeFileSync(path.join(OUT, `${made.name}@${m}x.png`), Buffer.from(url.split(',')[1], 'base64'));
    }
    manifest.designs[made.name] = { width: made.width, height: made.height, text_lines: lines };
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  console.log(`v${MAJOR}: ${Object.keys(manifest.designs).length} designs -> ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
