"""Customer SVG made safe *and* self-contained: what comes out is a plain XML document with no DTD, no
entity, no external reference and no reference that points nowhere or in a circle, or the input is refused
with a typed error naming the field.

Why a rebuild rather than deleting bad parts in place: lxml keeps entity references as nodes (and writes
them back as ``&name;``) after the DTD that declared them is dropped, so "sanitised" output stopped being
well-formed XML (``/v1/previews`` answered 500 ``XMLSyntaxError``). Here a new tree is built from the
parsed one, element by element, from *values* (attribute values come resolved from lxml; text entities are
replaced by their literal internal content or dropped), so no markup of the input survives as markup. Then,
to a fixed point:

* ``script``/``foreignObject`` and event handlers go; ``href`` (any namespace) keeps only ``#id`` of an
  element that exists, or, on ``<image>``, a ``data:`` PNG/JPEG that decodes (strictly, within the pixel
  limit); an element that cannot work without its reference (``use``, ``image``, ``feImage``, ``tref``,
  ``textPath``, ``mpath``) goes with it — a bare ``<use/>`` refers to its own document and makes CairoSVG
  recurse until ``RecursionError``;
* CSS in ``<style>`` and ``style=""`` / presentation attributes is tokenised with tinycss2 (the CSS parser
  CairoSVG itself uses, so escapes such as ``u\\72l(`` are seen as the renderers see them): at-rules
  (``@import``, ``@font-face``…) go; a declaration goes when it sets anything but a presentation property
  (:data:`CSS_PROPERTIES`) or holds any ``url()`` other than ``#id`` of an existing element, or an image
  function;
* elements without a namespace are read as SVG; a root in another namespace is refused;
* references (``href``, ``url(#id)``) form a graph over the elements holding the ids (an element depends on
  what it and its descendants reference); a cycle (``use`` → ``use``, a pattern filled with itself, a group
  clipped by itself) is refused: renderers recurse on it.

Nesting deeper than ``max_svg_depth`` is refused before the rebuild (CairoSVG recurses, a few frames a level).
"""

from __future__ import annotations

import base64
import binascii
import html.entities
import re
from collections.abc import Iterable, Iterator
from typing import Any

import tinycss2
import tinycss2.color3
from lxml import etree

from ..model.errors import AssetError, LimitExceeded
from ..model.settings import Settings
from .svg_path_data import cut_path_data

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_DROP_ELEMENTS = frozenset({"script", "foreignObject", "handler", "listener"})
_NEEDS_HREF = frozenset({"use", "image", "feImage", "tref", "textPath", "mpath"})
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg);base64,", re.IGNORECASE)
_IMAGE_FUNCTIONS = frozenset({"image", "image-set", "-webkit-image-set", "cross-fade", "element", "src", "paint"})
# CSS properties a declaration may set (SVG presentation properties and text styling). CairoSVG copies every
# declaration into the element's attributes, so e.g. ``use{href:""}`` would undo the href checks below.
CSS_PROPERTIES = frozenset(
    [
        "alignment-baseline", "baseline-shift", "clip", "clip-path", "clip-rule", "color", "color-interpolation",
        "color-interpolation-filters", "color-rendering", "direction", "display", "dominant-baseline", "fill",
        "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity", "font", "font-family",
        "font-feature-settings", "font-kerning", "font-size", "font-size-adjust", "font-stretch", "font-style",
        "font-variant", "font-weight", "glyph-orientation-horizontal", "glyph-orientation-vertical", "image-rendering",
        "isolation", "kerning", "letter-spacing", "lighting-color", "line-height", "marker", "marker-end", "marker-mid",
        "marker-start", "mask", "mask-type", "mix-blend-mode", "opacity", "overflow", "paint-order", "shape-rendering",
        "stop-color", "stop-opacity", "stroke", "stroke-dasharray", "stroke-dashoffset", "stroke-linecap",
        "stroke-linejoin", "stroke-miterlimit", "stroke-opacity", "stroke-width", "text-anchor", "text-decoration",
        "text-rendering", "text-transform", "transform", "transform-box", "transform-origin", "unicode-bidi",
        "vector-effect", "visibility", "white-space", "word-spacing", "writing-mode",
    ]
)
_ID_REF = re.compile(r"^#([^\s#]+)$")
_MAX_ENTITY_TEXT = 10_000  # characters one entity reference may expand to in text (no nesting is expanded)


def parse_untrusted(raw: bytes, field: str, settings: Settings) -> etree._Element:
    """Parse with no network, no DTD loading, no entity expansion; refuse over-deep documents."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        # libxml2 stops at 256 levels (a resource limit, not a syntax error): say what is wrong, the depth
        if _tag_depth(raw, settings.max_svg_depth) > settings.max_svg_depth:
            deep = f"SVG nests elements deeper than {settings.max_svg_depth} levels"
            raise LimitExceeded(deep, field=field) from None
        if any(w in str(exc.msg or "") for w in ("amplification", "entity reference loop")):  # libxml2's bomb guards
            raise LimitExceeded("SVG's entity declarations expand too much or refer to themselves (an entity "
                                "bomb: 'billion laughs'); write the text out", field=field) from None  # fmt: skip
        line, col = exc.position if exc.position else (0, 0)
        where = f" (line {line}, column {col})" if line else ""
        raise AssetError(f"SVG is not well-formed XML{where}", field=field) from None
    except ValueError:  # e.g. a str with an encoding declaration, or NUL bytes
        raise AssetError("SVG is not well-formed XML", field=field) from None
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        raise AssetError("not an SVG document", field=field)
    if etree.QName(root).namespace not in (None, SVG_NS):
        raise AssetError(f"not an SVG document (its root is not in the {SVG_NS} namespace)", field=field)
    if _depth(root) > settings.max_svg_depth:
        raise LimitExceeded(f"SVG nests elements deeper than {settings.max_svg_depth} levels", field=field)
    return root


_TAG = re.compile(rb"<(/?)[A-Za-z_:][^<>]*?(/?)>")


def _tag_depth(raw: bytes | str, stop: int) -> int:
    """Element nesting of a document the parser refused, from its tags alone (linear; comments and CDATA are
    not told apart: this only picks the message). Stops counting once past ``stop``."""
    data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
    depth = deepest = 0
    for m in _TAG.finditer(data):
        if m.group(1):
            depth -= 1
        elif not m.group(2):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop:
                    break
    return deepest


def _depth(root: etree._Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in el if isinstance(c.tag, str))
    return deepest


def _entities(root: etree._Element) -> dict[str, str]:
    """Internal entities of the document's DTD whose content is plain text (no markup, no reference)."""
    out: dict[str, str] = {}
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return out
    for ent in dtd.iterentities():
        content = ent.content
        if ent.system_url is None and isinstance(content, str) and "&" not in content and "<" not in content:
            out[ent.name] = content[:_MAX_ENTITY_TEXT]
    return out


def _entity_text(name: str, declared: dict[str, str]) -> str:
    if name in declared:
        return declared[name]
    return html.entities.html5.get(f"{name};", "")  # &nbsp; and friends from an un-loaded external DTD


def rebuild(root: etree._Element) -> etree._Element:
    """A fresh tree holding the elements, resolved attribute values and text of ``root``: no DTD, entity
    reference, comment or processing instruction can survive into it."""
    declared = _entities(root)
    nsmap = {k: v for k, v in root.nsmap.items() if k is not None and v != SVG_NS}
    new_root = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS, **nsmap})
    stack: list[tuple[etree._Element, etree._Element]] = [(root, new_root)]
    while stack:
        src, dst = stack.pop()
        for name, value in src.attrib.items():
            dst.set(name, value)
        dst.text = src.text
        last: etree._Element | None = None
        for child in src:
            if isinstance(child, etree._Entity):
                text = _entity_text(child.name, declared) + (child.tail or "")
            elif isinstance(child.tag, str):  # an element without a namespace is read as SVG (as browsers do)
                tag = child.tag if child.tag.startswith("{") else f"{{{SVG_NS}}}{child.tag}"
                last = etree.SubElement(dst, tag)
                stack.append((child, last))
                last.tail = child.tail
                continue
            else:  # comments / PIs are removed by the parser; anything else is dropped, its tail kept
                text = child.tail or ""
            if last is None:
                dst.text = (dst.text or "") + text
            else:
                last.tail = (last.tail or "") + text
    return new_root


# ---------------------------------------------------------------------------------------------------- CSS


def _walk_tokens(tokens: Iterable[Any]) -> Iterator[Any]:
    for tok in tokens:
        yield tok
        if tok.type in ("function", "() block", "[] block", "{} block"):
            yield from _walk_tokens(tok.arguments if tok.type == "function" else tok.content)


def _css_refs(tokens: Iterable[Any]) -> list[str] | None:
    """The ``#id`` targets of a CSS value's ``url()``s; None when it holds any other URL or image function."""
    refs: list[str] = []
    for tok in _walk_tokens(tokens):
        url: str | None = None
        if tok.type == "url":
            url = tok.value
        elif tok.type == "function":
            if tok.lower_name == "url":
                args = [a for a in tok.arguments if a.type not in ("whitespace", "comment")]
                url = args[0].value if len(args) == 1 and args[0].type == "string" else ""
            elif tok.lower_name in _IMAGE_FUNCTIONS or "url" in tok.lower_name:
                return None
        if url is not None:
            m = _ID_REF.match(url.strip())
            if m is None:
                return None
            refs.append(m.group(1))
    return refs


PAINT_PROPERTIES = frozenset({"fill", "stroke", "stop-color", "flood-color", "lighting-color", "color"})
_PAINT_KEYWORDS = frozenset({"none", "currentcolor", "inherit", "context-fill", "context-stroke"})


def paint_ok(tokens: Iterable[Any]) -> bool:
    """A paint or colour value: ``url(#id)`` (optionally with a fallback), a keyword, or a CSS colour that
    tinycss2 parses. Anything else goes: CairoSVG's colour parser raises ``ValueError`` on junk such as
    ``!!#d6336c`` or ``rgb(1,2)`` (found by the ``svg_render`` fuzz target)."""
    parts = [t for t in tokens if t.type not in ("whitespace", "comment")]
    if parts and (parts[0].type == "url" or (parts[0].type == "function" and parts[0].lower_name == "url")):
        parts = parts[1:]
    if not parts:
        return True
    if len(parts) != 1:
        return False
    tok = parts[0]
    if tok.type == "ident" and tok.lower_value in _PAINT_KEYWORDS:
        return True
    return tinycss2.color3.parse_color(tok) is not None


def clean_declarations(text: str, ids: set[str]) -> str:
    """A ``style`` attribute (or rule body) without declarations that reach outside or to missing ids."""
    kept = []
    for decl in tinycss2.parse_declaration_list(text, skip_comments=True, skip_whitespace=True):
        if decl.type != "declaration" or decl.lower_name not in CSS_PROPERTIES:
            continue
        refs = _css_refs(decl.value)
        if refs is None or any(r not in ids for r in refs):
            continue
        if decl.lower_name in PAINT_PROPERTIES and not paint_ok(decl.value):
            continue
        value = tinycss2.serialize(decl.value).strip()
        kept.append(f"{decl.name}:{value}{' !important' if decl.important else ''}")
    return ";".join(kept)


def clean_stylesheet(text: str, ids: set[str]) -> str:
    """A ``<style>`` sheet with its at-rules (``@import``, ``@font-face``…) removed and every rule's
    declarations cleaned as :func:`clean_declarations`."""
    out = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        body = clean_declarations(tinycss2.serialize(rule.content), ids)
        if body:
            out.append(f"{tinycss2.serialize(rule.prelude).strip()}{{{body}}}")
    return "\n".join(out)


_ANY_URL = re.compile(r"url\s*\(\s*['\"]?(?!#)", re.IGNORECASE)


def _attr_refs(value: str) -> list[str] | None:
    """``url()`` targets in a presentation attribute (tokenised as CSS, as the renderers read it); None
    when it holds any other URL (or anything that merely looks like one: the attribute goes)."""
    if "url" not in value.lower() and "\\" not in value and "(" not in value:
        return []
    if _ANY_URL.search(value):
        return None
    return _css_refs(tinycss2.parse_component_value_list(value, skip_comments=True))


# ---------------------------------------------------------------------------------------------- sanitise


def _local(name: str) -> str:
    return etree.QName(name).localname


def _valid_data_image(value: str, settings: Settings) -> bool:
    """A base64 PNG/JPEG data URL that decodes strictly within the pixel limit (CairoSVG and librsvg decode
    these themselves: a damaged one would fail the print, not the intake)."""
    m = _DATA_IMAGE.match(value[:40])
    if m is None or len(value) > settings.max_svg_bytes:
        return False
    try:
        raw = base64.b64decode(value[m.end() :], validate=True)
    except (binascii.Error, ValueError):
        return False
    import pyvips

    loader = "pngload_buffer" if raw.startswith(b"\x89PNG\r\n\x1a\n") else "jpegload_buffer"
    if loader == "jpegload_buffer" and not raw.startswith(b"\xff\xd8\xff"):
        return False
    try:
        img = pyvips.Operation.call(loader, raw, fail_on="error", access="sequential")
        if img.width * img.height > settings.max_source_pixels:
            return False
        img.avg()  # a full decode: CRC, truncation and entropy errors surface here
    except pyvips.Error:
        return False
    return True


_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_VIEW_BOX = re.compile(rf"^\s*({_NUMBER})[\s,]+({_NUMBER})[\s,]+({_NUMBER})[\s,]+({_NUMBER})\s*$")


def parse_view_box(value: str) -> tuple[float, float, float, float] | None:
    """Four finite numbers, the last two positive and below 1e7; None otherwise."""
    m = _VIEW_BOX.match(value)
    if m is None:
        return None
    x, y, w, h = (float(g) for g in m.groups())
    if not all(abs(v) < 1e7 for v in (x, y, w, h)) or w <= 0 or h <= 0:
        return None
    return x, y, w, h


def _href_ok(element: str, value: str, ids: set[str], settings: Settings, images: dict[str, bool]) -> bool:
    """``#id`` of an element that exists; on ``<image>`` also a data: PNG/JPEG that decodes (``images``
    caches the verdicts of one document)."""
    m = _ID_REF.match(value.strip())
    if m is not None:
        return m.group(1) in ids
    if element != "image" or not value.startswith("data:"):
        return False
    if value not in images:
        images[value] = _valid_data_image(value, settings)
    return images[value]


def _pass(root: etree._Element, settings: Settings, images: dict[str, bool]) -> bool:
    """One sanitising pass over the tree; True when it removed anything (references may now dangle)."""
    changed = False
    ids: set[str] = set()
    for el in root.iter():
        ident = el.get("id") if isinstance(el.tag, str) else None
        if ident is None:
            continue
        if ident in ids or not ident:  # a repeated id: renderers disagree on which one a reference means
            del el.attrib["id"]
            changed = True
        ids.add(ident)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or (el is not root and el.getparent() is None):
            continue
        name = _local(el.tag)
        if name in _DROP_ELEMENTS:
            el.getparent().remove(el)
            changed = True
            continue
        if name == "style":
            if (el.get("type") or "text/css").strip().lower() != "text/css" or len(el):
                el.getparent().remove(el)
                changed = True
                continue
            el.text = clean_stylesheet(el.text or "", ids)
        needs_href = name in _NEEDS_HREF
        has_href = False
        for attr in list(el.attrib):
            value = el.attrib[attr]
            local = _local(attr)
            if local.lower().startswith("on") or (local == "base" and etree.QName(attr).namespace):
                del el.attrib[attr]  # event handlers; xml:base (changes how every reference resolves)
                changed = True
            elif local == "href":
                # only href and xlink:href count (renderers read those two); any other namespace's "href" goes
                ok = etree.QName(attr).namespace in (None, XLINK_NS) and _href_ok(name, value, ids, settings, images)
                if ok:
                    has_href = True
                else:
                    del el.attrib[attr]  # external, empty, or to an element that is not (or no longer) there
                    changed = True
            elif local == "viewBox" and etree.QName(attr).namespace is None:
                box = parse_view_box(value)
                if box is None:
                    del el.attrib[attr]  # CairoSVG raises on a malformed viewBox; librsvg ignores it
                else:
                    el.attrib[attr] = " ".join(f"{v:g}" for v in box)
            elif local == "d" and cut_path_data(value) != value:  # CairoSVG loops on numbers after a Z
                el.attrib[attr] = cut_path_data(value)
            elif local == "style":
                cleaned = clean_declarations(value, ids)
                if cleaned != value:
                    el.attrib[attr] = cleaned
            else:
                refs = _attr_refs(value)
                bad_paint = local in PAINT_PROPERTIES and not paint_ok(
                    tinycss2.parse_component_value_list(value, skip_comments=True)
                )
                if refs is None or any(r not in ids for r in refs) or bad_paint:
                    del el.attrib[attr]
                    changed = True
        if needs_href and not has_href:
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
                changed = True
    return changed


def _references(el: etree._Element) -> Iterator[str]:
    """Ids ``el`` itself points at (href, url() in attributes and its style)."""
    for attr, value in el.attrib.items():
        local = _local(attr)
        if local == "href":
            m = _ID_REF.match(value.strip())
            if m:
                yield m.group(1)
        elif local == "style":
            for decl in tinycss2.parse_declaration_list(value, skip_comments=True, skip_whitespace=True):
                if decl.type == "declaration":
                    yield from _css_refs(decl.value) or ()
        else:
            yield from _attr_refs(value) or ()


def find_cycle(root: etree._Element) -> list[str] | None:
    """A reference cycle among the elements with ids (each depends on every id referenced inside it), or
    None. ``<style>`` rules are not followed (selectors are not resolved here; renderers apply only
    paint servers and clips from them, which are elements with ids checked here through their users)."""
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    edges: dict[str, set[str]] = {}
    for ident, el in by_id.items():
        edges[ident] = {r for sub in el.iter() if isinstance(sub.tag, str) for r in _references(sub) if r in by_id}
    # ancestors: a reference from inside an element to one of its ancestors is a cycle as well
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        refs = [r for r in _references(el) if r in by_id]
        if not refs:
            continue
        anc = el
        while anc is not None:
            ident = anc.get("id")
            if ident in refs:
                return [ident, ident]
            anc = anc.getparent()
    colour: dict[str, int] = {}
    for start in edges:
        if colour.get(start):
            continue
        path = [start]
        iters = [iter(sorted(edges[start]))]
        colour[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                iters.pop()
                continue
            state = colour.get(nxt, 0)
            if state == 1:
                return [*path[path.index(nxt):], nxt]
            if state == 0:
                colour[nxt] = 1
                path.append(nxt)
                iters.append(iter(sorted(edges[nxt])))
    return None


def sanitise(root: etree._Element, field: str, settings: Settings) -> etree._Element:
    """The safe, self-contained rebuild of a parsed document (see the module docstring)."""
    new = rebuild(root)
    checked: dict[str, bool] = {}
    for _ in range(50):  # each pass that changes anything removes at least one element or attribute
        if not _pass(new, settings, checked):
            break
    else:
        raise AssetError("SVG references could not be resolved", field=field)
    cycle = find_cycle(new)
    if cycle is not None:
        chain = " -> ".join(f"#{c}" for c in cycle[:6])
        raise AssetError(f"SVG references form a cycle ({chain}); renderers cannot draw it", field=field)
    return new


def serialise(root: etree._Element) -> bytes:
    """UTF-8 without a declaration. lxml's default (ASCII) writes non-ASCII characters in element and
    attribute *names* (legal XML, e.g. ``<use xlinkƙref="#"/>``) as character references, which are not
    legal there: the "sanitised" document would no longer parse (found by scripts/fuzz_atheris.py)."""
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False))


_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def verify_self_contained(data: bytes, field: str) -> None:
    """The output parses on its own, with no DTD and no entity reference (what every renderer and
    :func:`render_engine.inputs.assets.svg_with_root_attributes` re-parse)."""
    try:
        root = etree.fromstring(data, _STRICT)
    except (etree.XMLSyntaxError, ValueError):
        raise AssetError("SVG could not be made self-contained", field=field) from None
    if root.getroottree().docinfo.internalDTD is not None or any(isinstance(n, etree._Entity) for n in root.iter()):
        raise AssetError("SVG could not be made self-contained", field=field)
