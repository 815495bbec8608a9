"""The design model's generated layers: ``qr`` (a path shape of its modules) and ``calendar`` (a month grid of
text and shapes), both expanded into native layers when a design is parsed (:mod:`.design`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from . import fast_validate
from .design_base import NUMBER, Degrees, Flag, Model, Opacity
from .paint import Paint

if TYPE_CHECKING:
    from .calendar_grid import Grid
from .design_layers import Box, ShapeLayer, Stroke
from .design_layers import rgb_default as _rgb
from .design_text import FontRef, TextLayer


class QrLayer(Model):
    """A QR code (certificates, "scan to hear the story" gifts). Parsed into a ``shape`` layer (a path of its
    dark modules, :mod:`render_engine.model.qr`), so it is vector in the PDF and drawn like any shape."""

    type: Literal["qr"]
    data: Annotated[str, Field(min_length=1, max_length=500, description="What the code holds (a URL, text).")]
    box: Box = Field(description="The code is the largest square centred in the box, quiet zone included.")
    color: Paint = Field(_rgb("#000000"), description="Dark modules (light ones show what is beneath).")
    error_correction: Literal["L", "M", "Q", "H"] = "M"
    quiet_zone: Annotated[int, Field(ge=0, le=10), NUMBER] = Field(
        4, description="Light modules around the code (4 per ISO 18004)."
    )
    rotation: Degrees = 0.0
    opacity: Opacity = 1.0

    def as_shape(self) -> ShapeLayer:
        from .qr import module_path, qr_code

        code = qr_code(self.data, self.error_correction, self.quiet_zone)
        side = min(self.box.width, self.box.height)
        module = side / code.size
        x = self.box.x + (self.box.width - side) / 2
        y = self.box.y + (self.box.height - side) / 2
        return ShapeLayer(
            type="shape", shape="path", box=Box(x=x, y=y, width=side, height=side), d=module_path(code, module),
            fill=self.color, rotation=self.rotation, opacity=self.opacity,
        )  # fmt: skip

    @model_validator(mode="after")
    def _readable(self) -> QrLayer:
        from .qr import MIN_MODULE_MM, qr_code

        code = qr_code(self.data, self.error_correction, self.quiet_zone)
        module = min(self.box.width, self.box.height) / code.size
        if module < MIN_MODULE_MM:
            need = MIN_MODULE_MM * code.size
            raise ValueError(
                f"QR modules would be {module:.2f} mm (under {MIN_MODULE_MM} mm: unreadable in print); make the box"
                f" at least {need:.1f} x {need:.1f} mm, or hold less data"
            )
        return self


class Holiday(Model):
    date: dt.date = Field(description="ISO date (YYYY-MM-DD); only the calendar month's own dates are drawn.")
    label: Annotated[str, Field(max_length=60)] = Field("", description="Printed small in the day's cell.")

    @field_validator("date", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        if not isinstance(v, str | dt.date):  # lax mode read a number as seconds since 1970
            raise ValueError("a date is a string 'YYYY-MM-DD'")
        return v

    @field_validator("label")
    @classmethod
    def _plain(cls, v: str) -> str:
        if "\x00" in v or any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise ValueError("label must not contain NUL characters or unpaired surrogates")
        return v


class CalendarLayer(Model):
    """A month of a calendar: the localised title, the weekday heads and the day grid in ``box``. Parsed into
    text and shape layers (:meth:`as_layers`, geometry in :mod:`render_engine.model.calendar_grid`), so
    everything downstream draws and checks it as ordinary text and lines."""

    type: Literal["calendar"]
    year: Annotated[int, Field(ge=1583, le=9999, description="Gregorian year."), NUMBER]
    month: Annotated[int, Field(ge=1, le=12, description="1 = January."), NUMBER]
    box: Box
    locale: Literal["en", "hi", "zh-Hans"] = Field("en", description="Language of month and weekday names.")
    week_start: Literal["monday", "sunday", "saturday"] = "monday"
    rows: Literal["auto", "six"] = Field("auto", description="'auto': 4 to 6 rows as the month needs; 'six': always 6.")
    holidays: Annotated[list[Holiday], Field(max_length=400)] = Field(
        default_factory=list, description="Days marked in 'holiday_color' (a year's list may be given to every month)."
    )
    font: FontRef | None = Field(
        None, description="Title, weekday and holiday label face; default: one that has the locale's script."
    )
    number_font: FontRef = fast_validate.construct(FontRef, family="noto-sans")
    title: Flag = True
    title_size: Annotated[float, Field(gt=0, le=400), NUMBER] = 28.0
    weekday_size: Annotated[float, Field(gt=0, le=200), NUMBER] = 10.0
    day_size: Annotated[float, Field(gt=0, le=400), NUMBER] = 14.0
    label_size: Annotated[float, Field(gt=0, le=100), NUMBER] = 6.0
    day_position: Literal["top_left", "top_right", "center"] = "top_left"
    color: Paint = Field(_rgb("#000000"), description="Title, heads and day numbers.")
    weekend_color: Paint | None = Field(None, description="Saturday and Sunday heads and numbers.")
    holiday_color: Paint = Field(_rgb("#c62828"), description="Holiday numbers and labels.")
    holiday_fill: Paint | None = Field(None, description="Fills the cell of a holiday.")
    grid: Stroke | None = Field(
        fast_validate.construct(Stroke, color=_rgb("#9e9e9e"), width=0.5),
        description="Lines around the day cells (null: none).",
    )

    @model_validator(mode="after")
    def _fits(self) -> CalendarLayer:
        seen: set[dt.date] = set()
        for h in self.holidays:
            if h.date in seen:
                raise ValueError(f"holiday {h.date.isoformat()} is listed twice")
            seen.add(h.date)
        self.grid_plan()  # ValueError when the bands leave no room for the days
        return self

    def grid_plan(self) -> Grid:
        """Where the title, heads and days go (:func:`render_engine.model.calendar_grid.plan_grid`)."""
        from .calendar_grid import plan_grid

        b = self.box
        return plan_grid(
            (b.x, b.y, b.width, b.height), self.year, self.month, self.locale, self.week_start,
            title_pt=self.title_size if self.title else None, head_pt=self.weekday_size, six_rows=self.rows == "six",
        )  # fmt: skip

    def as_layers(self) -> list[tuple[str, TextLayer | ShapeLayer]]:
        """The month as native layers, bottom first: holiday fills, grid lines, title, heads, numbers, labels;
        each with the field of this layer it draws (``font`` for a text in that face, ``number_font``, ``grid``,
        ``holiday_fill``), so a problem found later names that field."""
        from .calendar_grid import WEEKEND, grid_lines_d, month_title
        from .units import pt_to_mm

        g = self.grid_plan()
        font = self.font or FontRef(family={"hi": "noto-sans-devanagari", "zh-Hans": "droid-sans-fallback"}.get(
            self.locale, "noto-sans"))  # fmt: skip
        marked = {h.date.day: h.label for h in self.holidays if (h.date.year, h.date.month) == (self.year, self.month)}

        def text(s: str, box: tuple[float, float, float, float], size: float, colour: Paint, face: FontRef,
                 align: str = "center", valign: str = "middle", **more: Any) -> TextLayer:  # fmt: skip
            x, y, w, h = box
            return TextLayer(
                type="text", text=s, font=face, size=size, color=colour, box=Box(x=x, y=y, width=w, height=h),
                align=align, valign=valign, **({"wrap": False} | more),
            )  # fmt: skip

        def tint(weekday: int) -> Paint:
            return self.weekend_color if self.weekend_color is not None and weekday in WEEKEND else self.color

        out: list[tuple[str, TextLayer | ShapeLayer]] = []
        gx, gy, gw, gh = g.grid
        if self.holiday_fill is not None and marked:
            d = "".join(
                f"M{c.x - gx:.4f} {c.y - gy:.4f}h{c.w:.4f}v{c.h:.4f}h{-c.w:.4f}Z" for c in g.cells if c.day in marked
            )
            out.append(("holiday_fill", ShapeLayer(type="shape", shape="path", box=Box(x=gx, y=gy, width=gw,
                        height=gh), d=d, fill=self.holiday_fill)))  # fmt: skip
        if self.grid is not None:
            out.append(("grid", ShapeLayer(type="shape", shape="path", box=Box(x=gx, y=gy, width=gw, height=gh),
                                           d=grid_lines_d(g), stroke=self.grid)))  # fmt: skip
        if g.title is not None:
            out.append(("font", text(month_title(self.year, self.month, self.locale), g.title, self.title_size,
                                     self.color, font, valign="top", shrink_to_fit=True)))  # fmt: skip
        for wd, name, band in g.heads:
            out.append(("font", text(name, band, self.weekday_size, tint(wd), font, shrink_to_fit=True)))
        number_h = pt_to_mm(self.day_size) * 1.5
        for c in g.cells:
            pad = min(c.w, c.h) * 0.08
            colour = self.holiday_color if c.day in marked else tint(c.weekday)
            if self.day_position == "center":  # the upper half when a holiday label takes the lower one
                box, align = (c.x, c.y, c.w, c.h / 2 if marked.get(c.day) else c.h), "center"
            else:
                box = (c.x + pad, c.y + pad, c.w - 2 * pad, min(number_h, c.h - 2 * pad))
                align = "left" if self.day_position == "top_left" else "right"
            out.append(("number_font", text(str(c.day), box, self.day_size, colour, self.number_font, align,
                                            shrink_to_fit=True)))  # fmt: skip
        for c in g.cells:
            label = marked.get(c.day, "")
            if not label:
                continue
            pad = min(c.w, c.h) * 0.08
            box = (c.x + pad, c.y + c.h / 2, c.w - 2 * pad, c.h / 2 - pad)
            out.append(("font", text(label, box, self.label_size, self.holiday_color, font, valign="bottom",
                                     shrink_to_fit=True, wrap=True, min_size=min(4.0, self.label_size))))  # fmt: skip
        return out
