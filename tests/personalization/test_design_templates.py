"""Design templates (issue #19): variables and filters, every slot constraint's error and field, every problem
listed at once, per-product layouts, template-file validation, and a filled template rendered to a PDF
(read back with pikepdf) with a clean preflight."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from render_engine import preflight, render_design
from render_engine.model.design import TextLayer
from render_engine.model.errors import DesignError, TemplateError
from render_engine.personalization import DesignTemplate, catalog, fill, parse_design_template
from render_engine.personalization.fill import grapheme_count
from render_engine.personalization.variables import format_date, substitute, variables

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "templates_design"
PHOTO = "examples/assets/portrait.jpg"  # 2400 x 3000 px
MM_PER_PT = 25.4 / 72
PLACEHOLDER = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M0 0H10V10H0Z" fill="#ccc"/></svg>'


def template_dict(**changes: Any) -> dict[str, Any]:
    """A small two-product template; ``changes`` replace top-level keys."""
    base: dict[str, Any] = {
        "id": "test-template",
        "name": "Test",
        "occasions": ["birthday"],
        "language": "en",
        "slots": {
            "name": {"type": "text", "label": "Name", "max_length": 18, "scripts": ["Latin"],
                     "fonts": ["noto-sans", "lobster-two"], "colors": ["#112233", "#aa0000"], "sizes": [20, 24]},
            "note": {"type": "text", "label": "Note", "required": False, "multiline": True},
            "when": {"type": "date", "label": "Date", "required": False},
            "photo": {"type": "photo", "label": "Photo", "min_dpi": 200, "placeholder_svg": PLACEHOLDER},
        },
        "products": {
            "mug-11oz": {"layers": [
                {"type": "background", "color": "#ffffff", "locked": True},
                {"type": "image", "slot": "photo", "box": {"x": -2, "y": -2, "width": 92, "height": 92.9}},
                {"type": "text", "text": "Hi {{name|upper}}", "font": {"family": "noto-sans"}, "size": 20,
                 "box": {"x": 100, "y": 10, "width": 120, "height": 20}},
                {"type": "text", "text": "{{note}}", "font": {"family": "noto-sans"}, "size": 10,
                 "box": {"x": 100, "y": 40, "width": 120, "height": 20}},
                {"type": "text", "text": "{{when|date:%-d %B %Y}}", "font": {"family": "noto-sans"}, "size": 10,
                 "box": {"x": 100, "y": 62, "width": 120, "height": 10}},
            ]},
            "card-5x7": {"layers": [
                {"type": "background", "color": "#ffffff", "locked": True},
                {"type": "image", "slot": "photo", "box": {"x": 10, "y": 10, "width": 107, "height": 80}},
                {"type": "text", "text": "{{name|title}}", "font": {"family": "noto-sans"}, "size": 24,
                 "box": {"x": 10, "y": 100, "width": 107, "height": 20}, "align": "center"},
                {"type": "text", "text": "{{note}} {{when|date:%d/%m/%Y}}", "font": {"family": "noto-sans"}, "size": 10,
                 "box": {"x": 10, "y": 130, "width": 107, "height": 20}},
            ]},
        },
    }  # fmt: skip
    base.update(changes)
    return base


@pytest.fixture(scope="module")
def tpl() -> DesignTemplate:
    return parse_design_template(template_dict(), LIBRARY)


def texts(design: Any) -> list[str]:
    return [layer.text for layer in design.layers if isinstance(layer, TextLayer)]


def problems(exc: pytest.ExceptionInfo[DesignError]) -> dict[str, str]:
    errs = exc.value.problems or (exc.value,)
    return {str(e.field): e.message for e in errs}


# ------------------------------------------------------------------------------------------ variables


def test_filters_and_dates() -> None:
    values: dict[str, str | dt.date] = {"n": "élodie o'brien", "d": dt.date(2026, 11, 8)}
    assert substitute("{{n|upper}}", values, "en") == "ÉLODIE O'BRIEN"
    assert substitute("{{ n | title }}", values, "en") == "Élodie O'brien"
    assert substitute("{{n|upper|lower}}", values, "en") == "élodie o'brien"
    assert substitute("{{d|date:%d %B %Y}}", values, "en") == "08 November 2026"
    assert substitute("{{d|date:%A %-d %b}}", values, "en") == "Sunday 8 Nov"
    assert substitute("{{d|date:%-d %B %Y}}", values, "hi") == "8 नवंबर 2026"
    assert substitute("{{d|date:%Y年%-m月%-d日}}", values, "zh-Hans") == "2026年11月8日"
    assert substitute("{{n|upper}}", {"n": "istanbul"}, "tr") == "İSTANBUL"  # ICU, the template's language
    assert format_date(dt.date(2027, 1, 1), "%y %%", "en") == "27 %"


def test_a_value_is_never_expanded_again(tpl: DesignTemplate) -> None:
    d = fill(tpl, "mug-11oz", {"name": "{{note}}", "note": "x"}, {"photo": PHOTO}, base_dir=REPO)
    assert texts(d)[0] == "Hi {{NOTE}}"  # the customer's braces are text; the filter still applies


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{name|shout}}", "unknown filter 'shout'"),
        ("{{when|date:%Q}}", "date format code %Q"),
        ("{{when|date}}", "needs a format"),
        ("{{name|upper:x}}", "takes no argument"),
        ("Hello {{name", "outside a variable"),
    ],
)
def test_malformed_variables(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        variables(text)


def test_grapheme_count() -> None:
    assert grapheme_count("Asha") == 4
    assert grapheme_count("e\u0301") == 1  # e + combining acute
    assert grapheme_count("👩‍👩‍👧") == 1  # one ZWJ family


# ------------------------------------------------------------------------------------------ fill


def test_fill_builds_a_native_design(tpl: DesignTemplate) -> None:
    d = fill(tpl, "mug-11oz", {"name": "asha", "when": "2026-12-24", "note": "love"}, {"photo": PHOTO}, base_dir=REPO)
    assert d.template == "mug-11oz"
    assert texts(d) == ["Hi ASHA", "love", "24 December 2026"]
    image = d.layers[1]
    assert image.type == "image" and image.asset == PHOTO
    assert d.meta.title == "Test"


def test_per_product_layouts(tpl: DesignTemplate) -> None:
    values = {"name": "asha rao", "when": "2026-12-24", "note": "love"}
    mug = fill(tpl, "mug-11oz", values, {"photo": PHOTO}, base_dir=REPO)
    card = fill(tpl, "card-5x7", values, {"photo": PHOTO}, base_dir=REPO)
    assert (mug.template, card.template) == ("mug-11oz", "card-5x7")
    assert texts(card) == ["Asha Rao", "love 24/12/2026"]
    assert mug.layers[1].box.width == 92 and card.layers[1].box.width == 107  # type: ignore[union-attr]
    with pytest.raises(DesignError) as exc:
        fill(tpl, "poster-24x36", values, {"photo": PHOTO})
    assert exc.value.field == "product" and "it fits: mug-11oz, card-5x7" in exc.value.message


def test_optional_slots_left_empty_drop_their_layers(tpl: DesignTemplate) -> None:
    d = fill(tpl, "mug-11oz", {"name": "Asha"}, {"photo": PHOTO}, base_dir=REPO)
    assert texts(d) == ["Hi ASHA"]


def test_style_choices(tpl: DesignTemplate) -> None:
    values = {"name": {"text": "Asha", "font": "lobster-two", "color": "#AA0000", "size": "24"}}
    d = fill(tpl, "mug-11oz", values, {"photo": PHOTO}, base_dir=REPO)
    layer = d.layers[2]
    assert isinstance(layer, TextLayer)
    assert (layer.font.family, layer.color.hex, layer.size) == ("lobster-two", "#aa0000", 24.0)  # type: ignore[union-attr]


def test_placeholders_for_previews(tpl: DesignTemplate) -> None:
    d = fill(tpl, "mug-11oz", {}, {}, placeholders=True)
    assert d.layers[1].type == "svg"  # the photo slot shows its placeholder art
    assert texts(d)[0] == "Hi NAME"  # the required text slot shows its label


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "slots.name", "required (Name)"),
        ({"name": "   "}, "slots.name", "required (Name); it is blank"),
        ({"name": "A" * 19}, "slots.name", "at most 18 characters (it has 19)"),
        ({"name": "Asha आशा"}, "slots.name", "only Latin letters (found Devanagari)"),
        ({"name": "Asha\nRao"}, "slots.name", "must be one line"),
        ({"name": "Asha\x07"}, "slots.name", "must not contain control characters"),
        ({"name": 42}, "slots.name", "must be text"),
        ({"name": "Asha", "name.font": "bebas-neue"}, "slots.name.font", "one of noto-sans, lobster-two"),
        ({"name": "Asha", "name.color": "#00ff00"}, "slots.name.color", "one of #112233, #aa0000"),
        ({"name": "Asha", "name.size": "99"}, "slots.name.size", "one of 20, 24"),
        ({"name": "Asha", "note.color": "#112233"}, "slots.note.color", "this slot offers no color choice"),
        ({"name": "Asha", "name.weight": "700"}, "slots.name.weight", "unknown option; options: font, color, size"),
        ({"name": "Asha", "when": "24/12/2026"}, "slots.when", "a date as YYYY-MM-DD"),
        ({"name": "Asha", "when": "2026-02-30"}, "slots.when", "a date as YYYY-MM-DD"),
        ({"name": "Asha", "nmae": "x"}, "slots.nmae", "unknown slot (did you mean name?); slots: name, note, when"),
        ({"name": "Asha", "photo": "x.jpg"}, "slots.photo", "a photo slot: give the photo in photos, not values"),
    ],
)
def test_each_constraint_names_its_slot(
    tpl: DesignTemplate, values: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DesignError) as exc:
        fill(tpl, "mug-11oz", values, {"photo": PHOTO}, base_dir=REPO)
    assert problems(exc) == {field: message}
    assert str(exc.value) == f"{field}: {message}" or len(exc.value.problems) > 1


def test_photo_problems(tpl: DesignTemplate, tmp_path: Path) -> None:
    import pyvips

    pyvips.Image.black(300, 300).copy(interpretation="srgb").bandjoin([0, 0]).jpegsave(str(tmp_path / "small.jpg"))
    (tmp_path / "text.jpg").write_text("not a photo")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "photos.photo", "required (Photo)"),
        ({"photo": "missing.jpg"}, "photos.photo", "asset file not found"),
        ({"photo": "text.jpg"}, "photos.photo", "not a supported image format"),
        ({"photo": "../etc/passwd"}, "photos.photo", "asset path leaves the design's folder"),
        ({"photo": "small.jpg"}, "photos.photo", "82 dpi in its 92 x 92.9 mm box on mug-11oz; at least 200 dpi"),
        ({"photo": {"url": "http://x"}}, "photos.photo", "a photo is a file path or {\"asset_id\": …}"),
    ]
    for photos, field, message in cases:
        with pytest.raises(DesignError) as exc:
            fill(tpl, "mug-11oz", {"name": "Asha"}, photos, base_dir=tmp_path)
        found = problems(exc)
        assert list(found) == [field] and message in found[field], (photos, found)
    with pytest.raises(DesignError) as exc:
        fill(tpl, "mug-11oz", {"name": "Asha"}, {"photo": PHOTO, "logo": PHOTO}, base_dir=REPO)
    assert problems(exc) == {"photos.logo": "unknown photo slot; photo slots: photo"}
    d = fill(tpl, "mug-11oz", {"name": "Asha"}, {"photo": {"asset_id": "abc123"}})
    assert d.layers[1].asset_id == "abc123"  # type: ignore[union-attr]


def test_every_problem_is_listed_at_once(tpl: DesignTemplate) -> None:
    with pytest.raises(DesignError) as exc:
        fill(
            tpl, "mug-11oz",
            {"name": "Asha the magnificent", "name.color": "#000000", "when": "soon", "extra": "x"},
            {"picture": PHOTO}, base_dir=REPO,
        )  # fmt: skip
    err = exc.value
    assert [p.field for p in err.problems] == [
        "slots.extra", "slots.name", "slots.name.color", "slots.when", "photos.picture", "photos.photo"
    ]  # fmt: skip
    assert err.message.startswith("6 problems: slots.extra: unknown slot")
    assert err.lines()[1] == "slots.name: at most 18 characters (it has 20)"
    assert err.to_dict()["problems"][3] == {  # type: ignore[index]
        "code": "invalid_design", "message": "a date as YYYY-MM-DD", "field": "slots.when"
    }  # fmt: skip


# ------------------------------------------------------------------------------------------ template files


def _broken(path: str, value: Any) -> dict[str, Any]:
    data = template_dict()
    node: Any = data
    keys = path.split("/")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("products/mug-11oz/layers/2/text", "Hi {{nobody}}", "'{{nobody}}' is not a text or date slot"),
        ("products/mug-11oz/layers/2/text", "Hi {{photo}}", "'{{photo}}' is not a text or date slot"),
        ("products/mug-11oz/layers/2/text", "Hi {{name|date:%d}}", "the date filter is for date slots"),
        ("products/mug-11oz/layers/2/text", "Hi {{name|loud}}", "unknown filter 'loud'"),
        ("products/mug-11oz/layers/2/locked", True, "a locked layer cannot hold variables"),
        ("products/mug-11oz/layers/1/slot", "name", "'name' is not a photo slot"),
        ("products/mug-11oz/layers/0/slot", "photo", "only image layers take a photo slot"),
        ("products/mug-11oz/layers/2/box", {"x": 0, "y": 0, "width": -1, "height": 5},
         "Input should be greater than 0"),
        ("products/mug-11oz/layers/2/style_slot", "when", "a text layer naming a text slot of this template"),
        ("slots/extra", {"type": "text", "label": "Unused"}, "slots not used by any product layout: extra"),
        ("slots/name/default", "A" * 30, "the default is longer than max_length"),
        ("language", "English", "String should match pattern"),
    ],
)
def test_template_validation(path: str, value: Any, reason: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(reason)) as exc:
        parse_design_template(_broken(path, value), LIBRARY)
    if path.endswith("/box"):
        assert exc.value.field == "products.mug-11oz.layers[2].box.width"
    if path.endswith("/2/text"):
        assert exc.value.field == "products.mug-11oz.layers[2].text"


def test_template_art_stays_in_the_library(tmp_path: Path) -> None:
    data = template_dict()
    data["products"]["mug-11oz"]["layers"].append(
        {"type": "svg", "file": "../README.md", "box": {"x": 0, "y": 0, "width": 5, "height": 5}}
    )
    with pytest.raises(TemplateError, match="asset path leaves the design's folder") as exc:
        parse_design_template(data, LIBRARY)
    assert exc.value.field == "products.mug-11oz.layers[5].file"


def test_template_schema_is_current() -> None:
    from render_engine.personalization import design_template_json_schema

    on_disk = json.loads((REPO / "docs" / "design-template.schema.json").read_text(encoding="utf-8"))
    assert on_disk == design_template_json_schema(), "run: python -m render_engine.cli design-templates --schema"


# ------------------------------------------------------------------------------------------ rendering


def test_filled_template_renders_to_pdf_with_a_clean_preflight(tpl: DesignTemplate, tmp_path: Path) -> None:
    values = {"name": "Asha", "when": "2026-12-24"}
    for product, (w, h) in {"mug-11oz": (228.6, 88.9), "card-5x7": (127.0, 177.8)}.items():
        d = fill(tpl, product, values, {"photo": PHOTO}, base_dir=REPO)
        out = tmp_path / f"{product}.pdf"
        render_design(d, out, base_dir=REPO, dpi=72)
        with pikepdf.open(out) as pdf:
            trim = [float(v) for v in pdf.pages[0].TrimBox]
        assert (trim[2] - trim[0]) * MM_PER_PT == pytest.approx(w, abs=0.01)
        assert (trim[3] - trim[1]) * MM_PER_PT == pytest.approx(h, abs=0.01)
        report = preflight(d, base_dir=REPO)
        assert report.ok, report.to_dict()


def test_library_loads() -> None:
    lib = catalog(LIBRARY).templates
    assert "birthday-balloons" in lib
    assert all(t.products for t in lib.values())


def test_catalog_filters() -> None:
    cat = catalog(LIBRARY)
    assert [t.id for t in cat.find(occasion="birthday")] == sorted(
        t.id for t in cat.templates.values() if "birthday" in t.occasions
    )
    assert all("mug-11oz" in t.products for t in cat.find(product="mug-11oz"))
    with pytest.raises(TemplateError, match="unknown design template"):
        cat.get("no-such-template")


def test_template_dict_is_not_mutated_by_parsing() -> None:
    data = template_dict()
    before = copy.deepcopy(data)
    parse_design_template(data, LIBRARY)
    assert data["products"] == before["products"]


# ------------------------------------------------------------------------------------------ the library


def sample_values(t: DesignTemplate) -> dict[str, str]:
    """A value for every text and date slot that its constraints accept."""
    from render_engine.personalization import DateSlot, TextSlot

    out: dict[str, str] = {}
    for name, slot in t.slots.items():
        if isinstance(slot, DateSlot):
            out[name] = "2026-11-08"
        elif isinstance(slot, TextSlot):
            sample = {"Han": "李", "Devanagari": "आशा"}.get(slot.scripts[0] if slot.scripts else "", "Asha")
            if name in ("age", "years"):
                sample = "7"
            out[name] = sample[: slot.max_length or None]
    return out


LIBRARY_CASES = [(t.id, p) for t in catalog(LIBRARY).templates.values() for p in t.products]


def test_library_covers_the_brief() -> None:
    lib = catalog(LIBRARY).templates.values()
    assert len(lib) >= 30
    assert len({p for t in lib for p in t.products}) >= 18
    multi = {t.id for t in lib for layout in t.products.values() if not layout.layers}
    assert len(multi) >= 10  # folded cards, invitations, cushions, tees, badges, a book, a calendar
    occasions = {o for t in lib for o in t.occasions}
    wanted = {"diwali", "rakhi", "valentines", "birthday", "anniversary", "christmas", "spring-festival", "corporate",
              "holi", "mothers-day", "fathers-day", "eid", "wedding", "baby", "graduation", "pet", "chinese-new-year"}
    assert wanted <= occasions
    assert {t.language for t in lib} >= {"en", "hi", "zh-Hans"}


@pytest.mark.parametrize(("template_id", "product"), LIBRARY_CASES)
def test_every_library_template_renders_on_every_product(template_id: str, product: str, tmp_path: Path) -> None:
    t = catalog(LIBRARY).get(template_id)
    photos: dict[str, Any] = {k: PHOTO for k, s in t.slots.items() if s.type == "photo"}
    photos |= {k: [PHOTO] * s.min_count for k, s in t.slots.items() if s.type == "photos"}  # photos flowing on pages
    design = fill(t, product, sample_values(t), photos, base_dir=REPO)
    rendered = render_design(design, tmp_path / "out", base_dir=REPO, dpi=20)
    files = rendered.parts or (rendered,)  # a multi-surface product: one file per part (card.pdf, front.png…)
    for part in files:
        if part.format == "png":
            assert part.pixels is not None and min(part.pixels) > 10
        else:
            with pikepdf.open(io.BytesIO(part.data)) as pdf:
                assert len(pdf.pages) == part.pages >= 1
    if design.is_multi:  # every surface the layout fills is printed, in the part that holds it
        printed = {s for part in files for s in part.surfaces}
        assert set(design.surfaces) <= printed, (set(design.surfaces), printed)
    report = preflight(design, base_dir=REPO)
    blockers = [f for f in report.findings if f.severity == "blocker"]
    assert not blockers, [(f.code, f.layer, f.message) for f in blockers]
    # the previews' placeholder fill is valid too
    preview = fill(t, product, {}, {}, placeholders=True)
    assert preview.template == product


def test_layout_errors_name_the_slot(tpl: DesignTemplate) -> None:
    from render_engine import personalize
    from render_engine.personalization.fill import fill_with_sources

    values = {"name": "Asha", "note": "hi"}
    design, sources = fill_with_sources(tpl, "mug-11oz", values, {"photo": PHOTO}, base_dir=REPO)
    assert list(sources.values()) == ["products.mug-11oz.layers[0]", "photos.photo", "slots.name", "slots.note"]
    assert list(sources) == [f"layers[{i}]" for i in range(4)]
    assert len(design.layers) == len(sources)
    with pytest.raises(DesignError) as exc:  # no bundled font has a plane-15 private-use character
        personalize(tpl, "mug-11oz", {"name": "Asha\U000f0000"}, {"photo": PHOTO}, base_dir=REPO, dpi=20)
    assert exc.value.field == "slots.name" and "no bundled font can print U+F0000" in exc.value.message
