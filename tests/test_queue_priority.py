"""Express overtakes a backlog on the real farm path: jobs recorded in a real job store (SQLite, PostgreSQL),
enqueued by the RQ dispatcher on real Redis, picked by an RQ worker built as ``render-engine worker`` builds
it (its queues in ``settings.queue_names`` order). RQ has no per-job priority; a worker polls its queues in
order, so the ``express`` queue drains before ``standard`` — checked here rather than assumed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.dispatch import RqDispatcher
from render_engine.farm.services import Services
from render_engine.farm.settings import ServiceSettings

REQUEST = {"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "outputs": {"formats": ["png"]}}


@pytest.fixture(params=["sqlite", "postgres"])
def farm(request: pytest.FixtureRequest, tmp_path: Path, engine: Any) -> Iterator[tuple[Services, RqDispatcher]]:
    from tests.pg_support import postgres_server, private_schema
    from tests.redis_support import delete_keys, new_prefix, redis_server

    with redis_server() as url, postgres_server() as pg:
        prefix = new_prefix()
        with private_schema(pg) as pg_url:
            settings = ServiceSettings(
                storage_root=tmp_path, redis_url=url, queue_prefix=prefix,
                job_store_url=pg_url if request.param == "postgres" else None,
            )  # fmt: skip
            svc = Services.build(settings, engine)
            try:
                yield svc, RqDispatcher(svc, url)
            finally:
                svc.store.close()
                delete_keys(url, prefix)


def test_express_job_starts_before_a_200_job_standard_backlog(farm: tuple[Services, RqDispatcher]) -> None:
    from rq import Worker
    from rq.serializers import JSONSerializer

    svc, dispatcher = farm
    backlog = []
    for n in range(200):
        rec, _ = svc.store.create(REQUEST, "standard", "shop", f"s{n}", None)
        assert dispatcher.enqueue(rec)
        backlog.append(rec.id)
    urgent, _ = svc.store.create(REQUEST, "express", "shop", "e", None)
    assert dispatcher.enqueue(urgent)
    assert dispatcher.depth() == {"same_day": 0, "express": 1, "standard": 200}

    # the worker `render-engine worker` runs: its queues in settings.queue_names order (express first)
    worker = Worker(list(dispatcher.queues.values()), connection=dispatcher.redis, serializer=JSONSerializer)
    assert [q.name for q in worker.queues] == list(svc.settings.queue_names)
    order = []
    for _ in range(6):
        got = worker.dequeue_job_and_maintain_ttl(timeout=1)
        assert got is not None
        job, queue = got
        order.append((queue.name, job.args[0]))
    assert order[0] == (svc.settings.queue_names[1], urgent.id)  # before every standard job queued earlier
    assert [jid for _, jid in order[1:]] == backlog[:5]  # then the backlog, oldest first
    # the durable records say the same: one attempt each, nothing lost or doubled
    assert {r.id for r in svc.store.in_flight()} == {*backlog, urgent.id}
    assert all(r.attempt == 1 for r in svc.store.in_flight())


def test_same_day_starts_before_express_and_a_standard_backlog(farm: tuple[Services, RqDispatcher]) -> None:
    """same_day is polled first: one queued after 100 standard and 5 express jobs is taken first, then the
    express jobs (oldest first), then the backlog."""
    from rq import Worker
    from rq.serializers import JSONSerializer

    svc, dispatcher = farm
    standard = [svc.store.create(REQUEST, "standard", "shop", f"s{n}", None)[0] for n in range(100)]
    express = [svc.store.create(REQUEST, "express", "shop", f"e{n}", None)[0] for n in range(5)]
    today, _ = svc.store.create(REQUEST, "same_day", "shop", "d", None)
    for rec in [*standard, *express, today]:
        assert dispatcher.enqueue(rec)
    assert dispatcher.depth() == {"same_day": 1, "express": 5, "standard": 100}
    worker = Worker(list(dispatcher.queues.values()), connection=dispatcher.redis, serializer=JSONSerializer)
    assert [q.name for q in worker.queues] == list(svc.settings.queue_names)
    taken = []
    for _ in range(8):
        got = worker.dequeue_job_and_maintain_ttl(timeout=1)
        assert got is not None
        taken.append(got[0].args[0])
    assert taken == [today.id, *(r.id for r in express), standard[0].id, standard[1].id]
