"""The job store's contract, run against both implementations: SQLite (one host) and PostgreSQL (a real
server shared by several hosts: tests/pg_support.py). What the farm relies on: a record is committed when
``create`` returns; an idempotency key makes one job however many requests race; each attempt is enqueued
once; a final state is never undone; one publisher per job at a time; the print queue is ordered and
filtered; a store that cannot be reached is a typed 503, never a crash.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.store import (
    IdempotencyConflict,
    JobStore,
    JobStoreUnavailable,
    PostgresJobStore,
    SqliteJobStore,
    open_job_store,
)
from tests.pg_support import postgres_server, private_schema, private_server
from tests.toolkit import STOREFRONT, app_client

REQUEST = {"design": {"template": "coaster-95-round", "layers": [], "version": 1}, "outputs": {"formats": ["png"]}}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    if request.param == "sqlite":
        yield SqliteJobStore(tmp_path / "jobs.sqlite3")
        return
    with private_schema(request.getfixturevalue("postgres_url")) as url:
        s = PostgresJobStore(url)
        try:
            yield s
        finally:
            s.close()


def new_job(store: JobStore, key: str | None = None, body: str = "b", **request: Any) -> str:
    rec, created = store.create({**REQUEST, **request}, "standard", "storefront", body, key)
    assert created
    return rec.id


def test_created_record_reads_back_whole(store: JobStore) -> None:
    request = {**REQUEST, "webhook_url": "https://shop.example/hook", "z": 1, "a": [1.5, "ü"]}
    rec, created = store.create(request, "express", "shop-1", "h1", "order-1")
    assert created and rec.state == "queued" and rec.attempt == 0
    got = store.get(rec.id)
    assert got is not None
    assert got.request == request and list(got.request) == list(request)  # key order kept (stored as text)
    assert (got.priority, got.owner, got.artifacts, got.error) == ("express", "shop-1", [], None)
    assert got.created_at == pytest.approx(time.time(), abs=5)
    assert store.get("0" * 32) is None


def test_idempotency_key_replays_and_conflicts(store: JobStore) -> None:
    first, created = store.create(REQUEST, "standard", "sf", "body-1", "key-1")
    again, created_again = store.create(REQUEST, "standard", "sf", "body-1", "key-1")
    assert created and not created_again and again.id == first.id
    with pytest.raises(IdempotencyConflict):
        store.create(REQUEST, "standard", "sf", "body-2", "key-1")
    found = store.find_idem("key-1")
    assert found is not None and found[0].id == first.id and found[1] == "body-1"
    assert store.find_idem("key-2") is None
    assert store.counts() == {"queued": 1}


def test_racing_requests_with_one_key_make_one_job(store: JobStore) -> None:
    """Eight API threads post the same order at once: one job, and every request gets its id."""
    ids: list[str] = []
    errors: list[BaseException] = []
    go = threading.Barrier(8)

    def post() -> None:
        try:
            go.wait()
            rec, _ = store.create(REQUEST, "standard", "sf", "same-body", "order-42")
            ids.append(rec.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(ids) == 8 and len(set(ids)) == 1
    assert store.counts() == {"queued": 1}


def test_each_attempt_is_enqueued_once(store: JobStore) -> None:
    """An API process and two reconcilers try to enqueue attempt 1 at the same moment: one wins."""
    job = new_job(store)
    wins: list[bool] = []
    go = threading.Barrier(6)

    def enqueue(n: int) -> None:
        go.wait()
        wins.append(store.set_enqueued(job, f"rq-{n}", 0))

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 5 + [True]
    rec = store.get(job)
    assert rec is not None and rec.attempt == 1 and rec.rq_id is not None
    assert store.set_enqueued(job, "rq-next", 1) and not store.set_enqueued(job, "rq-late", 1)


def test_life_cycle_and_final_states_stay_final(store: JobStore) -> None:
    job = new_job(store)
    assert [r.id for r in store.in_flight()] == [job]
    rec = store.start(job, lease=30)
    assert rec is not None and rec.state == "rendering" and rec.lease_until == pytest.approx(time.time() + 30, abs=5)
    started = rec.started_at
    store.note_error(job, {"code": "storage_error", "message": "disk", "field": None})
    rec = store.start(job, lease=30)  # a retry keeps the first start time
    assert rec is not None and rec.started_at == started and rec.error is not None
    artifacts = [{"name": "print.png", "bytes": 3, "sha256": "ab" * 32, "content_type": "image/png"}]
    with store.locked(job) as pub:
        assert pub.state() == "rendering"
        pub.finish(artifacts)
    rec = store.get(job)
    assert rec is not None and rec.state == "ready" and rec.artifacts == artifacts and rec.error is None
    assert rec.lease_until is None and rec.finished_at is not None
    # a late duplicate run or a timeout watchdog changes nothing
    assert store.start(job, lease=30) is None
    store.fail(job, {"code": "timeout", "message": "late", "field": None})
    assert store.set_enqueued(job, "rq-x", rec.attempt) is False
    final = store.get(job)
    assert final is not None and final.state == "ready" and final.error is None
    assert store.in_flight() == [] and store.counts() == {"ready": 1}


def test_failed_job_keeps_its_reason(store: JobStore) -> None:
    job = new_job(store)
    store.fail(job, {"code": "invalid_design", "message": "bad", "field": "layers[0]"})
    rec = store.get(job)
    assert rec is not None and rec.state == "failed" and rec.error == {
        "code": "invalid_design", "message": "bad", "field": "layers[0]"
    }  # fmt: skip
    assert store.start(job, lease=30) is None
    with store.locked(job) as pub:
        assert pub.state() == "failed"


def test_one_publisher_per_job(store: JobStore) -> None:
    """A second run of the same job waits for the first one's publish transaction, then sees ``ready``."""
    job = new_job(store)
    assert store.start(job, lease=30) is not None
    inside = threading.Event()
    seen: list[str | None] = []

    def second_run() -> None:
        inside.wait()
        with store.locked(job) as pub:
            seen.append(pub.state())

    t = threading.Thread(target=second_run)
    t.start()
    with store.locked(job) as pub:
        inside.set()
        time.sleep(0.5)  # the second run is blocked meanwhile
        assert seen == []
        pub.finish([])
    t.join(timeout=30)
    assert seen == ["ready"]


def test_postgres_publishers_of_different_jobs_do_not_wait(store: JobStore) -> None:
    """PostgreSQL locks the job's row, not the store: two workers publish two jobs at the same time (SQLite
    has one write lock for the whole file, which is why it suits one host only)."""
    if not isinstance(store, PostgresJobStore):
        pytest.skip("SQLite serialises all writers by design")
    a, b = new_job(store, "a"), new_job(store, "b")
    done = threading.Event()

    def other() -> None:
        with store.locked(b) as pub:
            pub.finish([])
        done.set()

    with store.locked(a):
        t = threading.Thread(target=other)
        t.start()
        assert done.wait(10), "publishing job b waited for job a's lock"
    t.join()
    rec = store.get(b)
    assert rec is not None and rec.state == "ready"


def test_print_queue_order_filters_pagination_and_ack(store: JobStore) -> None:
    jobs = []
    for n, (template, profile, unit) in enumerate(
        [("mug-11oz", "fogra39", "north"), ("coaster-95-round", "fogra39", None), ("mug-11oz", "srgb", "south"),
         ("mug-11oz", "fogra39", "north")]
    ):  # fmt: skip
        request: dict[str, Any] = {"design": {"template": template}, "output_profile": profile}
        if unit:
            request["print_unit"] = unit
        rec, _ = store.create(request, "standard", "sf", f"b{n}", f"k{n}")
        store.start(rec.id, 30)
        with store.locked(rec.id) as pub:
            pub.finish([])
        jobs.append(rec.id)
        time.sleep(0.01)  # distinct finish times
    assert [r.id for r in store.print_queue(10, None)] == jobs
    assert [r.id for r in store.print_queue(10, None, template="mug-11oz")] == [jobs[0], jobs[2], jobs[3]]
    assert [r.id for r in store.print_queue(10, None, output_profile="srgb")] == [jobs[2]]
    assert [r.id for r in store.print_queue(10, None, print_unit="north")] == [jobs[0], jobs[3]]
    assert [r.id for r in store.print_queue(10, None, template="mug-11oz", print_unit="south")] == [jobs[2]]
    page1 = store.print_queue(2, None)
    assert page1[-1].finished_at is not None
    page2 = store.print_queue(2, page1[-1].queue_key())
    assert [r.id for r in page1 + page2] == jobs
    first = store.ack(jobs[0])
    again = store.ack(jobs[0])
    assert first is not None and again is not None and first.acked_at == again.acked_at is not None
    assert [r.id for r in store.print_queue(10, None)] == jobs[1:]
    assert store.ack("f" * 32) is None


def test_open_job_store_picks_the_backend(tmp_path: Path, postgres_url: str) -> None:
    assert isinstance(open_job_store(None, tmp_path), SqliteJobStore)
    assert (tmp_path / "jobs.sqlite3").is_file()
    with private_schema(postgres_url) as url:
        pg = open_job_store(url, tmp_path / "other")
        try:
            assert isinstance(pg, PostgresJobStore) and pg.ping()
        finally:
            pg.close()
    assert not (tmp_path / "other").exists()
    with pytest.raises(ValueError, match="postgresql://"):
        open_job_store("mysql://db/jobs", tmp_path)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_postgres_is_a_typed_503() -> None:
    t0 = time.monotonic()
    with pytest.raises(JobStoreUnavailable) as err:
        PostgresJobStore(f"postgresql://postgres@127.0.0.1:{_closed_port()}/test", timeout=2)
    assert err.value.http_status == 503 and err.value.headers == {"Retry-After": "30"}
    assert time.monotonic() - t0 < 15


def test_database_outage_is_503_json_and_the_api_recovers_when_it_returns(tmp_path: Path) -> None:
    """A real outage: the API runs on a private PostgreSQL, which is shut down (fast: clients disconnected)
    and started again. While it is down: /readyz 503 with ``job_store: false``, job reads and posts 503
    JSON ``job_store_unavailable`` with Retry-After (never a 500, never a hang past the timeout); after it
    returns, the pool's dead connections are replaced and the job accepted before the outage is there."""

    from render_engine.farm.settings import ServiceSettings

    sf = STOREFRONT
    h = {"X-API-Key": sf}
    body = {"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "outputs": {"formats": ["png"]}}
    with private_server() as pg:
        settings = ServiceSettings(
            storage_root=tmp_path, job_store_url=pg.url, job_store_timeout=2, api_keys=f"storefront:{sf}"
        )
        with app_client(settings) as c:
            assert c.get("/readyz").json()["checks"]["job_store"] is True
            accepted = c.post("/v1/jobs", json=body, headers=h)
            assert accepted.status_code == 202, accepted.text
            job = accepted.json()["job_id"]
            pg.stop()
            gone = c.get("/readyz")
            assert gone.status_code == 503 and gone.json()["checks"]["job_store"] is False
            t0 = time.monotonic()
            for r in (c.get(f"/v1/jobs/{job}", headers=h), c.post("/v1/jobs", json=body, headers=h)):
                assert r.status_code == 503 and r.json()["code"] == "job_store_unavailable", r.text
                assert r.headers["retry-after"] == "30"
            assert time.monotonic() - t0 < 20
            pg.start()
            assert c.get("/readyz").status_code == 200
            t_back = time.monotonic()  # the pool reconnects within its reconnect span (10 s) at the latest
            back = c.get(f"/v1/jobs/{job}", headers=h)
            while back.status_code == 503 and time.monotonic() - t_back < 15:
                back = c.get(f"/v1/jobs/{job}", headers=h)
            assert back.status_code == 200 and back.json()["id"] == job


def test_postgres_connections_dropped_by_the_server_are_replaced(postgres_url: str) -> None:
    """The database restarts or an admin kills our sessions: the next call gets a new connection."""
    import psycopg

    with private_schema(postgres_url) as url:
        name = f"render_test_{os.getpid()}_{time.monotonic_ns()}"
        store = PostgresJobStore(f"{url}&application_name={name}")
        try:
            job = new_job(store)
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                    (name,),
                ).fetchone()
            assert killed is not None and killed[0] >= 1
            rec = store.get(job)
            assert rec is not None and rec.id == job
        finally:
            store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_postgres_store_works_in_a_forked_work_horse(postgres_url: str) -> None:
    """RQ forks a work horse per job from a worker that already holds pooled connections: the child opens
    its own, and the parent's connections still work after the child exits."""
    with private_schema(postgres_url) as url:
        store = PostgresJobStore(url)
        try:
            job = new_job(store)
            assert store.get(job) is not None  # the parent's pool is in use before the fork
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child reports through its exit status
                code = 1
                try:
                    rec = store.start(job, lease=30)
                    code = 0 if rec is not None and rec.state == "rendering" else 2
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            rec = store.get(job)
            assert rec is not None and rec.state == "rendering"
        finally:
            store.close()


def test_expired_lists_only_jobs_done_with_and_delete_removes_final_records(store: JobStore) -> None:
    """Retention: acknowledged-ready and failed jobs older than the cut-off; never a ready job no print
    unit picked up, never one in flight."""
    acked, unacked, failed, rendering = (new_job(store, k) for k in ("a", "u", "f", "r"))
    for job in (acked, unacked):
        store.start(job, 30)
        with store.locked(job) as pub:
            pub.finish([])
    assert store.ack(acked) is not None
    store.fail(failed, {"code": "invalid_design", "message": "bad", "field": None})
    store.start(rendering, 30)
    now = time.time()
    assert store.expired(now - 60, 10) == []  # nothing is a minute old yet
    assert sorted(store.expired(now + 1, 10)) == sorted([acked, failed])
    assert len(store.expired(now + 1, 1)) == 1
    assert store.delete(rendering) is False and store.get(rendering) is not None
    assert store.delete(acked) is True and store.get(acked) is None
    assert store.delete(acked) is False
    assert store.expired(now + 1, 10) == [failed]
    rec, created = store.create(REQUEST, "standard", "sf", "other body", "a")  # the key is free again
    assert created and rec.id != acked


A1, A2 = "a1" * 32, "b2" * 32  # asset ids (SHA-256 hex)


def _with_assets(*ids: str) -> dict[str, Any]:
    layers = [{"type": "image", "asset_id": a, "box": {"x": 0, "y": 0, "width": 10, "height": 10}} for a in ids]
    return {**REQUEST, "design": {**REQUEST["design"], "layers": layers}}


def test_jobs_keep_their_assets_from_the_collector(store: JobStore) -> None:
    """Asset retention's store side: an asset a job in the store uses is never deleted; once the job is
    deleted (job retention), it can be."""
    deleted: list[str] = []

    def deleter(asset_id: str) -> Any:
        return lambda: deleted.append(asset_id) or True

    rec, _ = store.create(_with_assets(A1, A1), "standard", "sf", "h", None)
    assert store.delete_asset_if_unused(A1, deleter(A1)) is False and deleted == []
    assert store.delete_asset_if_unused(A2, deleter(A2)) is True and deleted == [A2]
    store.fail(rec.id, {"code": "invalid_design", "message": "x", "field": None})
    assert store.delete(rec.id)
    assert store.delete_asset_if_unused(A1, deleter(A1)) is True and deleted == [A2, A1]
    assert store.delete_asset_if_unused(A1, lambda: False) is False  # the storage declined (uploaded again)


def test_a_job_is_not_accepted_for_an_asset_being_deleted(store: JobStore) -> None:
    """The race the asset lock closes: the collector found the asset unused and is deleting it; a job
    posted meanwhile waits for the lock, then its asset check (under the lock) sees the asset gone, and no
    job is recorded."""
    stored = {A1}
    inside, release = threading.Event(), threading.Event()

    def slow_delete() -> bool:
        inside.set()
        release.wait(10)
        stored.discard(A1)
        return True

    def check(ids: list[str]) -> None:
        if any(a not in stored for a in ids):
            raise LookupError("asset gone")

    collector = threading.Thread(target=lambda: store.delete_asset_if_unused(A1, slow_delete))
    collector.start()
    assert inside.wait(10)
    outcome: list[Any] = []

    def post() -> None:
        try:
            outcome.append(store.create(_with_assets(A1), "standard", "sf", "h", None, check_assets=check))
        except LookupError as exc:
            outcome.append(exc)

    poster = threading.Thread(target=post)
    poster.start()
    time.sleep(0.5)
    assert outcome == []  # waiting for the asset's lock
    release.set()
    collector.join(10)
    poster.join(35)
    assert len(outcome) == 1 and isinstance(outcome[0], LookupError)
    assert store.counts() == {}
    # and the other way round: a job that got the lock first keeps its asset
    stored.add(A1)
    store.create(_with_assets(A1), "standard", "sf", "h2", None, check_assets=check)
    assert store.delete_asset_if_unused(A1, slow_delete) is False and A1 in stored


def test_an_older_store_learns_which_assets_its_jobs_use(store: JobStore) -> None:
    """A job store made before asset references were recorded: they are filled in from the jobs' requests
    when the store is opened, so the collector cannot take an asset from a job already in flight."""
    rec, _ = store.create(_with_assets(A1), "standard", "sf", "h", None)
    if isinstance(store, SqliteJobStore):
        with contextlib.closing(sqlite3.connect(store.path)) as db:
            db.execute("DROP TABLE job_assets")
            db.commit()
        reopened: JobStore = SqliteJobStore(store.path)
    else:
        import psycopg

        assert isinstance(store, PostgresJobStore)
        with psycopg.connect(store.url, autocommit=True) as db:
            db.execute("DROP TABLE job_assets")
        store.close()
        reopened = PostgresJobStore(store.url)
    try:
        assert reopened.delete_asset_if_unused(A1, lambda: True) is False
        assert reopened.delete_asset_if_unused(A2, lambda: True) is True
        assert reopened.get(rec.id) is not None
    finally:
        reopened.close()


# --- orders: review, production states, routing, timeline, figures (store_orders) -------------------------


def _ready(store: JobStore, **kw: Any) -> str:
    rec, _ = store.create(dict(REQUEST), "standard", "sf", "b", None, **kw)
    store.start(rec.id, 30)
    with store.locked(rec.id) as pub:
        pub.finish([])
    return rec.id


def test_held_jobs_wait_for_one_review(store: JobStore) -> None:
    from render_engine.farm.store_orders import Conflict

    held, _ = store.create(REQUEST, "standard", "sf", "b", None, state="held", event={"held_for": ["text.too_small"]})
    assert held.state == "held" and store.in_flight() == []  # the reconciler never enqueues a held job
    assert store.start(held.id, 30) is None  # nor can a worker render it
    results: list[Any] = []

    def review(approve: bool) -> None:
        try:
            results.append(store.review(held.id, approve, "shop/ana" if approve else "shop/bo", {"reason": "r"}))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=review, args=(n % 2 == 0,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if not isinstance(r, Conflict)]
    assert len(winners) == 1  # two reviewers racing: one decision
    final = store.get(held.id)
    assert final is not None and final.state in ("queued", "failed")
    events = store.events(held.id)
    assert [e["kind"] for e in events] == ["held", "approved" if final.state == "queued" else "rejected"]
    assert events[0]["data"] == {"held_for": ["text.too_small"]} and events[0]["actor"] == "sf"
    assert events[1]["actor"] in ("shop/ana", "shop/bo") and events[1]["at"] >= events[0]["at"]
    if final.state == "failed":
        assert final.error is not None and final.error["code"] == "rejected_in_review"
    else:
        assert [r.id for r in store.in_flight()] == [held.id]
    assert store.review("0" * 32, True, "x", {}) is None


def test_production_states_follow_the_state_machine(store: JobStore) -> None:
    from render_engine.farm.store_orders import Conflict

    jid = _ready(store, print_unit="north")
    with pytest.raises(Conflict):
        store.report_production(jid, "printed", "pu", {}, None)
    assert store.report_production(jid, "accepted", "pu", {}, unit="south") is None  # not its job
    rec = store.report_production(jid, "accepted", "pu", {}, unit="north")
    assert rec.production == "accepted" and rec.acked_at is not None
    assert store.print_queue(10, None) == []
    store.report_production(jid, "printed", "pu", {}, None)
    rec = store.report_production(jid, "qc_failed", "pu", {"reason": "smudged"}, None)
    assert rec.reprints == 1 and rec.acked_at is None
    assert [r.id for r in store.print_queue(10, None, print_unit="north")] == [jid]  # the reprint is queued again
    with pytest.raises(Conflict):
        store.report_production(jid, "qc_failed", "pu", {"reason": "smudged"}, None)
    for state in ("accepted", "qc_failed", "accepted", "printed", "shipped"):
        store.report_production(jid, state, "pu", {"reason": "misaligned"} if state == "qc_failed" else {}, None)
    with pytest.raises(Conflict):
        store.report_production(jid, "accepted", "pu", {}, None)
    rec = store.get(jid)
    assert rec is not None and (rec.production, rec.reprints) == ("shipped", 2)
    events = store.events(jid)
    assert [e["kind"] for e in events] == ["queued", "accepted", "printed", "qc_failed", "accepted", "qc_failed",
                                           "accepted", "printed", "shipped"]  # fmt: skip
    assert [e["seq"] for e in events] == list(range(1, 10))
    assert events[3]["data"] == {"reason": "smudged", "reprint": 1}
    assert store.reprint_reasons() == {"smudged": 1, "misaligned": 1}
    queued, _ = store.create(REQUEST, "standard", "sf", "b2", None)
    with pytest.raises(Conflict):  # not rendered yet
        store.report_production(queued.id, "accepted", "pu", {}, None)
    assert store.delete(jid) and store.events(jid) == []


def test_deadline_figures(store: JobStore) -> None:
    now = time.time()
    late = _ready(store, due_by=now - 3600)  # overdue
    soon = _ready(store, due_by=now + 1800)  # at risk within 2 h
    _ready(store, due_by=now + 86400)  # fine
    shipped_late = _ready(store, due_by=now - 60)
    shipped_ok = _ready(store, due_by=now + 600)
    for jid in (shipped_late, shipped_ok):
        for state in ("accepted", "printed", "shipped"):
            store.report_production(jid, state, "pu", {}, None)
    store.create(REQUEST, "express", "sf", "b", None, due_by=now + 60)  # queued, at risk
    fig = store.deadline_figures(now, 2 * 3600)
    assert fig["overdue"] == 1 and fig["at_risk"] == 2
    assert (fig["missed"], fig["shipped_on_time"]) == (1, 1)
    assert fig["queue_len"] == {"standard": 3} and fig["queue_age"]["standard"] >= 0
    assert {late, soon} <= {r.id for r in store.print_queue(10, None)}


def test_routing_records_every_move(store: JobStore) -> None:
    from render_engine.farm.store_orders import Conflict

    jid = _ready(store, print_unit="north")
    other = _ready(store, print_unit="north")
    assert store.open_jobs_of("north") == [jid, other]
    rec = store.route(jid, "south", "router", {"reason": "unit_inactive"}, only_if="north")
    assert rec.print_unit == "south"
    with pytest.raises(Conflict):  # a second re-route of the same move lost the race
        store.route(jid, "east", "router", {"reason": "unit_inactive"}, only_if="north")
    assert store.open_jobs_of("north") == [other]
    assert store.routed_since(time.time() - 60) == {"south": 1, "north": 1}
    store.report_production(jid, "accepted", "pu", {}, "south")
    with pytest.raises(Conflict):  # taken by its unit: it stays there
        store.route(jid, "east", "ops", {"reason": "manual"}, only_if=None)
    routed = [e for e in store.events(jid) if e["kind"] == "routed"]
    assert routed == [{"seq": 2, "at": routed[0]["at"], "kind": "routed", "actor": "router",
                       "data": {"reason": "unit_inactive", "from": "north", "to": "south"}}]  # fmt: skip


def test_an_older_store_gains_the_order_columns_and_keeps_its_routing(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    c = sqlite3.connect(path)
    c.execute(  # the jobs table before orders (no print_unit, due_by, production, reprints)
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT NOT NULL, priority TEXT NOT NULL, request TEXT NOT NULL,"
        " idem_key TEXT UNIQUE, body_hash TEXT NOT NULL, owner TEXT NOT NULL, created_at REAL NOT NULL,"
        " updated_at REAL NOT NULL, started_at REAL, finished_at REAL, acked_at REAL, attempt INTEGER NOT NULL"
        " DEFAULT 0, rq_id TEXT, lease_until REAL, artifacts TEXT NOT NULL DEFAULT '[]', error TEXT)"
    )
    c.execute(
        "INSERT INTO jobs (id, state, priority, request, body_hash, owner, created_at, updated_at)"
        " VALUES ('a', 'queued', 'standard', ?, 'h', 'o', 1, 1)",
        ('{"design": {}, "print_unit": "north"}',),
    )
    c.commit()
    c.close()
    store = SqliteJobStore(path)
    rec = store.get("a")
    assert rec is not None and rec.print_unit == "north" and rec.reprints == 0 and rec.production is None
    assert [r.id for r in store.in_flight()] == ["a"]


def test_postgres_readers_survive_another_process_adding_a_column(postgres_url: str) -> None:
    """A newer version's migration (ALTER TABLE ... ADD COLUMN) while older processes keep reading: no
    server-side prepared plan of ``SELECT *`` may break ("cached plan must not change result type")."""
    import psycopg

    with private_schema(postgres_url) as url:
        store = PostgresJobStore(url, pool_size=1)
        try:
            jid = new_job(store)
            for _ in range(10):  # psycopg would prepare a statement after 5 executions
                assert store.get(jid) is not None
            with psycopg.connect(url, autocommit=True) as c:
                c.execute("ALTER TABLE jobs ADD COLUMN from_a_newer_version TEXT")
            rec = store.get(jid)
            assert rec is not None and rec.id == jid
        finally:
            store.close()


def test_a_qc_photo_is_kept_as_long_as_its_job(store: JobStore) -> None:
    photo = "ab" * 32
    jid = _ready(store)
    store.report_production(jid, "accepted", "pu", {}, None)
    store.report_production(jid, "qc_failed", "pu", {"reason": "smudged", "photo_asset_id": photo}, None)
    deleted: list[str] = []
    assert not store.delete_asset_if_unused(photo, lambda: deleted.append(photo) or True)  # the job uses it
    assert deleted == []
    store.report_production(jid, "accepted", "pu", {}, None)
    store.report_production(jid, "qc_failed", "pu", {"reason": "smudged", "photo_asset_id": photo}, None)  # again
    assert store.ack(jid) is not None and store.delete(jid)
    assert store.delete_asset_if_unused(photo, lambda: True)  # the job is gone: the photo may go
