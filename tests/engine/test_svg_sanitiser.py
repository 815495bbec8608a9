"""The SVG sanitiser's output is always a document both renderers accept, or the input is refused at intake
with a typed error naming the field: sanitise -> render (librsvg raster, CairoSVG PDF, through the real
pipeline) either renders, or :func:`load_svg` raised a :class:`RenderError` — never ``XMLSyntaxError``,
``RecursionError``, a render-time failure or a 5xx."""

from __future__ import annotations

import time
from pathlib import Path

import pikepdf
import pytest
import pyvips
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from render_engine.engine import Engine
from render_engine.inputs.assets import load_svg, svg_with_root_attributes
from render_engine.model.design import parse_design
from render_engine.model.errors import AssetError, LimitExceeded, RenderError
from render_engine.model.settings import Settings
from render_engine.pipeline import render_design

FIELD = "layers[0].svg"
NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def _render_both(engine: Engine, svg: str, tmp: Path) -> None:
    """The real print path at a tiny DPI: PNG (librsvg) and PDF (CairoSVG), the SVG placed as a layer."""
    design = parse_design({
        "version": 1, "template": "coaster-95-round",
        "layers": [{"type": "svg", "svg": svg, "box": {"x": 10, "y": 10, "width": 60, "height": 40}}],
    })
    for fmt in ("png", "pdf"):
        out = tmp / f"o.{fmt}"
        render_design(design, engine, out, base_dir=tmp, fmt=fmt, dpi=40)
        assert out.stat().st_size > 0
    with pikepdf.open(tmp / "o.pdf") as pdf:
        assert len(pdf.pages) == 1


def _sanitised_root(raw: bytes) -> etree._Element:
    doc = load_svg(raw, FIELD, Settings())
    root = etree.fromstring(doc.data, etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True))
    assert root.getroottree().docinfo.internalDTD is None
    assert not any(isinstance(n, etree._Entity) for n in root.iter())
    return root


# ---------------------------------------------------------------------------------- classes, one test each


def test_entity_declarations_and_references_leave_a_self_contained_document(engine: Engine, tmp_path: Path) -> None:
    raw = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY ns "http://www.w3.org/2000/svg"><!ENTITY c "#ff0000">'
        '<!ENTITY word "Hello"><!ENTITY two "&word;&word;"><!ENTITY f SYSTEM "file:///etc/passwd">]>'
        '<svg xmlns="&ns;" viewBox="0 0 10 10"><rect fill="&c;" width="5" height="5"/>'
        "<text y=\"8\">&word;&two;&amp;&#65;</text></svg>"
    )
    root = _sanitised_root(raw.encode())
    rect, text = root[0], root[1]
    assert rect.get("fill") == "#ff0000"  # internal text entity: its literal value
    assert text.text == "Hello&A"  # the nested entity is dropped, no file content
    _render_both(engine, etree.tostring(root, encoding="unicode"), tmp_path)
    # the engine's own re-parse (placing the document) accepts it as well
    assert svg_with_root_attributes(load_svg(raw.encode(), FIELD, Settings()).data, preserveAspectRatio="none")


@pytest.mark.parametrize(
    "body",
    [
        '<use/>',  # refers to its own document: CairoSVG recursed (RecursionError) with preserveAspectRatio
        '<use href=""/>',
        '<use xlink:href="http://example.com/a.svg#x"/>',
        '<use href="#missing"/>',
        '<use href="file:///etc/passwd"/>',
        '<image href="" width="5" height="5"/>',
        '<image xlink:href="data:image/svg+xml;base64,PHN2Zy8+" width="5" height="5"/>',
        '<image href="data:image/png;base64,iVBORw0KGgoAAAAN" width="5" height="5"/>',  # damaged PNG
        '<text><tref xlink:href="#nope"/></text>',
        '<text><textPath href="http://e/p">x</textPath></text>',
        '<filter id="f"><feImage href="https://e/x.png"/></filter><rect filter="url(#f)" width="5" height="5"/>',
        '<rect fill="url(#nope)" stroke="url(http://e/x)" clip-path="url(#gone)" width="5" height="5"/>',
        '<rect style="fill:url(http://e/p);stroke:u\\72l(file:///x);mask:url(#gone);opacity:.5" width="5" height="5"/>',
        '<style>@import url(http://example.com/x.css);@font-face{src:url(file:///x)}'
        'rect{fill:url(http://e.com/p);stroke:red}</style><rect width="5" height="5"/>',
        '<a xlink:href="javascript:alert(1)"><rect width="5" height="5"/></a>',
        '<g xml:base="http://e/"><rect width="5" height="5" onload="x()"/></g>',
        '<script>alert(1)</script><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>',
    ],
)
def test_dangling_and_external_references_are_removed_with_what_needs_them(
    body: str, engine: Engine, tmp_path: Path
) -> None:
    raw = f'<svg {NS} viewBox="0 0 10 10" preserveAspectRatio="xMidYMid slice">{body}<rect width="1" height="1"/></svg>'
    root = _sanitised_root(raw.encode())
    text = etree.tostring(root, encoding="unicode")
    body_out = text.split(">", 1)[1]  # after the root's namespace declarations
    for bad in ("http:", "https:", "file:", "javascript:", "@import", "@font-face", "url(#nope", "url(#gone",
                "svg+xml", "script", "onload", "xml:base", "iVBOR"):
        assert bad not in body_out
    for el in root.iter():
        name = etree.QName(el).localname
        if name in ("use", "image", "tref", "textPath", "feImage"):
            assert any(etree.QName(a).localname == "href" for a in el.attrib), text
    _render_both(engine, text, tmp_path)


@pytest.mark.parametrize(
    "body",
    [
        '<pattern id="p" width="2" height="2"><rect fill="url(#p)" width="1" height="1"/></pattern>'
        '<rect fill="url(#p)" width="5" height="5"/>',
        '<g id="g" clip-path="url(#g)"><rect width="1" height="1"/></g>',
        '<filter id="f"><feImage href="#r"/></filter><rect id="r" filter="url(#f)" width="5" height="5"/>',
        '<mask id="m"><rect style="mask:url(#n)" width="1" height="1"/></mask>'
        '<mask id="n"><rect mask="url(#m)" width="1" height="1"/></mask><rect mask="url(#m)" width="5" height="5"/>',
        '<linearGradient id="a" href="#b"/><linearGradient id="b" xlink:href="#a"/>'
        '<rect fill="url(#a)" width="5" height="5"/>',
    ],
)
def test_reference_cycles_are_refused_with_the_field(body: str) -> None:
    raw = f'<svg {NS} viewBox="0 0 10 10">{body}</svg>'
    with pytest.raises((AssetError, LimitExceeded)) as info:
        load_svg(raw.encode(), FIELD, Settings())
    assert info.value.field == FIELD and info.value.http_status in (413, 422)


def test_use_chains_and_cycles_are_refused() -> None:
    for body in ('<use id="u" href="#u"/>', '<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'):
        with pytest.raises(RenderError) as info:
            load_svg(f'<svg {NS} viewBox="0 0 10 10">{body}</svg>'.encode(), FIELD, Settings())
        assert info.value.field == FIELD


def test_deep_and_huge_documents_are_refused_before_any_rendering() -> None:
    s = Settings()
    deep = f'<svg {NS} viewBox="0 0 10 10">' + "<g>" * (s.max_svg_depth + 5) + "</g>" * (s.max_svg_depth + 5) + "</svg>"
    t0 = time.perf_counter()
    with pytest.raises(LimitExceeded, match="deeper"):
        load_svg(deep.encode(), FIELD, s)
    wide = f'<svg {NS} viewBox="0 0 10 10">' + '<rect width="1" height="1"/>' * (s.max_svg_elements + 1) + "</svg>"
    with pytest.raises(LimitExceeded, match="elements"):
        load_svg(wide.encode(), FIELD, s)
    with pytest.raises(LimitExceeded, match="larger"):
        load_svg(b" " * (s.max_svg_bytes + 1), FIELD, s)
    assert time.perf_counter() - t0 < 2.0


def test_a_document_at_the_depth_limit_renders_in_both_renderers(engine: Engine, tmp_path: Path) -> None:
    depth = Settings().max_svg_depth - 2
    svg = f'<svg {NS} viewBox="0 0 10 10">' + "<g>" * depth + '<rect width="5" height="5"/>' + "</g>" * depth + "</svg>"
    _render_both(engine, svg, tmp_path)


def test_embedded_images_that_decode_are_kept(engine: Engine, tmp_path: Path) -> None:
    import base64

    png = base64.b64encode(pyvips.Image.black(4, 4).pngsave_buffer()).decode()
    raw = f'<svg {NS} viewBox="0 0 10 10"><image href="data:image/png;base64,{png}" width="5" height="5"/></svg>'
    root = _sanitised_root(raw.encode())
    assert root[0].get("href", "").startswith("data:image/png")
    _render_both(engine, etree.tostring(root, encoding="unicode"), tmp_path)


# ---------------------------------------------------------------------------------------- property test

_ids = st.sampled_from(["a", "b", "c", "", "nope"])
_refs = st.one_of(
    _ids.map(lambda i: f"#{i}"),
    st.sampled_from(["", "#", "http://e/x.svg#a", "file:///etc/passwd", "data:image/svg+xml;base64,PHN2Zy8+",
                     "javascript:x", " #a", "#xpointer(id('a'))"]),
)
_paint = st.one_of(
    st.sampled_from(["red", "none", "#00f", "currentColor"]),
    _ids.map(lambda i: f"url(#{i})"),
    st.sampled_from(["url(http://e/p)", "u\\72l(file:///x)", "url('#a') red", "image-set(url(#a) 1x)"]),
)


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(["rect", "g", "use", "pattern", "linearGradient", "clipPath", "mask", "filter",
                                "image", "text", "symbol", "style", "feImage", "a", "svg", "marker", "circle"]))
    attrs = []
    if draw(st.booleans()):
        attrs.append(f'id="{draw(_ids)}"')
    for name in draw(st.lists(st.sampled_from(["fill", "stroke", "clip-path", "mask", "filter", "marker-start"]),
                              max_size=2)):
        attrs.append(f'{name}="{draw(_paint)}"')
    if draw(st.booleans()):
        attrs.append(f'{draw(st.sampled_from(["href", "xlink:href"]))}="{draw(_refs)}"')
    if draw(st.booleans()):
        attrs.append(f'style="fill:{draw(_paint)};stroke:{draw(_paint)}"')
    if tag in ("rect", "image", "use", "pattern", "svg", "symbol", "mask"):
        attrs.append('width="4" height="3"')
    if tag == "circle":
        attrs.append('r="2" cx="3" cy="3"')
    if tag == "style":
        css = draw(st.sampled_from(["@import url(http://e/x.css);", "rect{fill:url(#a)}", "g{stroke:url(http://x)}",
                                    "@font-face{src:url(file:///x)}", "*{mask:url(#b)}"]))
        return f"<style>{css}</style>"
    ent = draw(st.sampled_from(["", "&e;", "&ext;", "&nbsp;", "&amp;"])) if tag == "text" else ""
    children = ""
    if depth < 3 and tag not in ("use", "image", "circle", "rect"):
        children = "".join(draw(st.lists(_element(depth + 1), max_size=3)))
    return f"<{tag} {' '.join(attrs)}>{ent or ('x' if tag == 'text' else '')}{children}</{tag}>"


@st.composite
def hostile_svg(draw: st.DrawFn) -> str:
    dtd = draw(st.sampled_from([
        "",
        '<!DOCTYPE svg [<!ENTITY e "text"><!ENTITY ext SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
        '<!DOCTYPE svg [<!ENTITY e "&ext;"><!ENTITY ext "x">]>',
    ]))
    root_attrs = draw(st.sampled_from(['viewBox="0 0 10 10"', 'width="10" height="10"', 'viewBox="0 0 10 10" '
                                       'preserveAspectRatio="xMidYMid slice"', 'preserveAspectRatio="none" '
                                       'width="8mm" height="4mm"']))
    if draw(st.booleans()):
        root_attrs += f' id="{draw(_ids)}"'
    body = "".join(draw(st.lists(_element(), min_size=1, max_size=5)))
    if ("&e;" in body or "&ext;" in body) and "ENTITY" not in dtd:
        body = body.replace("&e;", "").replace("&ext;", "")
    return f"{dtd}<svg {NS} {root_attrs}>{body}</svg>"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(svg=hostile_svg())
@example(svg=f'<svg {NS} viewBox="0 0 10 10" preserveAspectRatio="xMidYMid"><use xlink:href="http://x/y.svg#a"/></svg>')
@example(svg='<!DOCTYPE svg [<!ENTITY a "hi"><!ENTITY b "&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg" '
         'viewBox="0 0 10 10"><text>&b;</text></svg>')
def test_sanitise_then_render_either_renders_or_refuses_with_a_typed_error(
    svg: str, engine: Engine, tmp_path: Path
) -> None:
    try:
        load_svg(svg.encode(), FIELD, Settings())
    except RenderError as exc:  # refused at intake: typed, with the field
        assert exc.http_status in (413, 422), exc
        assert exc.field == FIELD, exc
        return
    # accepted: then both renderers draw it (a render-time refusal would reach the customer as a failed job)
    _render_both(engine, svg, tmp_path)


@pytest.mark.parametrize(
    ("d", "kept"),
    [
        ("M50 30C50 8 0 0 0 30C0 55 25 70 50 90Z0Z", "M50 30C50 8 0 0 0 30C0 55 25 70 50 90Z"),  # atheris svg_render
        ("M0 0L9 9Z , 5 5", "M0 0L9 9Z"),
        ("M0 0L9 9z m 2 2 l 1 1 z", "M0 0L9 9z m 2 2 l 1 1 z"),  # commands after a closepath: untouched
    ],
)
def test_numbers_after_a_closepath_end_the_path_data_there_as_svg_error_handling_says(d: str, kept: str) -> None:
    """SVG 1.1 path error handling: draw up to the last good segment (librsvg does). CairoSVG re-queued the
    numbers after ``Z`` as another ``Z`` forever, so this 150-byte SVG held a PDF render until its 10 s budget
    refused it; cut at the ``Z`` it draws at once, as librsvg draws it."""
    from render_engine.inputs.assets import render_svg_pdf

    raw = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 90"><path d="{d}" fill="#d6336c"/></svg>'
    doc = load_svg(raw.encode(), "svg", Settings())
    path = etree.fromstring(doc.data).find("{http://www.w3.org/2000/svg}path")
    assert path is not None and path.get("d") == kept
    pdf = render_svg_pdf(svg_with_root_attributes(doc.data, preserveAspectRatio="xMidYMid meet"), doc, "svg")
    assert pdf  # drawn, not refused as "took longer than 10 s"
