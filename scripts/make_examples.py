"""Regenerate the binary assets of ``examples/``: real photos and procedural clip-art.

    python scripts/make_examples.py      # needs the dev extras (scikit-image ships the photos)

The photos are public-domain / CC0 photographs that scikit-image ships as sample data (a registry package, so
nothing is downloaded here); their sources and licences are in examples/assets/LICENSES.md. They are small
(400-640 px), so they are cropped to the product's shape and enlarged (Lanczos 3) to the pixel sizes the
examples print at without resolution warnings: an enlarged photo is soft in print, which is fine for an
example and would be flagged for a real order only by eye. The output is deterministic (same bytes every
run), so the committed files can be checked against this script. The example design JSON files beside them
are hand-written text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyvips

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from render_engine.testing import synth  # noqa: E402

ASSETS = ROOT / "examples" / "assets"


PHOTOS = (
    # (file, scikit-image sample, width, height): the pixel sizes the examples were designed around
    ("landscape.jpg", "coffee", 3600, 2400),  # mug, card, phone case
    ("portrait.jpg", "astronaut", 2400, 3000),  # canvas, t-shirt (a face: crop "auto" finds it)
    # the poster's photo: >= 150 DPI (the template's minimum) over the 617.6 x 922.4 mm bleed box
    ("poster-photo.jpg", "rocket", 3800, 5600),
)


def photo(sample: str, width: int, height: int) -> pyvips.Image:
    """A scikit-image sample photo, centre-cropped to ``width:height`` and enlarged to that size."""
    from skimage import data

    rgb = np.ascontiguousarray(getattr(data, sample)()[:, :, :3])
    img = pyvips.Image.new_from_array(rgb, interpretation="srgb")
    scale = max(width / img.width, height / img.height)
    big = img.resize(scale, kernel="lanczos3")
    return big.crop((big.width - width) // 2, (big.height - height) // 2, width, height)


def pet_photo() -> pyvips.Image:
    """``pet-cat.jpg`` (2400 x 1600): scikit-image's ``chelsea()`` (a cat, CC0), enlarged 1.7x (Lanczos 3) and
    set at the lower left of ``coffee()`` enlarged to the frame, so a centred or saliency crop into a tall
    box misses the cat's face (the pet face-aware crop's test, tests/personalization/test_design_template_faces.py)."""
    from skimage import data

    def rgb(a: np.ndarray) -> pyvips.Image:
        return pyvips.Image.new_from_array(np.ascontiguousarray(a[:, :, :3]), interpretation="srgb")

    back = rgb(data.coffee()).resize(4, kernel="lanczos3").crop(0, 0, 2400, 1600)
    return back.insert(rgb(data.chelsea()).resize(1.7, kernel="lanczos3"), 120, 700)


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    for name, sample, width, height in PHOTOS:
        synth.save_jpeg(photo(sample, width, height), ASSETS / name)
    synth.save_jpeg(pet_photo(), ASSETS / "pet-cat.jpg")
    (ASSETS / "heart.svg").write_text(synth.heart_svg(), encoding="utf-8")
    (ASSETS / "star.svg").write_text(synth.star_svg(), encoding="utf-8")
    for p in sorted(ASSETS.iterdir()):
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
