"""Coverage-guided fuzzing (atheris / libFuzzer) of the parsers that see hostile bytes first, bounded for CI.

``scripts/fuzz_atheris.py`` holds the targets and their contract (a design or a DesignError with a field path;
a sanitised SVG or a typed error; a sanitised SVG both renderers draw, or a typed refusal; an image or a
typed error within 5 s). Here each target runs for a few seconds with a fixed libFuzzer seed, so CI explores
the same inputs every run; longer runs are for people (`python scripts/fuzz_atheris.py svg --seconds 600`).
A finding exits non-zero and writes ``crash-*``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 8


MIN_RUNS = {"svg_render": 20, "intake": 20}  # helper-process renders, or layout + preflight per input: slower


@pytest.mark.parametrize("target", ["design", "svg", "svg_render", "asset", "intake", "bodies"])
def test_coverage_guided_fuzzing_finds_no_crash(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fuzz_atheris.py"), target, "--seconds", str(SECONDS),
         "--corpus", str(tmp_path / "corpus"), "-seed=1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
    )
    crashes = sorted(p.name for p in tmp_path.glob("crash-*")) + sorted(p.name for p in tmp_path.glob("timeout-*"))
    assert r.returncode == 0 and not crashes, f"{target}: exit {r.returncode}, {crashes}\n{r.stderr[-3000:]}"
    done = re.search(r"^Done (\d+) runs in", r.stderr, re.M)
    # libFuzzer really ran, and ran inputs
    assert done and int(done.group(1)) >= MIN_RUNS.get(target, 100), r.stderr[-2000:]
