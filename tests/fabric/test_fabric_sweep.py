"""The refusal sweep: every Fabric object class and property combination a storefront saves, from Fabric 5, 6
and 7 (tests/fabric_corpus/sweep/v<N>/, made by tools/fabric-corpus/sweep.js on 160 x 120 px canvases).

With the default (print) policy none may be refused: each is imported, and the Fabric 6 set is rendered as
it is (the canvas at its own size) — a PNG of the canvas size that is not blank where Fabric's is not.
``KNOWN_REFUSED`` lists what is still refused, each naming its field; it only shrinks.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.fabric import load_fabric_json
from render_engine.model.errors import DesignError
from render_engine.model.settings import Settings

ROOT = Path(__file__).resolve().parents[1] / "fabric_corpus" / "sweep"
VERSIONS = sorted(p.name for p in ROOT.iterdir() if (p / "manifest.json").is_file())


def _names(version: str) -> list[str]:
    return sorted(json.loads((ROOT / version / "manifest.json").read_text(encoding="utf-8"))["designs"])


# still refused (design -> the field the refusal names); the sweep asserts exactly these and no others
KNOWN_REFUSED: dict[str, str] = {}


# version-specific refusals (Fabric 5's per-character Pattern saved without its tile is drawn as Fabric loads
# it: black, tests/fabric/test_fabric_sweep_drawn.py)
KNOWN_REFUSED_IN: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Settings())


@pytest.mark.parametrize("version", VERSIONS)
def test_sweep_imports_without_refusals(engine: Engine, tmp_path: Path, version: str) -> None:
    refused: dict[str, list[str]] = {}
    for name in _names(version):
        data = json.loads((ROOT / version / f"{name}.json").read_text(encoding="utf-8"))
        try:
            load_fabric_json(data, engine, tmp_path)
        except DesignError as exc:
            refused[name] = [str(p.field) for p in exc.problems or (exc,)]
    known = {**KNOWN_REFUSED, **KNOWN_REFUSED_IN.get(version, {})}
    unexpected = {n: f for n, f in refused.items() if n not in known}
    assert not unexpected, unexpected
    for name, fields in refused.items():
        assert known[name] in fields, (name, fields)
    now_drawn = set(known) - set(refused) & set(_names(version))
    assert not now_drawn, f"drawn now: remove from KNOWN_REFUSED: {sorted(now_drawn)}"


def _on_white(im: Image.Image) -> np.ndarray:
    a = np.asarray(im.convert("RGBA")).astype(float)
    alpha = a[..., 3:4] / 255
    return (a[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)


@pytest.mark.parametrize("part", range(4))
def test_sweep_renders_as_it_is(engine: Engine, part: int) -> None:
    """Every Fabric 6 design that imports renders: a PNG of the canvas size, inked where Fabric inked."""
    names = [n for n in _names("v6") if n not in KNOWN_REFUSED][part::4]
    for name in names:
        res = render_design(ROOT / "v6" / f"{name}.json", engine=engine)
        ours = _on_white(Image.open(io.BytesIO(res.data)))
        ref = _on_white(Image.open(ROOT / "v6" / f"{name}.png"))
        assert ours.shape == ref.shape, name
        ink_ref = (ref < 250).any(axis=2).mean()
        ink_ours = (ours < 250).any(axis=2).mean()
        assert ink_ours >= 0.5 * ink_ref, (name, ink_ours, ink_ref)
