// What Fabric's Node render draws that the engine drew differently (issue 17's residue, docs/fabric.md "Where
// Node puts glyphs and pictures"): emoji and other fallback-face characters of a bold line (synthesised bold),
// text backgrounds of lines aligned by Fabric's per-character measure, knockout text in an uncached group, a
// text child of a group with backgroundColor + shadow, dashed text strokes, letter-spaced Indic text. Saved as a storefront saves them
// (toJSON() + width/height) with Fabric's render at 1x and 2x (Fabric 5: 1x):
//
//   node fabdraw.js 5|6|7 --out DIR        (tests/fabric_corpus/fabdraw/v<N>)
'use strict';

const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const MAJOR = Number(args[0] || '6');
const oi = args.indexOf('--out');
const OUT = oi >= 0 ? args[oi + 1] : `/tmp/fabric-fabdraw/v${MAJOR}`;
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[MAJOR]] }));
const { registerFont } = from('canvas');
const FONTS = path.resolve(__dirname, '..', '..', 'fonts');
for (const line of fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n')) {
  const [file, family, weight, style] = line.split('|');
  if (file) registerFont(path.join(FONTS, file), { family, weight, style });
}
// web fonts a storefront adds: Devanagari and Arabic faces, a monochrome emoji face (regular only, as shops load it)
registerFont(path.join(FONTS, 'noto-sans-devanagari/NotoSansDevanagari-Regular.ttf'), { family: 'Noto Sans Devanagari' });
registerFont(path.join(FONTS, 'noto-sans-arabic/NotoSansArabic-Regular.ttf'), { family: 'Noto Sans Arabic' });
registerFont(path.join(FONTS, 'noto-emoji/NotoEmoji-Regular.ttf'), { family: 'Noto Emoji' });
const fabric = MAJOR === 5 ? from('fabric').fabric : from('fabric/node');
const F = {
  Rect: fabric.Rect, Circle: fabric.Circle, Text: fabric.FabricText || fabric.Text, IText: fabric.IText,
  Textbox: fabric.Textbox, Group: fabric.Group, Shadow: fabric.Shadow,
};
const C = { originX: 'center', originY: 'center' };

const designs = {
  // 1. bold lines whose emoji (a list family without a bold face) the canvas emboldens
  bold_emoji: () => ({
    W: 800, H: 500, background: '#fef9e7', objects: [
      new F.IText('Party time 🎉🎂', { ...C, fontFamily: 'Noto Sans, Noto Emoji', fontWeight: 'bold', fontSize: 64, fill: '#c0392b', left: 400, top: 90 }),
      new F.Textbox('Love you ❤ to the moon ⭐ and back', { ...C, fontFamily: 'Dancing Script, Noto Emoji', fontWeight: 'bold', fontSize: 56, fill: '#1b4f72', width: 640, textAlign: 'center', left: 400, top: 250 }),
      new F.Text('Best Dad 👍 ever', { ...C, fontFamily: 'Noto Sans, Noto Emoji', fontSize: 48, fill: '#145a32', left: 400, top: 420, styles: MAJOR === 5 ? { 0: { 9: { fontWeight: 'bold' }, 10: { fontWeight: 'bold' } } } : [{ start: 9, end: 10, style: { fontWeight: 'bold' } }] }),
    ],
  }),
  // 3. text backgrounds of lines Fabric aligns by its per-character measure (joined Arabic, Devanagari conjuncts)
  measured_background: () => ({
    W: 800, H: 500, background: '#ffffff', objects: [
      new F.Text('مرحبا بالعالم', { ...C, fontFamily: 'Noto Sans Arabic', fontSize: 60, fill: '#ffffff', textBackgroundColor: '#1f618d', left: 400, top: 100 }),
      new F.Text('जन्मदिन मुबारक', { ...C, fontFamily: 'Noto Sans Devanagari', fontSize: 56, fill: '#7b241c', textBackgroundColor: '#f9e79f', left: 400, top: 250 }),
      new F.Text('عيد سعيد', { ...C, fontFamily: 'Noto Sans Arabic', fontSize: 52, fill: '#145a32', textBackgroundColor: '#d5f5e3', underline: true, left: 400, top: 400, textAlign: 'right' }),
    ],
  }),
  // 5. knockout text in an uncached group: Node draws the group child by child onto the canvas, so the text
  // erases the canvas (its background colour too) under it
  knockout_group: () => ({
    W: 600, H: 360, background: '#fdebd0', objects: [
      new F.Rect({ left: 30, top: 30, width: 250, height: 300, fill: '#7d3c98', strokeWidth: 0 }),
      new F.Group([
        new F.Rect({ ...C, left: 0, top: 0, width: 420, height: 180, rx: 24, ry: 24, fill: '#1f618d', strokeWidth: 0 }),
        new F.Text('SALE', { ...C, left: 0, top: 0, fontFamily: 'Bebas Neue', fontSize: 150, fill: '#000000', globalCompositeOperation: 'destination-out' }),
      ], { ...C, left: 330, top: 180, angle: -8 }),
    ],
  }),
  // 6. a group with backgroundColor and a shadow: its uncached children inherit the shadow
  group_bg_shadow_text: () => ({
    W: 600, H: 400, background: '#ffffff', objects: [
      new F.Group([
        new F.Rect({ ...C, left: 0, top: 40, width: 200, height: 40, fill: '#f5b041', strokeWidth: 0 }),
        new F.Text('Congrats!', { ...C, left: 0, top: -30, fontFamily: 'Lobster Two', fontSize: 64, fill: '#1b4f72' }),
      ], { ...C, left: 300, top: 130, backgroundColor: '#d6eaf8', shadow: new F.Shadow({ color: 'rgba(0,0,0,0.45)', blur: 8, offsetX: 6, offsetY: 6 }) }),
      new F.Group([
        new F.Text('Class of 2026', { ...C, left: 0, top: 0, fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 40, fill: '#641e16', underline: true }),
      ], { ...C, left: 300, top: 310, angle: 4, backgroundColor: '#fadbd8', shadow: new F.Shadow({ color: 'rgba(80,0,0,0.5)', blur: 4, offsetX: 4, offsetY: 4 }) }),
    ],
  }),
  // 4. letter-spaced Indic text: Fabric 5 draws (and measures) it one code point at a time, 6 and 7 one grapheme
  indic_spaced: () => ({
    W: 800, H: 400, background: '#ffffff', objects: [
      new F.Text('नमस्ते दुनिया', { ...C, fontFamily: 'Noto Sans Devanagari', fontSize: 64, fill: '#1a5276', charSpacing: 150, left: 400, top: 110 }),
      new F.Textbox('जन्मदिन की शुभकामनाएं', { ...C, fontFamily: 'Kalam', fontSize: 48, fill: '#7b241c', charSpacing: 80, width: 700, textAlign: 'center', left: 400, top: 280 }),
    ],
  }),
  // 2. dashed text strokes (Fabric strokes each character on its own when it has charSpacing or styles)
  dashed_text_stroke: () => ({
    W: 700, H: 420, background: '#ffffff', objects: [
      new F.Text('Dashed', { ...C, left: 350, top: 90, fontFamily: 'Bebas Neue', fontSize: 120, fill: '#f9e79f', stroke: '#922b21', strokeWidth: 3, strokeDashArray: [10, 6] }),
      new F.Text('Spaced out', { ...C, left: 350, top: 220, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 72, fill: '', stroke: '#1a5276', strokeWidth: 2, strokeDashArray: [8, 4], charSpacing: 100 }),
      new F.Text('Uniform', { ...C, left: 350, top: 340, fontFamily: 'Lobster Two', fontSize: 50, fill: '#d5f5e3', stroke: '#145a32', strokeWidth: 2, strokeDashArray: [6, 3], strokeUniform: true, scaleX: 1.6, scaleY: 1.6 }),
    ],
  }),
};

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const only = args.filter((a, i) => i > 0 && !a.startsWith('--') && args[i - 1] !== '--out');
  const manifest = { fabric_version: fabric.version, major: MAJOR, profile: 'fabdraw', designs: {} };
  for (const [name, make] of Object.entries(designs)) {
    if (only.length && !only.includes(name)) continue;
    const d = make();
    const canvas = new fabric.StaticCanvas(null, { width: d.W, height: d.H, enableRetinaScaling: false });
    if (d.background) canvas.backgroundColor = d.background;
    d.objects.forEach((o) => canvas.add(o));
    canvas.renderAll();
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify({ ...canvas.toJSON(), width: d.W, height: d.H }) + '\n');
    for (const m of MAJOR === 5 ? [1] : [1, 2]) {
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
