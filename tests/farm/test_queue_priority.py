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
    worker = Worker(list(dispatcher.queues.values()), connection=dispatcher.redis, serializer=JSONSerializer,
                    queue_class=dispatcher.queue_class)  # fmt: skip
    assert [q.name for q in worker.queues] == list(svc.settings.queue_names)
    order = []
    for _ in range(6):
        got = worker.dequeue_job_and_maintain_ttl(timeout=1)
        assert got is not None
        job, queue = got
        order.append((queue.name, job.args[0]))
    assert order[0] == (svc.settings.queue_names[1], urgent.id)  # before every standard job queued earlier
    assert [jid for _, jid in order[1:]] == backlog[:5]  # then the backlog, oldest first
    # each push and take stamped by Redis in one farm-wide order (farm/taking.py): the express job arrived
    # after the 200 standard jobs and was taken first; each take after its own arrival
    takes = [dispatcher.queue_class.pop_take(f"{svc.settings.queue_prefix}{jid}-a1") for _, jid in order]
    assert all(t is not None and t.arrived is not None for t in takes)
    seqs = [(t.arrived.seq, t.taken.seq) for t in takes]  # type: ignore[union-attr]
    assert seqs[0][0] == 201 and [s[1] for s in seqs] == list(range(202, 208))
    assert [s[0] for s in seqs[1:]] == [1, 2, 3, 4, 5]
    assert all(t.arrived.at <= t.taken.at for t in takes)  # type: ignore[union-attr]
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
    worker = Worker(list(dispatcher.queues.values()), connection=dispatcher.redis, serializer=JSONSerializer,
                    queue_class=dispatcher.queue_class)  # fmt: skip
    assert [q.name for q in worker.queues] == list(svc.settings.queue_names)
    taken = []
    for _ in range(8):
        got = worker.dequeue_job_and_maintain_ttl(timeout=1)
        assert got is not None
        taken.append(got[0].args[0])
    assert taken == [today.id, *(r.id for r in express), standard[0].id, standard[1].id]


def test_an_idle_worker_takes_a_job_pushed_while_it_waits(farm: tuple[Services, RqDispatcher]) -> None:
    """An idle worker blocks on the wake-up list, not on the queues (a BLPOP on a queue would pop outside the
    take script): a job pushed while it waits is taken, stamped, well before the dequeue's own timeout."""
    import threading

    from rq import Worker
    from rq.serializers import JSONSerializer

    svc, dispatcher = farm
    worker = Worker(list(dispatcher.queues.values()), connection=dispatcher.redis, serializer=JSONSerializer,
                    queue_class=dispatcher.queue_class)  # fmt: skip
    got: list[Any] = []
    t = threading.Thread(target=lambda: got.append(worker.dequeue_job_and_maintain_ttl(timeout=60)))
    t.start()
    rec, _ = svc.store.create(REQUEST, "standard", "shop", "late", None)
    assert dispatcher.enqueue(rec)
    t.join(50)  # generous: the wake-up token returns it at once, the 1 s poll at worst
    assert not t.is_alive() and got[0] is not None and got[0][0].args[0] == rec.id
    take = dispatcher.queue_class.pop_take(f"{svc.settings.queue_prefix}{rec.id}-a1")
    assert take is not None and take.arrived is not None and take.arrived.seq < take.taken.seq
