"""The command line: a batch shows progress, one bad design does not stop the others, errors are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from tests.conftest import EXAMPLES, ROOT, design, write_design


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "render_engine.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_a_batch_with_bad_designs_renders_the_good_ones_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{oops", encoding="utf-8")
    write_design(tmp_path, design("no-such-product", {"type": "background", "color": "#fff"}), "unknown.json")
    write_design(tmp_path, design("card-5x7", {"type": "image", "asset": "missing.jpg",
                                               "box": {"x": 0, "y": 0, "width": 10, "height": 10}}), "noasset.json")
    good = EXAMPLES / "coaster-95-round-arc.json"
    r = _cli("render", str(tmp_path / "broken.json"), str(good), str(tmp_path / "unknown.json"),
             str(tmp_path / "noasset.json"), "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    failed = [line for line in r.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 3
    assert "broken.json: design: not valid JSON at line 1 column 2" in failed[0]
    assert "unknown.json: template: unknown template" in failed[1]
    assert "noasset.json: layers[0].asset: asset file not found" in failed[2]
    assert "1 rendered, 3 failed" in r.stdout
    assert (tmp_path / "out" / "coaster-95-round-arc.pdf").is_file()


def test_no_partial_file_is_left_behind_on_failure(tmp_path: Path) -> None:
    write_design(tmp_path, design("card-5x7", {"type": "image", "asset": "missing.jpg",
                                               "box": {"x": 0, "y": 0, "width": 10, "height": 10}}), "d.json")
    _cli("render", str(tmp_path / "d.json"), "--out", str(tmp_path / "out"))
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir()), "nothing, not even a temp file, is left"


def test_a_cold_pdf_render_loads_no_pixel_statistics_libraries(tmp_path: Path) -> None:
    # issue 22 (cold start): the preflight warnings `render` prints are geometric; numpy, OpenCV and Pillow
    # belong to the colour check (`render-engine preflight`) and are not loaded for a photo-and-name PDF (nor
    # lxml, which only SVG clip-art needs)
    args = ["render", str(EXAMPLES / "mug-11oz-photo-name.json"), "--out", str(tmp_path), "--quiet"]
    # nor a product's sibling templates; and the page's image work starts before preflight and pikepdf load,
    # so the decodes overlap them
    code = (
        "import sys\n"
        "from render_engine.backends import pdf_images\n"
        "from render_engine.model import templates\n"
        "init, read, seen = pdf_images.PageImages.__init__, templates.load_template_file, []\n"
        "def spy(self, *a, **k):\n"
        "    seen.append(sorted(m for m in ('pikepdf', 'render_engine.checks.preflight') if m in sys.modules))\n"
        "    init(self, *a, **k)\n"
        "pdf_images.PageImages.__init__ = spy\n"
        "files = []\n"
        "templates.load_template_file = lambda path: files.append(path.name) or read(path)\n"
        "from render_engine.cli.main import main\n"
        f"rc = main({args!r})\n"
        "print(rc, sorted(m for m in ('numpy', 'cv2', 'PIL', 'lxml') if m in sys.modules), files, seen)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "0 [] ['mug-11oz.json'] [[]]"
    assert (tmp_path / "mug-11oz-photo-name.pdf").stat().st_size > 0


def test_render_png_at_a_chosen_dpi(tmp_path: Path) -> None:
    r = _cli("render", str(EXAMPLES / "mug-11oz-photo-name.json"), "--format", "png", "--dpi", "100",
             "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "916x366px" in r.stdout  # (228.6 + 4) x (88.9 + 4) mm at 100 DPI


def test_marks_add_a_slug_outside_the_bleed(tmp_path: Path) -> None:
    r = _cli("render", str(EXAMPLES / "card-5x7-multilingual.json"), "--marks", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    with pikepdf.open(tmp_path / "card-5x7-multilingual.pdf") as pdf:
        page = pdf.pages[0]
        media = [float(v) for v in page.MediaBox]
        bleed = [float(v) for v in page.BleedBox]
    slug_pt = 12 * 72 / 25.4
    assert media[2] - (bleed[2] - bleed[0]) == pytest.approx(2 * slug_pt, abs=0.01)


def test_bad_dpi_is_a_one_line_error(tmp_path: Path) -> None:
    r = _cli("render", str(EXAMPLES / "coaster-95-round-arc.json"), "--dpi", "99999", "--out", str(tmp_path))
    assert r.returncode == 1 and "dpi: dpi must be between 1 and 1200" in r.stderr


def test_validate_and_listing_commands(tmp_path: Path) -> None:
    r = _cli("validate", *[str(p) for p in sorted(EXAMPLES.glob("*.json"))])
    assert r.returncode == 0 and r.stdout.count(": ok (") == len(list(EXAMPLES.glob("*.json")))
    r = _cli("templates")
    assert r.returncode == 0 and "mug-11oz" in r.stdout and "poster-24x36" in r.stdout
    r = _cli("fonts")
    assert r.returncode == 0 and "droid-sans-fallback" in r.stdout
    r = _cli("schema")
    assert json.loads(r.stdout)["title"] == "Design"


def test_usage_errors_exit_2() -> None:
    assert _cli("render").returncode == 2
    assert _cli("frobnicate").returncode == 2


def test_the_program_freezes_its_imports_and_a_library_import_changes_nothing() -> None:
    # issue 22 (cold start): run as the program, the imports' objects go to the permanent generation (no
    # collection walks them again, nor finalization at exit) and the collector stays on for the command;
    # imported as a library, the collector is left alone
    code = (
        "import sys, gc\n"
        "sys.argv[0] = {arg0!r}\n"
        "import render_engine.cli\n"
        "print(gc.get_freeze_count() > 10000, gc.isenabled())\n"
    )
    for arg0, expected in (("-m", "True True"), ("/usr/local/bin/render-engine", "True True"), ("x.py", "False True")):
        r = subprocess.run([sys.executable, "-c", code.format(arg0=arg0)], capture_output=True, text=True, cwd=ROOT,
                           timeout=120)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == expected, (arg0, r.stdout)
