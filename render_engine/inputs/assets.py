"""Assets: finding, probing and decoding customer images and SVG clip-art.

Images are probed from their header only (size, orientation, pages) and checked against limits before
any pixel is decoded. Decoding is strict (``fail_on="error"``: a truncated file is an error, not half a
photo) and reduced-size where the placement allows it (JPEG shrink-on-load).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyvips

from ..model.errors import AssetError, LimitExceeded, RenderError, asset_errors
from ..model.settings import Settings
from .image_source import LOADERS, SUPPORTED, ImageInfo, jpeg_shrink_factor, read_header, sniff_format, to_srgb
from .png_chunks import refuse_png_bombs
from .safety import SvgBudgetExceeded, SvgRendererFailed, render_svg_bounded, svg_time_left
from .svg_encoding import as_utf8, wide_encoding

if TYPE_CHECKING:
    from lxml import etree  # loaded with the first SVG: a design without one never needs it (issue 22)


def looks_like_svg(head: bytes) -> bool:
    """Whether the first bytes of a file read as an XML document (an SVG upload); :func:`load_svg` decides."""
    if (wide := wide_encoding(head[:4])) is not None:  # UTF-16 / UTF-32 (render_engine/inputs/svg_encoding.py)
        head = head.decode(wide[0], "ignore").encode("utf-8")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith((b"<?xml", b"<svg", b"<!DOCTYPE", b"<!--"))


def _load(path: Path, fmt: str, **options: object) -> pyvips.Image:
    """Decode with exactly the loader of the sniffed format (no other libvips loader is reachable)."""
    return pyvips.Operation.call(LOADERS[fmt], str(path), **options)


AssetLoader = Callable[[str], Path]  # asset id -> local file (the API's content-addressed store)


def resolve_path(base_dir: Path, relative: str, field: str) -> Path:
    """A design-relative asset path; absolute paths and escapes from the design's folder are refused."""
    if not relative or relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative) or "\x00" in relative:
        raise AssetError("asset paths are relative to the design file", field=field)
    base = base_dir.resolve()
    path = (base / relative).resolve()
    if base != path and base not in path.parents:
        raise AssetError("asset path leaves the design's folder", field=field)
    if path.exists() and not path.is_file():
        raise AssetError("asset is not a regular file (a folder, device or pipe)", field=field)
    if not path.is_file():
        raise AssetError(
            "asset file not found; asset paths are relative to the design file (API designs use an asset_id)",
            field=field,
            local_detail=f"tried {path}",
        )
    return path


def probe_image(path: Path, field: str, settings: Settings) -> ImageInfo:
    with asset_errors(field, "image"), open(path, "rb") as fh:
        fmt = sniff_format(fh.read(32))
    if fmt is None:
        raise AssetError(f"not a supported image format ({SUPPORTED})", field=field)
    if not _intact(path, fmt):
        raise AssetError(f"{fmt.upper()} file is truncated (no end marker)", field=field)
    if fmt == "png":
        refuse_png_bombs(path, field)  # before libvips inflates its text chunks into metadata
    with asset_errors(field, "image"):
        info, pages = read_header(path, fmt)
    if info.width * info.height * max(1, pages) > settings.max_source_pixels:
        w, h = (info.height, info.width) if info.orientation >= 5 else (info.width, info.height)  # as stored
        raise LimitExceeded(
            f"image has {w}x{h} pixels x {pages} pages, over the {settings.max_source_pixels} pixel limit",
            field=field,
        )
    return info


def verify_image(info: ImageInfo, field: str) -> None:
    """Decode every pixel of the first page strictly (``fail_on="error"``: PNG chunk CRCs, damaged or cut
    entropy data), streaming, at full size as the print path may. The header probe cannot see such damage
    and libvips decodes lazily, so without this a damaged file fails only while an output is written: an
    upload and a Fabric data URL are verified before they are stored, and a render whose lazy decode failed
    finds the culprit with it (:func:`render_engine.pipeline.render_prepared`). Raises :class:`AssetError`."""
    with asset_errors(field, "image"):
        _load(info.path, info.format, fail_on="error", access="sequential").avg()


_TILES_VERIFIED: dict[bytes, bool] = {}  # sha256 of a pattern tile -> it decodes (bounded: cleared at 256)
MAX_TILE_PIXELS = 16_000_000
"""Largest pattern tile (width x height, from its header): the backends refuse larger ones too."""


def verify_pattern_tile(data_url: str, field: str) -> None:
    """Decode a pattern paint's tile (a base64 PNG/JPEG data URL the schema checked) strictly, every pixel, as
    :func:`verify_image` does for image layers: the renderers decode it lazily, so a damaged tile failed only
    while a preview or print file was written (a bare libvips error: 500). :class:`AssetError` /
    :class:`LimitExceeded` naming ``field``; verdicts are remembered by content hash."""
    import base64
    import hashlib

    raw = base64.b64decode(data_url[data_url.index(",") + 1 :])
    key = hashlib.sha256(raw).digest()
    if key in _TILES_VERIFIED:
        return
    refuse_png_bombs(raw, field)
    with asset_errors(field, "pattern image"):
        tile = pyvips.Image.new_from_buffer(raw, "", fail_on="error")
        if tile.width * tile.height > MAX_TILE_PIXELS:
            raise LimitExceeded(f"a pattern tile may have at most {MAX_TILE_PIXELS // 1_000_000} megapixels",
                                field=field)  # fmt: skip
        tile.avg()
    if len(_TILES_VERIFIED) >= 256:
        _TILES_VERIFIED.clear()
    _TILES_VERIFIED[key] = True


def _intact(path: Path, fmt: str) -> bool:
    """Cheap structural check for the commonest corruption, a cut-off upload. libvips decodes lazily, so a
    truncated file would otherwise only fail while the output is being written.

    JPEG: an EOI marker must follow the first SOS (entropy-coded data cannot contain FFD9, and data
    appended after EOI by some phones is fine). PNG: the IEND chunk must be present.
    """
    if fmt == "jpeg":
        data = path.read_bytes()
        sos = data.find(b"\xff\xda")  # near the start
        return sos != -1 and data.rfind(b"\xff\xd9") > sos  # near the end: scanned backwards
    if fmt == "png":
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 4096))
            return b"IEND" in fh.read()
    return True


def open_image(
    info: ImageInfo, shrink: float, field: str, *, sequential: bool = False
) -> tuple[pyvips.Image, float]:
    """Decode (lazily) at 1/k of full size, k <= ``shrink``; upright (EXIF applied), 8-bit sRGB(+alpha).

    ``sequential`` streams the decode top to bottom (for pipelines that read each row once: no
    rotation); otherwise libvips decodes the whole image into memory for random access.
    Returns the image and the factor actually used, so callers can map source coordinates.
    """
    k = jpeg_shrink_factor(info, shrink)
    with asset_errors(field, "image"):
        access = "sequential" if sequential and info.orientation == 1 else "random"
        if k > 1:
            img = _load(info.path, info.format, shrink=k, fail_on="error", access=access)
        else:
            img = _load(info.path, info.format, fail_on="error", access=access)
        img = img.autorot()
        img = to_srgb(img)
    actual = info.width / img.width
    return img, actual


# ---------------------------------------------------------------------------------------------- auto crop


@dataclass(frozen=True)
class Focus:
    """Where the subject of a photo is, in normalised (0..1) upright source coordinates."""

    x: float
    y: float
    faces: tuple[tuple[float, float, float, float], ...]  # (x, y, w, h) normalised
    method: str  # "faces" | "pet_faces" | "attention" | "centre"


_ANALYSIS_PX = 640


def find_focus(info: ImageInfo, field: str, *, pets: bool = False) -> Focus:
    """Faces first (OpenCV Haar cascade shipped in the opencv wheel), then (``pets``) cat faces, then libvips
    attention saliency."""
    import cv2
    import numpy as np

    with asset_errors(field, "image"):
        small, _ = open_image(info, max(info.width, info.height) / _ANALYSIS_PX, field)
        scale = _ANALYSIS_PX / max(small.width, small.height)
        if scale < 1:
            small = small.resize(scale)
        rgb = small.extract_band(0, n=3) if small.bands >= 3 else small
        arr = np.ndarray(buffer=rgb.write_to_memory(), dtype=np.uint8, shape=(rgb.height, rgb.width, rgb.bands))
    grey = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    grey = cv2.equalizeHist(grey)
    cascade = _cascade()
    found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    H, W = grey.shape
    faces = tuple(
        (float(x) / W, float(y) / H, float(w) / W, float(h) / H) for (x, y, w, h) in (found if len(found) else [])
    )
    if not faces and pets:
        faces = pet_faces(cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY))
        method = "pet_faces"
    else:
        method = "faces"
    if faces:
        x0 = min(f[0] for f in faces)
        y0 = min(f[1] for f in faces)
        x1 = max(f[0] + f[2] for f in faces)
        y1 = max(f[1] + f[3] for f in faces)
        return Focus((x0 + x1) / 2, (y0 + y1) / 2, faces, method)
    side = min(W, H) // 2  # within both sides: a 1 x 60000 px strip analysed at 1 x 640 had side 8 (a 500)
    if side < 8:
        return Focus(0.5, 0.5, (), "centre")  # too thin for saliency to mean anything
    with asset_errors(field, "image"):
        _, opts = rgb.smartcrop(side, side, interesting="attention", attention_x=True, attention_y=True)
    return Focus(opts["attention_x"] / rgb.width, opts["attention_y"] / rgb.height, (), "attention")


def pet_faces(grey: Any) -> tuple[tuple[float, float, float, float], ...]:
    """Normalised (x, y, w, h) boxes of the cat faces in a greyscale analysis image (uint8 array): OpenCV's
    ``haarcascade_frontalcatface_extended`` (shipped in the opencv wheel's ``cv2/data``, like the human one),
    else ``haarcascade_frontalcatface``. Run on the grey image as it is (histogram equalisation, which helps the
    human cascade, loses fur texture here) with a finer scale step (1.05) and 4 neighbours: the cat cascades
    are weaker than the human one, and these settings found the face of the test cat
    (tests/personalization/test_design_template_faces.py) where 1.1 / 5 missed it."""
    H, W = grey.shape
    for name in _CAT_CASCADES:
        found = _cascade(name).detectMultiScale(grey, scaleFactor=1.05, minNeighbors=4, minSize=(24, 24))
        if len(found):
            boxes = sorted((int(x), int(y), int(w), int(h)) for (x, y, w, h) in found)
            return tuple((x / W, y / H, w / W, h / H) for (x, y, w, h) in boxes)
    return ()


_CAT_CASCADES = ("haarcascade_frontalcatface_extended.xml", "haarcascade_frontalcatface.xml")
# One set of cascades per thread: detectMultiScale keeps per-call scale data in the classifier, so two threads
# sharing one (a preview and its preflight, run side by side by the API) failed with OpenCV's "0 <= scaleIdx"
# assertion, a 500 (tests/personalization/test_design_template_faces.py runs them side by side).
_CASCADES = threading.local()


def _cascade(name: str = "haarcascade_frontalface_alt2.xml") -> Any:
    """A Haar cascade that ships inside the opencv wheel (``cv2/data``; the frontal-face one by default),
    loaded once per thread."""
    loaded: dict[str, Any] = _CASCADES.__dict__
    if name not in loaded:
        import cv2

        cascade = cv2.CascadeClassifier(str(Path(cv2.__file__).parent / "data" / name))
        if cascade.empty():
            raise AssetError("face detector model missing from the OpenCV wheel", field="crop")
        loaded[name] = cascade
    return loaded[name]


# -------------------------------------------------------------------------------------------------- SVG


@dataclass(frozen=True)
class SvgDoc:
    data: bytes  # sanitised document
    width: float  # intrinsic size in its own user units (viewBox)
    height: float
    render_seconds: float = 10.0  # wall-time budget of one render (Settings.max_svg_render_seconds)
    max_pixels: int = 130_000_000  # largest raster rendered from it at once (Settings.max_output_pixels)


_XLINK = "{http://www.w3.org/1999/xlink}href"
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LEN = re.compile(rf"^\s*({_NUM})\s*(px|pt|mm|cm|in)?\s*$")
_ANY_VIEW_BOX = re.compile(rf"^\s*{_NUM}[\s,]+{_NUM}[\s,]+({_NUM})[\s,]+({_NUM})\s*$")


def load_svg(raw: bytes, field: str, settings: Settings) -> SvgDoc:
    """Parse and sanitise SVG (:mod:`render_engine.inputs.svg_sanitise`): no DTD or entities, no network, no
    scripts, no external or dangling references, no reference cycles. The result parses on its own (it is
    re-parsed to make sure), or the input is refused with an :class:`AssetError` / :class:`LimitExceeded`
    naming ``field``."""
    # the sanitiser (and tinycss2) load with the first SVG: a design without one never needs them
    from .svg_sanitise import parse_untrusted, sanitise, serialise, verify_self_contained

    if len(raw) > settings.max_svg_bytes:
        raise LimitExceeded(f"SVG is larger than {settings.max_svg_bytes} bytes", field=field)
    root = parse_untrusted(as_utf8(raw, field), field, settings)
    _check_svg_complexity(root, field, settings)
    declared = _declared_size(root)  # before the sanitiser drops a viewBox out of range
    root = sanitise(root, field, settings)
    width, height = _intrinsic_size(root)
    if not (0 < width < MAX_SVG_SIDE and 0 < height < MAX_SVG_SIDE):
        raise _svg_size_error(declared, field)
    if not root.get("viewBox"):
        root.set("viewBox", f"0 0 {width:g} {height:g}")
    data = serialise(root)
    verify_self_contained(data, field)
    return SvgDoc(data, width, height, settings.max_svg_render_seconds, settings.max_output_pixels)


def render_svg_pixels(
    data: bytes, doc: SvgDoc, field: str, *, size: tuple[int, int], crop: tuple[int, int, int, int]
) -> pyvips.Image:
    """Rasterise ``data`` (``doc`` placed in a ``size`` viewport) with librsvg, as ``svgload_buffer`` does,
    and return the ``crop`` (left, top, width, height) of it; only that part is rendered.

    The render runs in a helper process (:func:`~render_engine.inputs.safety.render_svg_bounded`) that is killed
    after ``doc.render_seconds``: :class:`LimitExceeded` naming the layer. A crop over ``doc.max_pixels`` is
    refused before any work; a helper that crashes is an :class:`AssetError`.
    """
    if crop[2] * crop[3] > doc.max_pixels:
        raise LimitExceeded(
            f"SVG would be rendered at {crop[2]}x{crop[3]} pixels, over the {doc.max_pixels} pixel limit", field=field
        )
    head, pixels = _bounded("raster", data, doc.render_seconds, field, {"size": size, "crop": crop})
    img = pyvips.Image.new_from_memory(pixels, head["width"], head["height"], head["bands"], head["format"])
    return img.copy(interpretation=head["interpretation"])


def render_svg_pdf(data: bytes, doc: SvgDoc, field: str) -> bytes:
    """``data`` (``doc``, prepared) as a one-page PDF by CairoSVG ``svg2pdf``, within ``doc.render_seconds``."""
    return _bounded("pdf", data, doc.render_seconds, field, {})[1]


def _bounded(
    op: Literal["raster", "pdf"], data: bytes, budget: float, field: str, options: dict[str, Any]
) -> tuple[dict[str, Any], bytes]:
    left, total_binds = svg_time_left(budget)
    over_total = LimitExceeded(
        "this design's SVG clip-art took longer than its total render budget (too many or too complex)", field=field
    )
    if left <= 0:
        raise over_total
    try:
        return render_svg_bounded(op, data, left, options)
    except SvgBudgetExceeded:
        if total_binds:
            raise over_total from None
        raise LimitExceeded(f"SVG took longer than {budget:g} s to render (too complex)", field=field) from None
    except SvgRendererFailed as exc:
        raise AssetError(str(exc), field=field) from None


def svg_with_root_attributes(data: bytes, **attributes: str) -> bytes:
    """A sanitised SVG document with attributes of its root <svg> replaced (for placing it in a viewport)."""
    from lxml import etree

    from .svg_sanitise import serialise

    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for name, value in attributes.items():
        root.set(name, value)
    return serialise(root)


def _check_svg_complexity(root: etree._Element, field: str, settings: Settings) -> None:
    """Refuse documents whose drawing cost can explode: too many elements, or <use> elements that
    reference groups containing further <use> elements (each level multiplies the work — the classic
    "billion laughs" of SVG renders for minutes in librsvg and CairoSVG alike)."""
    from lxml import etree

    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    if len(elements) > settings.max_svg_elements:
        raise LimitExceeded(f"SVG has more than {settings.max_svg_elements} elements", field=field)
    by_id = {el.get("id"): el for el in elements if el.get("id")}
    uses = [el for el in elements if etree.QName(el).localname == "use"]
    if len(uses) > settings.max_svg_uses:
        raise LimitExceeded(f"SVG has more than {settings.max_svg_uses} <use> elements", field=field)
    for use in uses:
        ref = (use.get("href") or use.get(_XLINK) or "").lstrip("#")
        target = by_id.get(ref)
        if target is not None and any(
            isinstance(el.tag, str) and etree.QName(el).localname == "use" for el in target.iter()
        ):
            raise LimitExceeded("SVG <use> elements may not reference other <use> elements", field=field)


MAX_SVG_SIDE = 1e7
"""Largest intrinsic SVG width or height in user units (CairoSVG makes a page of that many points)."""


def _declared_size(root: etree._Element) -> tuple[str, float, float] | None:
    """(where, width, height) as the document states them, unchecked (nan: not a number); None: no size."""
    vb = _ANY_VIEW_BOX.match(root.get("viewBox") or "")
    if vb is not None:
        return "viewBox", float(vb.group(1)), float(vb.group(2))
    if root.get("width") is None and root.get("height") is None:
        return None
    w, h = _LEN.match(root.get("width", "") or ""), _LEN.match(root.get("height", "") or "")
    return "width/height", float(w.group(1)) if w else math.nan, float(h.group(1)) if h else math.nan


def _svg_size_error(declared: tuple[str, float, float] | None, field: str) -> RenderError:
    """Why a document's size is unusable, in words: too large (413), not a positive number, or not given."""
    if declared is None:
        return AssetError("SVG has no size: give it a viewBox or a width and height", field=field)
    where, w, h = declared
    if w >= MAX_SVG_SIDE or h >= MAX_SVG_SIDE:  # inf included
        size = f"{w:.6g} x {h:.6g} units" if math.isfinite(w) and math.isfinite(h) else "larger than any page"
        return LimitExceeded(f"SVG is {size} (its {where}); at most {MAX_SVG_SIDE:.0e} units a side: scale the "
                             "drawing down", field=field)  # fmt: skip
    return AssetError(f"SVG's {where} is not a positive size: give it a viewBox or a positive width and height",
                      field=field)  # fmt: skip


def _intrinsic_size(root: etree._Element) -> tuple[float, float]:
    """From the (sanitised, so well-formed or absent) viewBox, else width/height; (0, 0) when neither."""
    from .svg_sanitise import parse_view_box

    vb = parse_view_box(root.get("viewBox") or "")
    if vb is not None:
        return vb[2], vb[3]
    w, h = _LEN.match(root.get("width", "") or ""), _LEN.match(root.get("height", "") or "")
    if w and h:
        return float(w.group(1)), float(h.group(1))
    return 0.0, 0.0
