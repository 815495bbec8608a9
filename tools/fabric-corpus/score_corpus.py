"""Score a folder of Fabric designs (random_corpus.js / storefront.js output) against Fabric's own renders.

    python tools/fabric-corpus/score_corpus.py /tmp/fabric-random/v6 [--scales 1,2] [--jobs 2] [--tsv out.tsv]

Each ``<name>.json`` is rendered through the public API as a storefront would (``render_design(path,
scale=…)``, no template) and compared over white with ``<name>@<scale>x.png``: SSIM (scikit-image, channel
axis) and the share of pixels whose largest channel difference exceeds 32 levels — the metric of
tests/fabric/test_fabric_storefront.py. A design the engine refuses or fails on scores 0 and its error is printed.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity


def on_white(im: Image.Image) -> np.ndarray:
    a = np.asarray(im.convert("RGBA")).astype(float)
    alpha = a[..., 3:4] / 255
    return (a[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)


def compare(ours: Image.Image, ref: Image.Image) -> tuple[float, float]:
    a, b = on_white(ours), on_white(ref)
    ssim = float(structural_similarity(a, b, channel_axis=2))
    off = float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())
    return ssim, off


def score(job: tuple[str, int]) -> tuple[str, int, float, float, str]:
    from render_engine import render_design

    path, scale = Path(job[0]), job[1]
    name = f"{path.parent.name}/{path.stem}"
    ref = path.with_name(f"{path.stem}@{scale}x.png")
    try:
        res = render_design(path, scale=scale)
    except Exception as exc:
        return name, scale, 0.0, 1.0, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    ours = Image.open(io.BytesIO(res.data))
    ssim, off = compare(ours, Image.open(ref))
    return name, scale, ssim, off, ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--scales", default="1,2")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tsv", type=Path)
    args = ap.parse_args(argv)
    jobs = []
    for folder in args.folders:
        names = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["designs"]
        for name in names:
            for s in (int(x) for x in args.scales.split(",")):
                if (folder / f"{name}@{s}x.png").is_file():
                    jobs.append((str(folder / f"{name}.json"), s))
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = []
        for row in pool.map(score, jobs):  # in order, each printed as it is scored (long corpora under load)
            rows.append(row)
            print(f"  {row[0]}\t{row[1]}x\t{row[2]:.4f}\t{100 * row[3]:.2f}%\t{row[4]}", flush=True)
    rows.sort(key=lambda r: r[2])
    lines = [f"{r[0]}\t{r[1]}x\t{r[2]:.4f}\t{100 * r[3]:.2f}%\t{r[4]}" for r in rows]
    if args.tsv:
        args.tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for line in lines[:15]:
        print(line)
    for s in sorted({r[1] for r in rows}):
        vals = [r[2] for r in rows if r[1] == s]
        offs = [r[3] for r in rows if r[1] == s]
        failed = sum(1 for r in rows if r[1] == s and r[4])
        print(
            f"{s}x: n={len(vals)} mean SSIM {statistics.mean(vals):.4f} median {statistics.median(vals):.4f} "
            f"min {min(vals):.4f}; <0.97: {sum(v < 0.97 for v in vals)}; off>1%: {sum(o > 0.01 for o in offs)}; "
            f"failed: {failed}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
