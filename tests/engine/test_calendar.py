"""Calendar layers (#18): the month grid against Python's ``calendar`` module, localised names shaped in the
right faces (HarfBuzz glyph ids), holidays marked in the rendered pixels, the print PDF read back with
pikepdf, clear errors naming the field."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
import uharfbuzz as hb
from PIL import Image

from render_engine.engine import Engine
from render_engine.layout.plan import ShapeItem, TextItem
from render_engine.model.calendar_grid import WEEK_STARTS, days_in_month, month_weeks
from render_engine.model.date_names import MONTHS, WEEKDAYS_SHORT
from render_engine.model.design import CalendarLayer, TextLayer, load_design_file, parse_design
from render_engine.model.errors import DesignError, RenderError
from render_engine.model.units import MM_PER_INCH, PT_PER_INCH
from render_engine.parts import prepare_parts, render_parts
from render_engine.pipeline import prepare, render_design
from tests.conftest import EXAMPLES, ROOT, design
from tests.toolkit import STOREFRONT, app_client

BOX = {"x": 10, "y": 155, "width": 190, "height": 132}
CAL_EXAMPLE = EXAMPLES / "calendar-wall-a4-2027.json"
PAGE = "poster-24x36"  # a single-surface product for the grid's own tests (the calendar product has 13 pages)


def _calendar(**over: Any) -> dict[str, Any]:
    return {"type": "calendar", "year": 2027, "month": 1, "box": BOX} | over


def _texts(layers: list[Any]) -> list[TextLayer]:
    return [la for la in layers if isinstance(la, TextLayer)]


# ------------------------------------------------------------------------------------------------- the grid


@pytest.mark.parametrize("week_start", sorted(WEEK_STARTS))
@pytest.mark.parametrize("year", [1900, 2000, 2024, 2026, 2027, 2100])
def test_month_weeks_match_python_calendar(year: int, week_start: str) -> None:
    first = WEEK_STARTS[week_start]
    cal = calendar.Calendar(firstweekday=first)
    for month in range(1, 13):
        assert month_weeks(year, month, week_start) == cal.monthdayscalendar(year, month), (year, month)
        six = month_weeks(year, month, week_start, six_rows=True)
        assert len(six) == 6 and [d for w in six for d in w if d] == list(range(1, days_in_month(year, month) + 1))
        assert days_in_month(year, month) == calendar.monthrange(year, month)[1]


def test_leap_years() -> None:
    assert [days_in_month(y, 2) for y in (1900, 2000, 2024, 2027, 2100)] == [28, 29, 29, 28, 28]
    assert month_weeks(2021, 2, "monday") == calendar.Calendar(0).monthdayscalendar(2021, 2)  # 4 rows
    assert len(month_weeks(2021, 2, "monday")) == 4 and len(month_weeks(2026, 8, "monday")) == 6


@pytest.mark.parametrize(
    ("year", "month", "week_start"),
    [(2027, 1, "monday"), (2027, 1, "sunday"), (2027, 1, "saturday"), (2024, 2, "monday"), (2024, 9, "sunday"),
     (2026, 8, "saturday"), (2000, 10, "monday"), (2100, 3, "sunday")],
)  # fmt: skip
def test_day_one_is_drawn_under_its_weekday(engine: Engine, year: int, month: int, week_start: str) -> None:
    """Through parse and layout: the glyphs of "1" sit in the column whose head names day 1's weekday."""
    d = parse_design(design(PAGE, _calendar(year=year, month=month, week_start=week_start)))
    layout = prepare(d, engine, ROOT).layout
    texts = {it.block.lines[0].text: it for it in layout.items if isinstance(it, TextItem)}
    col_w = BOX["width"] / 7
    one = texts["1"].block.bounds
    assert one is not None
    column = int((one.cx - BOX["x"]) // col_w)
    expected = calendar.Calendar(WEEK_STARTS[week_start]).monthdayscalendar(year, month)[0].index(1)
    assert column == expected
    weekday = dt.date(year, month, 1).weekday()
    head = texts[WEEKDAYS_SHORT["en"][weekday]].block.bounds
    assert head is not None and int((head.cx - BOX["x"]) // col_w) == expected
    last = str(calendar.monthrange(year, month)[1])
    assert last in texts and str(int(last) + 1) not in texts


# ---------------------------------------------------------------------------------------- localised names


def _gids(face_path: Path, text: str) -> list[int]:
    blob = hb.Blob.from_file_path(str(face_path))
    font = hb.Font(hb.Face(blob))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf)
    return [g.codepoint for g in buf.glyph_infos]


@pytest.mark.parametrize(
    ("locale", "family", "lang"), [("hi", "noto-sans-devanagari", "hi"), ("zh-Hans", "droid-sans-fallback", "zh")]
)
def test_localised_names_are_shaped_in_a_face_of_their_script(engine: Engine, locale: str, family: str,
                                                              lang: str) -> None:  # fmt: skip
    d = parse_design(design(PAGE, _calendar(month=2, locale=locale, week_start="sunday")))
    layout = prepare(d, engine, ROOT).layout
    items = [it for it in layout.items if isinstance(it, TextItem)]
    title, heads = items[0], items[1:8]
    month = MONTHS[lang][1]
    assert month in title.block.lines[0].text and "2027" in title.block.lines[0].text
    assert [h.block.lines[0].text for h in heads] == [WEEKDAYS_SHORT[lang][(6 + i) % 7] for i in range(7)]
    face = engine.fonts.face_for(family, 400, "normal")
    for it in [title, *heads]:
        assert not [c for c, _f in it.block.fallback if not c.isdigit()], "names need no fallback face"
        line = it.block.lines[0].text
        fell_back = {c for c, _f in it.block.fallback}
        name = "".join(c for c in line if c not in fell_back)  # what the face itself prints (not zh digits)
        assert month in name if it is title else name == line
        mine = [g.gid for g in it.block.glyphs if g.face_id == face.face_id]
        assert mine and mine == _gids(face.path, name), f"{line}: glyph ids are HarfBuzz's for {family}"


def test_short_weekday_names_are_cldr_abbreviations() -> None:
    import icu

    symbols = icu.DateFormatSymbols
    for lang, loc in (("en", "en"), ("hi", "hi"), ("zh", "zh_Hans")):
        icu_names = symbols(icu.Locale(loc)).getWeekdays(symbols.STANDALONE, symbols.ABBREVIATED)[1:]  # Sunday first
        assert WEEKDAYS_SHORT[lang] == icu_names[1:] + icu_names[:1]


# ------------------------------------------------------------------------------------------------ holidays


def test_holidays_marked_and_other_months_ignored(engine: Engine, tmp_path: Path) -> None:
    red, fill = "#d50000", "#ffd54f"
    layer = _calendar(
        holidays=[{"date": "2027-01-26", "label": "Republic Day"}, {"date": "2027-02-14", "label": "Valentine's"}],
        holiday_color=red, holiday_fill=fill, color="#000000", grid=None,
    )  # fmt: skip
    d = parse_design(design(PAGE, {"type": "background", "color": "#ffffff"}, layer))
    labels = [t.text for t in _texts(d.layers)]
    assert "Republic Day" in labels and "Valentine's" not in labels and "14" in labels
    prep = prepare(d, engine, ROOT)
    dpi = 100
    out = render_design(d, engine, tmp_path / "h.png", base_dir=ROOT, fmt="png", dpi=dpi).path
    with Image.open(out) as im:
        px = np.asarray(im.convert("RGB")).astype(int)
    bleed = prep.layout.template.bleed_mm

    def at(x_mm: float, y_mm: float) -> np.ndarray:
        return px[round((y_mm + bleed) / MM_PER_INCH * dpi), round((x_mm + bleed) / MM_PER_INCH * dpi)]

    fills = [it for it in prep.layout.items if isinstance(it, ShapeItem)]
    assert len(fills) == 1
    cell = fills[0].path.bounds()
    assert cell.w == pytest.approx(BOX["width"] / 7, abs=0.01)
    inside = at(cell.x + cell.w * 0.7, cell.y + cell.h * 0.35)
    assert abs(inside - [255, 213, 79]).max() < 30, "the holiday cell is filled"
    assert at(cell.x - cell.w * 0.3, cell.y + cell.h * 0.35).min() > 240, "the day before is not"
    texts = {it.block.lines[0].text: it for it in prep.layout.items if isinstance(it, TextItem)}
    for word, want in (("26", [213, 0, 0]), ("25", [0, 0, 0])):
        b = texts[word].block.bounds
        assert b is not None
        y0, y1 = round((b.y + bleed) / MM_PER_INCH * dpi), round((b.y1 + bleed) / MM_PER_INCH * dpi)
        x0, x1 = round((b.x + bleed) / MM_PER_INCH * dpi), round((b.x1 + bleed) / MM_PER_INCH * dpi)
        region = px[y0 : y1 + 1, x0 : x1 + 1].reshape(-1, 3)
        ink = region[region.sum(axis=1).argmin()]
        assert abs(ink - want).max() < 60, f"{word} printed in {want}, darkest pixel {ink}"


# ---------------------------------------------------------------------------------------------- print PDF


def _box_mm(page: pikepdf.Page, name: str) -> tuple[float, ...]:
    return tuple(float(v) / PT_PER_INCH * MM_PER_INCH for v in page.obj[name])


def test_example_is_one_13_page_pdf_with_a_month_on_every_page(engine: Engine, tmp_path: Path) -> None:
    """The wall calendar: cover + 12 months in one ``calendar.pdf``, A4 TrimBox on every page (2 mm bleed),
    CMYK colour operators only, the same bytes twice, and each month page's layout holds its own month."""
    prepared = prepare_parts(load_design_file(CAL_EXAMPLE), engine, CAL_EXAMPLE.parent)
    titles = [
        next((it.block.lines[0].text for it in s.prep.layout.items if isinstance(it, TextItem)
              and it.block.lines and it.block.lines[0].text.endswith(" 2027")), None)
        for s in prepared.surfaces()
    ]  # fmt: skip
    assert titles == [None] + [f"{m} 2027" for m in MONTHS["en"]]
    runs = [render_parts(prepared, engine, tmp_path / str(n)) for n in range(2)]
    assert [r.path.name for r in runs[0]] == ["calendar.pdf"]
    pdf_path = runs[0][0].path
    assert pdf_path.read_bytes() == runs[1][0].path.read_bytes(), "same design, same bytes"
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 13
        for page in pdf.pages:
            assert _box_mm(page, "/TrimBox") == pytest.approx((2.0, 2.0, 212.0, 299.0), abs=0.01)
            assert _box_mm(page, "/BleedBox") == pytest.approx((0, 0, 214.0, 301.0), abs=0.01)
            ops = {str(op) for _operands, op in pikepdf.parse_content_stream(page)}
            assert "k" in ops and not ops & {"rg", "RG"}, "CMYK colour operators only"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                assert obj.get("/ColorSpace") in ("/DeviceCMYK", "/DeviceGray")


def test_a_problem_in_a_page_calendar_names_the_page_and_field(engine: Engine, tmp_path: Path) -> None:
    pages = [{"layers": [_calendar(month=m)]} for m in range(1, 13)]
    pages[3]["layers"][0]["number_font"] = {"family": "no-such-font"}
    data = {"version": 1, "template": "calendar-wall-a4", "pages": pages}
    with pytest.raises(RenderError) as info:
        prepare_parts(parse_design(data), engine, tmp_path)
    fields = [p.field for p in (info.value.problems or (info.value,))]
    assert fields == ["pages[3].layers[0].number_font.family"]
    data["pages"][5]["layers"][0]["month"] = 13
    with pytest.raises(DesignError) as bad:
        parse_design(data)
    assert any(p.field == "pages[5].layers[0].month" for p in (bad.value.problems or (bad.value,)))


# ----------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [({"month": 13}, "layers[0].month", "12"), ({"month": 0}, "layers[0].month", "1"),
     ({"locale": "fr"}, "layers[0].locale", "zh-Hans"), ({"week_start": "friday"}, "layers[0].week_start", "monday"),
     ({"year": 1200}, "layers[0].year", "1583"),
     ({"holidays": [{"date": "2027-02-30"}]}, "layers[0].holidays[0].date", "date"),
     ({"holidays": [{"date": "2027-01-01"}, {"date": "2027-01-01"}]}, "layers[0]", "twice"),
     ({"box": {"x": 0, "y": 0, "width": 100, "height": 20}}, "layers[0]", "high")],
)  # fmt: skip
def test_bad_calendar_names_the_field(over: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(DesignError) as info:
        parse_design(design(PAGE, _calendar(**over)))
    err = info.value
    assert any(p.field == field and words in p.message for p in (err.problems or (err,))), err.lines()


def test_unknown_font_names_the_calendar_field(engine: Engine) -> None:
    d = parse_design(design(PAGE, {"type": "background", "color": "#ffffff"},
                            _calendar(number_font={"family": "no-such-font"})))  # fmt: skip
    with pytest.raises(RenderError) as info:
        prepare(d, engine, ROOT)
    assert info.value.field == "layers[1].number_font.family"


def test_cli_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"version":1,"template":"poster-24x36","layers":[{"type":"calendar","year":2027,"month":13,'
        '"locale":"xx","box":{"x":10,"y":155,"width":190,"height":132}}]}',
        encoding="utf-8",
    )
    r = subprocess.run([sys.executable, "-m", "render_engine.cli", "validate", str(bad)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    lines = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    assert r.returncode != 0 and "Traceback" not in r.stdout + r.stderr
    assert any("layers[0].month" in ln for ln in lines) and any("layers[0].locale" in ln for ln in lines)


def test_calendar_layer_is_in_the_design_schema() -> None:
    assert CalendarLayer.model_json_schema()["properties"]["type"]["const"] == "calendar"


def test_options_six_rows_centre_numbers_and_weekend_colour() -> None:
    layer = _calendar(rows="six", day_position="center", weekend_color="#1565c0", color="#000000",
                      holidays=[{"date": "2027-01-26", "label": "Republic Day"}], title=False)  # fmt: skip
    d = parse_design(design(PAGE, layer))
    texts = {t.text: t for t in _texts(d.layers)}
    assert "January 2027" not in texts, "no title band"
    top = min(t.box.y for t in texts.values())
    assert top == pytest.approx(BOX["y"]), "the weekday heads start at the top of the box"
    row_h = texts["1"].box.height
    assert row_h == pytest.approx((BOX["height"] - 10 * 0.3528 * 2.0) / 6, abs=0.01), "six rows"
    assert texts["26"].box.height == pytest.approx(row_h / 2), "a labelled day's number keeps above its label"
    sat, mon = texts["2"], texts["4"]  # 2 January 2027 is a Saturday, the 4th a Monday
    assert sat.color.hex == "#1565c0" and mon.color.hex == "#000000" and texts["Sun"].color.hex == "#1565c0"
    assert sat.align == "center"


def test_every_page_hangs_on_the_wall_in_its_mockup(engine: Engine) -> None:
    """The cover and each month show on the hanging-calendar scene; the month pages differ where the grid is."""
    import io

    from render_engine import render_mockup

    shots = {
        key: np.asarray(Image.open(io.BytesIO(render_mockup(CAL_EXAMPLE, width=400, format="png", engine=engine,
                                                            **arg))).convert("RGB")).astype(int)
        for key, arg in (("cover", {"surface": "cover"}), ("jan", {"page": 1}), ("feb", {"page": 2}))
    }  # fmt: skip
    assert {s.shape for s in shots.values()} == {(400, 400, 3)}
    lower = slice(230, 290), slice(150, 250)  # the grid's part of the sheet (scene 1000 px -> 400 px)
    assert np.abs(shots["jan"][lower] - shots["feb"][lower]).mean() > 1, "January and February grids differ"
    assert np.abs(shots["cover"][lower] - shots["jan"][lower]).mean() > 5, "the cover has no grid"


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_api_previews_a_month_and_names_a_bad_field(engine: Engine, tmp_path: Path) -> None:
    """Through the HTTP API: a page of the calendar previews as an image; a bad month is a 422 naming the page
    and field, never a 500."""

    from render_engine.farm.settings import ServiceSettings

    key = STOREFRONT
    settings = ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=f"storefront:{key}")
    pages = [{"layers": [{"type": "background", "color": "#ffffff"},
                         _calendar(month=m, locale="zh-Hans", box={"x": 10, "y": 20, "width": 190, "height": 260})]}
             for m in range(1, 13)]  # fmt: skip
    design_json = {"version": 1, "template": "calendar-wall-a4", "pages": pages}
    headers = {"X-API-Key": key, "Accept": "image/png"}
    with app_client(settings, engine) as client:
        ok = client.post("/v1/previews", json={"design": design_json, "width": 300, "page": 2}, headers=headers)
        assert ok.status_code == 200, ok.text
        assert Image.open(io.BytesIO(ok.content)).size[0] == 300
        pages[1]["layers"][1]["month"] = 13
        bad = client.post("/v1/previews", json={"design": design_json, "width": 300, "page": 2}, headers=headers)
    assert bad.status_code == 422
    body = bad.json()
    fields = [p["field"] for p in body.get("problems") or [body]]
    assert any(f.endswith("pages[1].layers[1].month") for f in fields), body


def test_text_in_the_wire_o_zone_is_a_warning_naming_its_page(engine: Engine, tmp_path: Path) -> None:
    """The top 11 mm hold the punched holes and the hanger (a 'binding' fold of the template): text there is a
    layout.text_on_fold warning on that page only; the example keeps it clear."""
    from render_engine import preflight

    pages = [{"layers": [_calendar(month=m)]} for m in range(1, 13)]
    pages[4]["layers"].append({"type": "text", "text": "Holiday trip", "font": {"family": "noto-sans"}, "size": 14,
                               "box": {"x": 20, "y": 3, "width": 100, "height": 8}})  # fmt: skip
    report = preflight({"version": 1, "template": "calendar-wall-a4", "pages": pages}, engine=engine, base_dir=tmp_path)
    hits = [f for f in report.findings if f.code == "layout.text_on_fold"]
    assert [(f.surface, f.severity) for f in hits] == [("page-5", "warning")]
    assert "binding" in hits[0].message
    clean = preflight(CAL_EXAMPLE, engine=engine)
    assert not [f for f in clean.findings if f.code.startswith("layout.")]
