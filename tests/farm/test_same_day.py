"""Same-day production (#20): due dates from each unit's same-day cut-off and ship-by time, refusal after the
cut-off naming ``priority``, per-unit calendars, routing to a unit whose same-day service is still open;
through the API: the job's due date, the print queue's order (same_day -> express -> standard) and the
``/metrics`` labels; a given ``due_by`` beyond the one-year horizon (or without a time zone) refused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from render_engine.farm.routing import Registry, SameDayUnavailable, choose_unit, due_by
from render_engine.farm.settings import ServiceSettings
from tests.api.test_api import PU, SF, coaster, wait_ready
from tests.toolkit import app_client as started_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
BERLIN = ZoneInfo("Europe/Berlin")
S = {"X-API-Key": SF}


def at(y: int, m: int, d: int, hh: int, mm: int = 0, zone: ZoneInfo = BERLIN) -> float:
    return dt.datetime(y, m, d, hh, mm, tzinfo=zone).timestamp()


def local(ts: float, zone: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, zone)


def unit(uid: str, **kw: Any) -> dict[str, Any]:
    return {"id": uid, "location": uid, "technologies": ["sublimation"], "products": ["coaster-95-round"],
            "daily_capacity": 100, "cutoff": "14:00:00", "timezone": "Europe/Berlin", **kw}  # fmt: skip


REG = Registry.model_validate({
    "calendar": {"workdays": [0, 1, 2, 3, 4], "closed": ["2026-12-24"]},
    "units": [
        unit("berlin", rank=10, same_day={"cutoff": "11:00:00", "ship_by": "17:00:00"}),
        unit("warsaw", rank=50, timezone="Europe/Warsaw", same_day={"cutoff": "12:00:00", "ship_by": "18:30:00"},
             calendar={"workdays": [0, 1, 2, 3, 4, 5], "closed": ["2026-12-08"]}),
        unit("plain", rank=1),
    ],
})  # fmt: skip


def test_same_day_due_at_ship_by_before_cutoff_refused_after_naming_priority() -> None:
    berlin = REG.unit("berlin")
    mon = (2026, 12, 7)
    assert local(due_by(REG, berlin, "coaster-95-round", "same_day", at(*mon, 10, 59))) == dt.datetime(
        *mon, 17, 0, tzinfo=BERLIN
    )
    with pytest.raises(SameDayUnavailable) as exc:
        due_by(REG, berlin, "coaster-95-round", "same_day", at(*mon, 11, 1))
    assert exc.value.field == "priority" and exc.value.http_status == 422 and "11:00 Europe/Berlin" in str(exc.value)
    # re-routing (not strict): the next same-day slot — Tuesday, or Monday after a Friday afternoon
    assert local(due_by(REG, berlin, "coaster-95-round", "same_day", at(*mon, 11, 1), strict=False)) == dt.datetime(
        2026, 12, 8, 17, 0, tzinfo=BERLIN
    )
    fri = at(2026, 12, 11, 15)
    assert local(due_by(REG, berlin, "coaster-95-round", "same_day", fri, strict=False)).date() == dt.date(2026, 12, 14)
    with pytest.raises(SameDayUnavailable):  # Saturday: not a work day in Berlin
        due_by(REG, berlin, "coaster-95-round", "same_day", at(2026, 12, 12, 9))
    with pytest.raises(SameDayUnavailable, match="offers same-day"):  # a unit without the service
        due_by(REG, REG.unit("plain"), "coaster-95-round", "same_day", at(*mon, 9))
    # re-routed to a unit without same day: its express promise (1 work day)
    plain = due_by(REG, REG.unit("plain"), "coaster-95-round", "same_day", at(*mon, 9), strict=False)
    assert plain == due_by(REG, REG.unit("plain"), "coaster-95-round", "express", at(*mon, 9))
    # Christmas Eve is closed in the shared calendar
    with pytest.raises(SameDayUnavailable):
        due_by(REG, berlin, "coaster-95-round", "same_day", at(2026, 12, 24, 9))


def test_a_units_own_calendar_sets_its_due_dates() -> None:
    warsaw, zone = REG.unit("warsaw"), ZoneInfo("Europe/Warsaw")
    # Warsaw works Saturdays: same day on Saturday 12 Dec
    assert local(due_by(REG, warsaw, "coaster-95-round", "same_day", at(2026, 12, 12, 9, zone=zone)), zone) == (
        dt.datetime(2026, 12, 12, 18, 30, tzinfo=zone)
    )
    # closed on Tuesday 8 Dec: Monday after its cut-off starts Wednesday; 3 work days on -> Saturday 12
    std = due_by(REG, warsaw, "coaster-95-round", "standard", at(2026, 12, 7, 15, zone=zone))
    assert local(std, zone) == dt.datetime(2026, 12, 12, 14, 0, tzinfo=zone)
    # Berlin (registry calendar): Monday after cut-off -> starts Tuesday -> Friday 11
    assert local(due_by(REG, REG.unit("berlin"), "coaster-95-round", "standard", at(2026, 12, 7, 15))).date() == (
        dt.date(2026, 12, 11)
    )


def test_same_day_routes_to_a_unit_still_open() -> None:
    mon = (2026, 12, 7)
    load: dict[str, int] = {}
    # 'plain' has the best rank but no same day; Berlin's is open at 10:00
    assert choose_unit(REG, "coaster-95-round", load, priority="same_day", now=at(*mon, 10))[0].id == "berlin"
    assert choose_unit(REG, "coaster-95-round", load, priority="standard", now=at(*mon, 10))[0].id == "plain"
    # 11:30: Berlin closed for same day, Warsaw (12:00 local) still open
    assert choose_unit(REG, "coaster-95-round", load, priority="same_day", now=at(*mon, 11, 30))[0].id == "warsaw"
    with pytest.raises(SameDayUnavailable) as exc:
        choose_unit(REG, "coaster-95-round", load, priority="same_day", now=at(*mon, 12, 30))
    assert exc.value.field == "priority" and "berlin until 11:00" in str(exc.value) and "warsaw until 12:00" in str(
        exc.value
    )
    # not strict (re-routing): a unit with a same-day service
    got = choose_unit(REG, "coaster-95-round", load, priority="same_day", now=at(*mon, 12, 30), strict=False)
    assert got[0].id == "berlin"


def _noon_zone() -> tuple[str, ZoneInfo]:
    """A fixed-offset zone where it is 12:xx now, so the API tests know which side of a cut-off they are on."""
    hour = dt.datetime.now(dt.UTC).hour
    name = f"Etc/GMT{hour - 12:+d}" if hour != 12 else "Etc/GMT"
    return name, ZoneInfo(name)


@pytest.fixture
def app_client(tmp_path: Path, engine: Any) -> Iterator[tuple[Any, ZoneInfo]]:
    name, zone = _noon_zone()
    every_day = {"workdays": [0, 1, 2, 3, 4, 5, 6]}
    units = tmp_path / "units.json"
    units.write_text(json.dumps({"calendar": every_day, "units": [
        unit("open", timezone=name, rank=50, same_day={"cutoff": "15:00:00", "ship_by": "18:00:00"}),
        unit("closed", timezone=name, rank=10, same_day={"cutoff": "09:00:00", "ship_by": "17:00:00"}),
    ]}))  # fmt: skip
    settings = ServiceSettings(storage_root=tmp_path / "s", redis_url=None, api_keys=f"storefront:{SF},print-unit:{PU}",
                               print_units=units)  # fmt: skip
    with started_app(settings, engine) as c:
        yield c, zone


def test_same_day_through_the_api_queue_order_and_metrics(app_client: tuple[Any, ZoneInfo]) -> None:
    c, zone = app_client
    std = c.post("/v1/jobs", json={"design": coaster("S")}, headers=S).json()["job_id"]
    exp = c.post("/v1/jobs", json={"design": coaster("E"), "priority": "express"}, headers=S).json()["job_id"]
    r = c.post("/v1/jobs", json={"design": coaster("D"), "priority": "same_day"}, headers=S)
    assert r.status_code == 202, r.text
    day = r.json()["job_id"]
    job = wait_ready(c, day)
    assert job["priority"] == "same_day" and job["print_unit"] == "open"  # 'closed' ranks better: past cut-off
    due = dt.datetime.fromisoformat(job["due_by"]).astimezone(zone)
    assert (due.date(), due.time()) == (dt.datetime.now(zone).date(), dt.time(18, 0))
    assert job["taken_at"] is not None and job["taken_at"] <= job["started_at"]
    assert [e["kind"] for e in c.get(f"/v1/jobs/{day}", headers=S).json()["timeline"]].count("taken") == 1
    wait_ready(c, std)
    wait_ready(c, exp)
    queue = [j["id"] for j in c.get("/v1/print-queue", headers={"X-API-Key": PU}).json()["jobs"]]
    assert queue == [day, exp, std]

    # the unit whose same-day cut-off passed: refused, naming priority, nothing stored
    r = c.post("/v1/jobs", json={"design": coaster("L"), "priority": "same_day", "print_unit": "closed"}, headers=S)
    assert r.status_code == 422 and r.json()["code"] == "same_day_unavailable" and r.json()["field"] == "priority"
    assert "09:00" in r.json()["message"]
    metrics = c.get("/metrics").text
    assert 'render_print_queue_jobs{priority="same_day"} 1' in metrics
    assert 'render_print_queue_age_seconds{priority="same_day"}' in metrics


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T00:00:00Z", (dt.datetime.now(dt.UTC) + dt.timedelta(days=400)).isoformat(), "2026-12-24T14:00:00"],
    ids=["year-9999", "in-400-days", "no-zone"],  # ids fixed: pytest-xdist workers must collect the same names
)
def test_due_by_beyond_a_year_or_without_zone_is_refused_naming_the_field(
    app_client: tuple[Any, ZoneInfo], value: str
) -> None:
    c, _ = app_client
    r = c.post("/v1/jobs", json={"design": coaster("F"), "due_by": value}, headers=S)
    assert r.status_code == 422, r.text
    body = r.json()
    fields = [body.get("field"), *(p.get("field") for p in body.get("problems", []))]
    assert "due_by" in fields, body
    ok = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    assert c.post("/v1/jobs", json={"design": coaster("F"), "due_by": ok}, headers=S).status_code == 202
