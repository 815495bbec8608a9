"""Attribute a corpus design's differences to its objects: each object alone on the design's canvas (same
background and canvas clipPath), rendered by Fabric (render_json.js) and by the engine, scored as
score_corpus.py scores whole designs.

    python tools/fabric-corpus/score_objects.py /tmp/fabric-random/v6/mug_002.json [--major 6] [--scale 1]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_corpus import compare


def main(argv: list[str] | None = None) -> int:
    from render_engine import render_design

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("design", type=Path)
    ap.add_argument("--major", default="6")
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args(argv)
    doc = json.loads(args.design.read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp(prefix="fabric-objects-"))
    node_args: list[str] = []
    for i, obj in enumerate(doc["objects"]):
        one = {**doc, "objects": [obj]}
        (tmp / f"o{i}.json").write_text(json.dumps(one), encoding="utf-8")
        node_args += [str(tmp / f"o{i}.json"), str(tmp / f"o{i}.png"), str(args.scale)]
    here = Path(__file__).resolve().parent
    subprocess.run(["node", str(here / "render_json.js"), args.major, *node_args], check=True)
    for i, obj in enumerate(doc["objects"]):
        res = render_design(tmp / f"o{i}.json", scale=args.scale)
        ssim, off = compare(Image.open(io.BytesIO(res.data)), Image.open(tmp / f"o{i}.png"))
        what = obj.get("text", "")[:30] or obj.get("type")
        print(f"objects[{i}]\t{obj.get('type')}\t{ssim:.4f}\t{100 * off:.2f}%\t{what!r}")
    print(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
