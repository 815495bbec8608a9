"""A design's PDF image work started before the engine has loaded: the command line's speculative start.

A fresh ``render-engine render`` spends ~0.3 s of one core importing pydantic, building the design model's
classes and schemas and loading the engine before the layout knows where an image goes; the image work
(decode, shrink, CMYK, JPEG: ~0.3 s of CPU on the mug, in C, without the GIL) used to start only then
(:class:`.pdf_images.PageImages`). The command line knows the design file from its first moment, so it reads
it here with the standard library's ``json`` (:func:`start_from_argv`), finds each image layer's file, reads
its header, computes the crop and stored size as the layout will (:mod:`render_engine.model.fit`,
:func:`.imaging.stored_size`) and starts the placed pixels, their littleCMS conversion and the CMYK JPEG on the
shared pool (:mod:`.ahead`) while the main thread imports the rest; before them, one littleCMS transform of
every ``#rrggbb`` colour in the layers (:mod:`render_engine.inputs.flat_colours`: ~17 ms a transform in a
fresh process, which the text's colour used to cost the main thread).

It is a guess, and a guess never decides an output: each started job is keyed by *everything* its bytes
depend on (the :class:`~render_engine.inputs.image_source.ImageInfo` of the file, its size and mtime, the
crop, the stored size, the output profile, the input profile, intent, black-point compensation, JPEG
quality). :class:`.pdf_images.PageImages` asks :func:`claim` with the key the real layout gives: an equal key
takes the job's result (the same operations on the same pixels: the same bytes), any other runs the work as
before, and a job that failed is done again by the real path, which raises the layer's own error. Nothing is
guessed for a Fabric canvas, a multi-surface product, ``--format``/``--dpi`` or a table-converted page (a warm
process): the key would not match anyway, and the CPU is better left to the render.

Every guessed decode is a sniffed format's own loader, after :func:`~render_engine.inputs.safety.harden_libvips`
(as the engine's), of a file in the design's folder, its header under a pixel bound. Standard library, pyvips
and the engine's pydantic-free modules only (``tests/cli`` checks the import).
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvips

from ..inputs import flat_colours
from ..inputs.image_source import ImageInfo, read_header, sniff_format
from ..inputs.png_chunks import check_png_chunks
from ..inputs.safety import harden_libvips
from ..model.bundled import bundled_dir
from ..model.fit import contain_size, cover_crop
from . import ahead
from .imaging import encode_jpeg, placed_pixels, split_alpha, stored_size

# what the command line renders with (PdfOptions and ColorRules defaults): a guess; the key checks it
GUESS_QUALITY = 90
GUESS_DOWNSAMPLE_ABOVE = 1.25
GUESS_PHOTO_INTENT = "perceptual"
GUESS_FLAT_INTENT = "relative"  # with black-point compensation, as ColorConverter.rgb converts
GUESS_MAX_COLOURS = 256
# a source above this (width x height x pages) waits for the real render's limits before any decode
GUESS_MAX_SOURCE_PIXELS = 60_000_000
GUESS_MAX_DESIGN_BYTES = 16 << 20  # a larger design file (inline data URLs) is not guessed at
# `render` options that leave the images as the template has them; any other option: no guess
_FLAGS = ("--quiet", "--strict", "--marks")
_TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
_HEX = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")

Result = tuple[pyvips.Image, bytes | None, bytes]
"""An image layer's work: its sRGB (or grey) pixels, its alpha's bytes, its CMYK JPEG."""


@dataclass(frozen=True)
class Work:
    """Everything the bytes of one image layer's PDF work depend on."""

    info: ImageInfo
    crop: tuple[float, float, float, float]
    width: int
    height: int
    profile: str
    srgb: str
    intent: str
    bpc: bool
    quality: int


_started: dict[Work, tuple[tuple[int, int], Future[Result]]] = {}  # -> the file's (size, mtime) read, the job
_lock = threading.Lock()


def convert(work: Work) -> Result:
    """An image layer's placed pixels, their littleCMS CMYK as a JPEG, and its alpha: what
    :class:`.pdf_images.PageImages` does for a page converted through littleCMS, step for step."""
    img = placed_pixels(work.info, work.crop, work.width, work.height, "early").cast("uchar")
    rgb, alpha = split_alpha(img)
    cmyk = rgb.icc_transform(work.profile, input_profile=work.srgb, intent=work.intent,
                             black_point_compensation=work.bpc)  # fmt: skip
    jpeg = encode_jpeg(cmyk, work.quality)
    return rgb, None if alpha is None else bytes(alpha.cast("uchar").write_to_memory()), jpeg


def file_of(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def claim(work: Work) -> Future[Result] | None:
    """The job started early for exactly this work (then forgotten here), or None."""
    with _lock:
        if not _started:
            return None
        entry = _started.pop(work, None)
    if entry is None:
        return None
    file, job = entry
    try:
        if file_of(work.info.path) != file:  # changed since: the guess read another file
            return None
    except OSError:
        return None
    return job


def started() -> int:
    """How many guesses wait to be claimed."""
    with _lock:
        return len(_started)


def discard() -> None:
    """Forget the guesses nobody claimed (a guessed page has claimed its own): their jobs finish on the pool
    and their results are dropped."""
    with _lock:
        _started.clear()


def start_from_argv(argv: list[str]) -> int:
    """Start the image work of the design a ``render-engine render`` command line names first (see the module
    docstring); returns how many image layers were started. Never raises and prints nothing: a design this
    cannot read is the real render's business."""
    try:
        path = _design_of(argv)
        return 0 if path is None else _start(path)
    except Exception:  # a guess: the render reports what is wrong with the design
        return 0


def _design_of(argv: list[str]) -> Path | None:
    if not argv or argv[0] != "render":
        return None
    designs: list[str] = []
    rest = iter(argv[1:])
    for a in rest:
        if a in _FLAGS:
            continue
        if a == "--out":
            next(rest, None)
        elif a.startswith("--out="):
            continue
        elif a == "--format" or a.startswith("--format="):
            value = a.partition("=")[2] or next(rest, "")
            if value != "pdf":
                return None
        elif a.startswith("-"):
            return None  # --dpi, --fonts-dir, a Fabric option, --help: no guess
        else:
            designs.append(a)
    return Path(designs[0]) if designs else None


def _start(design_path: Path) -> int:
    st = os.stat(design_path)  # a pipe never ends (/dev/zero neither): the real render refuses those by name
    if not stat.S_ISREG(st.st_mode) or st.st_size > GUESS_MAX_DESIGN_BYTES:
        return 0
    with open(design_path, "rb") as fh:
        design = json.loads(fh.read(GUESS_MAX_DESIGN_BYTES + 1))
    if not isinstance(design, dict) or design.get("version", 1) != 1 or not isinstance(design.get("layers"), list):
        return 0
    template_id = design.get("template")
    if not isinstance(template_id, str) or not _TEMPLATE_ID.match(template_id):
        return 0
    env = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith("RENDER_ENGINE_")}
    templates = Path(env.get("RENDER_ENGINE_TEMPLATES_DIR") or bundled_dir("templates_print"))
    template = json.loads((templates / f"{template_id}.json").read_bytes())
    output = template.get("output") or {}
    if output.get("default_format") != "pdf" or "surfaces" in template or "pages" in template:
        return 0
    profile, srgb = _profiles(Path(env.get("RENDER_ENGINE_ICC_DIR") or bundled_dir("icc_profiles")), output)
    dpi = int(template["dpi"]["target"])
    harden_libvips()  # as the Engine does before any decode: the allow-listed loaders only
    colours = sorted(_colours(design["layers"], set()))
    if colours and len(colours) <= GUESS_MAX_COLOURS:  # first: ~17 ms, and the draw waits for it
        conversion = (profile, srgb, GUESS_FLAT_INTENT, True)
        flat_colours.put(conversion, ahead.submit(flat_colours.convert, conversion, colours))
    base = design_path.parent.resolve()
    n = 0
    for layer in design["layers"]:
        guess = _guess(layer, base, dpi, profile, srgb)
        if guess is None:
            continue
        file, work = guess
        with _lock:
            if work in _started:  # the same placement twice: the second is the render's own
                continue
            _started[work] = (file, ahead.submit(convert, work))
        n += 1
    return n


def _colours(value: Any, found: set[tuple[int, int, int]]) -> set[tuple[int, int, int]]:
    """Every ``#rgb`` / ``#rrggbb`` string in the layers (text, fills, strokes, gradient stops ...)."""
    if isinstance(value, dict):
        for v in value.values():
            _colours(v, found)
    elif isinstance(value, list):
        for v in value:
            _colours(v, found)
    elif isinstance(value, str) and _HEX.match(value):
        h = value[1:] if len(value) == 7 else "".join(ch * 2 for ch in value[1:])
        found.add((int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)))
    return found


def _profiles(icc_dir: Path, output: dict[str, Any]) -> tuple[str, str]:
    index = json.loads((icc_dir / "profiles.json").read_bytes())
    profiles = {p["id"]: p for p in index.get("profiles", [])}
    default = index.get("default_cmyk", "fogra39l-coated")
    chosen = profiles.get(output.get("icc_profile") or default)
    if chosen is None or chosen.get("colorspace", "CMYK") != "CMYK":
        chosen = profiles[default]
    srgb = profiles.get("srgb")
    return str(icc_dir / chosen["file"]), str(icc_dir / srgb["file"]) if srgb else "srgb"


def _guess(layer: Any, base: Path, dpi: int, profile: str, srgb: str) -> tuple[tuple[int, int], Work] | None:
    """The work of one image layer as the layout will place it (cover/contain/stretch, an optional crop
    rectangle, no automatic crop), or None."""
    if not isinstance(layer, dict) or layer.get("type") != "image" or not isinstance(layer.get("asset"), str):
        return None
    box, fit, crop = layer.get("box"), layer.get("fit", "cover"), layer.get("crop")
    if not isinstance(box, dict) or set(box) - {"x", "y", "width", "height"} or fit not in ("cover", "contain",
                                                                                           "stretch"):  # fmt: skip
        return None
    if crop is not None and not (isinstance(crop, dict) and set(crop) <= {"x", "y", "width", "height"}):
        return None
    asset: str = layer["asset"]
    if not asset or asset.startswith(("/", "\\")) or ":" in asset or "\x00" in asset:
        return None
    path = (base / asset).resolve()
    if base not in path.parents or not path.is_file():
        return None
    with open(path, "rb") as fh:
        fmt = sniff_format(fh.read(32))
        if fmt == "png":  # a metadata bomb: libvips inflates its text chunks at the header (290 KB: 1.2 GB)
            fh.seek(0)
            if check_png_chunks(fh) is not None:
                return None  # the render refuses it by name, before any decoder
    if fmt is None:
        return None
    file = file_of(path)
    info, pages = read_header(path, fmt)
    if info.width * info.height * max(1, pages) > GUESS_MAX_SOURCE_PIXELS:
        return None
    box_w, box_h = float(box["width"]), float(box["height"])
    W, H = float(info.width), float(info.height)
    nr = {"x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, **{k: float(v) for k, v in (crop or {}).items()}}
    region = (nr["x"] * W, nr["y"] * H, nr["width"] * W, nr["height"] * H)
    if fit == "cover":
        cropped, dest_w = cover_crop(region, box_w / box_h, None), box_w
    elif fit == "contain":
        cropped, dest_w = region, contain_size(box_w, box_h, region[2] / region[3])[0]
    else:
        cropped, dest_w = region, box_w
    w, h = stored_size(cropped[2], cropped[3], dest_w, dpi, GUESS_DOWNSAMPLE_ABOVE)
    bpc = GUESS_PHOTO_INTENT == "relative"  # as ColorConverter.image decides for photos
    return file, Work(info, cropped, w, h, profile, srgb, GUESS_PHOTO_INTENT, bpc, GUESS_QUALITY)
