// What Fabric's Node render (objectCaching off: docs/fabric.md "Browser or Node") draws object by object and
// part by part: translucent groups (each child at the group's opacity x its own: overlaps show through),
// translucent stroked text and shapes (fill, then stroke, each at the object's alpha), a group with a
// clipPath (still cached: needsItsOwnCache), image shadows at 1x and 2x (node-canvas maps a drawImage shadow
// by the object's matrix and the multiplier), and what the importer used to refuse: objects that reach the
// page but extend far beyond it, a backgroundColor with a shadow and nothing else, a bare toJSON().
//
//   node node_groups.js 6|7|5      -> tests/fabric_corpus/node_groups/v<N>/
'use strict';

const fs = require('fs');
const path = require('path');

const MAJOR = Number(process.argv[2] || '6');
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const REPO = path.resolve(__dirname, '..', '..');
const OUT = path.join(REPO, 'tests', 'fabric_corpus', 'node_groups', `v${MAJOR}`);
const { registerFont, createCanvas } = from('canvas');
for (const line of fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n')) {
  const [file, family, weight, style] = line.split('|');
  if (file) registerFont(path.join(REPO, 'fonts', file), { family, weight, style });
}
const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Image: fabric.FabricImage || fabric.Image, Rect: fabric.Rect, Circle: fabric.Circle, Ellipse: fabric.Ellipse,
  Polygon: fabric.Polygon, Text: fabric.FabricText || fabric.Text, IText: fabric.IText, Textbox: fabric.Textbox,
  Group: fabric.Group, Shadow: fabric.Shadow,
};
const sh = (o = {}) => new F.Shadow({ color: 'rgba(0,0,0,0.5)', blur: 8, offsetX: 6, offsetY: 6, ...o });
const C = { originX: 'center', originY: 'center' };

function bitmap(w, h, hue, round) {
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

function flower(opts) {
  const petals = [];
  for (let i = 0; i < 6; i++) {
    const a = (i * Math.PI) / 3;
    petals.push(new F.Circle({ ...C, left: Math.cos(a) * 38, top: Math.sin(a) * 38, radius: 34, fill: '#e84393', stroke: '#fd79a8', strokeWidth: 4 }));
  }
  petals.push(new F.Circle({ ...C, left: 0, top: 0, radius: 26, fill: '#fdcb6e', strokeWidth: 0 }));
  return new F.Group(petals, { ...C, ...opts });
}

const DESIGNS = {
  translucent_groups: () => ({
    width: 800, height: 560, background: '#f5f6fa',
    objects: [
      flower({ left: 130, top: 130, opacity: 0.6, angle: 10 }),
      new F.Group([
        new F.Rect({ ...C, left: 0, top: 0, width: 200, height: 90, rx: 14, ry: 14, fill: '#0984e3', stroke: '#2d3436', strokeWidth: 6 }),
        new F.Text('SALE', { ...C, left: 0, top: 0, fontFamily: 'Bebas Neue', fontSize: 72, fill: '#ffffff', stroke: '#d63031', strokeWidth: 4 }),
      ], { ...C, left: 400, top: 120, opacity: 0.7, angle: -8 }),
      new F.Group([
        new F.Group([
          new F.Rect({ left: 0, top: 0, width: 110, height: 110, fill: '#6c5ce7', strokeWidth: 0 }),
          new F.Rect({ left: 55, top: 55, width: 110, height: 110, fill: '#00cec9', strokeWidth: 0, opacity: 0.8 }),
        ], { opacity: 0.6 }),
        new F.Ellipse({ left: 90, top: 130, rx: 90, ry: 36, fill: '#e17055', strokeWidth: 0 }),
      ], { left: 590, top: 40, opacity: 0.7, scaleX: 1.1, scaleY: 1.1 }),
      // a clipPath: the group needs its own cache under Node too, so it is composited as one picture
      new F.Group([
        new F.Rect({ left: 0, top: 0, width: 160, height: 120, fill: '#00b894', strokeWidth: 0 }),
        new F.Rect({ left: 70, top: 50, width: 160, height: 120, fill: '#d63031', strokeWidth: 0 }),
      ], { ...C, left: 150, top: 400, opacity: 0.6, clipPath: new F.Circle({ ...C, left: 0, top: 0, radius: 95 }) }),
      // a shadowed translucent group: uncached, every child casts the group's shadow at the group's alpha
      new F.Group([
        new F.Rect({ left: 0, top: 0, width: 140, height: 100, fill: '#fdcb6e', stroke: '#e17055', strokeWidth: 5 }),
        new F.Circle({ left: 80, top: 40, radius: 50, fill: '#74b9ff', strokeWidth: 0 }),
      ], { ...C, left: 400, top: 400, opacity: 0.75, shadow: sh() }),
      new F.Rect({ ...C, left: 610, top: 330, width: 150, height: 100, fill: '#fab1a0', stroke: '#2d3436', strokeWidth: 14, opacity: 0.5 }),
      new F.Circle({ ...C, left: 680, top: 470, radius: 60, fill: '#55efc4', stroke: '#0984e3', strokeWidth: 18, opacity: 0.6 }),
      new F.Polygon([{ x: 0, y: -60 }, { x: 18, y: -20 }, { x: 60, y: -20 }, { x: 26, y: 8 }, { x: 38, y: 54 }, { x: 0, y: 27 }, { x: -38, y: 54 }, { x: -26, y: 8 }, { x: -60, y: -20 }, { x: -18, y: -20 }],
        { ...C, left: 560, top: 480, fill: '#ffeaa7', stroke: '#6c5ce7', strokeWidth: 10, strokeLineJoin: 'round', opacity: 0.55 }),
    ],
  }),
  translucent_text: () => ({
    width: 800, height: 520, background: '#ffffff',
    objects: [
      new F.Text('Emma', { ...C, left: 190, top: 80, fontFamily: 'Lobster Two', fontWeight: 'bold', fontSize: 110, fill: '#e74c3c', stroke: '#2c3e50', strokeWidth: 8, opacity: 0.5 }),
      new F.Text('Oliver', { ...C, left: 560, top: 80, fontFamily: 'Dancing Script', fontWeight: 'bold', fontSize: 100, fill: '#f4d03f', stroke: '#6c3483', strokeWidth: 10, paintFirst: 'stroke', opacity: 0.6 }),
      new F.Text('BEST DAD', { ...C, left: 200, top: 230, fontFamily: 'Bebas Neue', fontSize: 90, fill: '#ffffff', stroke: '#17202a', strokeWidth: 5, textBackgroundColor: '#3498db', underline: true, opacity: 0.6, angle: -6 }),
      new F.Text('Slanted', { ...C, left: 560, top: 240, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 80, fill: '#1abc9c', stroke: '#000000', strokeWidth: 6, skewX: 18, opacity: 0.5 }),
      new F.Group([
        new F.Rect({ ...C, left: 0, top: 0, width: 300, height: 110, fill: '#f39c12', strokeWidth: 0 }),
        new F.Text('Party', { ...C, left: 0, top: 0, fontFamily: 'Kaushan Script', fontSize: 80, fill: '#ffffff', stroke: '#c0392b', strokeWidth: 7 }),
      ], { ...C, left: 200, top: 420, opacity: 0.7, angle: 5 }),
      new F.Textbox('Happy birthday to you', { ...C, left: 580, top: 420, width: 300, fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 46, lineHeight: 0.85, fill: '#8e44ad', stroke: '#f1c40f', strokeWidth: 4, textAlign: 'center', opacity: 0.65 }),
    ],
  }),
  image_shadows: () => ({
    width: 700, height: 420, background: '#fdfefe',
    objects: [
      new F.Image(bitmap(1200, 900, 200), { ...C, left: 150, top: 120, scaleX: 0.18, scaleY: 0.18, shadow: sh({ blur: 20, offsetX: 30, offsetY: 30 }) }),
      new F.Image(bitmap(100, 100, 300, true), { ...C, left: 400, top: 120, scaleX: 1.5, scaleY: 1.5, angle: 20, shadow: sh({ blur: 6, offsetX: 8, offsetY: 6 }) }),
      new F.Image(bitmap(300, 200, 60), { ...C, left: 580, top: 130, scaleX: 0.6, scaleY: 0.6, shadow: sh({ blur: 0, offsetX: 12, offsetY: 12 }) }),
      new F.Image(bitmap(800, 600, 120), {
        ...C, left: 200, top: 310, scaleX: 0.3, scaleY: 0.3, angle: -15, shadow: sh({ blur: 14, offsetX: 14, offsetY: 4 }),
        clipPath: new F.Rect({ ...C, left: 0, top: 0, width: 760, height: 560, rx: 70, ry: 70 }),
      }),
      new F.Image(bitmap(400, 300, 20), { ...C, left: 520, top: 320, shadow: sh({ blur: 10, offsetX: 10, offsetY: 10, nonScaling: true }), scaleX: 0.5, scaleY: 0.5 }),
    ],
  }),
  far_extents: () => ({
    width: 600, height: 400, background: '#ecf0f1',
    objects: [
      // a turned rect, hugely scaled (10 m): one diagonal edge across the page
      new F.Rect({ ...C, left: 17187, top: 9950, width: 100, height: 100, fill: '#e67e22', angle: 30, scaleX: 390, scaleY: 390, strokeWidth: 0, opacity: 0.7 }),
      // a clipped, turned photo upscaled x300 (6 m): its circle's edge across the page
      new F.Image(bitmap(100, 80, 150), { ...C, left: 300, top: 9250, scaleX: 300, scaleY: 300, angle: 20, clipPath: new F.Circle({ ...C, left: 0, top: 0, radius: 30 }) }),
      new F.Text('small', { left: 40, top: 330, fontFamily: 'Noto Serif', fontSize: 40, fill: '#2c3e50' }),
    ],
  }),
  far_text: () => ({
    // a proof watermark line scaled x34: ~29 000 px (7.7 m) long, crossing the page. 1x only: node-canvas
    // (pango) draws nothing at all, for the whole canvas, once a font passes ~800 device px (2x: 1360 px)
    width: 600, height: 400, background: '#ecf0f1', multipliers: [1],
    objects: [
      new F.Text('PROOF '.repeat(12), { left: -14000, top: -260, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 20, fill: '#2980b9', scaleX: 34, scaleY: 34, opacity: 0.8 }),
      new F.Text('small', { left: 40, top: 330, fontFamily: 'Noto Serif', fontSize: 40, fill: '#2c3e50' }),
    ],
  }),
  background_shadows: () => ({
    width: 600, height: 300, background: '#ffffff',
    objects: [
      // only a backgroundColor: it casts the shadow (Fabric's _renderBackground draws it with the shadow set)
      new F.Rect({ ...C, left: 110, top: 150, width: 140, height: 100, fill: '', strokeWidth: 0, backgroundColor: '#f1c40f', shadow: sh({ blur: 10 }) }),
      new F.Circle({ ...C, left: 300, top: 150, radius: 60, fill: null, stroke: null, backgroundColor: 'rgba(52,152,219,0.8)', angle: 20, shadow: sh({ offsetX: 10, offsetY: -6 }) }),
      // an image with a backgroundColor and a shadow: the background casts it, the image draws over it
      new F.Image(bitmap(160, 120, 280, true), { ...C, left: 480, top: 150, backgroundColor: '#2ecc71', angle: -10, shadow: sh({ blur: 12, offsetX: 8, offsetY: 8 }) }),
    ],
  }),
  bare_tojson: () => ({
    width: 500, height: 350, background: '', bare: true,
    objects: [
      new F.Rect({ left: 0, top: 0, originX: 'left', originY: 'top', width: 500, height: 350, fill: '#fef9e7', strokeWidth: 0 }),
      new F.Circle({ ...C, left: 250, top: 175, radius: 120, fill: '#f5b041', strokeWidth: 0 }),
      new F.Text('Bare', { ...C, left: 250, top: 175, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 80, fill: '#1b4f72' }),
    ],
  }),
};

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { fabric_version: fabric.version, major: MAJOR, designs: {} };
  for (const [name, make] of Object.entries(DESIGNS)) {
    const d = make();
    const canvas = new fabric.StaticCanvas(null, { width: d.width, height: d.height, enableRetinaScaling: false });
    if (d.background) canvas.backgroundColor = d.background;
    d.objects.forEach((o) => canvas.add(o));
    canvas.renderAll();
    const json = d.bare ? canvas.toJSON() : { ...canvas.toJSON(), width: d.width, height: d.height };
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(json) + '\n');
    for (const m of d.multipliers || [1, 2]) {
      const url = canvas.toDataURL({ format: 'png', multiplier: m });
      fs.writeFileSync(path.join(OUT, `${name}@${m}x.png`), Buffer.from(url.split(',')[1], 'base64'));
    }
    manifest.designs[name] = { width: d.width, height: d.height };
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  console.log(`v${MAJOR}: ${Object.keys(manifest.designs).length} designs -> ${OUT}`);
})().catch((e) => { console.error(e); process.exit(1); });
