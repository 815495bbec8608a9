"""Every sweep design (tests/fabric_corpus/sweep/v5|v6|v7, tools/fabric-corpus/sweep.js) scored against Fabric's
own render at 1x, and the Fabric 6 set at 2x, with the metric of tests/fabric/test_fabric_storefront.py (over
white: SSIM, share of pixels off by more than 32 levels).

The 1x references are the sweep's own (``<name>.png``; ``<name>.reloaded.png`` where kept). The 2x references
(``v6/<name>@2x.png``) are Fabric 6.9.1 loading the saved JSON at multiplier 2 (tools/fabric-corpus/render_json.js),
kept only where that reload draws the 1x reference again (211 of 219: reloaded, ``filter_noise``, the rtl and
the per-character gradient / pattern designs draw differently from the live canvas, so they have no 2x here).

Issue 17's bar is SSIM >= 0.97 and <= 1 % off. The designs under it are held at what they measure (SSIM less
0.003, pixels off plus 0.2 %) in tests/fabric_corpus/sweep/floors.json — each a known failure of the criterion,
named with its cause in docs/fabric.md ("Audit: every corpus design at 1x and 2x"); the floors only tighten.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.model.settings import Settings

SWEEP = Path(__file__).resolve().parents[1] / "fabric_corpus" / "sweep"
FLOORS: dict[str, list[float]] = json.loads((SWEEP / "floors.json").read_text(encoding="utf-8"))
SSIM_MIN, OFF_MAX = 0.97, 0.01
PARTS = 4


def _reference(version: str, name: str, scale: int) -> Path | None:
    folder = SWEEP / version
    if scale == 2:
        ref = folder / f"{name}@2x.png"
        return ref if ref.is_file() else None
    reloaded = folder / f"{name}.reloaded.png"
    return reloaded if reloaded.is_file() else folder / f"{name}.png"


def _cases() -> list[tuple[str, str, int]]:
    cases = []
    for version in sorted(p.name for p in SWEEP.iterdir() if (p / "manifest.json").is_file()):
        names = json.loads((SWEEP / version / "manifest.json").read_text(encoding="utf-8"))["designs"]
        for name in sorted(names):
            cases += [(version, name, s) for s in (1, 2) if _reference(version, name, s) is not None]
    return cases


CASES = _cases()


def _on_white(im: Image.Image) -> np.ndarray:
    a = np.asarray(im.convert("RGBA")).astype(float)
    alpha = a[..., 3:4] / 255
    return (a[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Settings())


def test_the_floors_name_sweep_designs() -> None:
    known = {f"{v}/{n}@{s}x" for v, n, s in CASES}
    assert set(FLOORS) <= known, sorted(set(FLOORS) - known)
    assert all(f <= SSIM_MIN and o >= OFF_MAX for f, o in FLOORS.values())
    assert sum(1 for _, _, s in CASES if s == 2) >= 200  # the Fabric 6 set at 2x


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("scale", [1, 2])
def test_sweep_design_matches_fabric(engine: Engine, scale: int, part: int) -> None:
    failures = []
    for version, name, s in [c for c in CASES if c[2] == scale][part::PARTS]:
        res = render_design(SWEEP / version / f"{name}.json", engine=engine, scale=scale)
        ref = _reference(version, name, scale)
        assert ref is not None
        a, b = _on_white(Image.open(io.BytesIO(res.data))), _on_white(Image.open(ref))
        assert a.shape == b.shape, (version, name, a.shape, b.shape)
        ssim = float(structural_similarity(a, b, channel_axis=2))
        off = float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())
        floor, most_off = FLOORS.get(f"{version}/{name}@{s}x", (SSIM_MIN, OFF_MAX))
        if ssim < floor or off > most_off:
            failures.append(f"{version}/{name}@{s}x: SSIM {ssim:.4f} (>= {floor}), {off:.2%} off (<= {most_off:.1%})")
    assert not failures, "\n".join(failures)
