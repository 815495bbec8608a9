"""Print units as data, the rules that route a job to one, and the due date a job is promised.

The registry is one JSON file (``RENDER_ENGINE_PRINT_UNITS``; ``print_units/example.json`` documents the
shape), validated by :class:`Registry`: the production calendar (work days, closed dates), production days
per product and priority, and the units — id, location, technologies, products (template ids), daily
capacity, cut-off time and time zone, active flag, rank. It is read again when the file changes, so a unit
is switched off by editing its ``active`` flag (its open jobs are then re-routed: :func:`reroute_inactive`).

Routing (:func:`choose_unit`): units that are active and make the product -> those with capacity left today
(jobs routed to them since their local midnight) -> those working today (their calendar; a unit closed
today only when none of the others works) -> the best ``rank`` (then most capacity left). A unit
that declined the job is never chosen again for it. When every capable unit is full the best-ranked one
still gets the job (flagged ``over_capacity``); when no active unit makes the product the job is refused.

Due dates (:func:`due_by`): a job accepted after the unit's cut-off, or on a day it does not work, starts
on its next work day; it is due at the cut-off time ``production_days`` work days after that start day
(``express`` has its own, shorter count). A unit may have its own calendar (a site's holidays).

Same day (``same_day`` priority): only units with a ``same_day`` service (its own cut-off, earlier than the
normal one, and a ship-by time) take it, and only on a work day before that cut-off; the job is due at the
ship-by time that day. After the cut-off the order is refused (:class:`SameDayUnavailable`, 422 naming
``priority``): the customer paid for today, so turning it silently into tomorrow would break the promise —
the storefront offers express instead. A same-day job re-routed after the cut-off (its unit went off) keeps
its priority and is due at the new unit's next same-day ship-by time (``strict=False``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..model.errors import RenderError

Technology = Literal["sublimation", "dtg", "dtf", "offset", "digital", "uv", "laser", "screen"]


class RegistryError(RenderError):
    """The print-unit registry file is missing or invalid (a deployment error: 500 with the field)."""

    http_status = 500
    code = "print_units_invalid"


class NoPrintUnit(RenderError):
    """No active print unit makes this product (the job is refused: 422)."""

    http_status = 422
    code = "no_print_unit"


class SameDayUnavailable(RenderError):
    """Same-day production cannot be promised: no unit offers it, or its cut-off has passed (422 ``priority``)."""

    http_status = 422
    code = "same_day_unavailable"


class SameDay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cutoff: dt.time = Field(description="Local time until which a same-day order is taken (work days only).")
    ship_by: dt.time = Field(description="Local time a same-day order is due (shipped) the same day.")

    @model_validator(mode="after")
    def _order(self) -> SameDay:
        if self.ship_by <= self.cutoff:
            raise ValueError("same_day.ship_by must be after same_day.cutoff")
        return self


class Calendar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    workdays: tuple[int, ...] = Field((0, 1, 2, 3, 4), description="ISO weekdays that produce, Monday = 0.")
    closed: tuple[dt.date, ...] = Field((), description="Dates nothing is produced (holidays).")

    def works(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.closed

    def next_workday(self, day: dt.date) -> dt.date:
        for _ in range(400):
            day += dt.timedelta(days=1)
            if self.works(day):
                return day
        raise RegistryError("the calendar has no work day within a year", field="calendar")


class ProductionDays(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    standard: int = Field(3, ge=0, le=60, description="Work days after the start day, standard priority.")
    express: int = Field(1, ge=0, le=60, description="Work days after the start day, express priority.")
    by_template: dict[str, int] = Field({}, description="Standard production days of products that differ.")


class PrintUnitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    location: str = Field(max_length=200)
    technologies: tuple[Technology, ...]
    products: tuple[str, ...] = Field(description="Template ids the unit prints.")
    daily_capacity: int = Field(gt=0, description="Jobs per day.")
    cutoff: dt.time = Field(dt.time(14, 0), description="Local time after which a job starts the next work day.")
    timezone: str = "UTC"
    active: bool = True
    rank: int = Field(100, description="Lower is preferred (in-house before vendors, nearer before farther).")
    same_day: SameDay | None = Field(None, description="The unit's same-day service; none: it takes no same_day.")
    calendar: Calendar | None = Field(None, description="The unit's own calendar (default: the registry's).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except Exception:
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    calendar: Calendar = Calendar()
    production_days: ProductionDays = ProductionDays()
    default_cutoff: dt.time = Field(dt.time(14, 0), description="Cut-off (UTC) of jobs no unit is chosen for.")
    default_same_day: SameDay = Field(
        SameDay(cutoff=dt.time(11, 0), ship_by=dt.time(17, 0)), description="Same day (UTC) of jobs with no unit."
    )
    units: tuple[PrintUnitSpec, ...] = ()

    @field_validator("units")
    @classmethod
    def _unique(cls, v: tuple[PrintUnitSpec, ...]) -> tuple[PrintUnitSpec, ...]:
        ids = [u.id for u in v]
        if len(ids) != len(set(ids)):
            raise ValueError("print unit ids must be unique")
        return v

    def unit(self, unit_id: str | None) -> PrintUnitSpec | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def days(self, template: str, priority: str) -> int:
        d = self.production_days
        if priority == "same_day":
            return 0
        return d.express if priority == "express" else d.by_template.get(template, d.standard)

    def calendar_of(self, unit: PrintUnitSpec | None) -> Calendar:
        return unit.calendar if unit is not None and unit.calendar is not None else self.calendar


def load_registry(path: Path) -> Registry:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Registry.model_validate(raw)
    except OSError as exc:
        raise RegistryError(f"print-unit registry unreadable ({exc.strerror})", field="print_units") from None
    except json.JSONDecodeError as exc:
        raise RegistryError(f"print-unit registry is not JSON (line {exc.lineno})", field="print_units") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RegistryError(f"print-unit registry: {where}: {first['msg']}", field=f"print_units.{where}") from None


class RegistryFile:
    """The registry file, read again whenever its modification time changes (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._registry = Registry()
        self.previous: Registry | None = None  # the version before the last reload (to spot units switched off)

    def get(self) -> Registry:
        with self._lock:
            try:
                stamp = self.path.stat().st_mtime
            except OSError as exc:
                raise RegistryError(f"print-unit registry unreadable ({exc.strerror})", field="print_units") from None
            if stamp != self._stamp:
                registry = load_registry(self.path)
                self.previous = self._registry if self._stamp is not None else None
                self._registry, self._stamp = registry, stamp
            return self._registry


def local_midnight(unit: PrintUnitSpec, now: float) -> float:
    """The start of the unit's current local day (its daily capacity counts from there)."""
    local = dt.datetime.fromtimestamp(now, unit.zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def same_day_open(registry: Registry, unit: PrintUnitSpec | None, now: float) -> bool:
    """Whether ``unit`` (None: no unit) still takes a same-day order at ``now``."""
    service = unit.same_day if unit is not None else registry.default_same_day
    if service is None:
        return False
    local = dt.datetime.fromtimestamp(now, unit.zone if unit else ZoneInfo("UTC"))
    return registry.calendar_of(unit).works(local.date()) and local.time() <= service.cutoff


def _same_day_refusal(registry: Registry, units: list[PrintUnitSpec | None], now: float) -> SameDayUnavailable:
    offers = [
        f"{u.id if u else 'default'} until {s.cutoff:%H:%M} {u.timezone if u else 'UTC'}"
        for u in units
        if (s := (u.same_day if u is not None else registry.default_same_day)) is not None
    ]
    if not offers:
        return SameDayUnavailable("no print unit for this product offers same-day production", field="priority")
    return SameDayUnavailable(
        f"same-day orders are taken on work days only, {'; '.join(offers)}; order express instead",
        field="priority",
    )


def due_by(
    registry: Registry, unit: PrintUnitSpec | None, template: str, priority: str, now: float, *, strict: bool = True
) -> float:
    """When the job is promised to ship (see the module docstring). ``strict``: a same-day job past its
    cut-off is refused (:class:`SameDayUnavailable`); otherwise (re-routing) due the next same-day slot."""
    zone = unit.zone if unit else ZoneInfo("UTC")
    cutoff = unit.cutoff if unit else registry.default_cutoff
    cal = registry.calendar_of(unit)
    local = dt.datetime.fromtimestamp(now, zone)
    if priority == "same_day":
        service = unit.same_day if unit is not None else registry.default_same_day
        if strict and not same_day_open(registry, unit, now):
            raise _same_day_refusal(registry, [unit], now)
        if service is not None:
            day = local.date() if same_day_open(registry, unit, now) else cal.next_workday(local.date())
            return dt.datetime.combine(day, service.ship_by, tzinfo=zone).timestamp()
        priority = "express"  # re-routed to a unit without same day: its fastest promise
    start = local.date()
    if not cal.works(start) or local.time() > cutoff:
        start = cal.next_workday(start)
    day = start
    for _ in range(registry.days(template, priority)):
        day = cal.next_workday(day)
    return dt.datetime.combine(day, cutoff, tzinfo=zone).timestamp()


def choose_unit(
    registry: Registry,
    template: str,
    load: Mapping[str, int],
    *,
    exclude: frozenset[str] = frozenset(),
    priority: str = "standard",
    now: float | None = None,
    strict: bool = True,
) -> tuple[PrintUnitSpec, bool]:
    """(unit, over_capacity) for a job of ``template``; ``load``: jobs routed to each unit today. A
    ``same_day`` job goes only to units whose same-day service is open at ``now`` (none: refused when
    ``strict``, else any capable unit with a same-day service, then any capable unit)."""
    capable = [u for u in registry.units if u.active and template in u.products and u.id not in exclude]
    if not capable:
        raise NoPrintUnit(f"no active print unit makes {template!r}", field="design.template")
    if priority == "same_day" and now is not None:
        open_now = [u for u in capable if same_day_open(registry, u, now)]
        if not open_now and strict:
            raise _same_day_refusal(registry, list(capable), now)
        capable = open_now or [u for u in capable if u.same_day is not None] or capable
    left = {u.id: u.daily_capacity - load.get(u.id, 0) for u in capable}
    free = [u for u in capable if left[u.id] > 0]
    pool = free or capable
    if now is not None:  # a unit closed today (its calendar) only when no unit in the pool works today
        pool = [u for u in pool if works_today(registry, u, now)] or pool
    best = min(pool, key=lambda u: (u.rank, -left[u.id], u.id))
    return best, not free


def works_today(registry: Registry, unit: PrintUnitSpec, now: float) -> bool:
    """Whether ``now`` falls on a work day of the unit's calendar, in its time zone."""
    return registry.calendar_of(unit).works(dt.datetime.fromtimestamp(now, unit.zone).date())
