"""Single-surface (v1) designs render byte-identically across the multi-surface work (issue #18) and any
refactor: the SHA-256 of every v1 example's print PDF is pinned in tests/golden/v1_pdf_sha256.json.

A change that means to alter these bytes regenerates the pins and says why in its commit:

    RENDER_ENGINE_UPDATE_GOLDENS=1 python -m pytest tests/engine/test_v1_identity.py

(``python scripts/output_hashes.py`` compares every output — PNG, PDF, proof, mockup — before and after.)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from render_engine.engine import Engine
from render_engine.pipeline import render_file
from tests.conftest import ROOT, V1_EXAMPLES

PINS = ROOT / "tests" / "golden" / "v1_pdf_sha256.json"


def test_every_v1_example_pdf_is_byte_identical(engine: Engine, tmp_path: Path) -> None:
    got = {
        p.name: hashlib.sha256(render_file(p, engine, tmp_path, fmt="pdf").path.read_bytes()).hexdigest()
        for p in V1_EXAMPLES
    }
    if os.environ.get("RENDER_ENGINE_UPDATE_GOLDENS"):
        PINS.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip(f"pins written: {PINS.relative_to(ROOT)}")
    if not PINS.exists():
        pytest.fail(
            f"missing {PINS.relative_to(ROOT)}: run RENDER_ENGINE_UPDATE_GOLDENS=1 python -m pytest "
            "tests/engine/test_v1_identity.py"
        )
    want = json.loads(PINS.read_text(encoding="utf-8"))
    assert {k: v for k, v in got.items() if k in want} == {k: want[k] for k in got if k in want}
    assert not set(want) - set(got), f"pinned examples missing: {sorted(set(want) - set(got))}"
