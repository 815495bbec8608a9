"""A fresh ``render-engine render`` starts its design's image work (and converts its flat colours) before the
engine loads (issue 22, round 5): the guess loads no pydantic, the render takes it only when it is exactly its
own work, and the PDF's bytes and the command line's errors are those of a render without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from render_engine.testing.synth import clipart, landscape, save_jpeg, save_png
from tests.conftest import ROOT

PROGRAM = (  # `python -m render_engine.cli ARGS`, the guess's start and claims observed
    "import sys\n"
    "sys.argv = ['-m', *{args!r}]\n"
    "from render_engine.backends import early\n"
    "start, claim, seen, hits = early.start_from_argv, early.claim, [], []\n"
    "def started(argv):\n"
    "    seen.append(start(argv))\n"
    "    seen.append(sorted(m for m in ('pydantic', 'numpy', 'cv2', 'PIL', 'lxml', 'pikepdf') if m in sys.modules))\n"
    "    {after}\n"
    "    return seen[0]\n"
    "early.start_from_argv = started\n"
    "early.claim = lambda work: (lambda job: hits.append(job is not None) or job)(claim(work))\n"
    "from render_engine.inputs import flat_colours\n"
    "take, flats = flat_colours.take, []\n"
    "flat_colours.take = lambda c, rgb: (lambda v: flats.append((rgb, v is not None)) or v)(take(c, rgb))\n"
    "import render_engine.cli\n"
    "rc = render_engine.cli.main(sys.argv[1:])\n"
    "print(rc, *seen, hits, flats, file=sys.stderr)\n"
)
LIBRARY = "import sys\nfrom render_engine.cli.main import main\nsys.exit(main({args!r}))\n"  # no guess


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=180)


def _mug(folder: Path) -> Path:
    """A mug as real orders are: a photo over the wrap, an RGBA clip-art placed small (contain), a name."""
    folder.mkdir(parents=True, exist_ok=True)
    save_jpeg(landscape(1600, 900), folder / "photo.jpg")
    save_png(clipart(900, 700), folder / "art.png")
    layers = [
        {"type": "image", "asset": "photo.jpg", "box": {"x": -2, "y": -2, "width": 232.6, "height": 92.9}},
        {"type": "image", "asset": "art.png", "box": {"x": 150, "y": 12, "width": 60, "height": 47}, "fit": "contain"},
        {"type": "image", "asset": "photo.jpg", "box": {"x": 10, "y": 10, "width": 40, "height": 30},
         "crop": {"x": 0.25, "y": 0.1, "width": 0.5, "height": 0.6}, "fit": "stretch"},
        {"type": "text", "text": "Emma", "font": {"family": "noto-sans", "weight": 700}, "size": 40,
         "color": "#ffffff", "box": {"x": 12, "y": 52, "width": 120, "height": 28}},
    ]  # fmt: skip
    path = folder / "mug.json"
    path.write_text(json.dumps({"version": 1, "template": "mug-11oz", "layers": layers}), encoding="utf-8")
    return path


def test_the_guess_loads_no_pydantic_and_the_render_takes_it_with_the_same_bytes(tmp_path: Path) -> None:
    design = _mug(tmp_path / "d")
    args = ["render", str(design), "--out", str(tmp_path / "a"), "--quiet"]
    r = _run(PROGRAM.format(args=args, after="pass"))
    assert r.returncode == 0, r.stderr
    # three image layers started before pydantic (or anything of the colour check, SVG, PDF writer) loaded,
    # and all three taken by the render; the name's white converted with them
    assert r.stderr.splitlines()[-1] == "0 3 [] [True, True, True] [((255, 255, 255), True)]"
    lib = _run(LIBRARY.format(args=["render", str(design), "--out", str(tmp_path / "b"), "--quiet"]))
    assert lib.returncode == 0, lib.stderr
    guessed, plain = (tmp_path / "a" / "mug.pdf").read_bytes(), (tmp_path / "b" / "mug.pdf").read_bytes()
    assert guessed == plain and guessed.count(b"/DCTDecode") == 3 and b"/SMask" in guessed


def test_a_file_changed_after_the_guess_is_rendered_as_it_is_now(tmp_path: Path) -> None:
    design = _mug(tmp_path / "d")
    changed = tmp_path / "changed"
    save_jpeg(landscape(1200, 800, seed=5), changed)
    # the photo is replaced between the guess and the render (same name: another size and other pixels)
    after = f"import shutil; shutil.copyfile({str(changed)!r}, {str(design.parent / 'photo.jpg')!r})"
    args = ["render", str(design), "--out", str(tmp_path / "a"), "--quiet"]
    r = _run(PROGRAM.format(args=args, after=after))
    assert r.returncode == 0, r.stderr
    # only the clip-art was still right (and the name's colour)
    assert r.stderr.splitlines()[-1] == "0 3 [] [False, True, False] [((255, 255, 255), True)]"
    lib = _run(LIBRARY.format(args=["render", str(design), "--out", str(tmp_path / "b"), "--quiet"]))
    assert lib.returncode == 0, lib.stderr
    assert (tmp_path / "a" / "mug.pdf").read_bytes() == (tmp_path / "b" / "mug.pdf").read_bytes()


def test_a_guess_that_fails_leaves_the_render_its_own_one_line_error(tmp_path: Path) -> None:
    design = _mug(tmp_path / "d")
    art = design.parent / "art.png"
    data = bytearray(art.read_bytes())
    # damaged image data, its header and IEND kept: the header reads, the decode fails (in the guess too)
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x55" * 64
    art.write_bytes(data)
    args = ["render", str(design), "--out", str(tmp_path / "a")]
    program = subprocess.run([sys.executable, "-m", "render_engine.cli", *args], capture_output=True, text=True,
                             cwd=ROOT, timeout=180)  # fmt: skip
    lib = _run(LIBRARY.format(args=args))
    assert program.returncode == lib.returncode == 1
    assert "Traceback" not in program.stderr
    failed = [line for line in program.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "layers[1]" in failed[0], program.stderr
    assert failed == [line for line in lib.stderr.splitlines() if "FAILED" in line]


def test_options_that_change_the_images_start_no_guess(tmp_path: Path) -> None:
    from render_engine.backends import early

    design = _mug(tmp_path / "d")
    for argv in (["render", str(design), "--dpi", "150"], ["render", str(design), "--format", "png"],
                 ["render", str(design), "--template", "mug-11oz"], ["validate", str(design)],
                 ["render", str(tmp_path / "missing.json")]):  # fmt: skip
        assert early.start_from_argv(argv) == 0, argv
    fabric = tmp_path / "canvas.json"  # a Fabric.js canvas: the importer decides what it places
    fabric.write_text(json.dumps({"version": "5.3.0", "objects": [{"type": "image", "src": "d/photo.jpg"}]}))
    assert early.start_from_argv(["render", str(fabric)]) == 0
    assert early.started() == 0
