"""Resolve step: template, fonts and assets for a design, checked before any pixel work.

:func:`resolve` turns a :class:`~render_engine.model.design.Design` into :class:`Resources` — probed image
headers, subject focus for auto-crops, sanitised SVG — or raises a typed error naming the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..inputs.assets import (
    AssetLoader,
    Focus,
    ImageInfo,
    SvgDoc,
    find_focus,
    load_svg,
    probe_image,
    resolve_path,
    verify_pattern_tile,
)
from ..model.cover import anchor_layers
from ..model.deadline import check as check_deadline
from ..model.design import CalendarLayer, Design, FontRef, ImageLayer, Layer, SvgLayer, TextLayer
from ..model.errors import (
    AssetError,
    DesignError,
    FontError,
    LimitExceeded,
    RenderError,
    TemplateError,
    several,
)
from ..model.paint import PatternPaint
from ..model.templates import Template

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass(frozen=True)
class Resources:
    template: Template
    images: dict[int, ImageInfo]
    focus: dict[int, Focus]
    svgs: dict[int, SvgDoc]


def resolve(
    design: Design,
    engine: Engine,
    base_dir: Path,
    asset_loader: AssetLoader | None = None,
    template: Template | None = None,
) -> Resources:
    """``template`` overrides the design's (a surface's derived template, :mod:`render_engine.parts`)."""
    settings = engine.settings
    if template is None:
        template = template_of(design, engine)
        if template.is_multi or design.is_multi:  # rendered surface by surface (render_engine.parts)
            raise DesignError(
                f"template {template.id} prints several surfaces or pages: render it through its parts",
                field="surfaces" if design.surfaces or not design.pages else "pages",
            )
    if len(design.layers) > settings.max_layers:
        raise LimitExceeded(f"{len(design.layers)} layers, over the limit of {settings.max_layers}", field="layers")
    anchor_layers(design.layers, None)  # a box still on a cover panel here has no cover (DesignError)
    if design.paper is not None and template.book is None:
        raise DesignError(f"template {template.id} is not a book: it has no paper to choose", field="paper")
    images: dict[int, ImageInfo] = {}
    focus: dict[int, Focus] = {}
    svgs: dict[int, SvgDoc] = {}
    # every font, image, SVG and mask problem of every layer in one error (a hard limit still stops at once)
    problems: list[RenderError] = font_problems(design, engine, as_written=False)
    for i, layer in enumerate(design.layers):
        try:
            _resolve_layer(i, layer, template, engine, base_dir, asset_loader, images, focus, svgs)
        except (DesignError, AssetError, TemplateError) as exc:
            problems.extend(exc.problems or (exc,))
    if problems:  # each once where it was written (a calendar's day numbers share its number_font)
        unique: dict[tuple[str | None, str], RenderError] = {}
        for p in problems:
            unique.setdefault((design.source_field(p.field), p.message), p)
        raise several(list(unique.values()))
    return Resources(template, images, focus, svgs)


def _resolve_layer(
    i: int,
    layer: Layer,
    template: Template,
    engine: Engine,
    base_dir: Path,
    asset_loader: AssetLoader | None,
    images: dict[int, ImageInfo],
    focus: dict[int, Focus],
    svgs: dict[int, SvgDoc],
) -> None:
    """One layer's resources probed into ``images`` / ``focus`` / ``svgs`` (its fonts: :func:`font_problems`)."""
    settings = engine.settings
    for at, pattern in pattern_paints(layer, f"layers[{i}]"):
        verify_pattern_tile(pattern.image, f"{at}.image")
    check_deadline()
    where = f"layers[{i}]"
    if isinstance(layer, ImageLayer):
        path = _image_path(layer, base_dir, asset_loader, where)
        images[i] = probe_image(path, f"{where}.{'asset' if layer.asset else 'asset_id'}", settings)
        if layer.crop in ("auto", "auto-pets"):
            focus[i] = find_focus(images[i], f"{where}.crop", pets=layer.crop == "auto-pets")
        named = [("clip", layer.clip)] + [(f"clips[{j}]", c) for j, c in enumerate(layer.clips)]
        for key, c in named:
            if c is not None and c.shape == "mask" and template.mask_path(c.name) is None:
                raise AssetError(
                    f"template {template.id} has no mask of that name; it has: {', '.join(template.mask_names())}",
                    field=f"{where}.{key}.name",
                )
    elif isinstance(layer, SvgLayer):
        source = "svg" if layer.svg is not None else "file" if layer.file is not None else "asset_id"
        if layer.svg is not None:
            raw = layer.svg.encode("utf-8")
        elif layer.file is not None:
            raw = resolve_path(base_dir, layer.file, f"{where}.file").read_bytes()
        else:  # an uploaded SVG (stored sanitised, sanitised again here like every other source)
            assert layer.asset_id is not None
            if asset_loader is None:
                raise AssetError("asset ids need an asset store", field=f"{where}.asset_id")
            try:
                raw = asset_loader(layer.asset_id).read_bytes()
            except AssetError as exc:
                raise AssetError(exc.message, field=f"{where}.asset_id") from None
            except OSError as exc:
                raise AssetError(f"SVG asset cannot be read ({exc.strerror})", field=f"{where}.asset_id") from None
        svgs[i] = load_svg(raw, f"{where}.{source}", settings)
    elif isinstance(layer, TextLayer):
        if len(layer.text) > settings.max_text_chars:
            raise LimitExceeded(
                f"text has {len(layer.text)} characters, over the limit of {settings.max_text_chars}",
                field=f"{where}.text",
            )
        if longest_combining_run(layer.text) > settings.max_combining_run:
            raise LimitExceeded(
                f"text has more than {settings.max_combining_run} combining marks in a row",
                field=f"{where}.text",
            )


def template_of(design: Design, engine: Engine) -> Template:
    """The design's product template; an unknown one is reported with every unknown font family of the design
    (neither depends on the other: both come in one list, not the fonts only once the template is fixed)."""
    try:
        return engine.templates.get(design.template)
    except TemplateError as exc:
        raise several([exc, *font_problems(design, engine)]) from None


def font_problems(design: Design, engine: Engine, *, as_written: bool = True) -> list[RenderError]:
    """A :class:`FontError` per unknown family or ``fallback`` family a design names, each once, each naming its
    field (``layers[0].font.fallback[1]``); ``as_written=False``: the fields of the expanded layers (the
    pipeline renames them)."""
    problems: dict[tuple[str | None, str], RenderError] = {}
    for field, ref in font_families(design, as_written=as_written):
        base = field.removesuffix("family") if field.endswith(".family") else None
        names = [
            (field, ref.family),
            *((f"{base}fallback[{j}]" if base else field, n) for j, n in enumerate(ref.fallback)),
        ]
        for at, name in names:
            try:
                engine.fonts.family_id(name, field=at)
            except FontError as font:
                problems.setdefault((font.field, font.message), font)
    return list(problems.values())


def font_families(design: Design, *, as_written: bool = True) -> Iterator[tuple[str, FontRef]]:
    """Every font a design names, with its family's field as written (a calendar's, a span's, a surface's or a
    page's: ``surfaces.back.layers[0].spans[1].font.family``; ``as_written=False``: as expanded)."""
    surfaces = [("", design.layers)] + [(f"surfaces.{n}.", s.layers) for n, s in design.surfaces.items()]
    surfaces += [(f"pages[{i}].", s.layers) for i, s in enumerate(design.pages)]
    for prefix, layers in surfaces:
        for i, layer in enumerate(layers):
            where = f"{prefix}layers[{i}]"
            refs: list[tuple[str, FontRef | None]] = []
            if isinstance(layer, TextLayer):
                refs = [(".font", layer.font), *((f".spans[{k}].font", sp.font) for k, sp in enumerate(layer.spans))]
            elif isinstance(layer, CalendarLayer):
                refs = [(".font", layer.font), (".number_font", layer.number_font)]
            for key, ref in refs:
                if ref is not None:  # v1 layers are expanded (a calendar's texts): named where they were written
                    field = f"{where}{key}.family"
                    yield (design.source_field(field) or field) if not prefix and as_written else field, ref


def pattern_paints(obj: object, where: str) -> Iterator[tuple[str, PatternPaint]]:
    """Every pattern paint inside a layer (its fill, stroke, spans, ...) with its field path."""
    if isinstance(obj, PatternPaint):
        yield where, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from pattern_paints(getattr(obj, name), f"{where}.{name}")
    elif isinstance(obj, list | tuple) and obj and isinstance(obj[0], BaseModel | list | tuple):
        for k, item in enumerate(obj):  # (a list of numbers or strings holds no paint: not walked)
            if isinstance(item, BaseModel | list | tuple):
                yield from pattern_paints(item, f"{where}[{k}]")


def longest_combining_run(text: str) -> int:
    """The longest run of consecutive combining marks (Mn/Me): "Zalgo" text stacks hundreds on one letter,
    which makes shaping and glyph drawing slow; real scripts stack a handful at most."""
    best = run = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            run += 1
            best = max(best, run)
        else:
            run = 0
    return best


def _image_path(layer: ImageLayer, base_dir: Path, loader: AssetLoader | None, where: str) -> Path:
    if layer.asset is not None:
        return resolve_path(base_dir, layer.asset, f"{where}.asset")
    assert layer.asset_id is not None
    if loader is None:
        raise AssetError(
            "asset ids need an asset store (use 'asset' paths on the command line)", field=f"{where}.asset_id"
        )
    return loader(layer.asset_id)
