// Shadows as Fabric's Node render draws them (objectCaching off: docs/fabric.md "Browser or Node"): what casts
// a shadow when an object is drawn straight onto the canvas — a stroked name (the fill casts, not the
// stroke), an underlined name (only the underline), a label with textBackgroundColor (only the label), a
// styled IText with a line-through, stroked shapes, a rect with backgroundColor (only the background) — and
// the objects that still draw through a cache of their own (paintFirst stroke over a fill, a clipPath).
//
//   node node_shadows.js 6|7|5      -> tests/fabric_corpus/node_shadows/v<N>/
'use strict';

const fs = require('fs');
const path = require('path');

const MAJOR = Number(process.argv[2] || '6');
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const REPO = path.resolve(__dirname, '..', '..');
const OUT = path.join(REPO, 'tests', 'fabric_corpus', 'node_shadows', `v${MAJOR}`);
const { registerFont, createCanvas } = from('canvas');
for (const line of fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n')) {
  const [file, family, weight, style] = line.split('|');
  if (file) registerFont(path.join(REPO, 'fonts', file), { family, weight, style });
}
const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = { Image: fabric.FabricImage || fabric.Image, Rect: fabric.Rect, Circle: fabric.Circle, Polygon: fabric.Polygon, Text: fabric.FabricText || fabric.Text, IText: fabric.IText, Shadow: fabric.Shadow };
const sh = (o = {}) => new F.Shadow({ color: 'rgba(0,0,0,0.55)', blur: 6, offsetX: 7, offsetY: 7, ...o });
const C = { originX: 'center', originY: 'center' };

function bitmap(w, h, hue, round) {
  // an uploaded photo (opaque) or a round sticker (transparent corners)
  const c = createCanvas(w, h);
  const t = c.getContext('2d');
  const g = t.createLinearGradient(0, 0, w, h);
  g.addColorStop(0, `hsl(${hue}, 70%, 60%)`);
  g.addColorStop(1, `hsl(${hue + 60}, 70%, 35%)`);
  t.fillStyle = g;
  if (round) {
    t.beginPath();
    t.arc(w / 2, h / 2, Math.min(w, h) / 2 - 2, 0, Math.PI * 2);
    t.fill();
  } else t.fillRect(0, 0, w, h);
  t.fillStyle = '#ffffff';
  t.fillRect(w * 0.4, h * 0.4, w * 0.2, h * 0.2);
  return c;
}

const DESIGNS = {
  image_shadows: () => ({
    width: 800, height: 500, background: '#f8f9f9',
    objects: [
      // a 1600 px photo shown at 0.15, and at 0.2 turned: Node's shadow sits 0.15x / 0.2x as far as a browser's
      new F.Image(bitmap(1600, 1200, 200), { ...C, left: 160, top: 140, scaleX: 0.15, scaleY: 0.15, shadow: sh({ blur: 20, offsetX: 30, offsetY: 30 }) }),
      new F.Image(bitmap(1200, 1200, 20), { ...C, left: 420, top: 150, scaleX: 0.2, scaleY: 0.2, angle: 15, shadow: sh({ blur: 25, offsetX: 25, offsetY: 25 }) }),
      // a small sticker PNG upscaled 1.6x, mirrored: its shadow goes further and to the other side
      new F.Image(bitmap(100, 100, 300, true), { ...C, left: 660, top: 140, scaleX: 1.6, scaleY: 1.6, flipX: true, shadow: sh({ blur: 4, offsetX: 6, offsetY: 4 }) }),
      // clipped (its own cache): the shadow turns with the photo, is not scaled again
      new F.Image(bitmap(900, 600, 120), {
        ...C, left: 250, top: 360, scaleX: 0.3, scaleY: 0.3, angle: -20, shadow: sh({ blur: 12, offsetX: 12, offsetY: 0 }),
        clipPath: new F.Rect({ ...C, left: 0, top: 0, width: 860, height: 560, rx: 80, ry: 80 }),
      }),
      new F.Image(bitmap(300, 200, 60), { ...C, left: 600, top: 360, shadow: sh({ blur: 0, offsetX: 10, offsetY: 10 }) }),
    ],
  }),
  text_shadows: () => ({
    width: 700, height: 520, background: '#fdf2e9',
    objects: [
      new F.Text('Emma', { ...C, left: 170, top: 80, fontFamily: 'Lobster Two', fontWeight: 'bold', fontSize: 96, fill: '#e74c3c', stroke: '#ffffff', strokeWidth: 5, shadow: sh() }),
      new F.Text('Thank you!', { ...C, left: 500, top: 80, fontFamily: 'Noto Sans', fontSize: 60, fill: '#1a5276', underline: true, shadow: sh() }),
      new F.Text('BEST DAD', { ...C, left: 190, top: 220, fontFamily: 'Bebas Neue', fontSize: 80, fill: '#ffffff', textBackgroundColor: '#17202a', shadow: sh({ blur: 0 }) }),
      new F.IText('Happy 40th', { ...C, left: 500, top: 220, fontFamily: 'Noto Serif', fontSize: 54, fill: '#145a32', linethrough: true, shadow: sh(), styles: { 0: { 6: { fill: '#d35400' }, 7: { fill: '#d35400' }, 8: { fill: '#d35400' }, 9: { fill: '#d35400' } } } }),
      new F.Text('Oliver', { ...C, left: 170, top: 360, fontFamily: 'Dancing Script', fontWeight: 'bold', fontSize: 84, fill: '#f4d03f', stroke: '#6c3483', strokeWidth: 6, paintFirst: 'stroke', shadow: sh() }),
      new F.Text('Glow', { ...C, left: 500, top: 360, fontFamily: 'Kaushan Script', fontSize: 90, fill: '#ffffff', stroke: '#8e44ad', strokeWidth: 3, shadow: sh({ color: '#f1c40f', blur: 18, offsetX: 0, offsetY: 0, affectStroke: true }) }),
      new F.Text('Mia', { ...C, left: 350, top: 465, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 50, fill: '#ffffff', backgroundColor: '#2e86c1', shadow: sh() }),
    ],
  }),
  shape_shadows: () => ({
    width: 700, height: 420, background: '#ffffff',
    objects: [
      new F.Rect({ ...C, left: 130, top: 120, width: 160, height: 110, fill: '#f5b041', stroke: '#1b4f72', strokeWidth: 12, shadow: sh() }),
      new F.Circle({ ...C, left: 350, top: 120, radius: 70, fill: '', stroke: '#c0392b', strokeWidth: 14, shadow: sh() }),
      new F.Rect({ ...C, left: 570, top: 120, width: 140, height: 100, fill: '#48c9b0', stroke: '#ffffff', strokeWidth: 10, paintFirst: 'stroke', shadow: sh() }),
      new F.Polygon([{ x: 0, y: -80 }, { x: 22, y: -25 }, { x: 80, y: -25 }, { x: 34, y: 10 }, { x: 50, y: 70 }, { x: 0, y: 35 }, { x: -50, y: 70 }, { x: -34, y: 10 }, { x: -80, y: -25 }, { x: -22, y: -25 }],
        { ...C, left: 130, top: 310, fill: '#8e44ad', stroke: '#f4d03f', strokeWidth: 8, strokeLineJoin: 'round', shadow: sh({ blur: 10 }) }),
      new F.Circle({ ...C, left: 350, top: 310, radius: 60, fill: '#e74c3c', stroke: '#17202a', strokeWidth: 6, shadow: sh({ affectStroke: true }) }),
      new F.Rect({ ...C, left: 570, top: 310, width: 120, height: 90, fill: '#f4d03f', stroke: '#784212', strokeWidth: 6, backgroundColor: '#aed6f1', shadow: sh() }),
    ],
  }),
};

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { fabric_version: fabric.version, major: MAJOR, designs: {} };
  for (const [name, make] of Object.entries(DESIGNS)) {
    const d = make();
    const canvas = new fabric.StaticCanvas(null, { width: d.width, height: d.height, enableRetinaScaling: false });
    canvas.backgroundColor = d.background;
    d.objects.forEach((o) => canvas.add(o));
    canvas.renderAll();
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify({ ...canvas.toJSON(), width: d.width, height: d.height }) + '\n');
    for (const m of [1, 2]) {
      const url = canvas.toDataURL({ format: 'png', multiplier: m });
      fs.writeFileSync(path.join(OUT, `${name}@${m}x.png`), Buffer.from(url.split(',')[1], 'base64'));
    }
    manifest.designs[name] = { width: d.width, height: d.height };
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  console.log(`v${MAJOR}: ${Object.keys(manifest.designs).length} designs -> ${OUT}`);
})().catch((e) => { console.error(e); process.exit(1); });
