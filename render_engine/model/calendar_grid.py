"""The month grid of a calendar, as pure data: which day sits in which cell, and where every cell, column
head and the title go in mm.

A design's ``calendar`` layer (:class:`render_engine.model.design.CalendarLayer`) becomes ordinary text and
shape layers when the design is parsed (as a ``qr`` layer becomes a shape): the layout, both backends,
preflight, proofs and mockups draw a calendar like any text, and nothing downstream knows calendars. This
module holds the arithmetic — the proleptic Gregorian calendar from :mod:`datetime` (leap years included),
no locale of the process — and the localised names (:mod:`.date_names`).

Grid geometry, top to bottom inside the layer's box: the title band (when there is a title), the weekday
head band, then the day rows (4 to 6 as the month needs, or always 6), all columns one seventh of the width.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .date_names import MONTHS, WEEKDAYS_SHORT
from .units import pt_to_mm

LOCALES = ("en", "hi", "zh-Hans")
"""Calendar languages: names of months and weekdays come from :mod:`.date_names`."""
WEEK_STARTS = {"monday": 0, "sunday": 6, "saturday": 5}
"""The first column's weekday, as :meth:`datetime.date.weekday` numbers it (Monday 0)."""
WEEKEND = frozenset({5, 6})  # Saturday, Sunday
TITLE_BAND = 1.9  # title band height in title sizes (the line plus air under it)
HEAD_BAND = 2.0  # weekday head band height in head sizes


def language(locale: str) -> str:
    """The :mod:`.date_names` key of a calendar locale (``zh-Hans`` -> ``zh``)."""
    return locale.split("-")[0]


def month_title(year: int, month: int, locale: str) -> str:
    """``January 2027``, ``जनवरी 2027``, ``2027年一月``."""
    name = MONTHS[language(locale)][month - 1]
    return f"{year}年{name}" if language(locale) == "zh" else f"{name} {year}"


def weekday_heads(locale: str, week_start: str) -> list[tuple[int, str]]:
    """The seven column heads left to right: (weekday number, short name)."""
    first = WEEK_STARTS[week_start]
    names = WEEKDAYS_SHORT[language(locale)]
    return [((first + i) % 7, names[(first + i) % 7]) for i in range(7)]


def days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


def month_weeks(year: int, month: int, week_start: str, six_rows: bool = False) -> list[list[int]]:
    """The month as rows of seven day numbers, 0 where a cell belongs to the month before or after: day 1
    in the column of its weekday, as many rows as the month needs (4 to 6), or 6 with ``six_rows``."""
    first = dt.date(year, month, 1).weekday()
    lead = (first - WEEK_STARTS[week_start]) % 7
    cells = [0] * lead + list(range(1, days_in_month(year, month) + 1))
    rows = max(6 if six_rows else 0, -(-len(cells) // 7))
    cells += [0] * (rows * 7 - len(cells))
    return [cells[r * 7 : r * 7 + 7] for r in range(rows)]


@dataclass(frozen=True)
class Cell:
    """One day's cell, in the design's trim mm."""

    day: int
    weekday: int  # Monday 0
    row: int
    column: int
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Grid:
    """Where everything of one month goes (trim mm)."""

    title: tuple[float, float, float, float] | None  # x, y, w, h of the title band
    heads: tuple[tuple[int, str, tuple[float, float, float, float]], ...]  # weekday, name, band cell
    cells: tuple[Cell, ...]  # the month's days only, in day order
    grid: tuple[float, float, float, float]  # x, y, w, h of the day rows
    rows: int


def plan_grid(
    box: tuple[float, float, float, float],
    year: int,
    month: int,
    locale: str,
    week_start: str,
    *,
    title_pt: float | None,
    head_pt: float,
    six_rows: bool = False,
) -> Grid:
    """The month's geometry in ``box`` (x, y, w, h in mm). ``title_pt`` None: no title band. Raises
    ValueError when the bands leave no room for the day rows."""
    x, y, w, h = box
    title_h = pt_to_mm(title_pt) * TITLE_BAND if title_pt is not None else 0.0
    head_h = pt_to_mm(head_pt) * HEAD_BAND
    weeks = month_weeks(year, month, week_start, six_rows)
    row_h = (h - title_h - head_h) / len(weeks)
    if row_h <= 0:
        raise ValueError(
            f"the box is {h:g} mm high, but the title and weekday bands alone take {title_h + head_h:.1f} mm: "
            "make it higher or the title and weekday sizes smaller"
        )
    col_w = w / 7
    heads = tuple(
        (wd, name, (x + i * col_w, y + title_h, col_w, head_h))
        for i, (wd, name) in enumerate(weekday_heads(locale, week_start))
    )
    top = y + title_h + head_h
    first_col = WEEK_STARTS[week_start]
    cells = tuple(
        Cell(day, (first_col + c) % 7, r, c, x + c * col_w, top + r * row_h, col_w, row_h)
        for r, week in enumerate(weeks)
        for c, day in enumerate(week)
        if day
    )
    return Grid((x, y, w, title_h) if title_pt is not None else None, heads, cells, (x, top, w, h - title_h - head_h),
                len(weeks))  # fmt: skip


def grid_lines_d(grid: Grid) -> str:
    """SVG path data (mm, relative to the day rows' top-left corner) of the lines between and around the
    day cells: ``rows + 1`` horizontal lines and 8 vertical ones."""
    _x, _y, w, h = grid.grid
    row_h, col_w = h / grid.rows, w / 7
    parts = [f"M0 {r * row_h:.4f}H{w:.4f}" for r in range(grid.rows + 1)]
    parts += [f"M{c * col_w:.4f} 0V{h:.4f}" for c in range(8)]
    return "".join(parts)
