"""What the job store and its mixins (:mod:`.store_orders`, :mod:`.store_batches`) share without importing
:mod:`.store`: asset references in a request, the idempotency conflict, and :class:`StoreCore` — the part of
:class:`~.store_jobs.JobStore` the mixins call, as a typed protocol they inherit (mypy checks every call and
that ``JobStore`` provides each method; no hand-written stubs that raise)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from ..model.errors import RenderError


def asset_refs(obj: Any) -> list[str]:
    """Every ``asset_id`` string anywhere in a job request (the native design's image layers), sorted."""
    found: set[str] = set()
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "asset_id" and isinstance(v, str):
                    found.add(v)
                else:
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found)


class IdempotencyConflict(RenderError):
    """The Idempotency-Key was used before with a different body."""

    code = "idempotency_conflict"
    http_status = 409

    def __init__(self, message: str = "Idempotency-Key used with a different body") -> None:
        super().__init__(message, field="Idempotency-Key")


class StoreCore(Protocol):
    """What the order and batch mixins use of :class:`~.store_jobs.JobStore` (which implements each)."""

    def _conn(self, immediate: bool = False) -> contextlib.AbstractContextManager[Any]:
        """A transaction; ``immediate`` when it will write."""
        ...

    def _lock_idem(self, c: Any, key: str) -> None: ...

    def _lock_job(self, c: Any, job_id: str) -> None: ...

    def _lock_asset(self, c: Any, asset_id: str, *, exclusive: bool) -> None: ...

    def _record(self, c: Any, job_id: str) -> Any:
        """The job's record read inside transaction ``c`` (a ``JobRecord``), or None."""
        ...

    def _job_from_row(self, row: Any) -> Any:
        """A ``JobRecord`` of a ``jobs`` row."""
        ...

    def lock_assets(self, c: Any, refs: list[str], check_assets: Callable[[list[str]], None] | None) -> None: ...

    def _insert_job(
        self,
        c: Any,
        request: dict[str, Any],
        priority: str,
        owner: str,
        body_hash: str,
        *,
        idem_key: str | None = None,
        state: str = "queued",
        print_unit: str | None = None,
        due_by: float | None = None,
        event: dict[str, Any] | None = None,
        now: float | None = None,
        batch: tuple[str, int] | None = None,
    ) -> str: ...
