// Corpus designs for rich text (issue 17 "Text"): names on curves, superscripts, per-character sizes and
// strokes, right-to-left paragraphs and grapheme wrapping, made as shop editors make them (IText/Textbox
// with a `path`, setSuperscript/setSubscript, setSelectionStyles). Used by generate.js.
'use strict';

module.exports = (fabric) => ({
  text_path: () => {
    // a name on a curve: the guide path is hidden (Fabric's docs: visible false), centred on the path
    const arch = new fabric.Path('M 0 120 C 120 -20 340 -20 460 120', { visible: false });
    const name = new fabric.IText('Happy Birthday Grandma', {
      left: 70, top: 40, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 40, fill: '#c0392b',
      path: arch, textAlign: 'center',
    });
    // the other side of a sagging curve, hanging from its ascender, with a start offset and spacing
    const smile = new fabric.Path('M 0 0 Q 230 160 460 0', { visible: false });
    const under = new fabric.IText('forever young', {
      left: 70, top: 190, fontFamily: 'Noto Serif', fontSize: 36, fill: '#2c3e50', path: smile,
      pathSide: 'left', pathAlign: 'ascender', pathStartOffset: 60, charSpacing: 80,
    });
    // a wave read from below (pathSide right), centred on the path's middle
    const wave = new fabric.Path('M 0 60 C 80 -20 160 140 240 60 S 400 -20 480 60', { visible: false });
    const waved = new fabric.IText('making waves', {
      left: 60, top: 360, fontFamily: 'Dancing Script', fontSize: 48, fill: '#16a085', path: wave,
      pathSide: 'right', pathAlign: 'center', textAlign: 'center',
    });
    // a visible guide (stroked, unfilled) under the text, turned with the text object
    const guide = new fabric.Path('M 0 100 A 100 100 0 0 1 200 100', { fill: '', stroke: '#b2bec3', strokeWidth: 2 });
    const seal = new fabric.Text('OFFICIAL SEAL', {
      left: 330, top: 560, angle: 12, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 22, fill: '#6c5ce7',
      path: guide, textAlign: 'center', pathAlign: 'descender',
    });
    // gradient-free but stroked name on a line going up, rotated object
    const slope = new fabric.Path('M 0 200 L 200 0', { visible: false });
    const up = new fabric.Text('Go up!', {
      left: 60, top: 560, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 44, fill: '#fdcb6e',
      stroke: '#2d3436', strokeWidth: 2, path: slope, textAlign: 'center',
    });
    return [name, under, waved, seal, up];
  },
  superscript: () => {
    // Fabric's own superscript/subscript helpers (fontSize x 0.6, deltaY -0.35 / +0.11 of the size)
    const t1 = new fabric.IText('Happy 25th Anniversary', {
      left: 40, top: 40, fontFamily: 'Noto Sans', fontSize: 48, fill: '#2d3436',
    });
    t1.setSuperscript(8, 10);
    const t2 = new fabric.IText('H2O and E=mc2', {
      left: 40, top: 160, fontFamily: 'Noto Serif', fontSize: 56, fill: '#0984e3',
    });
    t2.setSubscript(1, 2);
    t2.setSuperscript(12, 13);
    const t3 = new fabric.Textbox('The 1st of May, the 2nd of June and the 3rd of July', {
      left: 40, top: 300, width: 520, fontFamily: 'Noto Sans', fontSize: 36, fill: '#6c5ce7', textAlign: 'center',
    });
    for (const ord of ['1st', '2nd', '3rd']) {
      const at = t3.text.indexOf(ord);
      t3.setSuperscript(at + 1, at + 3);
    }
    t3.setSelectionStyles({ fill: '#d63031' }, 4, 7);
    return [t1, t2, t3];
  },
  styled_sizes: () => {
    // per-character sizes (a big initial, a small word), lines as tall as their largest character
    const t1 = new fabric.Textbox('Once upon a time there was a little mug', {
      left: 40, top: 30, width: 520, fontFamily: 'Noto Serif', fontSize: 34, fill: '#2d3436', lineHeight: 1.2,
    });
    t1.setSelectionStyles({ fontSize: 90, fill: '#c0392b' }, 0, 1);
    t1.setSelectionStyles({ fontSize: 22 }, t1.text.indexOf('little'), t1.text.indexOf('little') + 6);
    const t2 = new fabric.IText('BIG small\nMiXeD SiZeS', {
      left: 300, top: 330, originX: 'center', fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 40,
      fill: '#00b894', textAlign: 'center',
    });
    t2.setSelectionStyles({ fontSize: 64 }, 0, 3);
    t2.setSelectionStyles({ fontSize: 24, fill: '#636e72' }, 4, 9);
    [0, 2, 4, 6, 8, 10].forEach((i) => t2.setSelectionStyles({ fontSize: 56, fill: '#e17055' }, 10 + i, 11 + i));
    // per-character stroke colour and width
    const t3 = new fabric.Text('Outline me', {
      left: 50, top: 600, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 72, fill: '#ffeaa7',
      stroke: '#2d3436', strokeWidth: 2,
    });
    t3.setSelectionStyles({ stroke: '#d63031', strokeWidth: 4 }, 0, 7);
    // per-character translucent fills (a colour picker with alpha)
    const t4 = new fabric.Text('FADING', {
      left: 330, top: 470, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 56, fill: 'rgba(9,132,227,1)',
    });
    [1, 0.8, 0.6, 0.4, 0.25, 0.1].forEach((a, i) => t4.setSelectionStyles({ fill: `rgba(9,132,227,${a})` }, i, i + 1));
    return [t1, t2, t3, t4];
  },
  rtl: () => [
    new fabric.Text('שלום עולם', {
      left: 60, top: 40, fontFamily: 'Noto Sans Hebrew', fontSize: 64, fill: '#2d3436', direction: 'rtl',
    }),
    new fabric.Textbox('מזל טוב ליום ההולדת שלך, סבתא רבקה', {
      left: 60, top: 180, width: 480, fontFamily: 'Noto Sans Hebrew', fontSize: 44, fill: '#0984e3',
      direction: 'rtl', textAlign: 'right',
    }),
    new fabric.Textbox('عيد ميلاد سعيد يا جدتي', {
      left: 60, top: 420, width: 480, fontFamily: 'Noto Sans Arabic', fontSize: 52, fill: '#00b894',
      direction: 'rtl', textAlign: 'center',
    }),
    new fabric.Text('אהבה', {
      left: 300, top: 650, originX: 'center', angle: -8, fontFamily: 'Noto Sans Hebrew', fontWeight: 'bold',
      fontSize: 80, fill: '#d63031', direction: 'rtl',
    }),
  ],
  gradient_text: () => {
    const lin = (x2) => new fabric.Gradient({
      type: 'linear', coords: { x1: 0, y1: 0, x2, y2: 0 },
      colorStops: [{ offset: 0, color: '#e74c3c' }, { offset: 0.5, color: '#f1c40f' }, { offset: 1, color: '#0984e3' }],
    });
    const t1 = new fabric.Text('Rainbow Gradient', {
      left: 40, top: 30, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 64, fill: lin(520),
    });
    const t2 = new fabric.Textbox('A radial glow across two lines of text', {
      left: 60, top: 150, width: 480, fontFamily: 'Noto Serif', fontWeight: 'bold', fontSize: 44, angle: 5,
      textAlign: 'center',
      fill: new fabric.Gradient({
        type: 'radial', gradientUnits: 'percentage', coords: { x1: 0.5, y1: 0.5, r1: 0, x2: 0.5, y2: 0.5, r2: 0.6 },
        colorStops: [{ offset: 0, color: '#6c5ce7' }, { offset: 1, color: '#00b894' }],
      }),
    });
    // gradient text on a path: Fabric fills each character in its own frame on the curve
    const arch = new fabric.Path('M 0 120 C 120 -20 340 -20 460 120', { visible: false });
    const t3 = new fabric.IText('Happy Birthday Grandma', {
      left: 70, top: 360, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 40, fill: lin(460), path: arch,
      textAlign: 'center',
    });
    // superscript in gradient-filled styled text
    const t4 = new fabric.IText('Our 10th Anniversary', {
      left: 40, top: 600, fontFamily: 'Noto Serif', fontSize: 52, fill: lin(520),
    });
    t4.setSuperscript(6, 8);
    // a gradient outline around white letters
    const t5 = new fabric.Text('Outlined', {
      left: 330, top: 690, fontFamily: 'Noto Sans', fontWeight: 'bold', fontSize: 56, fill: '#ffffff',
      stroke: lin(240), strokeWidth: 4,
    });
    return [t1, t2, t3, t4, t5];
  },
  cjk_wrap: () => [
    new fabric.Textbox('生日快乐，祝你永远年轻漂亮，天天开心，万事如意！', {
      left: 40, top: 40, width: 300, fontFamily: 'Droid Sans Fallback', fontSize: 40, fill: '#2d3436',
      splitByGrapheme: true,
    }),
    new fabric.Textbox('お誕生日おめでとうございます。素敵な一年になりますように。', {
      left: 360, top: 40, width: 200, fontFamily: 'Droid Sans Fallback', fontSize: 32, fill: '#c0392b',
      splitByGrapheme: true, textAlign: 'center',
    }),
    new fabric.Textbox('생일 축하합니다 사랑하는 우리 할머니', {
      left: 40, top: 480, width: 360, fontFamily: 'Droid Sans Fallback', fontSize: 44, fill: '#0984e3',
      splitByGrapheme: true,
    }),
  ],
});
