"""Face-aware crops in photo slots (#19): a photo slot crops around the faces OpenCV finds (``face_crop``, on by
default), a slot may turn it off (a centred crop), and preflight warns when the trim or safe line cuts a face.

The photo is real: scikit-image's astronaut (public domain, NASA), placed at the left of a wide 3:1 panorama so
a centred crop into a card's landscape box misses the face entirely. The face must be found again, by OpenCV in
the rendered print PNG, inside the slot's box.

Pets: where no human face is found, a face-aware slot (crop ``auto-pets``) looks for a cat's face with OpenCV's
cat-face cascades (from the opencv wheel). The photo is real and committed: examples/assets/pet-cat.jpg,
scikit-image's Chelsea (CC0) at the lower left of a wider frame (examples/assets/LICENSES.md,
scripts/make_examples.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pyvips

from render_engine import preflight, render_design
from render_engine.personalization import fill, parse_design_template

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "templates_design"
BOX = {"x": 10.0, "y": 10.0, "width": 107.0, "height": 80.0}  # on card-5x7 (127 x 177.8 mm trim)
DPI = 60


@pytest.fixture(scope="module")
def panorama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from skimage import data as skdata

    face = skdata.astronaut()  # 512 x 512, one frontal face near (170..300, 60..220) px
    wide = np.zeros((512, 1536, 3), dtype=np.uint8)
    wide[:, :, 0] = np.linspace(40, 200, 1536, dtype=np.uint8)[None, :]  # a plain gradient: no face there
    wide[:, :, 1] = 90
    wide[:, :, 2] = np.linspace(200, 60, 1536, dtype=np.uint8)[None, :]
    wide[:, :512] = face
    path = tmp_path_factory.mktemp("faces") / "panorama.jpg"
    pyvips.Image.new_from_array(wide).copy(interpretation="srgb").jpegsave(str(path), Q=92)
    return path


def template(face_crop: bool | None = None, box: dict[str, float] = BOX) -> Any:
    slot: dict[str, Any] = {"type": "photo", "label": "Photo", "min_dpi": 100}
    if face_crop is not None:
        slot["face_crop"] = face_crop
    data = {
        "id": "face-test", "name": "Faces", "slots": {"photo": slot},
        "products": {"card-5x7": {"layers": [
            {"type": "background", "color": "#ffffff", "locked": True},
            {"type": "image", "slot": "photo", "box": box, "fit": "cover"},
        ]}},
    }  # fmt: skip
    return parse_design_template(data, LIBRARY)


def faces_in(png: bytes) -> list[tuple[float, float, float, float]]:
    """Faces OpenCV's Haar cascade (from the opencv wheel) finds in a rendered PNG, as mm rects."""
    import cv2

    img = pyvips.Image.new_from_buffer(png, "")
    arr = np.ndarray(buffer=img.extract_band(0, n=3).write_to_memory(), dtype=np.uint8,
                     shape=(img.height, img.width, 3))  # fmt: skip
    grey = cv2.equalizeHist(cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY))
    cascade = cv2.CascadeClassifier(str(Path(cv2.__file__).parent / "data" / "haarcascade_frontalface_default.xml"))
    found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))
    mm = 25.4 / DPI
    return [(x * mm, y * mm, w * mm, h * mm) for (x, y, w, h) in (found if len(found) else [])]


def test_a_photo_slot_keeps_the_face_in_its_box(panorama: Path, tmp_path: Path) -> None:
    design = fill(template(), "card-5x7", {}, {"photo": panorama.name}, base_dir=panorama.parent)
    assert design.layers[1].crop == "auto-pets"  # face_crop is on by default (a person's face, else a pet's)
    out = render_design(design, tmp_path / "card.png", base_dir=panorama.parent, dpi=DPI)
    faces = faces_in(out.path.read_bytes())  # type: ignore[union-attr]
    assert len(faces) == 1, faces
    x, y, w, h = faces[0]
    bleed = 3.175  # the PNG includes the card's bleed: trim mm = px mm - bleed
    x, y = x - bleed, y - bleed
    assert BOX["x"] <= x and x + w <= BOX["x"] + BOX["width"], (x, w)
    assert BOX["y"] <= y and y + h <= BOX["y"] + BOX["height"], (y, h)
    assert w > 15  # a face, not a speck: the astronaut's ~130 px face is ~27 mm wide in this crop
    assert "safe.face_outside" not in preflight(design, base_dir=panorama.parent).codes()


def test_face_crop_off_is_a_centred_crop(panorama: Path, tmp_path: Path) -> None:
    design = fill(template(face_crop=False), "card-5x7", {}, {"photo": panorama.name}, base_dir=panorama.parent)
    assert design.layers[1].crop is None
    out = render_design(design, tmp_path / "card.png", base_dir=panorama.parent, dpi=DPI)
    assert faces_in(out.path.read_bytes()) == []  # type: ignore[union-attr]  # the centre of the panorama: no face


def test_face_crop_off_replaces_the_templates_auto_crop(panorama: Path) -> None:
    tpl = template(face_crop=False, box={**BOX})
    raw = tpl.products["card-5x7"].layers[1]
    raw["crop"] = "auto"
    design = fill(tpl, "card-5x7", {}, {"photo": panorama.name}, base_dir=panorama.parent)
    assert design.layers[1].crop is None
    raw["crop"] = {"x": 0.0, "y": 0.0, "width": 0.5, "height": 1.0}  # an explicit rectangle is the template's
    design = fill(tpl, "card-5x7", {}, {"photo": panorama.name}, base_dir=panorama.parent)
    assert design.layers[1].crop is not None and design.layers[1].crop not in ("auto", "auto-pets")


def test_preflight_warns_when_the_trim_cuts_a_face(panorama: Path) -> None:
    # a square box hanging off the card's left edge: the face, centred in it, crosses the trim and safe line
    box = {"x": -30.0, "y": 40.0, "width": 60.0, "height": 60.0}
    design = fill(template(box=box), "card-5x7", {}, {"photo": panorama.name}, base_dir=panorama.parent)
    report = preflight(design, base_dir=panorama.parent)
    cut = [f for f in report.findings if f.code == "safe.face_outside"]
    assert len(cut) == 1 and cut[0].severity == "warning"
    assert cut[0].region is not None and cut[0].region.x < 0 < cut[0].region.x1  # over the trim edge
    # no face detected without face_crop: nothing to warn of, and the centred crop is what prints
    design = fill(template(face_crop=False, box=box), "card-5x7", {}, {"photo": panorama.name},
                  base_dir=panorama.parent)  # fmt: skip
    assert "safe.face_outside" not in preflight(design, base_dir=panorama.parent).codes()


# ------------------------------------------------------------------------------------------------------- pets

CAT = REPO / "examples" / "assets" / "pet-cat.jpg"  # 2400 x 1600 px
# Chelsea's eyes and nose in pet-cat.jpg (px, marked by hand on chelsea() and mapped: x = 120 + 1.7 x', y = 700 +
# 1.7 y'): a face box that holds them is her face, not a false hit elsewhere in the frame
CAT_FEATURES = {"left eye": (350, 845, 468, 946), "right eye": (621, 887, 698, 972), "nose": (511, 1082, 613, 1142)}
TALL = {"x": 30.0, "y": 20.0, "width": 45.0, "height": 90.0}  # 1:2 — a centred crop of the 3:2 photo: x 800..1600


def image_item(design: Any, engine: Any) -> Any:
    from render_engine.layout.plan import ImageItem
    from render_engine.pipeline import prepare

    prep = prepare(design, engine, CAT.parent)
    [item] = [it for it in prep.layout.items if isinstance(it, ImageItem)]
    return item


def with_crop(design: Any, crop: str | None) -> Any:
    """``design`` with its photo layer's crop replaced (designs are frozen)."""
    raw = design.model_dump(mode="json", exclude_none=True)
    raw["layers"][1].pop("crop", None)
    if crop is not None:
        raw["layers"][1]["crop"] = crop
    return type(design).model_validate(raw)


def inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    """Whether the (x0, y0, x1, y1) rect ``inner`` lies within ``outer``."""
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def test_a_pet_photo_slot_crops_around_the_cats_face(engine: Any) -> None:
    """No human face in the photo: the slot's face-aware crop finds the cat's face (the box holds her eyes and
    nose) and the crop into a tall box keeps that whole face box; the plain 'auto' crop (saliency: the coffee
    cup) and the centred one both cut it."""
    design = fill(template(box=TALL), "card-5x7", {}, {"photo": CAT.name}, base_dir=CAT.parent)
    assert design.layers[1].crop == "auto-pets"
    item = image_item(design, engine)
    assert item.focus.method == "pet_faces" and len(item.focus.faces) == 1
    fx, fy, fw, fh = item.focus.faces[0]
    W, H = item.info.width, item.info.height
    face = (fx * W, fy * H, (fx + fw) * W, (fy + fh) * H)
    for name, feature in CAT_FEATURES.items():
        assert inside(feature, face), (name, feature, face)
    assert 400 < face[2] - face[0] < 900  # a face, not a speck or the whole frame
    cx, cy, cw, ch = item.crop
    assert cw / ch == pytest.approx(TALL["width"] / TALL["height"], rel=0.01)
    assert inside(face, (cx, cy, cx + cw, cy + ch)), (face, item.crop)
    assert "safe.face_outside" not in preflight(design, base_dir=CAT.parent).codes()
    for other in ("auto", None):  # the same layer without the pet detector: the face is cut
        px, py, pw, ph = image_item(with_crop(design, other), engine).crop
        assert not inside(face, (px, py, px + pw, py + ph)), (other, face, (px, py, pw, ph))


def test_a_human_face_wins_over_the_pet_detector(panorama: Path, engine: Any) -> None:
    design = fill(template(box=TALL), "card-5x7", {}, {"photo": panorama.name}, base_dir=panorama.parent)
    from render_engine.pipeline import prepare

    prep = prepare(design, engine, panorama.parent)
    [focus] = [it.focus for it in prep.layout.items if getattr(it, "focus", None) is not None]
    assert focus.method == "faces"


def test_pet_faces_are_looked_for_only_where_asked(engine: Any) -> None:
    """A native design's crop 'auto' keeps its meaning (people, else saliency): the cat detector runs only for
    'auto-pets', so no existing design's crop moves."""
    design = fill(template(box=TALL), "card-5x7", {}, {"photo": CAT.name}, base_dir=CAT.parent)
    assert image_item(with_crop(design, "auto"), engine).focus.method == "attention"


def test_face_detection_runs_side_by_side_in_threads(panorama: Path) -> None:
    """The API runs a preview and its preflight side by side: detection in several threads at once finds the same
    faces as alone (one OpenCV classifier shared by threads failed its 'scaleIdx' assertion: a 500)."""
    from concurrent.futures import ThreadPoolExecutor

    from render_engine.inputs.assets import find_focus, probe_image
    from render_engine.model.settings import Settings

    photos = (CAT, panorama, REPO / "examples" / "assets" / "landscape.jpg")
    infos = [probe_image(p, "photo", Settings()) for p in photos]
    alone = [find_focus(info, "photo", pets=True) for info in infos]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda i: find_focus(infos[i % 3], "photo", pets=True), range(36)))
    assert [f.method for f in alone] == ["pet_faces", "faces", "attention"]
    assert together == [alone[i % 3] for i in range(36)]
