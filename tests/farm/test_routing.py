"""Print units as data: due dates from the calendar and cut-offs, the routing rules, and routing through the
API against both job stores (SQLite and a real PostgreSQL): capacity, manual override, per-unit keys that see
only their own jobs, a unit declining a job, a unit switched off in the registry."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from render_engine.farm.routing import NoPrintUnit, Registry, choose_unit, due_by, load_registry
from render_engine.farm.settings import ServiceSettings
from tests.api.test_api import SF, coaster, wait_ready

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
S = {"X-API-Key": SF}
KEYS = {"berlin": "berlin-unit-key-0123456789", "poznan": "poznan-unit-key-0123456789", "ops": "ops-all-units-key-0123"}


def at(y: int, m: int, d: int, hh: int, mm: int = 0, zone: ZoneInfo = BERLIN) -> float:
    return dt.datetime(y, m, d, hh, mm, tzinfo=zone).timestamp()


def local(ts: float, zone: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, zone)


def registry(**changes: Any) -> Registry:
    raw = json.loads((ROOT / "print_units/example.json").read_text())
    for unit in raw["units"]:
        unit.update(changes.get(unit["id"], {}))
    return Registry.model_validate(raw)


def test_due_dates_follow_cutoff_calendar_and_production_days() -> None:
    reg = registry()
    berlin = reg.unit("berlin-sub")
    assert berlin is not None
    # Monday 2026-12-07 10:00 Berlin, before the 14:00 cut-off: starts today, 3 work days -> Thursday 14:00
    assert local(due_by(reg, berlin, "mug-11oz", "standard", at(2026, 12, 7, 10))) == dt.datetime(
        2026, 12, 10, 14, tzinfo=BERLIN)  # fmt: skip
    # after the cut-off: starts Tuesday -> Friday
    assert local(due_by(reg, berlin, "mug-11oz", "standard", at(2026, 12, 7, 14, 1))).date() == dt.date(2026, 12, 11)
    # express: one work day; Friday after cut-off starts Monday, due Tuesday
    assert local(due_by(reg, berlin, "mug-11oz", "express", at(2026, 12, 11, 16))).date() == dt.date(2026, 12, 15)
    # Saturday counts as Monday; a poster takes 4 days
    assert local(due_by(reg, berlin, "poster-24x36", "standard", at(2026, 12, 12, 9))).date() == dt.date(2026, 12, 18)
    # closed days (24-26 Dec, then Sunday) are skipped: Wednesday 23rd + 3 work days -> Wednesday 30th
    assert local(due_by(reg, berlin, "mug-11oz", "standard", at(2026, 12, 23, 9))).date() == dt.date(2026, 12, 30)
    # another unit's time zone and cut-off: 14:30 in Poznań is before its 15:00 cut-off
    poznan = reg.unit("poznan-vendor")
    assert poznan is not None
    warsaw = ZoneInfo("Europe/Warsaw")
    due = due_by(reg, poznan, "mug-11oz", "express", at(2026, 12, 7, 14, 30, warsaw))
    assert local(due, warsaw) == dt.datetime(2026, 12, 8, 15, tzinfo=warsaw)


def test_rules_product_then_capacity_then_rank() -> None:
    reg = registry()
    unit, over = choose_unit(reg, "mug-11oz", {})
    assert (unit.id, over) == ("berlin-sub", False)  # in-house first
    assert choose_unit(reg, "mug-11oz", {"berlin-sub": 800})[0].id == "poznan-vendor"  # full today
    assert choose_unit(reg, "tshirt-front-dtg", {})[0].id == "leipzig-dtg"  # the only DTG unit
    unit, over = choose_unit(reg, "tshirt-front-dtg", {"leipzig-dtg": 400})
    assert (unit.id, over) == ("leipzig-dtg", True)  # every capable unit full: the best one, flagged
    assert choose_unit(reg, "mug-11oz", {}, exclude=frozenset({"berlin-sub"}))[0].id == "poznan-vendor"
    off = registry(**{"berlin-sub": {"active": False}})
    assert choose_unit(off, "coaster-95-round", {})[0].id == "poznan-vendor"
    with pytest.raises(NoPrintUnit):
        choose_unit(registry(**{"leipzig-dtg": {"active": False}}), "tshirt-front-dtg", {})


def test_registry_errors_name_the_field(tmp_path: Path) -> None:
    from render_engine.farm.routing import RegistryError

    bad = tmp_path / "units.json"
    bad.write_text(json.dumps({"units": [{"id": "x", "location": "", "technologies": ["inkjet"], "products": [],
                                          "daily_capacity": 1}]}))  # fmt: skip
    with pytest.raises(RegistryError) as err:
        load_registry(bad)
    assert err.value.field == "print_units.units.0.technologies.0"
    bad.write_text("{")
    with pytest.raises(RegistryError, match="not JSON"):
        load_registry(bad)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def routed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.pg_support import postgres_server, private_schema

    folder = tmp_path_factory.mktemp(f"routing-{request.param}")
    units = folder / "units.json"
    raw = json.loads((ROOT / "print_units/example.json").read_text())
    for u in raw["units"]:
        u["daily_capacity"] = 3 if u["id"] == "berlin-sub" else u["daily_capacity"]
    units.write_text(json.dumps(raw))
    keys = json.dumps([
        {"name": "shop", "key": SF, "scopes": ["storefront"]},
        {"name": "berlin", "key": KEYS["berlin"], "scopes": ["print-unit"], "print_unit": "berlin-sub"},
        {"name": "poznan", "key": KEYS["poznan"], "scopes": ["print-unit"], "print_unit": "poznan-vendor"},
        {"name": "ops", "key": KEYS["ops"], "scopes": ["print-unit"]},
    ])  # fmt: skip

    def app(url: str | None) -> Any:
        return create_app(ServiceSettings(storage_root=folder / "s", redis_url=None, job_store_url=url, api_keys=keys,
                                          print_units=units), engine=engine)  # fmt: skip

    if request.param == "sqlite":
        with TestClient(app(None)) as c:
            yield c, units
        return
    with postgres_server() as server, private_schema(server) as url:
        a = app(url)
        with TestClient(a) as c:
            yield c, units
        a.state.render.services.store.close()


def _as(unit: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[unit]}


def test_jobs_are_routed_by_the_rules_and_units_see_only_their_own(routed: Any) -> None:
    c, _ = routed
    ids = [c.post("/v1/jobs", json={"design": coaster(f"R{n}")}, headers=S).json()["job_id"] for n in range(4)]
    jobs = [wait_ready(c, j) for j in ids]
    assert [j["print_unit"] for j in jobs] == ["berlin-sub"] * 3 + ["poznan-vendor"]  # Berlin's capacity is 3
    first = c.get(f"/v1/jobs/{ids[0]}", headers=S).json()
    route = first["timeline"][0]["data"]["routing"]
    assert route == {"reason": "rules", "due_by": "derived"}
    assert first["due_by"] is not None and jobs[3]["due_by"] is not None

    units = c.get("/v1/print-units", headers=_as("ops")).json()["units"]
    assert {u["id"]: u["routed_today"] for u in units}["berlin-sub"] == 3
    assert [u["id"] for u in c.get("/v1/print-units", headers=_as("berlin")).json()["units"]] == ["berlin-sub"]

    berlin_queue = [j["id"] for j in c.get("/v1/print-queue", headers=_as("berlin")).json()["jobs"]]
    assert set(berlin_queue) == set(ids[:3])
    assert c.get("/v1/print-queue", params={"print_unit": "poznan-vendor"}, headers=_as("berlin")).status_code == 403
    # another unit's job does not exist for this key: status, files, ack, production
    other = ids[3]
    assert c.get(f"/v1/jobs/{other}", headers=_as("berlin")).status_code == 404
    assert c.get(f"/v1/jobs/{other}/files/print.pdf", headers=_as("berlin")).status_code == 404
    assert c.post(f"/v1/jobs/{other}/ack", headers=_as("berlin")).status_code == 404
    assert c.post(f"/v1/jobs/{other}/production", json={"state": "accepted"}, headers=_as("berlin")).status_code == 404
    assert c.post(f"/v1/jobs/{other}/production", json={"state": "accepted"}, headers=_as("poznan")).status_code == 200
    assert c.get(f"/v1/jobs/{other}", headers=_as("ops")).status_code == 200  # an unbound key sees all

    # manual override, checked against the registry; a product no active unit makes is refused
    r = c.post("/v1/jobs", json={"design": coaster("M"), "print_unit": "poznan-vendor"}, headers=S)
    job = c.get(f"/v1/jobs/{r.json()['job_id']}", headers=S).json()
    assert job["print_unit"] == "poznan-vendor" and job["timeline"][0]["data"]["routing"]["reason"] == "manual"
    r = c.post("/v1/jobs", json={"design": coaster("M"), "print_unit": "atlantis"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "print_unit"


def test_declined_and_inactive_units_hand_their_jobs_on(routed: Any) -> None:
    c, units = routed
    jid = c.post("/v1/jobs", json={"design": coaster("Decline"), "print_unit": "berlin-sub"}, headers=S).json()[
        "job_id"]
    assert wait_ready(c, jid)["print_unit"] == "berlin-sub"
    r = c.post(f"/v1/jobs/{jid}/decline", json={"reason": "machine_down", "note": "press 2"}, headers=_as("berlin"))
    assert r.status_code == 200 and r.json()["print_unit"] == "poznan-vendor", r.text
    assert c.post(f"/v1/jobs/{jid}/decline", json={"reason": "other"}, headers=_as("berlin")).status_code == 404
    r = c.post(f"/v1/jobs/{jid}/decline", json={"reason": "no_blanks"}, headers=_as("poznan"))
    assert r.status_code == 200 and r.json()["print_unit"] is None  # no mug unit left that did not decline
    kinds = [(e["kind"], e["data"].get("to")) for e in c.get(f"/v1/jobs/{jid}", headers=S).json()["timeline"]]
    assert ("declined", None) in kinds and ("routed", "poznan-vendor") in kinds and kinds[-1] == ("routed", None)
    assert jid in [j["id"] for j in c.get("/v1/print-queue", headers=_as("ops")).json()["jobs"]]

    # Berlin is switched off in the registry: its jobs not yet taken move on the next read
    waiting = c.post("/v1/jobs", json={"design": coaster("Moved"), "print_unit": "berlin-sub"}, headers=S).json()[
        "job_id"]
    taken = c.post("/v1/jobs", json={"design": coaster("Kept"), "print_unit": "berlin-sub"}, headers=S).json()[
        "job_id"]
    wait_ready(c, waiting)
    wait_ready(c, taken)
    assert c.post(f"/v1/jobs/{taken}/production", json={"state": "accepted"}, headers=_as("berlin")).status_code == 200
    raw = json.loads(units.read_text())
    next(u for u in raw["units"] if u["id"] == "berlin-sub")["active"] = False
    units.write_text(json.dumps(raw))
    stamp = time.time() + 5
    os.utime(units, (stamp, stamp))  # a new modification time even within the file system's granularity
    c.get("/v1/print-queue", headers=_as("ops"))
    assert c.get(f"/v1/jobs/{waiting}", headers=S).json()["print_unit"] == "poznan-vendor"
    assert c.get(f"/v1/jobs/{taken}", headers=S).json()["print_unit"] == "berlin-sub"  # accepted: it stays
    moved = c.get(f"/v1/jobs/{waiting}", headers=S).json()["timeline"]
    assert moved[-1]["kind"] == "routed" and moved[-1]["data"]["reason"] == "unit_inactive"
    r = c.post("/v1/jobs", json={"design": coaster("Off"), "print_unit": "berlin-sub"}, headers=S)
    assert r.status_code == 422 and "inactive" in r.json()["message"]
