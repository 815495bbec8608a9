"""A second adversarial pass (#15): edge cases of valid-looking designs and of the public Python API's arguments
that crashed with untyped errors (a 500 at the API, a job failed ``internal_error``, a raw ``TypeError`` from
``render_design``). Each is checked on the real API app (FastAPI TestClient) or the real pipeline."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from render_engine import DesignError, RenderError, load_design, preflight, render_design, render_mockup
from tests.toolkit import STOREFRONT, api_client, coaster, text_layer

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF = STOREFRONT
JSON = {"X-API-Key": SF, "Content-Type": "application/json"}
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mug-11oz-photo-name.json"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("hostile-edges"), engine, api_keys=f"storefront:{SF}") as c:
        yield c


text = text_layer  # a text layer in the coaster's middle


# ------------------------------------------------------------------------------ text that lays out no ink

INKLESS = {
    "spaces": text("     "),
    "newlines": text("\n" * 4999),
    "zero-width joiners": text("\u200d" * 4900),
    "zero-width mix": text("\u200b\u200c\u200d\u2060"),
    "newlines on an arc": text("\n\n\n", arc={"radius": 30}),
    "joiners on a path": text("\u200d\u200d", path={"d": "M0 0 L80 0"}),
}


@pytest.mark.parametrize("name", list(INKLESS))
def test_text_with_no_ink_is_checked_and_previewed_not_a_500(client: Any, name: str) -> None:
    """Preflight's contrast check asserted the text had an ink box: a text layer of only spaces, newlines or
    zero-width characters answered 500 on /v1/preflight, /v1/previews and /v1/jobs."""
    body = {"design": coaster({"type": "background", "color": "#ffffff"}, INKLESS[name])}
    r = client.post("/v1/preflight", json=body, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    report = r.json()
    assert not any(f["code"] == "text.low_contrast" for f in report["findings"])  # nothing to contrast
    p = client.post("/v1/previews", json=body, headers=JSON)
    assert p.status_code == 200 and p.headers["content-type"] == "image/jpeg", p.text[:300]


# ----------------------------------------------------------------------------- SVG of a degenerate size

NS = 'xmlns="http://www.w3.org/2000/svg"'
DEGENERATE_SVGS = {
    "viewBox 1e-300": f'<svg {NS} viewBox="0 0 1e-300 1e-300"><rect width="10" height="10" fill="red"/></svg>',
    "width 1e-300": f'<svg {NS} viewBox="0 0 10 10" width="1e-300" height="1e-300"><rect width="9" height="9"/></svg>',
    "width 1e30": f'<svg {NS} viewBox="0 0 10 10" width="1e30" height="1e30"><rect width="10" height="10"/></svg>',
}


@pytest.mark.parametrize("name", list(DEGENERATE_SVGS))
def test_svg_whose_cairosvg_page_is_degenerate_renders_to_pdf_or_is_refused(name: str, engine: Any) -> None:
    """CairoSVG gives such a document a 0 x 0 pt page; the PDF backend divided the layer's box by it
    (ZeroDivisionError: the job failed ``internal_error`` while the preview rendered). Now the layer is placed
    as librsvg's raster, or the SVG is refused at intake with a typed error."""
    svg = {"type": "svg", "svg": DEGENERATE_SVGS[name], "box": {"x": 10, "y": 10, "width": 40, "height": 40}}
    design = coaster({"type": "background", "color": "#ffffff"}, svg)
    try:
        out = render_design(design, format="pdf", engine=engine)
    except RenderError as exc:  # refused: typed, naming the layer
        assert exc.field and exc.field.startswith("layers[1]"), exc
        return
    with pikepdf.open(io.BytesIO(out.data)) as pdf:
        assert len(pdf.pages) == 1
        trim = [float(v) for v in pdf.pages[0].TrimBox]
        assert abs((trim[2] - trim[0]) * 25.4 / 72 - 95) < 0.5  # the coaster's 95 mm trim


# ------------------------------------------------------------------ public Python API: hostile arguments

FABRIC = {"version": "6.9.1", "objects": [{"type": "Rect", "left": 10, "top": 10, "width": 50, "height": 50}]}
BAD_ARGUMENTS: dict[str, tuple[Any, str]] = {
    # name: (call, the field the DesignError names)
    "dpi 0 (was silently the template's default)": (lambda e: render_design(EXAMPLE, dpi=0, engine=e), "dpi"),
    "dpi as a string": (lambda e: render_design(EXAMPLE, dpi="300", format="png", engine=e), "dpi"),
    "dpi True": (lambda e: render_design(EXAMPLE, dpi=True, format="png", engine=e), "dpi"),
    "canvas size a string": (lambda e: render_design(FABRIC, canvas_size="1x1", engine=e), "canvas"),
    "canvas size of 3": (lambda e: render_design(FABRIC, canvas_size=(1, 2, 3), engine=e), "canvas"),
    "mockup width a string": (lambda e: render_mockup(EXAMPLE, width="800", engine=e), "width"),
    "engine not an Engine": (lambda e: preflight(EXAMPLE, engine="fast"), "engine"),
    "base_dir not a path": (lambda e: preflight(EXAMPLE, base_dir=5, engine=e), "base_dir"),
    "template not a string": (lambda e: load_design(EXAMPLE, template=5, engine=e), "template"),
}


@pytest.mark.parametrize("name", list(BAD_ARGUMENTS))
def test_public_api_refuses_bad_arguments_with_a_typed_error_before_any_work(name: str, engine: Any) -> None:
    """Each raised a raw TypeError / AttributeError from deep inside (or, dpi=0, rendered at the default DPI)."""
    call, field = BAD_ARGUMENTS[name]
    t0 = time.monotonic()
    with pytest.raises(DesignError) as info:
        call(engine)
    assert info.value.field == field, info.value
    assert time.monotonic() - t0 < 2.0  # refused before layout or drawing


def test_cli_dpi_zero_is_refused_not_rendered_at_the_default(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "render_engine.cli", "render", str(EXAMPLE), "--out", str(tmp_path), "--dpi=0"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert "dpi: dpi must be between 1 and" in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())  # nothing written
