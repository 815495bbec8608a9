"""The public Python API at the package top (render_engine/public.py, docs/python-api.md): each function on a
bundled example, read back with pikepdf / pyvips, and the promise that ``import render_engine`` is cheap."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

import render_engine
from render_engine import (
    Design,
    DesignError,
    Engine,
    PreflightReport,
    Rendered,
    RenderError,
    load_design,
    preflight,
    render_design,
    render_mockup,
)

ROOT = Path(__file__).resolve().parents[2]
COASTER = ROOT / "examples" / "coaster-95-round-arc.json"  # 95 mm round, 3 mm bleed, CMYK PDF by default
FABRIC = ROOT / "tests" / "fabric_corpus"
PT_PER_MM = 72 / 25.4


def test_import_is_cheap_and_lazy() -> None:
    code = (
        "import sys, render_engine\n"
        "heavy = [m for m in ('pyvips', 'numpy', 'cv2', 'pikepdf', 'render_engine.pipeline') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from render_engine import DesignError\n"
        "assert 'pyvips' not in sys.modules\n"
        "render_engine.render_design\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_all_lists_exactly_the_exports() -> None:
    for name in render_engine.__all__:
        assert getattr(render_engine, name) is not None, name
    assert set(render_engine.__all__) == set(render_engine._EXPORTS) | {"__version__"}
    assert {
        "Engine",
        "Design",
        "PreflightReport",
        "RenderError",
        "DesignError",
        "load_design",
        "render_design",
        "render_mockup",
        "preflight",
        "Rendered",
    } <= set(render_engine.__all__)
    with pytest.raises(AttributeError):
        render_engine.no_such_name  # noqa: B018
    # the package's ``preflight`` stays the function even after the checks' own module has been imported
    importlib.import_module("render_engine.checks.preflight")
    assert callable(render_engine.preflight) and render_engine.preflight.__module__ == "render_engine.public"


def test_render_design_pdf_to_file(tmp_path: Path) -> None:
    out = tmp_path / "coaster.pdf"
    res = render_design(COASTER, out)
    assert isinstance(res, Rendered) and res.format == "pdf" and res.path == out and res.pixels is None
    assert out.read_bytes() == res.data
    assert not [p for p in tmp_path.iterdir() if p.name != "coaster.pdf"]  # no temp file left beside it
    with pikepdf.open(out) as pdf:
        page = pdf.pages[0]
        trim = [float(v) for v in page.obj["/TrimBox"]]
        bleed = [float(v) for v in page.obj["/BleedBox"]]
    assert (trim[2] - trim[0]) / PT_PER_MM == pytest.approx(95.0, abs=0.01)
    assert (bleed[2] - bleed[0]) / PT_PER_MM == pytest.approx(101.0, abs=0.01)
    assert {"resolve", "layout", "write"} <= set(res.timings)


def test_render_design_png_bytes_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    design = json.loads(COASTER.read_text())
    res = render_design(design, format="png", dpi=50, base_dir=COASTER.parent)
    assert res.path is None and res.format == "png" and res.dpi == 50
    assert res.data[:8] == b"\x89PNG\r\n\x1a\n"
    side = round(101 / 25.4 * 50)  # bleed box 101 mm at 50 dpi
    assert res.pixels == (side, side)
    assert int.from_bytes(res.data[16:20], "big") == side  # IHDR width
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_same_bytes_as_the_pipeline(tmp_path: Path, engine: Engine) -> None:
    from render_engine.model.design import load_design_file
    from render_engine.pipeline import render_design as pipeline_render

    res = render_design(COASTER, tmp_path / "a.png", dpi=40, engine=engine)
    ref = pipeline_render(
        load_design_file(COASTER), engine, tmp_path / "b.png", base_dir=COASTER.parent, dpi=40, fmt="png"
    )
    assert res.data == ref.path.read_bytes()


def test_fabric_source_detected(tmp_path: Path) -> None:
    path = FABRIC / "image.fabric.json"  # an embedded data-URL image: needs the private asset folder
    manifest = json.loads((FABRIC / "manifest.json").read_text())
    w, h = manifest["canvas"]["width"], manifest["canvas"]["height"]
    design = load_design(path, template=manifest["template"], canvas_size=(w, h))
    assert isinstance(design, Design) and design.template == manifest["template"]
    res = render_design(design, format="png", dpi=20)
    assert res.pixels is not None and res.template == manifest["template"]
    direct = render_design(path, format="png", dpi=20, template=manifest["template"], canvas_size=(w, h))
    assert direct.data == res.data


def test_render_mockup_and_preflight(tmp_path: Path) -> None:
    jpeg = render_mockup(COASTER, tmp_path / "m.jpg", width=200)
    assert jpeg[:3] == b"\xff\xd8\xff" and (tmp_path / "m.jpg").read_bytes() == jpeg
    import pyvips

    assert pyvips.Image.new_from_buffer(jpeg, "").width == 200
    report = preflight(load_design(COASTER), base_dir=COASTER.parent)
    assert isinstance(report, PreflightReport) and report.template == "coaster-95-round"


def test_bad_input_is_a_design_error(tmp_path: Path) -> None:
    with pytest.raises(DesignError) as exc:
        load_design('{"version": 1, "template": "mug-11oz", "layers": [{"type": "nope"}]}')
    assert exc.value.field == "layers[0]"
    with pytest.raises(DesignError) as exc2:
        render_design("{not json", tmp_path / "x.pdf")
    assert exc2.value.field == "design" and not (tmp_path / "x.pdf").exists()
    with pytest.raises(RenderError):
        render_design(COASTER, format="tiff")  # type: ignore[arg-type]


def test_an_unknown_fabric_font_prints_in_the_default_sans_and_is_reported(tmp_path: Path) -> None:
    """Fabric draws an unknown fontFamily in the default sans-serif face: the Python API and the CLI print it in
    Noto Sans (as the same text with fontFamily 'Noto Sans' prints) and say so; the CLI's --font-fallback none
    refuses it naming the field."""
    def canvas(family: str) -> dict[str, object]:
        return {"version": "6.9.1", "width": 400, "height": 160, "objects": [
            {"type": "Textbox", "version": "6.9.1", "left": 10, "top": 10, "width": 380, "text": "Hello Grandma",
             "fontFamily": family, "fontSize": 40, "fill": "#000000"}]}

    unknown = render_design(canvas("Montserrat"), format="png", dpi=40)
    assert unknown.data == render_design(canvas("Noto Sans"), format="png", dpi=40).data
    assert any("objects[0].fontFamily" in w and "noto-sans" in w for w in unknown.warnings)
    report = preflight(canvas("Montserrat"))
    assert [f.extra.get("field") for f in report.findings if f.code == "fabric.approximated"] == [
        "objects[0].fontFamily"]
    path = tmp_path / "canvas.json"
    path.write_text(json.dumps(canvas("Montserrat")), encoding="utf-8")
    cli = [sys.executable, "-m", "render_engine.cli", "render", str(path), "--out", str(tmp_path / "out"),
           "--format", "png", "--dpi", "40"]
    ok = subprocess.run(cli, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    strict = subprocess.run([*cli, "--font-fallback", "none"], capture_output=True, text=True)
    assert strict.returncode == 1 and "objects[0].fontFamily" in strict.stderr and "Traceback" not in strict.stderr
