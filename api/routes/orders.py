"""Order life after the door: manual review of held jobs (storefront) and production states (print units).

* ``POST /v1/jobs/{id}/approve`` / ``/reject`` — a held job (a warning code the shop holds, ``hold_codes``)
  is approved (queued and rendered) or rejected (failed, ``rejected_in_review``); who, when and why go on
  the job's timeline. Storefront keys, own jobs only.
* ``POST /v1/jobs/{id}/production`` — a print unit reports ``accepted``, ``printed``, ``qc_failed`` (a
  reason code, a note, an optional photo asset: the job goes back to the print queue as a reprint with the
  same files) or ``shipped``. Transitions: :data:`render_engine.farm.orders.TRANSITIONS`; any other is 409.

Each event calls the job's ``webhook_url`` (signed like the completion webhook) after the response.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from render_engine.farm.orders import QC_REASONS, event_payload
from render_engine.farm.settings import ApiKey
from render_engine.farm.webhooks import deliver

from ..deps import AppState, PrintUnit, State, Storefront
from ..errors import ERROR_RESPONSES, ApiError, NoSuchJob, NotRouted
from ..routing import reroute
from ..schemas import JobOut

router = APIRouter(tags=["orders"])
log = logging.getLogger(__name__)

JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The job is not in a state that allows this (the message says which it is in)"}
}


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500, description="Why (recorded on the timeline).")
    reviewer: str | None = Field(None, max_length=200, description="The person who decided (with the key's name).")


class ProductionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["accepted", "printed", "qc_failed", "shipped"]
    reason: Literal[QC_REASONS] | None = Field(None, description="qc_failed only (required there).")  # type: ignore[valid-type]
    note: str | None = Field(None, max_length=2000)
    photo_asset_id: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="qc_failed: a photo of the fault, uploaded with POST /v1/assets."
    )
    files: Literal["same", "rerender"] | None = Field(
        None, description="qc_failed: reprint the same files (default) or render them again first."
    )
    tracking: str | None = Field(None, max_length=200, description="shipped: carrier tracking reference.")
    operator: str | None = Field(None, max_length=200, description="The person at the unit (with the key's name).")


def announce(state: AppState, background: BackgroundTasks, rec: Any, kind: str) -> None:
    """Call the job's webhook with the event just recorded (after the response; never changes the job)."""
    url = rec.request.get("webhook_url")
    if not url:
        return
    events = state.services.store.events(rec.id)
    event = next((e for e in reversed(events) if e["kind"] == kind), {"kind": kind})
    background.add_task(deliver, state.services.settings, url, event_payload(rec, event))


def _own_job(state: AppState, job_id: str, key: ApiKey) -> None:
    rec = state.services.store.get(job_id)
    if rec is None or rec.owner != key.name:
        raise NoSuchJob()


def _review(state: AppState, job_id: str, key: ApiKey, body: ReviewIn, approve: bool, bg: BackgroundTasks) -> JobOut:
    _own_job(state, job_id, key)
    actor = f"{key.name}/{body.reviewer}" if body.reviewer else key.name
    rec = state.services.store.review(job_id, approve, actor, {"reason": body.reason})  # Conflict: 409 not_held
    if rec is None:
        raise NoSuchJob()
    if approve:
        try:
            state.dispatcher.enqueue(rec)
        except Exception:  # durable: the reconciler enqueues it when Redis is back
            log.warning("enqueue failed; left to the reconciler", extra={"job_id": rec.id}, exc_info=True)
    announce(state, bg, rec, "approved" if approve else "rejected")
    return JobOut.of(rec)


@router.get("/review-queue", response_model=list[JobOut], responses=ERROR_RESPONSES)
def review_queue(
    state: State, key: Storefront, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[JobOut]:
    """This key's held jobs waiting for a review, oldest first, each with its verdict (``preflight.held_for``)."""
    return [JobOut.of(r) for r in state.services.store.held(key.name, limit)]


@router.post("/jobs/{job_id}/approve", response_model=JobOut, responses={**ERROR_RESPONSES, **CONFLICT})
def approve(job_id: JobId, body: ReviewIn, state: State, key: Storefront, background: BackgroundTasks) -> JobOut:
    """A held job passes review: it is queued for rendering. Audited on the timeline (who, when, why)."""
    return _review(state, job_id, key, body, True, background)


@router.post("/jobs/{job_id}/reject", response_model=JobOut, responses={**ERROR_RESPONSES, **CONFLICT})
def reject(job_id: JobId, body: ReviewIn, state: State, key: Storefront, background: BackgroundTasks) -> JobOut:
    """A held job fails review: it is failed with code ``rejected_in_review`` and never rendered."""
    return _review(state, job_id, key, body, False, background)


@router.post("/jobs/{job_id}/production", response_model=JobOut, responses={**ERROR_RESPONSES, **CONFLICT})
def production(
    job_id: JobId, body: ProductionIn, state: State, key: PrintUnit, background: BackgroundTasks
) -> JobOut:
    """A print unit reports a production state of a ready job; 409 for a move the state machine forbids."""
    problems = []
    if body.state == "qc_failed" and body.reason is None:
        problems.append(("reason", "qc_failed needs a reason code"))
    if body.state != "qc_failed" and (body.reason, body.photo_asset_id, body.files) != (None, None, None):
        problems.append(("reason", "reason, photo_asset_id and files belong to qc_failed"))
    if body.photo_asset_id is not None and not state.services.storage.asset_exists(body.photo_asset_id):
        problems.append(("photo_asset_id", "no such asset: upload the photo with POST /v1/assets first"))
    if problems:
        raise ApiError(422, "invalid_request", "; ".join(f"{f}: {m}" for f, m in problems), field=problems[0][0])
    data: dict[str, Any] = body.model_dump(exclude={"state", "operator"}, exclude_none=True)
    actor = f"{key.name}/{body.operator}" if body.operator else key.name
    # Conflict (a RenderError): 409 invalid_transition on "state"
    rec = state.services.store.report_production(job_id, body.state, actor, data, unit=key.print_unit)
    if rec is None:
        raise NoSuchJob()
    if rec.state == "queued":  # qc_failed with files "rerender": rendered again, then back in the print queue
        try:
            state.dispatcher.enqueue(rec)
        except Exception:  # durable: the reconciler enqueues it when Redis is back
            log.warning("enqueue failed; left to the reconciler", extra={"job_id": rec.id}, exc_info=True)
    announce(state, background, rec, body.state)
    return JobOut.of(rec)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Literal["no_capacity", "no_blanks", "machine_down", "cannot_print", "other"]
    note: str | None = Field(None, max_length=2000)


@router.post("/jobs/{job_id}/decline", response_model=JobOut, responses={**ERROR_RESPONSES, **CONFLICT})
def decline(job_id: JobId, body: DeclineIn, state: State, key: PrintUnit, background: BackgroundTasks) -> JobOut:
    """The job's print unit will not make it: it is routed to the next capable unit (never back to one that
    declined it); with none left it is unrouted (any unfiltered print queue lists it). Not after ``accepted``."""
    store = state.services.store
    rec = store.get(job_id)
    if rec is None or (key.print_unit is not None and rec.print_unit != key.print_unit):
        raise NoSuchJob()
    if rec.print_unit is None:
        raise NotRouted()
    actor = key.name
    # Conflict (a RenderError): 409 invalid_transition on "job_id"
    store.note_decline(job_id, rec.print_unit, actor, body.model_dump(exclude_none=True))
    moved = reroute(state, job_id, rec.print_unit, actor, "declined")
    if moved is None:
        raise NoSuchJob()
    announce(state, background, moved, "routed")
    return JobOut.of(moved)
