"""Image objects: a native ``image`` layer (crop, placement, a clipPath as its path ``clip``), its shadow.

Images come as data URLs (written into the import's asset directory) or as ``asset:<id>`` references for
the caller's asset loader; URLs are never fetched. Native images do not mirror, so a flipped data-URL image
is stored mirrored; Fabric's pixel filters are applied to the stored pixels (:mod:`.filters`).
"""

from __future__ import annotations

import base64
import binascii
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_to_bytes

from ..model.errors import DesignError, LimitExceeded, asset_errors
from ..model.geometry import Matrix
from .effects import clip_path, local_svg, own_cache, own_clips, to_local
from .filters import apply_filters
from .object_geometry import Decomposed, decompose
from .parse import num
from .svg import fmt

if TYPE_CHECKING:
    from .protocol import Converter, Node

_MAX_FLIP_PIXELS = 40_000_000  # mirrored / filtered images are rewritten in memory
# an SVG layer's document is at most 2 MB (the schema's bound; ``max_svg_bytes`` applies when it loads): its
# data URL is refused before decoding when even base64 of that size could not hold it
_MAX_SVG_DATA_URL = 2_000_000 * 4 // 3 + 256


def image(conv: Converter, node: Node, layers: list[dict[str, Any]]) -> None:
    """An image as a native ``image`` layer (and an ``svg`` layer for its shadow, under it)."""
    obj, where, m, opacity = node.obj, node.where, node.m, node.opacity
    filters = obj.get("filters") or []
    if not isinstance(filters, list):
        raise DesignError("filters is a list", field=f"{where}.filters")
    rf = obj.get("resizeFilter")
    if rf:  # Fabric's Resize filter only chooses how a downscaled image is resampled (bilinear, hermite,
        # sliceHack, lanczos): the engine resamples every image itself at the output resolution (libvips)
        if not isinstance(rf, dict) or str(rf.get("type", "")).lower() != "resize":
            raise DesignError("resizeFilter is a Resize filter", field=f"{where}.resizeFilter")
        conv.notes.append(f"{where}.resizeFilter: the image is resampled by the engine at the output resolution")
    src = obj.get("src")
    if not isinstance(src, str) or not src:
        raise DesignError("an image needs a 'src'", field=f"{where}.src")
    dec = decompose(m.then(Matrix.scale(conv.k)))
    skew: Matrix | None = None
    if dec is None:  # skewed: the native box is the local rect (in mm) at the origin, moved by a transform
        if abs(m.a * m.d - m.b * m.c) < 1e-12:
            raise DesignError("the image has no area (scale or skew collapses it)", field=f"{where}.skewX")
        dec = Decomposed(0.0, 0.0, 0.0, conv.k, conv.k, False)
        skew = Matrix.scale(1 / conv.k).then(m).then(conv.page)
    if src[:24].lower().startswith("data:image/svg+xml"):
        if skew is not None:
            raise DesignError("skewed SVG images are not supported", field=f"{where}.skewX")
        _svg_image(conv, node, layers, src, dec)
        return
    # Fabric's Node render (node-canvas/cairo) enlarges an image as squares of its pixels: the preview does too
    layer: dict[str, Any] = {"type": "image", "fit": "stretch", "rendering": "pixelated"}
    img_path: Path | None = None
    if src.startswith("data:"):
        img_path = _write_data_url(conv, src, f"{where}.src")
    elif src.startswith("asset:"):
        layer["asset_id"] = src[len("asset:") :]
    else:
        img_path = _copy_local_file(conv, src, f"{where}.src")
    w, h = num(obj, "width", 0.0, where), num(obj, "height", 0.0, where)
    cx0, cy0 = num(obj, "cropX", 0.0, where), num(obj, "cropY", 0.0, where)
    if w <= 0 or h <= 0:
        return
    if img_path is not None:
        import pyvips

        try:
            img = pyvips.Image.new_from_file(str(img_path), access="sequential")
        except pyvips.Error:
            raise DesignError("the data URL is not a readable image", field=f"{where}.src") from None
        nat_w, nat_h = img.width, img.height
        pages = int(img.get("n-pages")) if img.get_typeof("n-pages") else 1
        limit = conv.opts.max_source_pixels
        if limit is not None and nat_w * nat_h * max(1, pages) > limit:  # a decompression bomb: header only
            raise LimitExceeded(
                f"image has {nat_w}x{nat_h} pixels x {pages} pages, over the {limit} pixel limit", field=f"{where}.src"
            )
        if (dec.mirrored or filters) and nat_w * nat_h > _MAX_FLIP_PIXELS:
            raise DesignError("mirrored or filtered images are limited to 40 MP", field=f"{where}.flipX")
        if filters:
            img_path = apply_filters(img_path, filters, f"{where}.filters")
        shadow_src = img_path  # what casts the shadow: the filtered pixels, unmirrored (the matrix mirrors)
        if dec.mirrored:  # native images do not mirror: store the mirrored pixels instead
            img = pyvips.Image.new_from_file(str(img_path)).flipver()
            img_path = img_path.with_name(img_path.stem + "-m.png")
            img.write_to_file(str(img_path))
        layer["asset"] = img_path.name
        crop_y = cy0 if not dec.mirrored else nat_h - cy0 - h
        layer["crop"] = _crop(cx0, crop_y, w, h, nat_w, nat_h, where)
    else:
        if filters:
            raise DesignError("filters need a data: URL image", field=f"{where}.filters")
        if dec.mirrored:
            raise DesignError("mirrored asset images are not supported yet", field=f"{where}.flipX")
        if cx0 or cy0:
            raise DesignError("cropX/cropY need a data: URL image (its size is known)", field=f"{where}.cropX")
    pm = m.then(conv.page)
    bw, bh = w * dec.sx, h * dec.sy
    layer.update(
        box={"x": pm.e - bw / 2, "y": pm.f - bh / 2, "width": bw, "height": bh},
        rotation=dec.angle,
        opacity=round(opacity, 6),
    )
    if skew is not None:
        layer["box"] = {"x": -bw / 2, "y": -bh / 2, "width": bw, "height": bh}
        layer["transform"] = [round(v, 9) for v in (skew.a, skew.b, skew.c, skew.d, skew.e, skew.f)]
    all_clips = own_clips(obj, where, m, node.clips)
    shift = cut_to_page(conv, layer) if skew is None and not conv.within_range(layer["box"]) else Matrix()
    kept_w, kept_h = layer["box"]["width"], layer["box"]["height"]
    # every clip around the image (the canvas's, its groups', its own) intersects: the first is the native
    # ``clip``, the rest ``clips``
    paths = []
    for clip, cwhere, owner in all_clips:
        # object-local px -> the native box (mm from its top-left, before rotation; mirrored pixels flip y)
        to_box = Matrix(a=dec.sx, d=-dec.sy if dec.mirrored else dec.sy, e=bw / 2, f=bh / 2)
        out = to_local(owner, m, cwhere).then(to_box).then(shift)
        d = clip_path(clip, cwhere, owner, out, (-1.0, -1.0, kept_w + 1, kept_h + 1))
        paths.append({"shape": "path", "d": d})
    if paths:
        layer["clip"] = paths[0]
    if len(paths) > 1:
        layer["clips"] = paths[1:]
    shadow = obj.get("shadow")
    if obj.get("backgroundColor") not in (None, "") and not own_cache(obj) and not node.in_group:
        shadow = None  # its backgroundColor cast it (Fabric's _renderBackground, then _removeShadow)
    if shadow:
        # the image's alpha casts the shadow: a transparent PNG casts the shape of its pixels (their alpha, in
        # the svg layer as an <image>), an opaque one its box
        el = f'<rect x="{fmt(-w / 2)}" y="{fmt(-h / 2)}" width="{fmt(w)}" height="{fmt(h)}" fill="#000"/>'
        if img_path is not None and _has_transparency(shadow_src, f"{where}.src"):
            href = _alpha_data_url(shadow_src, (cx0, cy0, w, h), f"{where}.src")
            el = (
                f'<image href="{href}" x="{fmt(-w / 2)}" y="{fmt(-h / 2)}" width="{fmt(w)}" height="{fmt(h)}" '
                'preserveAspectRatio="none"/>'
            )
        if img_path is None:
            conv.notes.append(f"{where}.shadow: cast by the image's box (the asset is assumed opaque)")
        bounds = (-w / 2, -h / 2, w / 2, h / 2)
        # as node-canvas draws drawImage shadows (docs/fabric.md "Browser or Node"): in the image's own space,
        # or a clipped image's cache's (turned, not scaled)
        space = "cache" if own_cache(obj) else "object"
        sh = local_svg(conv, el, bounds, m, where, opacity, all_clips, shadow, image_space=space)
        conv.add(layers, sh, f"{where}.shadow")
    conv.add(layers, layer, where)


def cut_to_page(conv: Converter, layer: dict[str, Any]) -> Matrix:
    """An image layer reaching far beyond the native model's range (a turned or clipped photo scaled up
    enormously) cut to the part of its box over the page area, in the box's own turned frame: its box, crop
    and centre change, the picture does not. Returns the shift of the box's own coordinates (mm from its
    corner) that the clip paths follow; none when nothing of it is over the page (then left out as noted)."""
    area = conv.area_mm()
    box = layer["box"]
    if area is None:
        return Matrix()
    x, y, bw, bh = (float(box[k]) for k in ("x", "y", "width", "height"))
    angle = float(layer.get("rotation", 0.0))
    cx, cy = x + bw / 2, y + bh / 2
    back = Matrix.rotate(-angle, cx, cy)  # page mm -> the unturned box's plane
    corners = [back.apply((px, py)) for px in (area[0], area[2]) for py in (area[1], area[3])]
    u0, u1 = max(0.0, min(p[0] for p in corners) - x), min(bw, max(p[0] for p in corners) - x)
    v0, v1 = max(0.0, min(p[1] for p in corners) - y), min(bh, max(p[1] for p in corners) - y)
    if u1 <= u0 or v1 <= v0:
        return Matrix()
    crop = layer.get("crop") or {"x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0}
    layer["crop"] = {
        "x": crop["x"] + u0 / bw * crop["width"],
        "y": crop["y"] + v0 / bh * crop["height"],
        "width": (u1 - u0) / bw * crop["width"],
        "height": (v1 - v0) / bh * crop["height"],
    }
    ncx, ncy = Matrix.rotate(angle, cx, cy).apply((x + (u0 + u1) / 2, y + (v0 + v1) / 2))
    layer["box"] = {"x": ncx - (u1 - u0) / 2, "y": ncy - (v1 - v0) / 2, "width": u1 - u0, "height": v1 - v0}
    return Matrix.translate(-u0, -v0)


def _crop(x: float, y: float, w: float, h: float, W: int, H: int, where: str) -> dict[str, float]:
    if x < 0 or y < 0 or x + w > W + 1e-6 or y + h > H + 1e-6:
        raise DesignError("the crop (cropX, cropY, width, height) leaves the image", field=f"{where}.cropX")
    return {"x": x / W, "y": y / H, "width": min(w / W, 1 - x / W), "height": min(h / H, 1 - y / H)}


# the formats an upload (POST /v1/assets) accepts, and no other: sniffed from the bytes afterwards all the same
DATA_URL_FORMATS = ("png", "jpeg", "jpg", "webp", "heic", "heif", "avif", "tiff", "gif")
_DATA_URL = re.compile(rf"^data:image/({'|'.join(DATA_URL_FORMATS)});base64,", re.IGNORECASE)
_SVG_DATA_URL = re.compile(r"^data:image/svg\+xml(;charset=[\w-]+)?(;base64)?,", re.IGNORECASE)


def _svg_image(conv: Converter, node: Node, layers: list[dict[str, Any]], src: str, dec: Any) -> None:
    """An SVG data URL as a native ``svg`` layer: the same sanitiser (``load_svg``) as any SVG clip-art
    checks it when the design is resolved. Placement, rotation and opacity only."""
    obj, where, m = node.obj, node.where, node.m
    for key in ("filters", "cropX", "cropY", "shadow", "clipPath"):
        if obj.get(key):
            raise DesignError(f"{key} is not supported on an SVG image", field=f"{where}.{key}")
    if dec.mirrored:
        raise DesignError("mirrored SVG images are not supported", field=f"{where}.flipX")
    if len(src) > _MAX_SVG_DATA_URL:
        raise LimitExceeded("the SVG data URL is over the SVG size limit", field=f"{where}.src")
    mm = _SVG_DATA_URL.match(src[:80])
    if mm is None:
        raise DesignError("an SVG data URL is data:image/svg+xml[;base64],...", field=f"{where}.src")
    body = src[mm.end() :]
    try:
        raw = base64.b64decode(body, validate=True) if mm.group(2) else unquote_to_bytes(body)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise DesignError("the SVG data URL is not valid base64 / UTF-8", field=f"{where}.src") from None
    w, h = num(obj, "width", 0.0, where), num(obj, "height", 0.0, where)
    if w <= 0 or h <= 0:
        return
    pm = m.then(conv.page)
    bw, bh = w * dec.sx, h * dec.sy
    layer = {
        "type": "svg",
        "svg": text,
        "fit": "stretch",
        "box": {"x": pm.e - bw / 2, "y": pm.f - bh / 2, "width": bw, "height": bh},
        "rotation": dec.angle,
        "opacity": round(node.opacity, 6),
    }
    conv.add(layers, layer, where)


def _write_data_url(conv: Converter, src: str, where: str) -> Path:
    """Decode a base64 image data URL into the import's asset directory."""
    m = _DATA_URL.match(src[:64])
    if m is None:
        raise DesignError(
            "a data URL image is base64 PNG, JPEG, WebP, HEIF/AVIF, TIFF or GIF (the upload formats), or SVG",
            field=where,
        )
    try:
        raw = base64.b64decode(src[m.end() :], validate=True)
    except (binascii.Error, ValueError):
        raise DesignError("the data URL is not valid base64", field=where) from None
    ext = {"jpeg": "jpg"}.get(m.group(1).lower(), m.group(1).lower())
    conv.n_assets += 1
    path = conv.asset_dir / f"fabric-image-{conv.n_assets}.{ext}"
    path.write_bytes(raw)
    return path


def _copy_local_file(conv: Converter, src: str, where: str) -> Path:
    """An image ``src`` naming a file in :attr:`.FabricOptions.image_dir` (relative path, absolute path or
    ``file://`` URL inside it), copied into the import's asset directory; anything else is an error."""
    image_dir = conv.opts.image_dir
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", src) and not src.startswith("file://"):
        raise DesignError(
            "image src URLs are never fetched: use a data: URL, 'asset:<id>' or a file path next to the design",
            field=where,
        )
    if image_dir is None:
        raise DesignError(
            "image src must be a data: URL or 'asset:<id>' (file paths only in files rendered from disk)",
            field=where,
        )
    name = unquote(src[len("file://") :]) if src.startswith("file://") else src
    root = image_dir.resolve()
    try:
        path = (root / name).resolve()
    except (OSError, ValueError):
        raise DesignError("image src is not a usable file path", field=where) from None
    if not path.is_relative_to(root):
        raise DesignError("image src leaves the design's folder", field=where, local_detail=f"folder {root}")
    if not path.is_file():
        raise DesignError(
            "image file not found (an image src path is relative to the JSON file's folder; for a dict, to "
            "base_dir, by default the current folder)",
            field=where,
            local_detail=f"tried {path}",
        )
    conv.n_assets += 1
    target = conv.asset_dir / f"fabric-image-{conv.n_assets}{path.suffix.lower()[:8]}"
    shutil.copyfile(path, target)
    return target


def pattern_sources_inlined(conv: Converter, obj: dict[str, Any], where: str) -> dict[str, Any]:
    """``obj`` with each pattern fill / stroke whose ``source`` is a file next to the design (relative path
    or ``file://``, confined to :attr:`.FabricOptions.image_dir` like an image ``src``) given as a PNG / JPEG
    data URL (other formats are converted to PNG). URLs are never fetched: the pattern keeps them (an error)."""
    out = obj
    for key in ("fill", "stroke"):
        pat: Any = obj.get(key)
        src = pat.get("source") if isinstance(pat, dict) and pat.get("type") == "pattern" else None
        if not isinstance(src, str) or not src or src.startswith("data:"):
            continue
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", src) and not src.startswith("file://"):
            continue
        import pyvips

        at = f"{where}.{key}.source"
        path = _copy_local_file(conv, src, at)
        with asset_errors(at, "pattern image"):
            img = pyvips.Image.new_from_file(str(path), fail_on="error")
            raw = path.read_bytes()
            loader = str(img.get("vips-loader"))
            if loader.startswith("jpeg"):
                mime = "jpeg"
            elif loader.startswith("png"):
                mime = "png"
            else:
                mime, raw = "png", img.pngsave_buffer()
        out = dict(out, **{key: dict(pat, source=f"data:image/{mime};base64,{base64.b64encode(raw).decode()}")})
    return out


_SHADOW_PX = 512  # the alpha that casts a shadow, at most this many px on its long side (it is blurred anyway)


def _alpha_data_url(path: Path, crop: tuple[float, float, float, float], where: str) -> str:
    """The alpha of the shown part (cropX, cropY, width, height) of an image as a black PNG data URL."""
    import pyvips

    try:
        img = pyvips.Image.new_from_file(str(path))
        alpha = img.extract_band(img.bands - 1)
        if alpha.format == "ushort":
            alpha = (alpha / 257).cast("uchar")
        elif alpha.format in ("float", "double"):
            alpha = (alpha * 255).cast("uchar")
        x, y, w, h = (round(v) for v in crop)
        x, y = min(max(0, x), alpha.width - 1), min(max(0, y), alpha.height - 1)
        alpha = alpha.crop(x, y, max(1, min(w, alpha.width - x)), max(1, min(h, alpha.height - y)))
        k = _SHADOW_PX / max(alpha.width, alpha.height)
        if k < 1:
            alpha = alpha.resize(k)
        png = (alpha * 0).bandjoin(alpha).cast("uchar").copy(interpretation="b-w").pngsave_buffer()
    except pyvips.Error:
        raise DesignError("the image's pixels cannot be read", field=where) from None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _has_transparency(path: Path, where: str) -> bool:
    import pyvips

    try:
        img = pyvips.Image.new_from_file(str(path))
        if not img.hasalpha():
            return False
        opaque = 65535 if img.format == "ushort" else 1.0 if img.format in ("float", "double") else 255
        return bool(img.extract_band(img.bands - 1).min() < opaque)
    except pyvips.Error:
        raise DesignError("the data URL is not a readable image", field=where) from None
