// Canvases saved the way storefront personalisers and design editors save them (Customily / Zakeke /
// Printful-like personalisers, Canva-like editors, Polotno exports converted to Fabric), unlike the other
// corpora: toJSON() with the editor's own keys (id, name, selectable, lock*, erasable, data, custom keys),
// clip-art loaded with loadSVGFromString from real-world SVG (gradients, <use>, nested transforms, CSS
// classes, strokes), images with crossOrigin and data-URL src (PNG and JPEG), empty / null filter lists,
// Textbox styles in the v4/v5 {line: {char: style}} form and the v6 range form, IText on a path, absolute
// and inverted clipPaths, groups in groups, canvas backgroundImage / overlayImage and a Pattern or Gradient
// background, `version` fields from 4.x to 7.x, odd but valid values (negative scale, angle > 360, opacity
// 0, visible: false, numeric and "bold" fontWeight, "oblique", every decoration at once, a shadow saved as a
// CSS string), huge and tiny canvases, families the catalogue does not have, emoji, Indic and CJK text.
//
// Each design is built live, saved with toJSON(KEYS), edited as the editor writes it (`patch`), and the
// reference is Fabric *loading that JSON* (loadFromJSON + toDataURL at 1x and 2x), as a held-out set of
// saved designs is rendered.
//
//   node editor_saves.js 6|7|5      -> tests/fabric_corpus/editor_saves/v<N>/
'use strict';

const fs = require('fs');
const path = require('path');

const MAJOR = Number(process.argv[2] || '6');
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const REPO = path.resolve(__dirname, '..', '..');
const OUT = process.env.OUT || path.join(REPO, 'tests', 'fabric_corpus', 'editor_saves', `v${MAJOR}`);
const { registerFont, createCanvas } = from('canvas');
for (const line of fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n')) {
  const [file, family, weight, style] = line.split('|');
  if (file) registerFont(path.join(REPO, 'fonts', file), { family, weight, style });
}
// the script faces a shop with Indic / emoji names loads (the engine bundles the same files)
for (const [file, family, weight] of [
  ['noto-sans-devanagari/NotoSansDevanagari-Regular.ttf', 'Noto Sans Devanagari', 'normal'],
  ['noto-sans-devanagari/NotoSansDevanagari-Bold.ttf', 'Noto Sans Devanagari', 'bold'],
  ['noto-sans-tamil/NotoSansTamil-Regular.ttf', 'Noto Sans Tamil', 'normal'],
  ['noto-sans-bengali/NotoSansBengali-Regular.ttf', 'Noto Sans Bengali', 'normal'],
  ['noto-emoji/NotoEmoji-Regular.ttf', 'Noto Emoji', 'normal'],
]) registerFont(path.join(REPO, 'fonts', file), { family, weight, style: 'normal' });

const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Image: fabric.FabricImage || fabric.Image, Rect: fabric.Rect, Circle: fabric.Circle, Ellipse: fabric.Ellipse,
  Triangle: fabric.Triangle, Polygon: fabric.Polygon, Path: fabric.Path, Text: fabric.FabricText || fabric.Text,
  IText: fabric.IText, Textbox: fabric.Textbox, Group: fabric.Group, Shadow: fabric.Shadow,
  Gradient: fabric.Gradient, Pattern: fabric.Pattern, filters: fabric.filters || fabric.Image.filters,
};
const C = { originX: 'center', originY: 'center' };
// Fabric 7's objects default to centre origins; editors upgraded from 5 / 6 set left / top back (Fabric's
// upgrade guide), and toJSON() writes whichever is in force
if (MAJOR === 7) Object.assign((fabric.FabricObject || fabric.Object).ownDefaults, { originX: 'left', originY: 'top' });
// what personalisers serialise besides Fabric's own properties
const KEYS = ['id', 'name', 'selectable', 'evented', 'lockMovementX', 'lockMovementY', 'lockScalingX', 'lockRotation',
  'hasControls', 'erasable', 'data', 'customType', 'layerId', 'isPlaceholder', 'crossOrigin', 'objectCaching'];

function photo(w, h, hue, fmt = 'image/png') {
  const c = createCanvas(w, h);
  const t = c.getContext('2d');
  const g = t.createLinearGradient(0, 0, w, h);
  g.addColorStop(0, `hsl(${hue}, 65%, 62%)`);
  g.addColorStop(1, `hsl(${hue + 50}, 60%, 32%)`);
  t.fillStyle = g;
  t.fillRect(0, 0, w, h);
  t.fillStyle = 'rgba(255,255,255,0.85)';
  t.beginPath();
  t.arc(w * 0.35, h * 0.4, Math.min(w, h) * 0.18, 0, Math.PI * 2);
  t.fill();
  t.fillStyle = `hsl(${hue + 180}, 50%, 40%)`;
  t.fillRect(w * 0.55, h * 0.55, w * 0.3, h * 0.25);
  return fmt === 'image/jpeg' ? c.toDataURL('image/jpeg', 0.85) : c.toDataURL('image/png');
}

function tileURL(size, a, b) {
  const c = createCanvas(size, size);
  const t = c.getContext('2d');
  t.fillStyle = a;
  t.fillRect(0, 0, size, size);
  t.fillStyle = b;
  t.beginPath();
  t.arc(size / 2, size / 2, size / 4, 0, Math.PI * 2);
  t.fill();
  return c.toDataURL('image/png');
}

async function image(url, opts) {
  if (MAJOR === 5) return new Promise((res) => F.Image.fromURL(url, (img) => { img.set(opts); res(img); }, { crossOrigin: 'anonymous' }));
  const img = await F.Image.fromURL(url, { crossOrigin: 'anonymous' });
  img.set(opts);
  return img;
}

async function svgGroup(svg, opts) {
  const [objects, options] = MAJOR === 5
    ? await new Promise((res) => fabric.loadSVGFromString(svg, (o, op) => res([o, op])))
    : await fabric.loadSVGFromString(svg).then((r) => [r.objects.filter(Boolean), r.options]);
  const g = fabric.util.groupSVGElements(objects, options);
  g.set(opts);
  return g;
}

const SVG_BADGE = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200" viewBox="0 0 200 200">
  <defs>
    <style>.ring{fill:none;stroke:#7b241c;stroke-width:6}.star{fill:#f4d03f;stroke:#9a7d0a;stroke-width:3;stroke-linejoin:round}</style>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5dade2"/><stop offset="1" stop-color="#1a5276"/></linearGradient>
    <radialGradient id="glow" cx="100" cy="90" r="70" gradientUnits="userSpaceOnUse"><stop offset="0" stop-color="#ffffff" stop-opacity="0.9"/><stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient>
    <path id="pt" d="M0,-22 L6,-7 L22,-7 L9,3 L14,19 L0,9 L-14,19 L-9,3 L-22,-7 L-6,-7 Z"/>
  </defs>
  <circle cx="100" cy="100" r="90" fill="url(#sky)"/>
  <circle class="ring" cx="100" cy="100" r="80"/>
  <ellipse cx="100" cy="90" rx="70" ry="55" fill="url(#glow)"/>
  <g transform="translate(100 100)">
    <use xlink:href="#pt" class="star" transform="translate(0 -40) scale(1.6)"/>
    <use xlink:href="#pt" class="star" transform="rotate(-30) translate(-50 10)"/>
    <use xlink:href="#pt" class="star" transform="rotate(30) translate(50 10)"/>
  </g>
  <path d="M40 150 Q100 185 160 150" fill="none" stroke="#ffffff" stroke-width="8" stroke-linecap="round" stroke-dasharray="2 14"/>
  <rect x="55" y="120" width="90" height="22" rx="11" fill="#c0392b" fill-opacity="0.85" transform="rotate(-4 100 131)"/>
</svg>`;

const SVG_FLORAL = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 160" width="240" height="160">
  <defs>
    <linearGradient id="leaf" gradientTransform="rotate(35)"><stop offset="0%" style="stop-color:#82e0aa"/><stop offset="100%" style="stop-color:#1e8449"/></linearGradient>
    <linearGradient id="petal" x1="0%" y1="0%" x2="100%" y2="100%"><stop offset="0%" stop-color="#f5b7b1"/><stop offset="100%" stop-color="#c0392b"/></linearGradient>
  </defs>
  <g transform="matrix(1 0 0 1 20 10)" stroke="#512e5f" stroke-width="1.5">
    <path d="M20 120 C60 60 120 60 180 120" fill="none" stroke="#196f3d" stroke-width="5"/>
    <g transform="translate(60 80) rotate(-20)"><ellipse rx="26" ry="12" fill="url(#leaf)"/></g>
    <g transform="translate(140 80) rotate(20) scale(-1 1)"><ellipse rx="26" ry="12" fill="url(#leaf)"/></g>
    <g transform="translate(100 50)">
      <circle cx="0" cy="-22" r="18" fill="url(#petal)"/><circle cx="21" cy="-7" r="18" fill="url(#petal)"/>
      <circle cx="13" cy="18" r="18" fill="url(#petal)"/><circle cx="-13" cy="18" r="18" fill="url(#petal)"/>
      <circle cx="-21" cy="-7" r="18" fill="url(#petal)"/>
      <circle r="11" style="fill:#f7dc6f;stroke:#b7950b;stroke-width:2"/>
    </g>
    <polygon points="190,20 200,40 220,42 204,55 210,75 190,63 170,75 176,55 160,42 180,40" fill="#f8c471" opacity="0.8"/>
  </g>
</svg>`;

const D = {};

// a Customily-like personaliser: placeholder photo, locked background, named text fields, custom keys
D.personaliser_props = async () => {
  const bg = new F.Rect({ left: 0, top: 0, width: 600, height: 400, fill: '#fdf2e9', strokeWidth: 0 });
  Object.assign(bg, { id: 'bg', name: 'Background', selectable: false, evented: false, lockMovementX: true, lockMovementY: true, erasable: false });
  const ph = await image(photo(320, 240, 200, 'image/jpeg'), { left: 40, top: 60, scaleX: 0.8, scaleY: 0.8, filters: [] });
  Object.assign(ph, { id: 'photo-1', name: 'Your photo', isPlaceholder: true, data: { slot: 1, required: true }, lockRotation: true });
  const name = new F.IText('Sophia', { left: 440, top: 140, ...C, fontFamily: 'Dancing Script', fontWeight: 'bold', fontSize: 64, fill: '#922b21' });
  Object.assign(name, { id: 'name', name: 'Name', customType: 'personalisation-text', data: { maxLength: 12 }, hasControls: false });
  const date = new F.Textbox('Est. 2026 · Made with love', { left: 320, top: 220, width: 240, fontFamily: 'Noto Serif', fontStyle: 'italic', fontSize: 22, textAlign: 'center', fill: '#4a235a' });
  Object.assign(date, { id: 'sub', layerId: 'L7', erasable: true });
  return { width: 600, height: 400, objects: [bg, ph, name, date],
    patch: (j) => { j.version = '5.2.4'; j.objects[1].filters = []; return j; } };
};

// clip-art from real SVG files: gradients (object and userSpaceOnUse), <use>, nested transforms, CSS classes
D.svg_clipart = async () => ({
  width: 640, height: 400, background: '#ffffff',
  objects: [
    await svgGroup(SVG_BADGE, { left: 160, top: 200, ...C, scaleX: 1.4, scaleY: 1.4, angle: -8 }),
    await svgGroup(SVG_FLORAL, { left: 460, top: 150, ...C, scaleX: 1.3, scaleY: 1.3 }),
    await svgGroup(SVG_FLORAL, { left: 470, top: 320, ...C, scaleX: -0.8, scaleY: 0.8, angle: 12, opacity: 0.8 }),
  ],
});

// Textbox styles saved by Fabric 4 / 5.0 editors ({line: {char: style}}) in a document that says 4.6.0
D.styles_line_char = async () => {
  const t = new F.Textbox('Happy Birthday\nGrandma Rose', { left: 40, top: 40, width: 520, fontFamily: 'Noto Sans', fontSize: 52, fill: '#1b2631', textAlign: 'center' });
  const t2 = new F.IText('Bold mix of faces', { left: 40, top: 260, fontFamily: 'Noto Serif', fontSize: 44, fill: '#154360' });
  return { width: 600, height: 360, background: '#fef9e7', objects: [t, t2],
    patch: (j) => {
      j.version = '4.6.0';
      j.objects[0].styles = { 0: { 0: { fill: '#c0392b', fontWeight: 'bold' }, 1: { fill: '#d35400' }, 2: { fill: '#f39c12' }, 6: { underline: true, fontStyle: 'italic' }, 7: { underline: true, fontStyle: 'italic' } },
        1: { 8: { fill: '#8e44ad', fontSize: 64 }, 9: { fill: '#8e44ad', fontSize: 64 }, 10: { fill: '#8e44ad', fontSize: 64 }, 11: { fill: '#8e44ad', fontSize: 64 } } };
      j.objects[1].styles = { 0: { 0: { fontWeight: 700 }, 1: { fontWeight: 700 }, 2: { fontWeight: 700 }, 3: { fontWeight: 700 }, 9: { fontFamily: 'Dancing Script', fill: '#e74c3c' }, 10: { fontFamily: 'Dancing Script', fill: '#e74c3c' } } };
      return j;
    } };
};

// Fabric 6 range styles with numeric weights, overline + linethrough + underline at once, "oblique"
D.styles_ranges_decor = async () => {
  const t = new F.Textbox('Limited edition print', { left: 30, top: 30, width: 540, fontFamily: 'Noto Sans', fontSize: 46, fill: '#17202a', underline: true, linethrough: true, overline: true, charSpacing: 40 });
  const t2 = new F.Text('Oblique & heavy', { left: 30, top: 220, fontFamily: 'Noto Sans', fontStyle: 'oblique', fontWeight: 800, fontSize: 50, fill: '#1a5276' });
  const t3 = new F.Text('weight 600', { left: 330, top: 300, fontFamily: 'Noto Serif', fontWeight: '600', fontSize: 36, fill: '#7d3c98' });
  return { width: 600, height: 380, background: '#ffffff', objects: [t, t2, t3],
    patch: (j) => {
      j.objects[0].styles = [{ start: 0, end: 7, style: { fill: '#c0392b', fontWeight: 700 } }, { start: 8, end: 15, style: { underline: false, fill: '#1e8449' } }];
      return j;
    } };
};

// IText on a curve (Polotno/Canva "curved text" exported to Fabric) with a hidden path
D.itext_on_path = async () => {
  const p = new F.Path('M 40 220 Q 300 20 560 220', { fill: '', stroke: '', visible: false });
  const t = new F.IText('Best Friends Forever', { left: 300, top: 140, ...C, fontFamily: 'Lobster Two', fontSize: 46, fill: '#6c3483', path: p, pathAlign: 'baseline' });
  const t2 = new F.IText('around the world', { left: 300, top: 300, ...C, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 26, fill: '#117864', charSpacing: 120,
    path: new F.Path('M 150 300 C 150 220 450 220 450 300', { fill: '', stroke: '#a3e4d7', strokeWidth: 2 }) });
  return { width: 600, height: 380, background: '#fbfcfc', objects: [t, t2] };
};

// clipPaths as personalisers save them: absolutePositioned frame, inverted hole, clipped group in a group
D.clips_absolute_inverted = async () => {
  const p1 = await image(photo(400, 300, 20), { left: 40, top: 40, scaleX: 0.8, scaleY: 0.8,
    clipPath: new F.Rect({ left: 60, top: 60, width: 260, height: 200, rx: 30, ry: 30, absolutePositioned: true }) });
  const p2 = await image(photo(300, 300, 140, 'image/jpeg'), { left: 480, top: 170, ...C, scaleX: 0.9, scaleY: 0.9, angle: 375,
    clipPath: new F.Circle({ radius: 60, ...C, left: 0, top: 0, inverted: true }) });
  const inner = new F.Group([
    new F.Rect({ left: 0, top: 0, width: 120, height: 80, fill: '#2e86c1', strokeWidth: 0 }),
    new F.Text('IN', { left: 30, top: 10, fontFamily: 'Bebas Neue', fontSize: 60, fill: '#ffffff' }),
  ], { left: 0, top: 0, clipPath: new F.Circle({ radius: 50, ...C, left: 0, top: 0 }) });
  const outer = new F.Group([inner, new F.Rect({ left: 130, top: 20, width: 80, height: 60, fill: '#f5b041', strokeWidth: 0, opacity: 0.7 })],
    { left: 120, top: 300, angle: -10 });
  return { width: 640, height: 420, background: '#eaf2f8', objects: [p1, p2, outer] };
};

// canvas background as a Gradient, a backgroundImage photo (JPEG) and an overlayImage frame (PNG)
D.canvas_gradient_images = async () => ({
  width: 500, height: 500,
  background: new F.Gradient({ type: 'linear', gradientUnits: 'pixels', coords: { x1: 0, y1: 0, x2: 500, y2: 500 },
    colorStops: [{ offset: 0, color: '#fdebd0' }, { offset: 1, color: '#a569bd' }] }),
  backgroundImage: await image(photo(250, 250, 30, 'image/jpeg'), { left: 250, top: 250, ...C, scaleX: 1.2, scaleY: 1.2, opacity: 0.6 }),
  overlayImage: await image(frameURL(500), { left: 0, top: 0 }),
  objects: [new F.Text('Overlay frame', { left: 250, top: 420, ...C, fontFamily: 'Kaushan Script', fontSize: 44, fill: '#1b2631' })],
});
function frameURL(s) {
  const c = createCanvas(s, s);
  const t = c.getContext('2d');
  t.strokeStyle = '#7e5109';
  t.lineWidth = 30;
  t.strokeRect(15, 15, s - 30, s - 30);
  t.strokeStyle = '#f5cba7';
  t.lineWidth = 6;
  t.strokeRect(40, 40, s - 80, s - 80);
  return c.toDataURL('image/png');
}

// canvas background as a Pattern (data-URL tile) under a shadowed badge
D.canvas_pattern = async () => ({
  width: 480, height: 320,
  background: new F.Pattern({ source: await loadEl(tileURL(24, '#e8f8f5', '#a3e4d7')), repeat: 'repeat' }),
  objects: [
    new F.Rect({ left: 240, top: 160, ...C, width: 300, height: 140, rx: 20, ry: 20, fill: '#ffffff', stroke: '#148f77', strokeWidth: 4 }),
    new F.Text('Pattern bg', { left: 240, top: 160, ...C, fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 44, fill: '#0e6251' }),
  ],
  patch: (j) => { j.objects[0].shadow = 'rgba(0,0,0,0.35) 4px 6px 10px'; return j; },
});
async function loadEl(url) {
  if (MAJOR === 5) return new Promise((res) => fabric.util.loadImage(url, res));
  return fabric.util.loadImage(url);
}

// odd but valid values an editor saves: negative scales, angle > 360, opacity 0, visible false, string shadow
D.odd_values = async () => ({
  width: 600, height: 400, background: '#ffffff',
  objects: [
    new F.Rect({ left: 80, top: 60, width: 120, height: 80, fill: '#e74c3c', strokeWidth: 0 }),
    new F.Text('Mirrored', { left: 300, top: 40, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 48, fill: '#2874a6' }),
    new F.Triangle({ left: 120, top: 260, ...C, width: 100, height: 90, fill: '#27ae60', angle: 765 }),
    new F.Circle({ left: 260, top: 200, radius: 50, fill: '#8e44ad' }),
    new F.Rect({ left: 380, top: 200, width: 100, height: 100, fill: '#f1c40f' }),
    new F.Text('Shadowed', { left: 330, top: 300, fontFamily: 'Noto Serif', fontSize: 40, fill: '#1b2631' }),
    new F.Ellipse({ left: 520, top: 300, ...C, rx: 40, ry: 25, fill: '#e67e22', angle: -400 }),
  ],
  patch: (j) => {
    j.objects[0].scaleX = -1.5; j.objects[0].left = 260;
    j.objects[1].scaleX = -1; j.objects[1].left = 560;
    j.objects[3].opacity = 0;
    j.objects[4].visible = false;
    j.objects[5].shadow = 'rgba(0,0,0,0.5) 2px 2px 5px';
    j.objects[6].scaleY = -1.2;
    return j;
  },
});

// a 3000 x 2000 px poster canvas (print resolution editors) and a 64 x 64 icon canvas
D.huge_canvas = async () => ({
  width: 3000, height: 2000, background: '#f4f6f7', multipliers: [1],
  objects: [
    new F.Circle({ left: 900, top: 1000, ...C, radius: 700, fill: '#5499c7', strokeWidth: 0 }),
    new F.Text('BIG POSTER', { left: 1900, top: 700, ...C, fontFamily: 'Bebas Neue', fontSize: 360, fill: '#1b2631' }),
    new F.Textbox('printed at three thousand pixels wide', { left: 1500, top: 1300, width: 1300, fontFamily: 'Noto Serif', fontSize: 110, fill: '#7b241c', textAlign: 'center' }),
    await image(photo(300, 200, 260), { left: 2500, top: 1700, ...C, scaleX: 3, scaleY: 3 }),
  ],
});
D.tiny_canvas = async () => ({
  width: 64, height: 64, background: '#fdfefe',
  objects: [
    new F.Circle({ left: 32, top: 32, ...C, radius: 26, fill: '#e74c3c', stroke: '#641e16', strokeWidth: 2 }),
    new F.Text('A', { left: 32, top: 33, ...C, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 34, fill: '#ffffff' }),
  ],
});

// families the catalogue does not bundle (the engine's table maps some; the rest fall back)
D.unknown_fonts = async () => ({
  width: 640, height: 420, background: '#ffffff',
  objects: [
    new F.Text('Montserrat Name', { left: 30, top: 30, fontFamily: 'Montserrat', fontSize: 44, fill: '#1b2631' }),
    new F.Text('Open Sans label', { left: 30, top: 110, fontFamily: 'Open Sans', fontSize: 40, fill: '#154360' }),
    new F.Text('Arial headline', { left: 30, top: 180, fontFamily: 'Arial', fontWeight: 'bold', fontSize: 44, fill: '#922b21' }),
    new F.Text('Georgia serif', { left: 30, top: 250, fontFamily: 'Georgia', fontSize: 40, fill: '#4a235a' }),
    new F.Text('Great Vibes', { left: 30, top: 320, fontFamily: "'Great Vibes', cursive", fontSize: 48, fill: '#0e6251' }),
  ],
});

// text left in Fabric's default family (Times New Roman) and the web-safe families editors list first
D.default_fonts = async () => ({
  width: 640, height: 480, background: '#ffffff',
  objects: [
    new F.IText('Add your text here', { left: 30, top: 20, fontSize: 40, fill: '#000000' }),
    new F.Textbox('A textbox left in the default family wraps where Times New Roman wraps it, line after line.', { left: 30, top: 80, width: 580, fontSize: 30, fill: '#1b2631' }),
    new F.Textbox('Arial body text in a narrow column, as a shop template sets it for the back of a card.', { left: 30, top: 230, width: 300, fontFamily: 'Arial', fontSize: 22, fill: '#154360' }),
    new F.Text('Helvetica Bold', { left: 350, top: 240, fontFamily: 'Helvetica', fontWeight: 'bold', fontSize: 36, fill: '#922b21' }),
    new F.Text('Courier New 12:45', { left: 350, top: 300, fontFamily: 'Courier New', fontSize: 26, fill: '#1e8449' }),
    new F.Text('Times italic', { left: 350, top: 360, fontFamily: 'Times New Roman', fontStyle: 'italic', fontSize: 40, fill: '#6c3483' }),
  ],
});

// a personaliser fills the customer's text into the saved template (and a template saved before its web font
// had loaded): width / height in the JSON are stale; Fabric measures the text again when it loads it
D.personalised_text = async () => ({
  width: 600, height: 420, background: '#fdfefe',
  objects: [
    new F.IText('Your Name', { left: 300, top: 70, ...C, fontFamily: 'Dancing Script', fontWeight: 'bold', fontSize: 64, fill: '#922b21' }),
    new F.Text('Date', { left: 570, top: 150, originX: 'right', originY: 'top', fontFamily: 'Noto Serif', fontSize: 30, fill: '#1b4f72' }),
    new F.Textbox('Your message here', { left: 300, top: 270, ...C, width: 420, fontFamily: 'Noto Sans', fontSize: 28, fill: '#17202a', textAlign: 'center' }),
    new F.Text('LOADING', { left: 300, top: 395, originX: 'center', originY: 'bottom', fontFamily: 'Noto Sans', fontSize: 40, fill: '#6c3483', charSpacing: 100 }),
    new F.Textbox('Name', { left: 110, top: 170, ...C, width: 150, fontFamily: 'Noto Serif', fontSize: 24, fill: '#0e6251', textAlign: 'center' }),
  ],
  patch: (j) => {
    j.objects[0].text = 'Alexandra';
    j.objects[1].text = '14 February 2026';
    j.objects[2].text = 'Thank you for being the best teacher this year, we will miss you!';
    j.objects[3].fontFamily = 'Lobster Two';  // measured in the fallback face before Lobster Two loaded
    j.objects[3].text = 'Lobster';
    j.objects[4].text = 'Maximilian-Alexander and Ann';  // a word wider than the textbox: Fabric widens it
    return j;
  },
});

// emoji and scripts as shops' customers type them
D.emoji_scripts = async () => ({
  width: 640, height: 480, background: '#fffdf7',
  objects: [
    new F.Text('Love you 😍🎉', { left: 30, top: 20, fontFamily: 'Noto Sans, Noto Emoji', fontSize: 44, fill: '#c0392b' }),
    new F.Text('नमस्ते प्रिया', { left: 30, top: 100, fontFamily: 'Noto Sans Devanagari', fontSize: 48, fill: '#1a5276' }),
    new F.Text('வணக்கம் அம்மா', { left: 30, top: 190, fontFamily: 'Noto Sans Tamil', fontSize: 42, fill: '#7d6608' }),
    new F.Text('শুভ জন্মদিন', { left: 30, top: 270, fontFamily: 'Noto Sans Bengali', fontSize: 46, fill: '#6c3483' }),
    new F.Textbox('生日快乐，小明！', { left: 30, top: 360, width: 580, fontFamily: 'Ma Shan Zheng', fontSize: 52, fill: '#922b21', splitByGrapheme: true }),
  ],
});

// one document, objects saved by different Fabric versions (a design edited over the years)
D.version_mix = async () => ({
  width: 600, height: 360, background: '#f8f9f9',
  objects: [
    new F.Rect({ left: 40, top: 40, width: 200, height: 120, fill: '#48c9b0', stroke: '#0e6655', strokeWidth: 6, rx: 12, ry: 12 }),
    new F.Circle({ left: 420, top: 100, ...C, radius: 70, fill: '#f5b041', stroke: '#7e5109', strokeWidth: 4 }),
    new F.Text('v4 v5 v6 v7', { left: 300, top: 260, ...C, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 56, fill: '#283747', angle: 3 }),
  ],
  patch: (j) => { j.version = '7.0.0'; ['4.6.0', '5.3.0', '6.0.2'].forEach((v, i) => { j.objects[i].version = v; }); return j; },
});

// groups inside groups inside groups, each turned / flipped / translucent, with a string shadow
D.nested_groups = async () => {
  const leaf = (c, x) => new F.Rect({ left: x, top: 0, width: 50, height: 50, fill: c, strokeWidth: 0 });
  const g1 = new F.Group([leaf('#e74c3c', 0), leaf('#3498db', 60)], { left: 0, top: 0, angle: 15 });
  const g2 = new F.Group([g1, new F.Text('deep', { left: 0, top: 80, fontFamily: 'Noto Serif', fontSize: 36, fill: '#1b2631' })], { left: 0, top: 0, flipX: true });
  const g3 = new F.Group([g2, new F.Circle({ left: 150, top: 60, radius: 30, fill: '#27ae60', strokeWidth: 0 })], { left: 200, top: 120, scaleX: 1.3, scaleY: 1.3, angle: -20 });
  return { width: 600, height: 400, background: '#ffffff', objects: [g3] };
};

// Polotno-like export: shapes as data-URL SVG images, a cropped photo, every object named
D.polotno_export = async () => {
  const svg = 'data:image/svg+xml;base64,' + Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><path d="M50 8 L61 38 L94 38 L67 57 L77 90 L50 70 L23 90 L33 57 L6 38 L39 38 Z" fill="#f39c12" stroke="#784212" stroke-width="3"/></svg>').toString('base64');
  const star = await image(svg, { left: 470, top: 110, ...C, scaleX: 1.4, scaleY: 1.4, angle: 10 });
  const pic = await image(photo(400, 300, 320, 'image/jpeg'), { left: 40, top: 40, cropX: 60, cropY: 40, width: 260, height: 200 });
  const txt = new F.Textbox('Summer Sale', { left: 40, top: 280, width: 520, fontFamily: 'Bebas Neue', fontSize: 72, fill: '#1b4f72', textAlign: 'left', lineHeight: 1.2 });
  [star, pic, txt].forEach((o, i) => Object.assign(o, { id: `el${i}`, name: ['star.svg', 'photo', 'heading'][i] }));
  return { width: 600, height: 400, background: '#fdfefe', objects: [pic, star, txt] };
};

const designs = Object.entries(D);
// Fabric 5 at 1x only (its 2x renders would add ~0.8 MB to the repository for what 6 and 7 already cover)
const mults = (d) => d.multipliers || (MAJOR === 5 ? [1] : [1, 2]);

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const only = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;
  const mpath = path.join(OUT, 'manifest.json');
  const manifest = only && fs.existsSync(mpath) ? JSON.parse(fs.readFileSync(mpath, 'utf8'))
    : { fabric_version: fabric.version, major: MAJOR, designs: {} };
  for (const [name, make] of designs) {
    if (only && !only.has(name)) continue;
    const d = await make();
    let canvas = new fabric.StaticCanvas(null, { width: d.width, height: d.height, enableRetinaScaling: false });
    if (d.background) canvas.backgroundColor = d.background;
    for (const key of ['backgroundImage', 'overlayImage']) if (d[key]) canvas[key] = d[key];
    d.objects.forEach((o) => canvas.add(o));
    canvas.renderAll();
    let json = JSON.parse(JSON.stringify(canvas.toJSON(KEYS)));
    const walk = (o) => { if (o && typeof o === 'object') { if (o.objectCaching !== true) delete o.objectCaching; (o.objects || []).forEach(walk); } };
    (json.objects || []).forEach(walk);
    if (d.patch) json = d.patch(json);
    canvas = new fabric.StaticCanvas(null, { width: d.width, height: d.height, enableRetinaScaling: false });
    try {
      if (MAJOR === 5) await new Promise((res) => canvas.loadFromJSON(json, res));
      else await canvas.loadFromJSON(json);
      canvas.renderAll();
    } catch (e) {
      console.log(`v${MAJOR} ${name}: Fabric does not load it (${e.message.split('\n')[0]})`);
      continue;
    }
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify({ ...json, width: d.width, height: d.height }) + '\n');
    for (const m of mults(d)) {
      const url = canvas.toDataURL({ format: 'png', multiplier: m });
      fs.writeFileSync(path.join(OUT, `${name}@${m}x.png`), Buffer.from(url.split(',')[1], 'base64'));
    }
    manifest.designs[name] = { width: d.width, height: d.height, multipliers: mults(d) };
  }
  fs.writeFileSync(mpath, JSON.stringify(manifest, null, 1) + '\n');
  console.log(`v${MAJOR}: ${Object.keys(manifest.designs).length} designs -> ${OUT}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
