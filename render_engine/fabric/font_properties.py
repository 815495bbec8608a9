"""Fabric font properties -> bundled fonts: ``fontFamily`` through the font table, ``fontWeight``,
``fontStyle``.

``fontFamily`` is read as a CSS list (``"'Great Vibes', cursive"``): each name is tried through
:attr:`.FabricOptions.font_map` (default :data:`.options.DEFAULT_FONT_MAP`), then as a bundled id or family name; an
unknown family is an error unless :attr:`.FabricOptions.font_fallback` names one (reported in the notes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError, FontError, did_you_mean

if TYPE_CHECKING:
    from ..inputs.font_catalog import FontCatalog
    from .options import FabricOptions
    from .protocol import Converter


_WEIGHTS = {"normal": 400, "bold": 700, "lighter": 300, "bolder": 700}


def font_family(conv: Converter, name: Any, where: str) -> tuple[str, ...]:
    """The bundled family ids for a Fabric ``fontFamily`` (a CSS list), in its order, each once: every listed
    family the catalogue knows (directly or through the font table; the others are skipped, as a browser skips
    a family it has not loaded). The canvas takes each character from the first of them that has it (native
    ``font.fallback``). None known: the configured fallback, noted in ``conv``, or an error."""
    if not isinstance(name, str) or not name.strip():
        raise FontError("fontFamily must be a non-empty string", field=f"{where}.fontFamily")
    found: list[str] = []
    for part in name.split(","):
        fam = part.strip().strip("'\"").strip()
        if not fam:
            continue
        mapped = conv.opts.font_map.get(fam.lower())
        for candidate in (fam, mapped):  # a family the catalogue has (storefront fonts too) wins over the map
            if candidate is None:
                continue
            try:
                fid = conv.fonts.family_id(candidate, field=f"{where}.fontFamily")
            except FontError:
                continue
            if fid not in found:
                found.append(fid)
            break
    if found:
        return tuple(found)
    first = name.split(",")[0].strip().strip("'\"").strip()
    hint = did_you_mean(first, [*conv.fonts.families, *(f.family for f in conv.fonts.families.values())])
    if conv.opts.font_fallback is not None:
        fid = conv.fonts.family_id(conv.opts.font_fallback, field="font_fallback")
        said = f"no bundled font for this family{hint}; printed with {fid}"
        if (f"{where}.fontFamily", said) not in conv.approximations:  # an object's fonts may be looked up twice
            conv.notes.append(f"{where}.fontFamily: {said}")
            # reported like an approximation too: Rendered.warnings and a fabric.approximated preflight warning
            conv.approximations.append((f"{where}.fontFamily", said))
        return (fid,)
    raise FontError(
        f"no bundled font for this family{hint}; map it in the Fabric font table or configure a fallback "
        "(render-engine fonts lists the bundled families)",
        field=f"{where}.fontFamily",
    )


def native_font(family: tuple[str, ...], weight: int, style: str) -> dict[str, Any]:
    """The native ``font`` of a Fabric font: its first family, the others as ``fallback`` (left out when there
    are none, so a one-family text imports as it always did)."""
    font: dict[str, Any] = {"family": family[0], "weight": weight, "style": style}
    if len(family) > 1:
        font["fallback"] = list(family[1:])
    if weight >= 600:
        # node-canvas asks for the weight of the face it picked for the first family; fontconfig emboldens a
        # lighter face that prints a character of a bold one (a list family, an emoji face)
        font["synthetic_bold"] = True
    return font


def font_weight(raw: Any, where: str) -> int:
    """A CSS ``fontWeight`` (normal, bold, lighter, bolder or 100..900) as a number."""
    try:
        weight = _WEIGHTS[raw] if isinstance(raw, str) and raw in _WEIGHTS else int(raw)
    except (TypeError, ValueError, OverflowError):
        weight = 0
    if isinstance(raw, bool) or not 100 <= weight <= 900:
        raise DesignError("fontWeight is normal, bold or 100..900", field=where)
    return weight


def font_style(raw: Any, where: str) -> str:
    """A CSS ``fontStyle`` as ``normal`` or ``italic`` (oblique prints italic)."""
    if not (raw is None or isinstance(raw, str)) or raw not in ("normal", "italic", "oblique", "", None):
        raise DesignError("fontStyle is normal or italic", field=where)
    return "italic" if raw in ("italic", "oblique") else "normal"


def font_problems(root: Any, fonts: FontCatalog, opts: FabricOptions, prefix: str) -> list[DesignError]:
    """Every unknown ``fontFamily`` of a canvas's text objects (groups too) and an unknown ``font_fallback``,
    each a :class:`FontError` naming its field, found without translating anything: what an import that
    cannot start (an unknown template) lists beside its own problem."""
    from types import SimpleNamespace

    from .parse import TEXT_TYPES, kind_of

    problems: dict[tuple[str | None, str], DesignError] = {}
    if opts.font_fallback is not None:
        try:
            fonts.family_id(opts.font_fallback, field="font_fallback")
        except FontError as exc:
            problems[(exc.field, exc.message)] = exc
    scan = SimpleNamespace(fonts=fonts, opts=opts, notes=[], approximations=[])

    def walk(objects: Any, where: str) -> None:
        for i, obj in enumerate(objects if isinstance(objects, list) else ()):
            if not isinstance(obj, dict):
                continue
            at = f"{where}[{i}]"
            if kind_of(obj.get("type")) in TEXT_TYPES and "fontFamily" in obj:
                try:
                    font_family(scan, obj["fontFamily"], at)
                except DesignError as exc:
                    problems.setdefault((exc.field, exc.message), exc)
            walk(obj.get("objects"), f"{at}.objects")

    if isinstance(root, dict):
        walk(root.get("objects"), f"{prefix}objects")
    return list(problems.values())
