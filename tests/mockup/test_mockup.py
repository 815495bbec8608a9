"""Mockup previews: geometry, colour, occlusion, determinism, catalog coverage and the CLI.

Expected positions are recomputed here from each scene's *declared* geometry (the template's ``mockup``
section), independently of ``render_engine.mockup.scene_geometry``: the cylinder formula written out again, the
homographies by OpenCV's ``getPerspectiveTransform``, the fold displacement by fixed-point iteration on the
scene's displacement PNG. A scene pixel p maps to output pixel (p + 0.5) * f - 0.5, f = width / scene width.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import pyvips

from render_engine.cli import main as cli_main
from render_engine.engine import Engine
from render_engine.mockup import MockupSpec, clear_caches, mockup_spec, render_mockup
from render_engine.mockup.print_cache import converter, lut_proof, proof_lut
from render_engine.model.design import RGB, Design
from render_engine.model.errors import DesignError
from render_engine.pipeline import prepare
from tests.conftest import ROOT

WIDTH = 500
TOL_PX = 2.0
MOCKUPS = ROOT / "mockups"


def _decode(data: bytes) -> np.ndarray:
    img = pyvips.Image.new_from_buffer(data, "")
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))


def _png(path: Path) -> np.ndarray:
    img = pyvips.Image.new_from_file(str(path))
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))


def _marker_design(template: str, x: float, y: float, size: float, background: str | None) -> Design:
    layers: list[dict[str, Any]] = []
    if background:
        layers.append({"type": "background", "color": background})
    layers.append(
        {"type": "shape", "shape": "rect", "box": {"x": x - size / 2, "y": y - size / 2, "width": size, "height": size},
         "fill": "#ff0000"}
    )
    return Design.model_validate({"version": 1, "template": template, "layers": layers})


def _render(engine: Engine, design: Design, **kw: Any) -> np.ndarray:
    prep = prepare(design, engine, ROOT)
    kw.setdefault("fmt", "png")
    kw.setdefault("width", WIDTH)
    return _decode(render_mockup(prep, engine, **kw))


def _red_centroid(img: np.ndarray) -> tuple[float, float] | None:
    r, g, b = (img[:, :, i].astype(int) for i in range(3))
    red = (r > 110) & (r - g > 70) & (r - b > 70)
    ys, xs = np.nonzero(red)
    if xs.size < 4:
        return None
    return float(xs.mean()), float(ys.mean())


def _to_out(p: tuple[float, float], scene_w: int, width: int = WIDTH) -> tuple[float, float]:
    f = width / scene_w
    return (p[0] + 0.5) * f - 0.5, (p[1] + 0.5) * f - 0.5


# ------------------------------------------------------------------------------------ catalog coverage


def test_every_template_has_a_scene_with_its_files(engine: Engine) -> None:
    for t in engine.templates.templates.values():
        spec = mockup_spec(t)
        assert spec.views, t.id
        for name in spec.files():
            path = MOCKUPS / (spec.scene or t.id) / name  # a product may reuse another's scene (issue #18)
            assert path.is_file(), f"{t.id}: {name} missing"
            img = pyvips.Image.new_from_file(str(path))
            assert (img.width, img.height) == tuple(spec.size), f"{t.id}: {name} is not the scene size"
    # the wheel carries every scene: a budget per scene that scales with the catalogue (issue #18 takes it
    # from 8 products to 25+), and a cap on any one scene (the t-shirt's three garment colours: 1.1 MB)
    folders = [d for d in MOCKUPS.iterdir() if d.is_dir()]
    sizes = {d.name: sum(p.stat().st_size for p in d.rglob("*.png")) for d in folders}
    assert max(sizes.values()) < 1_500_000, max(sizes.items(), key=lambda kv: kv[1])
    mean = sum(sizes.values()) / len(sizes)
    assert mean < 400_000, f"scene assets average {mean / 1e3:.0f} kB per scene"


# ---------------------------------------------------------------------------------------------- geometry


def _cylinder_expected(m: dict[str, Any], trim_w: float, yaw: float, x: float, y: float) -> tuple[float, float]:
    r_mm = m["circumference_mm"] / (2 * math.pi)
    s = m["radius"] / r_mm
    e = math.radians(m["elevation_deg"])
    phi = (x - trim_w / 2) / r_mm - math.radians(yaw)
    return (
        m["center_x"] + m["radius"] * math.sin(phi),
        m["top_y"] + y * s * math.cos(e) + m["radius"] * math.sin(e) * math.cos(phi),
    )


@pytest.mark.parametrize("template_id", ["mug-11oz", "mug-15oz"])
def test_cylinder_maps_print_points_to_declared_geometry(engine: Engine, template_id: str) -> None:
    t = engine.templates.get(template_id)
    m = t.mockup["mapping"]
    r_mm = m["circumference_mm"] / (2 * math.pi)
    checked = 0
    for view, v in t.mockup["views"].items():
        occ = _png(MOCKUPS / t.id / v["occluder"])[:, :, 3] if v.get("occluder") else None
        for phi_deg in (-45.0, 0.0, 45.0):
            x = t.trim_w / 2 + (math.radians(phi_deg) + math.radians(v["yaw_deg"])) * r_mm
            x = (x + math.pi * r_mm) % (2 * math.pi * r_mm) - math.pi * r_mm  # wrap around the mug
            if not 8 <= x <= t.trim_w - 8:
                continue  # this angle of the view shows the seam gap, not the print
            for y in (0.15 * t.trim_h, 0.5 * t.trim_h, 0.85 * t.trim_h):
                scene = _cylinder_expected(m, t.trim_w, v["yaw_deg"], x, y)
                if occ is not None and occ[round(scene[1]), round(scene[0])] > 0:
                    continue  # behind the handle
                img = _render(engine, _marker_design(t.id, x, y, 4.0, "#ffffff"), view=view, soft_proof=False)
                got = _red_centroid(img)
                want = _to_out(scene, t.mockup["size"][0])
                assert got is not None, f"{view} ({x:.1f}, {y:.1f}) mm not visible"
                assert math.dist(got, want) <= TOL_PX, f"{view} ({x:.1f}, {y:.1f}) mm: {got} != {want}"
                checked += 1
    assert checked >= 12


def _fractions(t_id: str) -> list[tuple[float, float]]:
    if t_id.startswith("phone-case"):  # the camera opening takes the top-left corner
        return [(0.7, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.4), (0.5, 0.5)]
    return [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.5, 0.5)]


@pytest.mark.parametrize(
    "template_id", ["poster-24x36", "canvas-8x10", "card-5x7", "phone-case-iphone15", "coaster-95-round"]
)
def test_quad_maps_corners_and_centre(engine: Engine, template_id: str) -> None:
    t = engine.templates.get(template_id)
    faces = t.mockup["mapping"]["faces"]
    for face in faces:
        fx, fy, fw, fh = face["rect_mm"]
        src = np.array([[fx, fy], [fx + fw, fy], [fx + fw, fy + fh], [fx, fy + fh]], dtype=np.float32)
        h = cv2.getPerspectiveTransform(src, np.array(face["corners"], dtype=np.float32))
        points = _fractions(t.id) if face is faces[0] else [(0.5, 0.5)]
        for a, b in points:
            x, y = fx + a * fw, fy + b * fh
            size = max(2.5, 0.05 * min(fw, fh))
            p = h @ np.array([x, y, 1.0])
            want = _to_out((p[0] / p[2], p[1] / p[2]), t.mockup["size"][0])
            img = _render(engine, _marker_design(t.id, x, y, size, "#ffffff"), soft_proof=False)
            got = _red_centroid(img)
            assert got is not None, f"({x:.1f}, {y:.1f}) mm not visible"
            assert math.dist(got, want) <= TOL_PX, f"({x:.1f}, {y:.1f}) mm: {got} != {want}"


def test_displacement_maps_points_through_the_fold_map(engine: Engine) -> None:
    t = engine.templates.get("tshirt-front-dtg")
    m = t.mockup["mapping"]
    dmap = _png(MOCKUPS / t.id / m["map"]).astype(float)
    x0, y0, x1, y1 = m["rect"]
    for a, b in _fractions(t.id):
        x, y = a * t.trim_w, b * t.trim_h
        ax, ay = x0 + x / t.trim_w * (x1 - x0), y0 + y / t.trim_h * (y1 - y0)
        px, py = ax, ay
        for _ in range(20):  # p + d(p) = A(q)
            d = dmap[round(py), round(px)]
            px = ax - (d[0] - 128) / 127 * m["strength"]
            py = ay - (d[1] - 128) / 127 * m["strength"]
        want = _to_out((px, py), t.mockup["size"][0])
        img = _render(engine, _marker_design(t.id, x, y, 12.0, None), variant="white")
        got = _red_centroid(img)
        assert got is not None
        assert math.dist(got, want) <= TOL_PX, f"({x:.1f}, {y:.1f}) mm: {got} != {want}"


# ------------------------------------------------------------------------------------------------ colour


def _flat_region(spec: MockupSpec, t_id: str, width: int) -> np.ndarray:
    """Output pixels where the scene neither shades nor highlights and the print fully covers."""
    folder = MOCKUPS / t_id
    assert spec.shade and spec.highlight and spec.mask

    def at(name: str) -> np.ndarray:
        img = pyvips.Image.new_from_file(str(folder / name)).resize(width / spec.size[0], kernel="linear")
        return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))

    ok = (at(spec.shade)[:, :, 0] == 255) & (at(spec.highlight)[:, :, 0] == 0) & (at(spec.mask)[:, :, 0] == 255)
    # stay away from edges
    return cv2.erode(ok.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0


def _solid(template: str, colour: str) -> Design:
    layers = [{"type": "background", "color": colour}]
    return Design.model_validate({"version": 1, "template": template, "layers": layers})


@pytest.mark.parametrize(("template_id", "view"), [("poster-24x36", None), ("mug-11oz", "front")])
@pytest.mark.parametrize("proof", [False, True])
def test_unshaded_print_colour_is_preserved(engine: Engine, template_id: str, view: str | None, proof: bool) -> None:
    """Tolerance: 2 levels per channel (PNG output; only bilinear rounding in between)."""
    t = engine.templates.get(template_id)
    colour = "#3a7bd5"
    img = _render(engine, _solid(t.id, colour), soft_proof=proof, view=view)
    other = _render(engine, _solid(t.id, "#ffff00"), soft_proof=proof, view=view)
    covered = np.abs(img.astype(int) - other.astype(int)).max(axis=2) > 40  # where the print shows at all
    covered = cv2.erode(covered.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0  # not the print's edges
    region = _flat_region(mockup_spec(t), t.id, WIDTH) & covered
    assert region.sum() > 200
    rgb = RGB(hex=colour)
    expected = np.array(converter(engine, t.output.icc_profile).proof_flat(rgb, "area") if proof else rgb.rgb)
    diff = np.abs(img[:, :, :3][region].astype(int) - expected)
    assert diff.max() <= 2, f"max channel error {diff.max()} (expected {expected})"


def test_photo_proof_lut_matches_the_print_conversion(engine: Engine) -> None:
    """The 64-level proof LUT vs ColorConverter.proof_image on every 4th sRGB value: mean ΔE00 < 1."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    conv = converter(engine, "fogra39l-coated")
    lut = proof_lut(engine, "fogra39l-coated", flat=False)
    v = np.arange(0, 256, 4, dtype=np.uint8)
    grid = np.stack(np.meshgrid(v, v, v, indexing="ij"), axis=-1).reshape(512, 512, 3)
    img = pyvips.Image.new_from_memory(np.ascontiguousarray(grid), 512, 512, 3, "uchar").copy(interpretation="srgb")
    ref = conv.proof_image(img)
    ref_a = np.ndarray(buffer=ref.write_to_memory(), dtype=np.uint8, shape=(512, 512, ref.bands))[:, :, :3]
    got = lut_proof(grid, lut)
    de = deltaE_ciede2000(rgb2lab(ref_a / 255.0), rgb2lab(got / 255.0))
    assert de.mean() < 1.0 and np.percentile(de, 99) < 3.0, (de.mean(), np.percentile(de, 99))


def test_text_span_colours_show(engine: Engine) -> None:
    """Text is drawn per colour run (spans), as the print backends draw it, proofed or not."""
    layer = {
        "type": "text", "text": "Red Blue", "font": {"family": "noto-sans", "weight": 700}, "size": 60,
        "color": "#000000", "box": {"x": 64, "y": 25, "width": 100, "height": 40}, "align": "center",
        "spans": [{"start": 0, "end": 3, "color": "#ff0000"}, {"start": 4, "end": 8, "color": "#0000ff"}],
    }  # fmt: skip
    design = Design.model_validate({"version": 1, "template": "mug-11oz", "layers": [layer]})
    for proof in (False, True):
        img = _render(engine, design, view="front", soft_proof=proof).astype(int)
        r, g, b = img[:, :, 0], img[:, :, 1], img[:, :, 2]
        assert ((r - g > 100) & (r - b > 100)).sum() > 100, f"no red span (proof {proof})"
        assert ((b - r > 60) & (b - g > 20)).sum() > 100, f"no blue span (proof {proof})"


# ------------------------------------------------------------------------------------------ edit session


def test_edit_session_decodes_the_photo_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing the text or the view reuses the decoded photo; the picture changes only around the text."""
    from render_engine.inputs import photo_decode
    from render_engine.model.design import load_design_file

    calls = []
    real = photo_decode.open_image
    monkeypatch.setattr(photo_decode, "open_image", lambda *a, **k: calls.append(1) or real(*a, **k))
    clear_caches()
    path = ROOT / "examples" / "mug-11oz-photo-name.json"
    raw = load_design_file(path).model_dump(mode="json", exclude_none=True)
    texts = [i for i, layer in enumerate(raw["layers"]) if layer["type"] == "text"]
    assert texts

    def render(text: str, view: str) -> np.ndarray:
        for i in texts:
            raw["layers"][i]["text"] = text
        prep = prepare(Design.model_validate(raw), engine, path.parent)
        return _decode(render_mockup(prep, engine, view=view, width=WIDTH, fmt="png"))

    a = render("Ann", "front")
    b = render("Bob", "front")
    render("Bob", "left")
    render("Cy", "right")
    assert len(calls) == 1, f"the photo was decoded {len(calls)} times"
    changed = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 0
    assert 0 < changed.mean() < 0.2, changed.mean()


def test_a_preview_with_its_preflight_decodes_the_photo_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A storefront preview answers with the preflight verdict: when the preview decodes the photo at 1/4
    (as a 12 MP photo on an 800 px mug does; this 3600 px photo at 700 px) the colour check and the mockup
    share one decode, whichever runs first, and the preflight numbers do not depend on the order."""
    from render_engine.checks.color import clear_cache as clear_color_cache
    from render_engine.checks.preflight import preflight
    from render_engine.inputs import photo_decode
    from render_engine.model.design import load_design_file

    calls = []
    real = photo_decode.open_image
    monkeypatch.setattr(photo_decode, "open_image", lambda *a, **k: calls.append(1) or real(*a, **k))
    path = ROOT / "examples" / "mug-11oz-photo-name.json"
    prep = prepare(load_design_file(path), engine, path.parent)
    reports = []
    for first_preflight in (True, False):
        clear_caches()
        clear_color_cache()
        calls.clear()
        if first_preflight:
            reports.append(preflight(prep, engine).to_dict())
        render_mockup(prep, engine, view="front", width=700, fmt="jpeg")
        if not first_preflight:
            reports.append(preflight(prep, engine).to_dict())
        assert len(calls) == 1, f"the photo was decoded {len(calls)} times (preflight first: {first_preflight})"
    assert reports[0] == reports[1]


# --------------------------------------------------------------------------------------------- occlusion


def test_mug_handle_occludes_the_print(engine: Engine) -> None:
    t = engine.templates.get("mug-11oz")
    spec = mockup_spec(t)
    w = spec.size[0]  # render at scene size: output pixels are scene pixels
    design = _solid(t.id, "#ff0000")
    for view in ("left", "right"):
        occ = _png(MOCKUPS / t.id / f"occluder-{view}.png")
        mask = _png(MOCKUPS / t.id / "mask.png")[:, :, 0]
        img = _render(engine, design, view=view, width=w, soft_proof=False)
        # pixels where the handle is solid in front of the mug body, and the print wraps under it
        m = spec.mapping
        yaw = spec.views[view].yaw_deg
        ys, xs = np.nonzero((occ[:, :, 3] == 255) & (mask == 255))
        phi = np.degrees(np.arcsin(np.clip((xs - m.center_x) / m.radius, -1, 1))) + yaw  # type: ignore[union-attr]
        r_mm = m.circumference_mm / (2 * math.pi)  # type: ignore[union-attr]
        x_mm = t.trim_w / 2 + np.radians((phi + 180) % 360 - 180) * r_mm
        under = (x_mm > 1) & (x_mm < t.trim_w - 1)
        assert under.sum() > 100, f"{view}: the handle does not cover any printed area"
        ys, xs = ys[under], xs[under]
        diff = np.abs(img[ys, xs, :3].astype(int) - occ[ys, xs, :3].astype(int))
        assert diff.max() <= 2, f"{view}: print shows through the handle"
        assert _red_centroid(img) is not None  # and the print is there beside it


# ------------------------------------------------------------------------------------- determinism, API


def test_same_design_same_bytes(engine: Engine) -> None:
    path = ROOT / "examples" / "mug-11oz-photo-name.json"
    from render_engine.model.design import load_design_file

    prep = prepare(load_design_file(path), engine, path.parent)
    a = render_mockup(prep, engine, view="right", width=400, fmt="jpeg")
    clear_caches()
    b = render_mockup(prep, engine, view="right", width=400, fmt="jpeg")
    c = render_mockup(prep, engine, view="right", width=400, fmt="jpeg")  # from the caches
    assert a == b == c
    assert a[:3] == b"\xff\xd8\xff"


def test_unknown_view_and_variant_are_design_errors(engine: Engine) -> None:
    prep = prepare(_marker_design("mug-11oz", 50, 40, 4, "#ffffff"), engine, ROOT)
    with pytest.raises(DesignError, match="front, left, right"):
        render_mockup(prep, engine, view="top", width=300)
    with pytest.raises(DesignError, match="variant"):
        render_mockup(prep, engine, variant="black", width=300)


def test_cli_writes_jpeg_of_requested_width(tmp_path: Path) -> None:
    out = tmp_path / "mug.jpg"
    design = ROOT / "examples" / "mug-11oz-photo-name.json"
    assert cli_main(["mockup", str(design), "--out", str(out), "--width", "640", "--view", "left"]) == 0
    data = out.read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    assert pyvips.Image.new_from_buffer(data, "").width == 640
    out2 = tmp_path / "tee.webp"
    tee = ROOT / "examples" / "tshirt-front-dtg-team.json"
    assert cli_main(["mockup", str(tee), "--out", str(out2), "--width", "300", "--variant", "black"]) == 0
    assert out2.read_bytes()[8:12] == b"WEBP"
