"""Score every design of tests/fabric_corpus against Fabric's own renders, at every scale a reference exists for.

    python tools/fabric-corpus/audit_corpus.py [SUBDIR ...] [--scales 1,2] [--jobs 2] [--tsv out.tsv]
    python tools/fabric-corpus/audit_corpus.py --missing 2     # list the designs without a 2x reference

Knows the corpus' layouts: ``<name>.json`` with ``<name>@<s>x.png`` (storefront, random, node_*, shop_fixed),
the sweep's ``<name>.png`` (1x; ``<name>.reloaded.png`` preferred where kept) with ``<name>@2x.png``, and the
top-level ``<name>.fabric.json`` (``{"canvas", "fabric"}``) with ``<name>.png`` (1x) and ``<name>@2x.png``.
Each design is rendered as a storefront would (``render_design(path, scale=…)``, no template; the storefront
font "Shop Script" added as tests/fabric/test_fabric_storefront.py adds it) and compared over white with the
metric of score_corpus.py: SSIM and the share of pixels off by more than 32 levels.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image
from score_corpus import compare

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fabric_corpus"
_ENGINE = None


def designs(sub: Path) -> list[tuple[Path, str]]:
    """(design file, name) of every design in a corpus folder."""
    if sub == CORPUS:
        return [(p, p.name.removesuffix(".fabric.json")) for p in sorted(sub.glob("*.fabric.json"))]
    if not (sub / "manifest.json").is_file():  # shop_fixed: designs kept without a manifest
        return [(p, p.stem) for p in sorted(sub.glob("*.json"))]
    names = json.loads((sub / "manifest.json").read_text(encoding="utf-8"))["designs"]
    return [(sub / f"{n}.json", n) for n in sorted(names)]


REFS: Path | None = None  # --refs: a folder laid out as tests/fabric_corpus holding more references


def reference(design: Path, name: str, scale: int) -> Path | None:
    folder = design.parent
    cands = [folder / f"{name}@{scale}x.png"]
    if scale == 1:
        cands = [folder / f"{name}.reloaded.png", folder / f"{name}.png", *cands]
    if REFS is not None:
        cands.append(REFS / folder.relative_to(CORPUS) / f"{name}@{scale}x.png")
    return next((c for c in cands if c.is_file()), None)


def _engine():  # type: ignore[no-untyped-def]
    global _ENGINE
    if _ENGINE is None:
        from fontTools.ttLib import TTFont

        from render_engine.engine import Engine
        from render_engine.model.settings import Settings, bundled_dir

        folder = Path(tempfile.mkdtemp(prefix="audit-fonts-"))
        font = TTFont(bundled_dir("fonts") / "kaushan-script" / "KaushanScript-Regular.otf")
        for rec in font["name"].names:
            if rec.nameID in (1, 16):
                rec.string = "Shop Script"
        font.save(folder / "ShopScript-Regular.otf")
        _ENGINE = Engine(Settings(extra_fonts_dir=folder))
    return _ENGINE


def canvas_json(design: Path) -> Path:
    """The top-level corpus keeps the canvas size beside the Fabric JSON: a storefront's JSON of it."""
    if not design.name.endswith(".fabric.json"):
        return design
    data = json.loads(design.read_text(encoding="utf-8"))
    out = Path(tempfile.mkdtemp(prefix="audit-")) / f"{design.name.removesuffix('.fabric.json')}.json"
    out.write_text(json.dumps({**data["fabric"], **data["canvas"]}), encoding="utf-8")
    return out


def score(job: tuple[str, str, int, str]) -> tuple[str, int, float, float, str]:
    from render_engine import render_design

    design, label, scale, ref = Path(job[0]), job[1], job[2], Path(job[3])
    try:
        res = render_design(canvas_json(design), engine=_engine(), scale=scale)
    except Exception as exc:
        return label, scale, 0.0, 1.0, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    ours, theirs = Image.open(io.BytesIO(res.data)), Image.open(ref)
    if ours.size != theirs.size:
        return label, scale, 0.0, 1.0, f"size {ours.size} vs {theirs.size}"
    ssim, off = compare(ours, theirs)
    return label, scale, ssim, off, ""


def folders(args: list[str]) -> list[Path]:
    if args:
        return [CORPUS / a if a != "." else CORPUS for a in args]
    subs = {p.parent for p in CORPUS.glob("*/**/manifest.json") if "filter_refs" not in str(p)}
    return [CORPUS, *sorted(subs | {CORPUS / "shop_fixed"})]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("subdirs", nargs="*", help="folders under tests/fabric_corpus ('.' for the top level)")
    ap.add_argument("--scales", default="1,2")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tsv", type=Path)
    ap.add_argument("--missing", type=int, help="list designs without a reference at this scale and stop")
    ap.add_argument("--refs", type=Path, help="also look for <sub>/<name>@<s>x.png references here")
    args = ap.parse_args(argv)
    global REFS
    REFS = args.refs
    jobs = []
    for sub in folders(args.subdirs):
        rel = "." if sub == CORPUS else str(sub.relative_to(CORPUS))
        for design, name in designs(sub):
            if args.missing:
                if reference(design, name, args.missing) is None:
                    print(f"{rel}/{name}\t{design}")
                continue
            for s in (int(x) for x in args.scales.split(",")):
                ref = reference(design, name, s)
                if ref is not None:
                    jobs.append((str(design), f"{rel}/{name}", s, str(ref)))
    if args.missing:
        return 0
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for row in pool.map(score, jobs, chunksize=4):
            rows.append(row)
            print(f"  {row[0]}\t{row[1]}x\t{row[2]:.4f}\t{100 * row[3]:.2f}%\t{row[4]}", flush=True)
    lines = [f"{r[0]}\t{r[1]}x\t{r[2]:.4f}\t{100 * r[3]:.2f}%\t{r[4]}" for r in rows]
    if args.tsv:
        args.tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    groups = sorted({(r[0].rsplit("/", 1)[0], r[1]) for r in rows})
    for group, s in groups:
        sel = [r for r in rows if r[0].rsplit("/", 1)[0] == group and r[1] == s]
        vals = [r[2] for r in sel]
        bad = [r for r in sel if r[2] < 0.97 or r[3] > 0.01]
        named = ", ".join(f"{r[0].rsplit('/', 1)[1]} {r[2]:.4f}/{100 * r[3]:.2f}%" for r in bad)
        print(
            f"{group} {s}x: n={len(sel)} mean {statistics.mean(vals):.4f} min {min(vals):.4f}; "
            f"out of criterion {len(bad)}: {named}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
