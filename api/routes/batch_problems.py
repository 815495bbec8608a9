"""``GET /v1/batches/{id}/problems.csv`` and ``problems.json``: a batch's full problem report (every problem of
every skipped or invalid row), where ``GET /v1/batches/{id}`` lists only the first ones (:mod:`api.batch_report`).
The same keys as the batch's status: the storefront key that created it, or any print-unit key. 409
``not_ready`` while the rows are still being checked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from .. import batch_report
from ..deps import State
from ..errors import ERROR_RESPONSES, NotFound, NotReady
from .batches import BATCH_ID
from .jobs import AnyKey

router = APIRouter(tags=["batches"])


def _skipped(state: Any, batch_id: str, key: Any) -> list[dict[str, Any]]:
    store = state.services.store
    if not BATCH_ID.match(batch_id):
        raise NotFound("no such batch", field="batch_id")

    def allowed(owner: str) -> bool:
        return "print-unit" in key.scopes or owner == key.name

    batch = store.get_batch(batch_id)
    if batch is not None and allowed(batch.owner):
        return list(batch.skipped)
    intake = store.get_intake(batch_id) if batch is None else None
    if intake is None or not allowed(intake.owner):
        raise NotFound("no such batch", field="batch_id")
    if intake.state == "validating":
        raise NotReady("the batch's rows are still being checked (GET the batch: counts.checked)", field="batch_id")
    return intake.report


@router.get(
    "/batches/{batch_id}/problems.csv",
    response_class=Response,
    responses={**ERROR_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "row,field,code,message"}},
)
def problems_csv(batch_id: str, state: State, key: AnyKey) -> Response:
    """Every problem of the batch's skipped (or invalid) rows, one CSV line each: ``row,field,code,message``."""
    data = batch_report.as_csv(_skipped(state, batch_id, key))
    disposition = f'attachment; filename="batch-{batch_id}-problems.csv"'
    return Response(data, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


@router.get("/batches/{batch_id}/problems.json", responses=ERROR_RESPONSES)
def problems_json(batch_id: str, state: State, key: AnyKey) -> JSONResponse:
    """``{rows_invalid, problems_total, skipped: [{row, problems: [{code, message, field}]}]}``: every problem."""
    return JSONResponse(batch_report.as_json(_skipped(state, batch_id, key)))
