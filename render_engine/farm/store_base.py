"""What the job store and its mixins (:mod:`.store_orders`, :mod:`.store_batches`) share without importing
:mod:`.store`: asset references in a request, and the idempotency conflict."""

from __future__ import annotations

from typing import Any

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
