"""Regenerate the binary assets of ``examples/`` (procedural photos and clip-art).

    python scripts/make_examples.py

The output is deterministic (same bytes every run), so the committed files can be checked against this
script. The example design JSON files beside them are hand-written text.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from render_engine.testing import synth  # noqa: E402

ASSETS = ROOT / "examples" / "assets"


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    synth.save_jpeg(synth.landscape(3600, 2400, seed=1), ASSETS / "landscape.jpg")
    synth.save_jpeg(synth.portrait(2400, 3000, seed=2), ASSETS / "portrait.jpg")
    # the poster's photo: >= 150 DPI (the template's minimum) over the 617.6 x 922.4 mm bleed box
    synth.save_jpeg(synth.landscape(3800, 5600, seed=3), ASSETS / "poster-photo.jpg")
    (ASSETS / "heart.svg").write_text(synth.heart_svg(), encoding="utf-8")
    (ASSETS / "star.svg").write_text(synth.star_svg(), encoding="utf-8")
    for p in sorted(ASSETS.iterdir()):
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
