"""scripts/soak.py runs: a 4-second soak of a real `render-engine serve` with zero errors and every job done
(some designs carry SVG clip-art, rendered in the API's SVG helper processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_soak_smoke(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts/soak.py"), "--duration", "4", "--threads", "3", "--drain", "60",
         "--json", str(out)],
        capture_output=True, text=True, timeout=180,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == 0 and report["requests"] > 0
    assert report["jobs"]["accepted"] == report["jobs"].get("ready", 0)
    assert report["rss_kb"]["end"]["api"] > 0
    assert report["rss_kb"]["end"]["svg_helper_count"] >= 1, "designs with SVG clip-art render in helpers"
