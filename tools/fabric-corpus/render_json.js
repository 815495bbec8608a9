// Renders saved canvas JSON with Fabric itself (loadFromJSON + toDataURL): for attributing a corpus design's
// differences to single objects (score_objects.py writes one-object canvases and renders them with this).
//
//   node render_json.js 6 in.json out.png [multiplier] [in2.json out2.png multiplier2 ...]
'use strict';

const fs = require('fs');
const path = require('path');

const [major, ...rest] = process.argv.slice(2);
const DIRS = { 5: path.join(__dirname, 'v5'), 6: __dirname, 7: path.join(__dirname, 'v7') };
const from = (mod) => require(require.resolve(mod, { paths: [DIRS[major]] }));
const { registerFont, createCanvas } = from('canvas');
// a browser's save()/restore() of ctx.direction, as the generators have it (canvas_direction.js explains why)
require('./canvas_direction').browserDirection(createCanvas);
const FONTS = path.resolve(__dirname, '..', '..', 'fonts');
for (const line of fs.readFileSync(path.join(__dirname, 'faces.txt'), 'utf8').split('\n')) {
  const [file, family, weight, style] = line.split('|');
  if (file) registerFont(path.join(FONTS, file), { family, weight, style });
}
const fabric = Number(major) === 5 ? from('fabric').fabric : from('fabric/node');

async function one(inp, out, mult) {
  const doc = JSON.parse(fs.readFileSync(inp, 'utf8'));
  const canvas = new fabric.StaticCanvas(null, { width: doc.width, height: doc.height, enableRetinaScaling: false });
  if (Number(major) === 5) await new Promise((res) => canvas.loadFromJSON(doc, res));
  else await canvas.loadFromJSON(doc);
  canvas.renderAll();
  const url = canvas.toDataURL({ format: 'png', multiplier: Number(mult) || 1 });
  fs.writeFileSync(out, Buffer.from(url.split(',')[1], 'base64'));
}

(async () => {
  for (let i = 0; i < rest.length; i += 3) await one(rest[i], rest[i + 1], rest[i + 2]);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
