"""Print jobs: create (idempotent), status, streamed downloads, the print-unit queue and acknowledgement."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import FileResponse

from render_engine.farm.orders import timeline
from render_engine.farm.settings import ApiKey
from render_engine.farm.store import JobRecord

from ..deps import PrintUnit, State, Storefront, api_key_header, get_state, require
from ..door import accept_job
from ..errors import ERROR_RESPONSES, ApiError, Forbidden, NoSuchJob, NotFound, NotReady
from ..routing import refresh
from ..schemas import EventOut, JobAccepted, JobOut, JobRequest, PrintQueueOut
from ..streaming import stored_file_response

router = APIRouter(tags=["jobs"])

IDEM_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
PROFILE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


async def either_scope(request: Request, presented: Annotated[str | None, Depends(api_key_header)]) -> ApiKey:
    """Job status is readable by storefront and print-unit keys alike."""
    state = get_state(request)
    try:
        return require("storefront")(state, presented)
    except ApiError as exc:
        if exc.http_status != 403:
            raise
    return require("print-unit")(state, presented)


AnyKey = Annotated[ApiKey, Depends(either_scope)]


def _job(state: State, job_id: str, key: ApiKey | None = None) -> JobRecord:
    """The job, or 404; a print-unit key bound to a unit gets 404 for jobs routed elsewhere (as if absent)."""
    rec = state.services.store.get(job_id) if JOB_ID.match(job_id) else None
    if rec is not None and key is not None and key.print_unit is not None and rec.print_unit != key.print_unit:
        rec = None
    if rec is None:
        raise NoSuchJob()
    return rec


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobAccepted,
    responses={
        **ERROR_RESPONSES,
        200: {"model": JobAccepted, "description": "Idempotent replay: the job created earlier with this key"},
        409: {"description": "Idempotency-Key reused with a different body"},
    },
)
def create_job(
    body: JobRequest,
    state: State,
    key: Storefront,
    response: Response,
    idempotency_key: Annotated[str | None, Header(description="Same key + same body -> the same job")] = None,
) -> JobAccepted:
    """Validate the design, record the job durably, then enqueue it: a 202 means it will finish."""
    if idempotency_key is not None and not IDEM_KEY.match(idempotency_key):
        raise ApiError(
            422, "invalid_request", "Idempotency-Key must be 1-200 printable ASCII characters", field="Idempotency-Key"
        )
    rec, created = accept_job(state, body, key, idempotency_key)  # admitted, recorded, enqueued; or a replay
    if not created:
        response.status_code = 200
    return JobAccepted(job_id=rec.id, state=rec.state, url=f"/v1/jobs/{rec.id}")


@router.get("/jobs/{job_id}", response_model=JobOut, responses=ERROR_RESPONSES)
def get_job(job_id: str, state: State, key: AnyKey) -> JobOut:
    """State, timestamps, artifacts (size, SHA-256, URL), when failed the reason; the door's verdict, the
    approval, production state and reprints, and the whole ``timeline`` (every event, oldest first)."""
    rec = _job(state, job_id, key)
    out = JobOut.of(rec)
    out.timeline = [EventOut(**e) for e in timeline(rec, state.services.store.events(job_id))]
    return out


@router.get(
    "/jobs/{job_id}/files/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}, "image/png": {}}}, 206: {"description": "Range"}},
)
def download(job_id: str, name: str, state: State, key: AnyKey, request: Request) -> Response:
    """Stream an artifact; ``ETag`` is its SHA-256, ``Range`` requests get 206.

    Print-unit keys read every job's files; a storefront key only those of jobs it created (any other job,
    existing or not, is a 403, so a storefront cannot probe for other shops' job ids).
    """
    if "print-unit" not in key.scopes:
        own = state.services.store.get(job_id) if JOB_ID.match(job_id) else None
        if own is None or own.owner != key.name:
            raise Forbidden("a storefront key can only download its own jobs' files")
    rec = _job(state, job_id, key)
    art = next((a for a in rec.artifacts if a["name"] == name), None) if rec.state == "ready" else None
    try:  # a local file, or an object in S3-compatible storage (render_engine/farm/storage.py)
        stored = state.services.storage.open_artifact(job_id, name) if art else None
    except OSError:
        raise ApiError(
            503, "storage_unavailable", "storage unreachable; retry later", headers={"Retry-After": "10"}
        ) from None
    if art is None or stored is None:
        raise NotFound("no such file (the job may not be ready)", field="name")
    etag = f'"{art["sha256"]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return stored_file_response(
        request,
        stored,
        media_type=art["content_type"],
        filename=f"{job_id}-{name}",
        headers={"ETag": etag, "Digest": f"sha-256={art['sha256']}", "Cache-Control": "private, max-age=31536000"},
    )


@router.get("/print-queue", response_model=PrintQueueOut, responses=ERROR_RESPONSES)
def print_queue(
    state: State,
    key: PrintUnit,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=120, pattern=r"^[012]:[0-9.e+]+:[0-9.e+]+:[0-9a-f]{32}$", description="next_cursor"),
    ] = None,
    template: Annotated[str | None, Query(max_length=64, description="Only jobs for this product")] = None,
    output_profile: Annotated[
        str | None,
        Query(pattern=PROFILE, description="Only jobs separated for this ICC output profile, e.g. fogra39l-coated"),
    ] = None,
    print_unit: Annotated[
        str | None, Query(pattern=PROFILE, description="Only jobs routed to this print unit (JobRequest.print_unit)")
    ] = None,
    batch: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{32}$", description="Only the jobs of this batch (POST /v1/batches)")
    ] = None,
) -> PrintQueueOut:
    """Ready jobs no print unit has taken yet (reprints after ``qc_failed`` again), express first, then by
    ``due_by``, then oldest; page with ``cursor``. Filters combine (AND); the cursor is only valid with the
    filters of the page that returned it."""
    if key.print_unit is not None:  # a unit's own key: its own jobs only
        if print_unit not in (None, key.print_unit):
            raise Forbidden("this key sees only its own print unit's jobs", field="print_unit")
        print_unit = key.print_unit
    refresh(state)  # units switched off in the registry hand their jobs on first
    n = limit or state.services.settings.print_queue_page
    after = None
    if cursor:
        rank, due, fin, jid = cursor.split(":")
        after = (int(rank), float(due), float(fin), jid)
    recs = state.services.store.print_queue(n, after, template, output_profile, print_unit, batch)
    nxt = None
    if len(recs) == n:
        nxt = ":".join(repr(v) if isinstance(v, float) else str(v) for v in recs[-1].queue_key())
    return PrintQueueOut(jobs=[JobOut.of(r) for r in recs], next_cursor=nxt)


@router.post("/jobs/{job_id}/ack", response_model=JobOut, responses=ERROR_RESPONSES)
def ack(job_id: str, state: State, key: PrintUnit) -> JobOut:
    """The print unit has the files: the job leaves the print queue. Idempotent."""
    rec = _job(state, job_id, key)
    if rec.state != "ready":
        raise NotReady(f"job is {rec.state}; only ready jobs can be acknowledged", field="job_id")
    acked = state.services.store.ack(job_id)
    assert acked is not None
    return JobOut.of(acked)
