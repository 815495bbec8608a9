"""Taking jobs off the farm's queues inside Redis (#20): every push and every take is one Lua script, so the
queue order is decided and recorded in one atomic step.

* **Push** (:meth:`StampedQueue.push_job_id`, inside RQ's enqueue transaction): ``RPUSH`` the job on its queue,
  then note its *arrival* — a farm-wide sequence number (``INCR``) and Redis ``TIME`` — and drop a wake-up token
  for idle workers.
* **Take** (:meth:`StampedQueue.lpop`, RQ's dequeue): ``LPOP`` the first non-empty queue in priority order
  (same day, express, standard) and note the *take* — the next sequence number and Redis ``TIME`` — returning
  the job's arrival stamp with it.

Redis runs one script at a time, so "a lower-priority job was taken after an urgent job arrived and before it
was taken" means a take whose sequence number lies between the urgent job's arrival and take numbers; the take
script never pops a lower queue while a higher one holds a job, so that count is 0 by construction and measured
exactly on the record (the ``taken`` event carries both numbers), free of when the worker process gets the CPU.

An idle worker waits on the wake-up list (``BLPOP``, at most :data:`WAKE_POLL` s) and then runs the take script
again: BLPOP on the queues themselves would pop outside the script. Jobs pushed by other code (RQ's scheduler
re-enqueues a retry with a plain ``Queue``) carry no arrival stamp and are taken by the next poll."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

from rq import Queue

WAKE_POLL = 1.0  # s an idle worker blocks on the wake-up list before it polls the queues again
WAKE_TOKENS = 64  # tokens kept on the wake-up list (one is enough to wake a worker that then drains the queues)

_PUSH = """
if ARGV[2] == '1' then redis.call('LPUSH', KEYS[1], ARGV[1]) else redis.call('RPUSH', KEYS[1], ARGV[1]) end
local t = redis.call('TIME')
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], ARGV[1], seq .. ' ' .. t[1] .. ' ' .. t[2])
redis.call('RPUSH', KEYS[4], '1')
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[3]), -1)
return seq
"""

_TAKE = """
for i = 3, #KEYS do
  local id = redis.call('LPOP', KEYS[i])
  if id then
    local t = redis.call('TIME')
    local seq = redis.call('INCR', KEYS[2])
    local arrived = redis.call('HGET', KEYS[1], id)
    redis.call('HDEL', KEYS[1], id)
    return {KEYS[i], id, seq .. ' ' .. t[1] .. ' ' .. t[2], arrived or ''}
  end
end
return false
"""


class Stamp(NamedTuple):
    """One Redis-side event: its place in the farm's order and Redis' clock then (Unix seconds)."""

    seq: int
    at: float

    @classmethod
    def parse(cls, raw: bytes | str) -> Stamp | None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        if not text:
            return None
        seq, sec, usec = text.split()
        return cls(int(seq), int(sec) + int(usec) / 1e6)


class Take(NamedTuple):
    """What the take script returned for one job: when it was taken and when it had arrived (``None``: pushed
    by code that does not stamp, e.g. RQ's scheduler)."""

    taken: Stamp
    arrived: Stamp | None


def keys(prefix: str) -> tuple[str, str, str]:
    """The stamps hash (RQ job id -> arrival), the sequence counter and the wake-up list of a farm."""
    return f"rq:{prefix}take:stamps", f"rq:{prefix}take:seq", f"rq:{prefix}take:wake"


class StampedQueue(Queue):
    """An RQ queue whose pushes and takes are the scripts above. ``stamp_prefix`` names the farm's keys
    (:func:`stamped_queue_class` makes the subclass per prefix); takes are kept in :attr:`takes` by RQ job id
    until the worker reads them (:meth:`pop_take`)."""

    stamp_prefix = ""
    takes: ClassVar[dict[str, Take]] = {}

    def push_job_id(self, job_id: str, pipeline: Any = None, at_front: bool = False) -> None:
        stamps, seq, wake = keys(self.stamp_prefix)
        client = pipeline if pipeline is not None else self.connection
        client.eval(_PUSH, 4, self.key, stamps, seq, wake, job_id, "1" if at_front else "0", WAKE_TOKENS)

    @classmethod
    def lpop(cls, queue_keys: Sequence[str], timeout: int | None, connection: Any = None) -> Any:
        from rq.exceptions import DequeueTimeout

        stamps, seq, wake = keys(cls.stamp_prefix)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            got = connection.eval(_TAKE, 2 + len(queue_keys), stamps, seq, *queue_keys)
            if got:
                queue_key, job_id, taken, arrived = got
                stamp = Stamp.parse(taken)
                assert stamp is not None
                if len(cls.takes) > 1000:  # read by the worker right after; never grows in a running worker
                    cls.takes.clear()
                cls.takes[job_id.decode() if isinstance(job_id, bytes) else job_id] = Take(stamp, Stamp.parse(arrived))
                return queue_key, job_id
            if deadline is None:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise DequeueTimeout(timeout, queue_keys)
            connection.blpop([wake], timeout=min(left, WAKE_POLL))

    @classmethod
    def pop_take(cls, rq_id: str) -> Take | None:
        return cls.takes.pop(rq_id, None)


def stamped_queue_class(prefix: str) -> type[StampedQueue]:
    """The :class:`StampedQueue` subclass of the farm with queue prefix ``prefix``."""
    return type(f"StampedQueue_{prefix}", (StampedQueue,), {"stamp_prefix": prefix, "takes": {}})
