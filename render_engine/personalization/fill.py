"""``fill(template, product, values, photos) -> Design``: a design template and a customer's values become a
normal native design, which the pipeline renders like any other.

Every value is checked before anything is built, and every problem comes back at once in one
:class:`~render_engine.model.errors.DesignError` (``.problems``), each naming its slot: ``slots.name: at most
18 characters``, ``slots.name.color: …``, ``photos.main: …``.

Values are a mapping ``slot -> value`` (text, or an ISO date for date slots) with style choices as
``slot.font`` / ``slot.color`` / ``slot.size`` keys, or ``slot -> {"text": …, "font": …, "color": …,
"size": …}``. Photos are ``slot -> path`` (relative to ``base_dir``, as a design's assets are) or ``slot ->
{"asset_id": …}`` (resolved by the caller's asset loader, as the API's are).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..model.design import Design, safe_key, validation_error_to_design_error
from ..model.errors import DesignError, RenderError, did_you_mean, several
from ..model.settings import Settings
from .model import NEUTRAL_SCRIPTS, DateSlot, DesignTemplate, PhotoSlot, PhotosSlot, TextSlot, assemble, native_layer
from .variables import substitute

STYLE_OPTIONS = ("font", "color", "size")
MM_PER_INCH = 25.4


def grapheme_count(text: str) -> int:
    """User-perceived characters (ICU grapheme clusters): "नमस्ते" is 3, not 6 code points."""
    import icu

    it = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    it.setText(text)
    return sum(1 for _ in it)


def scripts_of(text: str) -> list[str]:
    """The Unicode scripts of ``text``'s letters, in order of appearance (ICU names), neutral ones left out."""
    import icu

    found: dict[str, None] = {}
    for ch in text:
        name = icu.Script.getScript(ord(ch)).getName()
        if name not in NEUTRAL_SCRIPTS:
            found[name] = None
    return list(found)


def _normalise(
    values: Mapping[str, Any], template: DesignTemplate, problems: list[DesignError]
) -> dict[str, dict[str, Any]]:
    """``{slot: {"value": …, "font": …, "color": …, "size": …}}`` from either spelling of values."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        slot, _, option = str(key).partition(".")
        field = f"slots.{safe_key(str(key))}"  # the key is input: cut, control characters escaped
        if slot not in template.slots:
            names = ", ".join(k for k, s in template.slots.items() if isinstance(s, TextSlot | DateSlot)) or "none"
            hint = did_you_mean(slot, template.slots)
            problems.append(DesignError(f"unknown slot{hint}; slots: {names}", field=field))
            continue
        if isinstance(template.slots[slot], PhotoSlot | PhotosSlot):
            problems.append(DesignError("a photo slot: give the photo in photos, not values", field=field))
            continue
        entry = out.setdefault(slot, {})
        if option:
            if option not in STYLE_OPTIONS:
                problems.append(DesignError(f"unknown option; options: {', '.join(STYLE_OPTIONS)}", field=field))
                continue
            entry[option] = value
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k in ("text", "value"):
                    entry["value"] = v
                elif k in STYLE_OPTIONS:
                    entry[k] = v
                else:
                    problems.append(DesignError(f"unknown option; options: text, {', '.join(STYLE_OPTIONS)}",
                                                field=f"{field}.{safe_key(str(k))}"))  # fmt: skip
        else:
            entry["value"] = value
    return out


def _text_value(name: str, slot: TextSlot, entry: dict[str, Any], problems: list[DesignError]) -> str | None:
    field = f"slots.{name}"
    value = entry.get("value")
    if value is None:
        if slot.default is not None:
            return slot.default
        if slot.required:
            problems.append(DesignError(f"required ({slot.label})", field=field))
        return None
    if not isinstance(value, str):
        problems.append(DesignError("must be text", field=field))
        return None
    if not value.strip():
        if slot.required:
            problems.append(DesignError(f"required ({slot.label}); it is blank", field=field))
        return None
    before = len(problems)
    lone = sorted({f"U+{ord(c):04X}" for c in value if 0xD800 <= ord(c) <= 0xDFFF})
    if lone:
        problems.append(DesignError(
            f"contains a lone surrogate ({', '.join(lone[:3])}): half of a character, usually text cut in the "
            "middle of an emoji or a broken encoding; send the whole character", field=field))  # fmt: skip
    if any((ord(c) < 32 and c != "\n") or ord(c) == 0x7F for c in value):
        problems.append(DesignError("must not contain control characters", field=field))
    if "\n" in value and not slot.multiline:
        problems.append(DesignError("must be one line", field=field))
    if slot.max_length is not None:
        n = grapheme_count(value)
        if n > slot.max_length:
            problems.append(DesignError(f"at most {slot.max_length} characters (it has {n})", field=field))
    if slot.scripts:
        bad = [s for s in scripts_of(value) if s not in slot.scripts]
        if bad:
            problems.append(
                DesignError(f"only {', '.join(slot.scripts)} letters (found {', '.join(bad)})", field=field)
            )
    return value if len(problems) == before else None


def _date_value(name: str, slot: DateSlot, entry: dict[str, Any], problems: list[DesignError]) -> dt.date | None:
    field = f"slots.{name}"
    value = entry.get("value")
    if value is None or (isinstance(value, str) and not value.strip()):
        if slot.default is not None:
            return slot.default
        if slot.required:
            problems.append(DesignError(f"required ({slot.label})", field=field))
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(DesignError("a date as YYYY-MM-DD", field=field))
    return None


def _style(name: str, slot: TextSlot | DateSlot, entry: dict[str, Any], problems: list[DesignError]) -> dict[str, Any]:
    """The customer's font / colour / size choices for a text slot, each checked against the slot's lists."""
    chosen: dict[str, Any] = {}
    for option in STYLE_OPTIONS:
        if option not in entry:
            continue
        field = f"slots.{name}.{option}"
        allowed: list[Any] = getattr(slot, {"font": "fonts", "color": "colors", "size": "sizes"}[option], [])
        if not allowed:
            problems.append(DesignError(f"this slot offers no {option} choice", field=field))
            continue
        value = entry[option]
        if option == "size":
            try:
                value = float(value)
            except (TypeError, ValueError):
                value = None
            ok = value is not None and any(abs(value - s) < 1e-6 for s in allowed)
        elif option == "color":
            ok = isinstance(value, str) and value.lower() in [c.lower() for c in allowed]
            value = value.lower() if ok else value
        else:
            ok = value in allowed
        if not ok:
            shown = ", ".join(f"{a:g}" if isinstance(a, float) else str(a) for a in allowed)
            problems.append(DesignError(f"one of {shown}", field=field))
            continue
        chosen[option] = value
    return chosen


def _photo_dpi(info_size: tuple[int, int], layer: dict[str, Any]) -> tuple[float, float, float]:
    """(effective DPI, box width mm, box height mm) of a photo of ``info_size`` px in an image layer."""
    box = layer["box"]
    bw, bh = float(box["width"]), float(box["height"])
    iw, ih = info_size
    along = (iw * MM_PER_INCH / bw, ih * MM_PER_INCH / bh)
    fit = layer.get("fit", "cover")
    return (max(along) if fit == "contain" else min(along)), bw, bh


def _photos(
    template: DesignTemplate,
    product: str,
    photos: Mapping[str, Any],
    base_dir: Path,
    placeholders: bool,
    settings: Settings,
    problems: list[DesignError],
    asset_loader: Callable[[str], Path] | None = None,
    allow_files: bool = True,
) -> dict[str, dict[str, str]]:
    """``{slot: {"asset": relative path} | {"asset_id": id}}`` for the photos given, each checked."""
    from ..inputs.assets import probe_image, resolve_path

    out: dict[str, dict[str, str]] = {}
    wanted = 'a file path or {"asset_id": …}' if allow_files else '{"asset_id": …}'

    def one(key: str, value: Any, field: str, slot: PhotoSlot | PhotosSlot, layers_of: str) -> None:
        info = None
        if isinstance(value, Mapping):
            asset_id = value.get("asset_id")
            if not isinstance(asset_id, str) or set(value) != {"asset_id"}:
                problems.append(DesignError(f"a photo is {wanted}", field=field))
                return
            out[key] = {"asset_id": asset_id}
            if asset_loader is None:
                return  # checked when the design is resolved (and by preflight's resolution check)
            try:
                info = probe_image(asset_loader(asset_id), field, settings)
            except RenderError as exc:
                problems.append(DesignError(exc.message, field=field))
                return
        elif not isinstance(value, str | os.PathLike) or not allow_files:
            problems.append(DesignError(f"a photo is {wanted}", field=field))
            return
        else:
            try:
                path = resolve_path(base_dir, os.fspath(value), field)
                info = probe_image(path, field, settings)
            except RenderError as exc:
                problems.append(DesignError(exc.message, field=field, local_detail=exc.local_detail))
                return
            out[key] = {"asset": Path(os.path.relpath(path, base_dir.resolve())).as_posix()}
        layout = template.products.get(product)
        for where, raw in layout.all_layers() if layout is not None else ():
            if raw.get("slot") != layers_of:
                continue
            if "anchor" in raw:  # the box it has on this product
                raw = _anchored(raw, raw, settings.templates_dir, product, where.rsplit("layers[", 1)[0], field)
            dpi, bw, bh = _photo_dpi((info.width, info.height), raw)
            if dpi + 1e-6 < slot.min_dpi:
                need_w = round(bw / MM_PER_INCH * slot.min_dpi)
                need_h = round(bh / MM_PER_INCH * slot.min_dpi)
                on = product if where.startswith("layers[") else f"{product} ({where.rsplit('.layers[', 1)[0]})"
                problems.append(
                    DesignError(
                        f"{dpi:.0f} dpi in its {bw:g} x {bh:g} mm box on {on}; at least {slot.min_dpi} dpi "
                        f"(a photo of about {need_w} x {need_h} px)",
                        field=field,
                    )
                )
                break

    for key, value in photos.items():
        field = f"photos.{safe_key(str(key))}"
        slot = template.slots.get(key)
        if isinstance(slot, PhotosSlot):
            if not isinstance(value, list | tuple):
                problems.append(DesignError(f"a list of photos, each {wanted}", field=field))
                continue
            if not (slot.min_count <= len(value) <= slot.max_count) and (value or slot.required):
                problems.append(DesignError(f"{slot.min_count} to {slot.max_count} photos (it has {len(value)})",
                                            field=field))  # fmt: skip
                continue
            for i, item in enumerate(value):
                one(f"{key}[{i}]", item, f"{field}[{i}]", slot, f"{key}[]")
            continue
        if not isinstance(slot, PhotoSlot):
            names = ", ".join(k for k, s in template.slots.items() if isinstance(s, PhotoSlot | PhotosSlot)) or "none"
            problems.append(DesignError(f"unknown photo slot; photo slots: {names}", field=field))
            continue
        one(key, value, field, slot, key)
    for name, slot in template.slots.items():
        if isinstance(slot, PhotoSlot | PhotosSlot) and slot.required and name not in photos and not placeholders:
            problems.append(DesignError(f"required ({slot.label})", field=f"photos.{name}"))
    return out


def fill(template: DesignTemplate, product: str, values: Mapping[str, Any] | None = None,
         photos: Mapping[str, Any] | None = None, **options: Any) -> Design:  # fmt: skip
    """The native design of ``template`` on ``product`` (:func:`fill_with_sources`, without the sources)."""
    return fill_with_sources(template, product, values, photos, **options)[0]


def fill_with_sources(
    template: DesignTemplate,
    product: str,
    values: Mapping[str, Any] | None = None,
    photos: Mapping[str, Any] | None = None,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    placeholders: bool = False,
    settings: Settings | None = None,
    order_id: str | None = None,
    asset_loader: Callable[[str], Path] | None = None,
    allow_files: bool = True,
) -> tuple[Design, dict[str, str]]:
    """The native design of ``template`` on ``product`` filled with ``values`` and ``photos``, and for each of
    its layers (by design field: ``layers[2]``, ``surfaces.inside.layers[0]``) where it came from
    (``slots.name``, ``photos.photo`` or the template's ``products.<id>.layers[<i>]``): :func:`slot_error` names
    those in errors found later (layout, fonts).

    Raises one :class:`DesignError` listing every problem (``.problems``, each naming ``slots.<name>``,
    ``slots.<name>.<option>`` or ``photos.<name>``). ``placeholders=True`` (storefront thumbnails) fills an
    empty photo slot with its placeholder art and an empty required text slot with its label, instead of
    refusing. Photo paths are relative to ``base_dir`` (default: the current folder), as the returned design's
    assets are: render it with the same ``base_dir``. ``asset_loader`` (asset id -> local file) lets asset-id
    photos be probed and resolution-checked too; ``allow_files=False`` (the HTTP API) accepts asset ids only.
    """
    problems: list[DesignError] = []
    if product not in template.products:  # reported with every slot problem (photos are checked on no product)
        problems.append(DesignError(
            f"design template '{template.id}' is not made for this product; it fits: {', '.join(template.products)}",
            field="product",
        ))  # fmt: skip
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    entries = _normalise(values or {}, template, problems)
    texts: dict[str, str | dt.date] = {}
    styles: dict[str, dict[str, Any]] = {}
    for name, slot in template.slots.items():
        entry = entries.get(name, {})
        if isinstance(slot, TextSlot):
            if placeholders and entry.get("value") is None and slot.default is None:
                entry = {**entry, "value": slot.label[: slot.max_length or None]}
            text = _text_value(name, slot, entry, problems)
            texts[name] = text or ""
            styles[name] = _style(name, slot, entry, problems)
        elif isinstance(slot, DateSlot):
            if placeholders and entry.get("value") is None and slot.default is None:
                entry = {**entry, "value": "2026-12-31"}
            date = _date_value(name, slot, entry, problems)
            texts[name] = date if date is not None else ""
            styles[name] = _style(name, slot, entry, problems)
    chosen = _photos(template, product, photos or {}, base, placeholders, settings or Settings(), problems,
                     asset_loader, allow_files)  # fmt: skip
    if problems:
        raise several(problems)
    from .flow import flowed_groups

    templates_dir = (settings or Settings()).templates_dir
    counts = {k: len(v) for k, v in (photos or {}).items() if isinstance(v, list | tuple)}
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    sources: dict[str, str] = {}
    for prefix, written, raws in flowed_groups(template, product, counts, templates_dir):
        if prefix:  # a surface or page the product may not have (surfaces.insdie) is the template's field
            sources[prefix[:-1]] = f"products.{product}.{written[:-1]}"
        layers: list[dict[str, Any]] = []
        for i, raw in enumerate(raws):
            layer, source = _filled_layer(template, raw, f"products.{product}.{written}layers[{i}]", texts, styles,
                                          chosen, placeholders)  # fmt: skip
            if layer is not None and "anchor" in raw:
                layer = _anchored(layer, raw, templates_dir, product, prefix, source)
            if layer is not None:
                sources[f"{prefix}layers[{len(layers)}]"] = source
                layers.append(layer)
        groups.append((prefix, layers))
    meta: dict[str, Any] = {"title": template.name[:200]}
    if order_id is not None:
        meta["order_id"] = order_id
    try:
        design = Design.model_validate({"version": 1, "template": product, **assemble(groups), "meta": meta})
    except ValidationError as exc:
        raise slot_error(validation_error_to_design_error(exc), sources) from None
    return design, sources


def _filled_layer(
    template: DesignTemplate,
    raw: dict[str, Any],
    source: str,
    texts: dict[str, str | dt.date],
    styles: dict[str, dict[str, Any]],
    chosen: dict[str, dict[str, str]],
    placeholders: bool,
) -> tuple[dict[str, Any] | None, str]:
    """The native layer ``raw`` fills into (None: left out, an empty optional slot) and where it came from:
    ``slots.name``, ``photos.photo`` or its template field ``source``."""
    layer = native_layer(raw)
    if raw.get("type") == "text":
        layer["text"] = substitute(str(raw["text"]), texts, template.language)
        if not layer["text"].strip():
            return None, source  # an empty optional slot: nothing to print
        names = template.text_slots(raw)
        source = f"slots.{names[0]}" if names else source
        style_slot = raw.get("style_slot") or (names[0] if len(names) == 1 else None)
        style = styles.get(style_slot, {}) if style_slot else {}
        if "font" in style:
            layer["font"] = {**layer.get("font", {}), "family": style["font"]}
        if "color" in style:
            layer["color"] = style["color"]
        if "size" in style:
            layer["size"] = style["size"]
    photo_slot = raw.get("slot")
    if photo_slot is not None:
        source = f"photos.{photo_slot}"
        art = template.slots[str(photo_slot).split("[")[0]]  # photos[3]: the 4th photo of slot photos
        if photo_slot in chosen:
            layer.update(chosen[photo_slot])
            _face_crop(layer, art)
        else:
            if not (placeholders and isinstance(art, PhotoSlot | PhotosSlot) and art.placeholder_svg):
                return None, source  # an empty optional photo slot: the layer is left out
            layer = {"type": "svg", "svg": art.placeholder_svg, "box": raw["box"], "fit": "contain"}
    return layer, source


def _anchored(layer: dict[str, Any], raw: dict[str, Any], templates_dir: Path, product: str, prefix: str,
              source: str) -> dict[str, Any]:  # fmt: skip
    """``layer`` with its anchored box placed on ``product`` (:mod:`.anchors`); a product the catalog lacks is
    a DesignError naming ``product``."""
    from .anchors import anchor_layer

    try:
        return anchor_layer(layer, raw, templates_dir, product, prefix, source)
    except ValueError as exc:
        raise DesignError(str(exc).split(": ", 1)[-1], field="product") from None


def _face_crop(layer: dict[str, Any], slot: Any) -> None:
    """A photo slot's ``face_crop`` on a filled image layer: in a ``cover`` box without an explicit crop
    rectangle, crop ``auto-pets`` (faces kept in the box: a person's, else a cat's) when on, a centred crop
    when off."""
    if not isinstance(slot, PhotoSlot | PhotosSlot) or layer.get("fit", "cover") != "cover":
        return
    if isinstance(layer.get("crop"), dict):
        return
    if slot.face_crop:
        layer["crop"] = "auto-pets"
    else:
        layer.pop("crop", None)


#: the layer a field of a filled design names: ``layers[4]``, ``surfaces.inside.layers[2]``, ``pages[3].layers[0]``
LAYER_FIELD = r"^((?:surfaces\.[a-z][a-z0-9-]*\.|pages\[\d+\]\.)?layers\[\d+\])"


def slot_error(err: RenderError, sources: Mapping[str, str] | Sequence[str]) -> RenderError:
    """``err`` (and each of its problems) with a field naming a layer of a filled design (``layers[<i>]…``,
    ``surfaces.inside.layers[<i>]…``) renamed to where that layer came from: ``slots.name``
    (``layers[4].text: no bundled font has …`` → ``slots.name: …``) or the template's layer field.
    ``sources`` is :func:`fill_with_sources`' mapping (a sequence: a single-surface design's, by index)."""
    import re

    named = sources if isinstance(sources, Mapping) else {f"layers[{i}]": s for i, s in enumerate(sources)}

    def rename(field: str | None) -> str | None:
        m = re.match(LAYER_FIELD, field or "")
        if m is None or m.group(1) not in named:
            return named.get(field or "", field)  # surfaces.insdie -> products.<id>.surfaces.insdie
        source = named[m.group(1)]
        return source + (field or "")[m.end() :] if source.startswith("products.") else source

    err.field = rename(err.field)
    for p in err.problems:
        p.field = rename(p.field)
    return err


def photos_relative(photos: Mapping[str, Any], base_dir: str | os.PathLike[str] | None) -> tuple[Path, dict[str, Any]]:
    """``(base_dir, photos)`` for :func:`fill`: with ``base_dir`` given, unchanged; without, file photos
    (absolute, or relative to the current folder) become relative to the folder that holds them all."""
    if base_dir is not None:
        return Path(base_dir), dict(photos)
    def is_file(v: Any) -> bool:
        return isinstance(v, str | os.PathLike)

    def files_of(v: Any) -> list[Path]:
        items = v if isinstance(v, list | tuple) else [v]
        return [Path(os.fspath(p)).absolute() for p in items if is_file(p)]

    every = [p for v in photos.values() for p in files_of(v)]
    if not every:
        return Path.cwd(), dict(photos)
    base = Path(os.path.commonpath([p.parent for p in every]))

    def rel(v: Any) -> Any:
        if isinstance(v, list | tuple):
            return [rel(p) for p in v]
        return Path(os.fspath(v)).absolute().relative_to(base).as_posix() if is_file(v) else v

    return base, {k: rel(v) for k, v in photos.items()}
