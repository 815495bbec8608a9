"""Re-routing in the farm's maintenance pass (#20), on real Redis (the reconciler lock of
``render-engine worker``) with both job stores: a unit switched off in the registry hands its jobs not yet
taken to the next capable unit, a unit over today's capacity hands on its newest rule-routed jobs to a unit
with room, and every moved job's ``due_by`` is derived again from the new unit's calendar, cut-off and time
zone (a given ``due_by`` and a storefront's manual choice are kept) — on the timeline with the old date."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.dispatch import RqDispatcher
from render_engine.farm.jobs import render_job
from render_engine.farm.routing import Registry, due_by
from render_engine.farm.services import Services
from render_engine.farm.settings import ServiceSettings
from render_engine.farm.worker import reconcile_rq

TEMPLATE = "coaster-95-round"


def request(**extra: Any) -> dict[str, Any]:
    return {"design": {"version": 1, "template": TEMPLATE, "layers": []}, "outputs": {"formats": ["png"]}, **extra}


def day(offset: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + offset * 86400))


def registry(a_active: bool = True, a_capacity: int = 100, a_closed: tuple[str, ...] = (), b: Any = True) -> dict:
    """Every unit works every day (a test's outcome does not depend on its weekday) unless told otherwise."""

    def unit(uid: str, **kw: Any) -> dict[str, Any]:
        return {"id": uid, "location": uid, "technologies": ["sublimation"], "products": [TEMPLATE],
                "daily_capacity": 100, **kw}  # fmt: skip

    a_cal = {"calendar": {"workdays": list(range(7)), "closed": list(a_closed)}} if a_closed else {}
    units = [unit("a", rank=10, active=a_active, daily_capacity=a_capacity, cutoff="14:00:00",
                  timezone="Europe/Berlin", **a_cal)]  # fmt: skip
    if b is not None:
        # b: another time zone, an earlier cut-off, and a calendar of its own (closed tomorrow)
        units.append(unit("b", rank=50, cutoff="09:30:00", timezone="America/New_York", active=bool(b),
                          calendar={"workdays": list(range(7)), "closed": [day(1)]}))  # fmt: skip
    return {"calendar": {"workdays": list(range(7))}, "production_days": {"standard": 3, "express": 1},
            "units": units}  # fmt: skip


_stamp = 0.0


def write(path: Path, raw: dict[str, Any]) -> None:
    path.write_text(json.dumps(raw))
    global _stamp
    _stamp = max(_stamp + 5, time.time() + 5)
    stamp = _stamp
    os.utime(path, (stamp, stamp))  # a new modification time even within the file system's granularity


@pytest.fixture(params=["sqlite", "postgres"])
def farm(request: pytest.FixtureRequest, tmp_path: Path, engine: Any) -> Iterator[tuple[Services, RqDispatcher, Path]]:
    from tests.pg_support import postgres_server, private_schema
    from tests.redis_support import delete_keys, new_prefix, redis_server

    units = tmp_path / "units.json"
    write(units, registry())
    with redis_server() as url, postgres_server() as pg:
        prefix = new_prefix()
        with private_schema(pg) as pg_url:
            settings = ServiceSettings(
                storage_root=tmp_path / "s", redis_url=url, queue_prefix=prefix, print_units=units,
                job_store_url=pg_url if request.param == "postgres" else None,
            )  # fmt: skip
            svc = Services.build(settings, engine)
            try:
                yield svc, RqDispatcher(svc, url), units
            finally:
                svc.store.close()
                delete_keys(url, prefix)


def _routed(svc: Services, job_id: str) -> list[dict[str, Any]]:
    return [e for e in svc.store.events(job_id) if e["kind"] == "routed"]


def test_maintenance_moves_jobs_off_a_switched_off_unit_with_new_due_dates(
    farm: tuple[Services, RqDispatcher, Path],
) -> None:
    svc, dispatcher, units = farm
    reg_a = Registry.model_validate(registry())
    now = time.time()
    due_a = due_by(reg_a, reg_a.unit("a"), TEMPLATE, "standard", now)
    ruled = [svc.store.create(request(), "standard", "shop", f"r{n}", None, print_unit="a", due_by=due_a)[0]
             for n in range(3)]  # fmt: skip
    given = svc.store.create(request(due_by="2026-12-31T12:00:00Z"), "express", "shop", "g", None, print_unit="a",
                             due_by=1798718400.0)[0]  # fmt: skip
    taken = svc.store.create(request(), "standard", "shop", "t", None, print_unit="a", due_by=due_a)[0]
    assert render_job(svc, taken.id) == "ready"
    svc.store.report_production(taken.id, "accepted", "a", {}, "a")  # the unit took it: it stays
    assert reconcile_rq(svc, dispatcher) is not None  # a worker's pass: nothing to move yet
    assert all(svc.store.get(r.id).print_unit == "a" for r in ruled)  # type: ignore[union-attr]

    write(units, registry(a_active=False))
    before = time.time()
    assert reconcile_rq(svc, dispatcher) is not None
    after = time.time()
    reg_b = Registry.model_validate(registry())
    expected = {due_by(reg_b, reg_b.unit("b"), TEMPLATE, "standard", t) for t in (before, after)}
    for r in ruled:
        rec = svc.store.get(r.id)
        assert rec is not None and rec.print_unit == "b"
        assert rec.due_by in expected and rec.due_by != due_a  # New York's cut-off and calendar
        (ev,) = _routed(svc, r.id)
        assert ev["actor"] == "maintenance" and ev["data"]["reason"] == "unit_inactive"
        assert ev["data"]["from"] == "a" and ev["data"]["to"] == "b"
        assert ev["data"]["due_by"] == {"from": due_a, "to": rec.due_by}
    kept = svc.store.get(given.id)
    assert kept is not None and kept.print_unit == "b" and kept.due_by == 1798718400.0  # given: kept
    assert svc.store.get(taken.id).print_unit == "a"  # type: ignore[union-attr]
    assert reconcile_rq(svc, dispatcher) is not None  # a second pass moves nothing again
    assert all(len(_routed(svc, r.id)) == 1 for r in ruled)


def test_maintenance_moves_the_newest_jobs_off_a_unit_over_capacity(
    farm: tuple[Services, RqDispatcher, Path],
) -> None:
    svc, dispatcher, units = farm
    write(units, registry(a_capacity=5))
    ids = []
    # the newest jobs are urgent: they keep the unit they were promised, the newest standard ones move instead
    kinds = ["standard"] * 5 + ["express", "same_day"]
    for n, priority in enumerate(kinds):
        ids.append(svc.store.create(request(), priority, "shop", f"c{n}", None, print_unit="a", due_by=1.0)[0].id)  # type: ignore[arg-type]
        time.sleep(0.01)
    manual = svc.store.create(request(print_unit="a"), "standard", "shop", "m", None, print_unit="a")[0].id
    assert reconcile_rq(svc, dispatcher) is not None
    where = {j: svc.store.get(j).print_unit for j in [*ids, manual]}  # type: ignore[union-attr]
    # 8 routed to a today, capacity 5: three move, the newest rule-routed standard ones; the urgent jobs and
    # the manual choice stay
    assert [where[j] for j in ids] == ["a", "a", "b", "b", "b", "a", "a"] and where[manual] == "a"
    assert _routed(svc, ids[4])[0]["data"]["reason"] == "over_capacity"
    assert reconcile_rq(svc, dispatcher) is not None
    assert [svc.store.get(j).print_unit for j in ids] == ["a", "a", "b", "b", "b", "a", "a"]  # type: ignore[union-attr]


def test_unrouted_jobs_are_routed_when_a_capable_unit_is_added_or_switched_on(
    farm: tuple[Services, RqDispatcher, Path],
) -> None:
    svc, dispatcher, units = farm
    jobs = [svc.store.create(request(), "standard", "shop", f"u{n}", None, print_unit="a", due_by=1.0)[0].id
            for n in range(3)]  # fmt: skip
    write(units, registry(a_active=False, b=None))  # a off, b gone: nobody makes coasters
    assert reconcile_rq(svc, dispatcher) is not None
    assert all(svc.store.get(j).print_unit is None for j in jobs)  # type: ignore[union-attr]
    assert all(_routed(svc, j)[-1]["data"]["unroutable"] for j in jobs)
    write(units, registry(a_active=False, b=False))  # b added, but switched off
    assert reconcile_rq(svc, dispatcher) is not None
    assert all(svc.store.get(j).print_unit is None and len(_routed(svc, j)) == 1 for j in jobs)  # type: ignore[union-attr]
    write(units, registry(a_active=False, b=True))  # b switched on
    before = time.time()
    assert reconcile_rq(svc, dispatcher) is not None
    after = time.time()
    reg = Registry.model_validate(registry())
    expected = {due_by(reg, reg.unit("b"), TEMPLATE, "standard", t) for t in (before, after)}
    for j in jobs:
        rec = svc.store.get(j)
        assert rec is not None and rec.print_unit == "b" and rec.due_by in expected
        ev = _routed(svc, j)[-1]["data"]
        assert ev["reason"] == "unit_available" and ev["from"] is None and ev["to"] == "b"
    assert reconcile_rq(svc, dispatcher) is not None
    assert all(len(_routed(svc, j)) == 2 for j in jobs)  # routed once, not again


def test_a_unit_closed_today_hands_its_jobs_to_a_unit_working_today(
    farm: tuple[Services, RqDispatcher, Path],
) -> None:
    svc, dispatcher, units = farm
    closed = (day(-1), day(0), day(1))  # a's site holiday around today, in any time zone
    ids = [svc.store.create(request(), p, "shop", f"h{n}", None, print_unit="a", due_by=1.0)[0].id  # type: ignore[arg-type]
           for n, p in enumerate(["standard", "express", "standard"])]  # fmt: skip
    manual = svc.store.create(request(print_unit="a"), "standard", "shop", "m", None, print_unit="a")[0].id
    write(units, registry(a_closed=closed, b=False))  # only a: closed, but nobody else works: they stay
    assert reconcile_rq(svc, dispatcher) is not None
    assert all(svc.store.get(j).print_unit == "a" for j in [*ids, manual])  # type: ignore[union-attr]
    write(units, registry(a_closed=closed))  # b works today
    assert reconcile_rq(svc, dispatcher) is not None
    for j in ids:
        rec = svc.store.get(j)
        assert rec is not None and rec.print_unit == "b" and rec.due_by != 1.0
        ev = _routed(svc, j)[-1]
        assert ev["data"]["reason"] == "unit_closed_today" and ev["data"]["from"] == "a"
    # the express job moved first; the storefront's own choice stays with a
    at = {j: _routed(svc, j)[-1]["at"] for j in ids}
    assert at[ids[1]] <= at[ids[0]] and at[ids[1]] <= at[ids[2]]
    assert svc.store.get(manual).print_unit == "a"  # type: ignore[union-attr]
    # a new order is routed to the unit working today even though a ranks first
    from render_engine.farm.routing import choose_unit

    reg = Registry.model_validate(registry(a_closed=closed))
    assert choose_unit(reg, TEMPLATE, {}, now=time.time())[0].id == "b"
    assert choose_unit(reg, TEMPLATE, {}, now=time.time() + 5 * 86400)[0].id == "a"
