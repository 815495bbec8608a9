// Gift-shop designs the random generator does not make (issue 17, held-out-like): a name on a curve with
// textAlign center, pathSide right and pathStartOffset; emoji in a name; Hindi and Tamil greetings; clip-art
// loaded as an SVG image; a photo under three clipPaths (its own, its group's, the canvas'); photos with
// Grayscale, Sepia + Brightness, Contrast and BlendColor (multiply, tint). Saved as a storefront saves them
// (toJSON() + width/height) with Fabric's render at 1x and 2x:
//
//   node gift_extras.js 5|6|7 --out DIR
'use strict';

const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const MAJOR = Number(args[0] || '6');
const oi = args.indexOf('--out');
const OUT = oi >= 0 ? args[oi + 1] : `/tmp/fabric-gift/v${MAJOR}`;
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const { registerFont, createCanvas, Image: NodeImage } = from('canvas');
const FONTS = path.resolve(__dirname, '..', '..', 'fonts');
for (const line of fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n')) {
  const [file, family, weight, style] = line.split('|');
  if (file) registerFont(path.join(FONTS, file), { family, weight, style });
}
// the scripts a storefront adds as web fonts for Indian greetings, and a monochrome emoji face
registerFont(path.join(FONTS, 'noto-sans-devanagari/NotoSansDevanagari-Regular.ttf'), { family: 'Noto Sans Devanagari' });
registerFont(path.join(FONTS, 'noto-sans-tamil/NotoSansTamil-Regular.ttf'), { family: 'Noto Sans Tamil' });
registerFont(path.join(FONTS, 'noto-sans-tamil/NotoSansTamil-Bold.ttf'), { family: 'Noto Sans Tamil', weight: 'bold' });
registerFont(path.join(FONTS, 'noto-emoji/NotoEmoji-Regular.ttf'), { family: 'Noto Emoji' });
const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Rect: fabric.Rect, Circle: fabric.Circle, Path: fabric.Path, Text: fabric.FabricText || fabric.Text,
  IText: fabric.IText, Textbox: fabric.Textbox, Image: fabric.FabricImage || fabric.Image, Group: fabric.Group,
  Shadow: fabric.Shadow, filters: fabric.filters || fabric.Image.filters,
};

function photo(w, h, k) {
  const c = createCanvas(w, h);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, ['#5dade2', '#f5b041', '#a569bd'][k % 3]);
  g.addColorStop(1, ['#d6eaf8', '#fdebd0', '#e8daef'][k % 3]);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#f4d03f';
  ctx.beginPath();
  ctx.arc(w * 0.65, h * 0.3, h * 0.12, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = ['#1e8449', '#784212', '#1b4f72'][k % 3];
  ctx.beginPath();
  ctx.moveTo(0, h * 0.7);
  ctx.quadraticCurveTo(w * 0.3, h * 0.45, w * 0.6, h * 0.68);
  ctx.quadraticCurveTo(w * 0.8, h * 0.8, w, h * 0.62);
  ctx.lineTo(w, h);
  ctx.lineTo(0, h);
  ctx.fill();
  ctx.fillStyle = '#c0392b';
  ctx.fillRect(w * 0.3, h * 0.5, w * 0.06, h * 0.25);
  return c;
}

const SVG_STAR = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
  + '<path d="M100 10 L123 75 L192 75 L136 116 L157 184 L100 142 L43 184 L64 116 L8 75 L77 75 Z" fill="#f4d03f" stroke="#7d6608" stroke-width="6"/>'
  + '<circle cx="100" cy="105" r="22" fill="#e74c3c"/></svg>';

function svgImage(svg) {
  const el = new NodeImage();
  el.src = Buffer.from(svg);
  const img = new F.Image(el);
  // saved as an editor saves an uploaded SVG: its data URL (node-canvas draws it with librsvg)
  img.getSrc = () => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  return img;
}

const designs = {
  curved_names: () => {
    const W = 1200, H = 466;
    const arc = 'M 0 200 Q 300 -60 600 200';
    const top = new F.Text('Best Grandma Ever', {
      fontFamily: 'Lobster Two', fontSize: 64, fill: '#c0392b', textAlign: 'center', originX: 'center', originY: 'center',
      left: 600, top: 170, path: new F.Path(arc, { visible: false, fill: '', stroke: '' }),
    });
    const under = new F.Text('since 1952', {
      fontFamily: 'Noto Serif', fontStyle: 'italic', fontSize: 40, fill: '#1b4f72', textAlign: 'center',
      originX: 'center', originY: 'center', left: 600, top: 330, pathSide: 'right', pathStartOffset: 40,
      path: new F.Path('M 0 0 Q 250 160 500 0', { visible: false, fill: '', stroke: '' }),
    });
    return { W, H, background: '#fdebd0', objects: [top, under] };
  },
  emoji_name: () => {
    const W = 1080, H = 1080;
    return {
      W, H, background: '#fef9e7', objects: [
        new F.IText('Happy Birthday Mia 🎂🎉', { fontFamily: 'Noto Sans, Noto Emoji', fontWeight: 'bold', fontSize: 72, fill: '#8e44ad', left: 540, top: 400, originX: 'center', originY: 'center' }),
        new F.Textbox('Love you to the moon ❤ and back ⭐', { fontFamily: 'Dancing Script, Noto Emoji', fontSize: 60, fill: '#1b4f72', width: 700, textAlign: 'center', left: 540, top: 650, originX: 'center', originY: 'center' }),
      ],
    };
  },
  indic_greetings: () => {
    const W = 1050, H = 1470;
    return {
      W, H, background: '#fdf2e9', objects: [
        new F.Text('जन्मदिन मुबारक हो', { fontFamily: 'Noto Sans Devanagari', fontSize: 84, fill: '#b03a2e', left: 525, top: 420, originX: 'center', originY: 'center' }),
        new F.Text('பிறந்தநாள் வாழ்த்துக்கள்', { fontFamily: 'Noto Sans Tamil', fontWeight: 'bold', fontSize: 66, fill: '#1e8449', left: 525, top: 760, originX: 'center', originY: 'center' }),
        new F.Textbox('प्रिय दीदी, आपको ढेर सारा प्यार', { fontFamily: 'Kalam', fontSize: 56, fill: '#34495e', width: 800, textAlign: 'center', lineHeight: 1.3, left: 525, top: 1100, originX: 'center', originY: 'center' }),
      ],
    };
  },
  svg_clipart: () => {
    const W = 800, H = 800;
    const a = svgImage(SVG_STAR);
    a.set({ left: 220, top: 240, originX: 'center', originY: 'center', scaleX: 1.4, scaleY: 1.4, angle: -12 });
    const b = svgImage(SVG_STAR);
    b.set({ left: 560, top: 520, originX: 'center', originY: 'center', scaleX: 0.8, scaleY: 0.8, opacity: 0.8 });
    const t = new F.Text('Star of the Year', { fontFamily: 'Kaushan Script', fontSize: 70, fill: '#2c3e50', left: 400, top: 700, originX: 'center', originY: 'center' });
    return { W, H, background: '#ebf5fb', objects: [a, b, t] };
  },
  multi_clip_photo: () => {
    const W = 800, H = 800;
    const img = new F.Image(photo(1600, 1200, 0), { left: 0, top: 0, originX: 'center', originY: 'center', scaleX: 0.45, scaleY: 0.45 });
    img.clipPath = new F.Circle({ radius: 560, originX: 'center', originY: 'center', left: 0, top: 0 });
    const frame = new F.Rect({ width: 560, height: 420, rx: 30, ry: 30, fill: '', stroke: '#7d3c98', strokeWidth: 10, originX: 'center', originY: 'center', left: 0, top: 0 });
    const g = new F.Group([img, frame], { left: 400, top: 380, originX: 'center', originY: 'center', angle: 6 });
    g.clipPath = new F.Rect({ width: 520, height: 380, rx: 40, ry: 40, originX: 'center', originY: 'center', left: 0, top: 0 });
    const t = new F.Text('Our Summer', { fontFamily: 'Lobster Two', fontSize: 66, fill: '#7d3c98', left: 400, top: 680, originX: 'center', originY: 'center' });
    return { W, H, background: '#f5eef8', objects: [g, t], clipPath: new F.Circle({ radius: 395, left: 400, top: 400, originX: 'center', originY: 'center' }) };
  },
  photo_filters: () => {
    const W = 1200, H = 900;
    const mk = (k, x, y, fl) => {
      const img = new F.Image(photo(900, 700, k), { left: x, top: y, originX: 'center', originY: 'center', scaleX: 0.55, scaleY: 0.55 });
      img.filters = fl;
      img.applyFilters();
      return img;
    };
    const f = F.filters;
    return {
      W, H, background: '#ffffff', objects: [
        mk(0, 300, 230, [new f.Grayscale()]),
        mk(1, 900, 230, [new f.Sepia(), new f.Brightness({ brightness: 0.1 })]),
        mk(2, 300, 650, [new f.Contrast({ contrast: 0.25 })]),
        mk(0, 900, 650, [new f.BlendColor({ color: '#e74c3c', mode: 'multiply', alpha: 0.6 })]),
        mk(1, 600, 450, [new f.BlendColor({ color: '#5dade2', mode: 'tint', alpha: 0.4 })]).set({ scaleX: 0.3, scaleY: 0.3 }),
      ],
    };
  },
};

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { fabric_version: fabric.version, major: MAJOR, profile: 'gift_extras', designs: {} };
  for (const [name, make] of Object.entries(designs)) {
    const d = make();
    const canvas = new fabric.StaticCanvas(null, { width: d.W, height: d.H, enableRetinaScaling: false });
    if (d.background) canvas.backgroundColor = d.background;
    d.objects.forEach((o) => canvas.add(o));
    if (d.clipPath) canvas.clipPath = d.clipPath;
    canvas.renderAll();
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify({ ...canvas.toJSON(), width: d.W, height: d.H }) + '\n');
    for (const m of [1, 2]) {
      const url = canvas.toDataURL({ format: 'png', multiplier: m });
      fs.writeFileSync(path.join(OUT, `${name}@${m}x.png`), Buffer.from(url.split(',')[1], 'base64'));
    }
    manifest.designs[name] = { width: d.W, height: d.H };
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  console.log(`v${MAJOR}: ${Object.keys(manifest.designs).length} designs -> ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
