"""Bulk orders (issue #19): ``POST /v1/batches`` — one design template x rows (JSON or CSV) -> one print job
per row; ``GET /v1/batches/{id}`` — its status, per row its job, state and files.

Every row is admitted exactly as ``POST /v1/jobs`` admits a job (:func:`api.door.admit_job`: the template
filled, the design checked, the door's preflight verdict, routing) before anything is written; problems are
named ``rows[<n>].slots.<name>`` (``n`` counts rows from 1). Then the batch and all its jobs are written in one
transaction (:meth:`~render_engine.farm.store_batches.BatchStore.create_batch`) and each queued job is
enqueued: from there a batch job is an ordinary job (retries, the reconciler after a worker or Redis loss, the
print queue — ``?batch=`` filters it — and retention).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from render_engine.farm.dispatch import body_hash
from render_engine.farm.store import IdempotencyConflict
from render_engine.farm.store_batches import BatchJob, BatchRecord, batch_state
from render_engine.farm.store_intake import Intake
from render_engine.farm.webhooks import WebhookRefused, check_url
from render_engine.model.deadline import DeadlinePassed, deadline
from render_engine.model.deadline import check as check_deadline
from render_engine.model.design import error_message, field_path
from render_engine.model.errors import RenderError, TemplateError, did_you_mean
from render_engine.personalization import DesignTemplate, catalog
from render_engine.personalization.merge import csv_rows, decode_csv

from .. import batch_photos, batch_report
from ..batch_rows import admit_row
from ..deps import State, Storefront
from ..door import assets_stored
from ..errors import ERROR_RESPONSES, ApiError, NotFound
from ..schemas import (
    ArtifactOut,
    BatchAccepted,
    BatchOut,
    BatchRequest,
    BatchRowOut,
    ErrorOut,
)
from .jobs import IDEM_KEY, AnyKey

router = APIRouter(tags=["batches"])
log = logging.getLogger(__name__)

BATCH_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_REPORTED = 1000  # problems listed in one 422 (the message counts them all)


def _rows(body: BatchRequest, limit: int) -> list[dict[str, Any]]:
    """The rows (JSON or CSV), at most ``limit`` of them: more is a 413 naming ``rows``/``csv`` before any row
    is checked (each row is admitted inside the request: ~15 ms a row on an idle core, minutes for 10 000)."""
    if (body.rows is None) == (body.csv is None):
        raise ApiError(422, "invalid_request", "send the rows as rows (JSON) or csv, exactly one", field="rows")
    field = "rows" if body.csv is None else "csv"
    rows = body.rows if body.rows is not None else csv_rows(body.csv or "", field="csv", limit=limit)
    if not rows:
        raise ApiError(422, "invalid_request", "no rows", field=field)
    if len(rows) > limit:
        counted = f"{len(rows)} rows" if body.csv is None else f"over {limit} rows"
        raise ApiError(413, "limit_exceeded", f"{counted}: a batch takes at most {limit}; split the rows into "
                       "several batches", field=field)  # fmt: skip
    return rows


@router.post(
    "/batches",
    status_code=202,
    response_model=BatchAccepted,
    responses={
        **ERROR_RESPONSES,
        200: {"model": BatchAccepted, "description": "Idempotent replay: the batch created earlier with this key"},
        409: {"description": "Idempotency-Key reused with a different body"},
    },
)
def create_batch(
    body: BatchRequest,
    state: State,
    key: Storefront,
    response: Response,
    idempotency_key: Annotated[str | None, Header(description="Same key + same body -> the same batch")] = None,
) -> BatchAccepted:
    """Validate every row (one 422 listing every problem as ``rows[n].slots.x``, unless ``skip_invalid``),
    record the batch and one job per valid row durably, then enqueue them: a 202 means they will finish."""
    svc = state.services
    if idempotency_key is not None and not IDEM_KEY.match(idempotency_key):
        raise ApiError(
            422, "invalid_request", "Idempotency-Key must be 1-200 printable ASCII characters", field="Idempotency-Key"
        )
    digest = body_hash(body.model_dump(mode="json"))
    idem = f"{key.name}:{idempotency_key}" if idempotency_key else None
    if idem is not None and (found := svc.store.find_batch_idem(idem)) is not None:
        batch, old = found  # a replay: no second validation, no second set of jobs
        if old != digest:
            raise IdempotencyConflict()
        response.status_code = 200
        return _accepted(batch)
    if idem is not None and (staged := svc.store.find_intake_idem(idem)) is not None:
        intake, old = staged
        if old != digest:
            raise IdempotencyConflict()
        response.status_code = 200
        return _accepted_intake(svc, intake)
    # every problem of the request itself in one answer: design template, product, approval, webhook, rows
    problems: list[dict[str, Any]] = []
    template: DesignTemplate | None = None
    try:
        template = catalog().get(body.design_template)
    except TemplateError:
        hint = did_you_mean(body.design_template, catalog().templates)
        problems.append(_problem(422, "invalid_design", f"no such design template{hint}", "design_template"))
    wrong_product = template is not None and body.product not in template.products
    if template is not None and wrong_product:  # reported with the rows' problems (found as a job would find them)
        problems.append(_problem(422, "invalid_design", f"design template '{template.id}' is not made for this "
                                 f"product; it fits: {', '.join(template.products)}", "product"))  # fmt: skip
    if svc.settings.require_approval and body.approval is None:
        problems.append(_problem(422, "approval_required", "this shop requires approval: send approval.approved_by "
                                 "(who approved the rows)", "approval.approved_by"))  # fmt: skip
    approved = body.approval.model_dump(mode="json") | {"batch": True} if body.approval else None
    if body.webhook_url is not None:  # checked as a job's is (api/door.py)
        if not svc.settings.webhook_secret:
            problems.append(_problem(422, "invalid_request", "webhooks need a configured webhook secret",
                                     "webhook_url"))  # fmt: skip
        else:
            try:
                check_url(body.webhook_url, svc.settings.webhook_allow_private)
            except WebhookRefused as exc:
                problems.append(_problem(422, "invalid_request", str(exc), "webhook_url"))
    rows: list[dict[str, Any]] = []
    try:
        rows = _rows(body, svc.settings.max_batch_rows)
    except ApiError as exc:
        problems.append(_problem(exc.http_status, exc.code, exc.message, exc.field))
    if problems:
        of_rows = _rows_problems(state, body, template, key, rows, approved) if wrong_product and rows else []
        _refuse(problems, of_rows)
    assert template is not None
    summary = {"design_template": template.id, "product": body.product, "rows": len(rows),
               "outputs": body.outputs.model_dump(mode="json"), "priority": body.priority,
               **({"webhook_url": body.webhook_url} if body.webhook_url else {})}  # fmt: skip
    if len(rows) > svc.settings.batch_sync_rows:  # stored now, checked off the request (api/batch_validation.py)
        spec = {"body": body.model_dump(mode="json", exclude={"rows", "csv"}), "approved": approved}
        intake, created = svc.store.stage_batch(spec, summary, rows, key.name, digest, idem)
        if not created:
            response.status_code = 200
        elif state.validator is not None:
            state.validator.wake()
        log.info("batch stored for validation", extra={"batch_id": intake.id, "rows": len(rows)})
        return _accepted_intake(svc, intake)
    # one batch checked at a time per process (a second waits up to 10 s, then 429), every row under one deadline
    jobs, skipped, problems = state.batch_gate.run(
        lambda: _admit_rows(state, body, template, key, rows, approved, svc.settings.batch_timeout)
    )
    if problems and not body.skip_invalid:
        raise ApiError(
            422, "invalid_rows",
            f"{len(skipped)} of {len(jobs) + len(skipped)} rows have problems ({len(problems)} in all); nothing was "
            "accepted (fix them, or send skip_invalid: true)",
            field=problems[0]["field"], extra={"problems": problems[:MAX_REPORTED], "rows_invalid": len(skipped)},
        )  # fmt: skip
    if not jobs:
        raise ApiError(422, "invalid_rows", "every row has problems: nothing to print", field="rows",
                       extra={"problems": problems[:MAX_REPORTED], "rows_invalid": len(skipped)})  # fmt: skip

    # every asset of the batch checked at once, under its lock (an error names the first row's layer);
    # IdempotencyConflict (a RenderError): 409 idempotency_conflict on Idempotency-Key
    batch, created = svc.store.create_batch(
        summary, jobs, skipped, body.priority, key.name, digest, idem,
        check_assets=assets_stored(svc, jobs[0].request["design"]),
    )  # fmt: skip
    if not created:
        response.status_code = 200
        return _accepted(batch)
    for rec in svc.store.batch_jobs(batch.id):
        if rec.state != "queued":
            continue  # held: waits for its review
        try:
            state.dispatcher.enqueue(rec)
        except Exception:  # the records are durable: the reconciler enqueues them when Redis is back
            log.warning("enqueue failed; left to the reconciler", extra={"job_id": rec.id}, exc_info=True)
    log.info("batch accepted", extra={"batch_id": batch.id, "jobs": len(jobs), "skipped": len(skipped)})
    return _accepted(batch)


def _problem(status: int, code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"status": status, "code": code, "field": field, "message": message}


def _rows_problems(
    state: Any, body: BatchRequest, template: DesignTemplate | None, key: Any, rows: list[dict[str, Any]],
    approved: dict[str, Any] | None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The rows' own problems for an answer refusing the batch for its product (each row's ``rows[n].product``
    left out: it is the batch's): every row, also of a batch too large to be checked in the request otherwise,
    within ``batch_timeout`` (past it, the rows checked so far and one problem naming where it stopped)."""
    assert template is not None
    seconds = state.services.settings.batch_timeout
    _, _, found = state.batch_gate.run(
        lambda: _admit_rows(state, body, template, key, rows, approved, seconds, partial=True)
    )
    return [p for p in found if not re.fullmatch(r"rows\[\d+\]\.product", str(p.get("field")))]


def _refuse(problems: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    """One answer for every problem of the request (and its rows'): a lone one as it always was (its own status
    and code); several: the first's code and field, ``problems`` listing each (413 when all are limits, else 422)."""
    listed = [{k: v for k, v in p.items() if k != "status"} for p in [*problems, *rows]]
    first = problems[0]
    if len(listed) == 1 and first["field"] != "product":
        raise ApiError(first["status"], first["code"], first["message"], field=first["field"])
    status = 413 if all(p["status"] == 413 for p in problems) and not rows else 422
    message = (
        first["message"] if len(listed) == 1 else f"{len(listed)} problems: {first['field']}: {first['message']}; …"
    )
    if first["field"] == "product":
        message = first["message"]  # as it was: the product's message, the rows' problems listed beside it
    raise ApiError(status, first["code"], message, field=first["field"], extra={"problems": listed[:MAX_REPORTED]})


def _admit_rows(
    state: Any, body: BatchRequest, template: DesignTemplate, key: Any, rows: list[dict[str, Any]],
    approved: dict[str, Any] | None, seconds: float, *, partial: bool = False,
) -> tuple[list[BatchJob], list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """Admit every row as ``POST /v1/jobs`` would: (jobs, skipped rows, problems). All of it within ``seconds``
    (:func:`~render_engine.model.deadline.deadline`, checked between rows and inside each row's checks): past it
    the request is a 413 on ``rows`` naming the row reached, and nothing is accepted; ``partial`` (a batch
    refused anyway): the problems found up to there, and one naming the rows not checked."""
    jobs: list[BatchJob] = []
    skipped: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    n = 0
    try:
        with deadline(seconds):
            for n, row in enumerate(rows, 1):
                check_deadline()
                job, found_here = admit_row(state, body, template, key, n, row, approved)
                if job is not None:
                    jobs.append(job)
                if found_here:
                    problems += found_here
                    skipped.append({"row": n, "problems": found_here})
    except DeadlinePassed:
        if partial:
            problems.append(_problem(413, "limit_exceeded", f"rows {n} to {len(rows)} were not checked within "
                                     f"{seconds:g} s; they are checked once the batch's own problems are fixed",
                                     "rows" if body.csv is None else "csv"))  # fmt: skip
            return jobs, skipped, problems
        raise ApiError(413, "limit_exceeded", f"checking the rows took longer than {seconds:g} s (it reached row "
                       f"{n} of {len(rows)}); nothing was accepted: send fewer rows per batch",
                       field="rows" if body.csv is None else "csv") from None  # fmt: skip
    return jobs, skipped, problems


@router.post(
    "/batches/upload",
    status_code=202,
    response_model=BatchAccepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "options"],
                        "properties": {
                            "file": {"type": "string", "format": "binary", "description": "The rows: CSV, UTF-8"},
                            "options": {"type": "string", "description": "JSON: POST /v1/batches' other fields"},
                            "photos": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "description": "Photo files that rows name in photo slot cells",
                            },
                            "photos_zip": {
                                "type": "string",
                                "format": "binary",
                                "description": "A zip of photo files that rows name",
                            },
                        },
                    }
                }
            },
        }
    },
    responses={**ERROR_RESPONSES, 200: {"model": BatchAccepted, "description": "Idempotent replay"}},
)
async def upload_batch(
    request: Request,
    state: State,
    key: Storefront,
    response: Response,
    idempotency_key: Annotated[str | None, Header(description="Same key + same body -> the same batch")] = None,
) -> BatchAccepted:
    """A CSV file upload (multipart ``file``) with the other fields of ``POST /v1/batches`` as JSON in the
    ``options`` part: the same batch as posting ``{**options, "csv": <the file's text>}``. Photo files may
    come along (``photos`` parts, a ``photos_zip``), named by the rows' photo cells: stored as assets first."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send multipart/form-data with parts file and options")
    form = await request.form(max_files=2 + batch_photos.MAX_FILES, max_fields=2)
    try:
        upload, options = form.get("file"), form.get("options")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "invalid_request", "the rows go in a 'file' part (CSV)", field="file")
        try:
            text = decode_csv(await upload.read(), "file")
        except RenderError as exc:
            raise ApiError(422, "invalid_request", exc.message, field="file") from None
        try:
            fields = json.loads(options) if isinstance(options, str) else None
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            raise ApiError(422, "invalid_request", "options is a JSON object of POST /v1/batches' fields",
                           field="options")  # fmt: skip
        if "rows" in fields or "csv" in fields:
            raise ApiError(422, "invalid_request", "the rows come from the file", field="options.rows")
        parts = [p for p in form.getlist("photos") if isinstance(p, UploadFile)]
        zipped = form.get("photos_zip")
        data: dict[str, Any] = {**fields, "csv": text}
        if parts or isinstance(zipped, UploadFile):  # per-row photos as files (api/batch_photos.py)
            data = await run_in_threadpool(_with_photos, state, fields, text, parts, zipped)
        try:
            body = BatchRequest.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = field_path(tuple(err.get("loc", ())))
            raise ApiError(422, "invalid_request", error_message(err),
                           field="file" if where in ("csv", "rows") else f"options.{where}") from None  # fmt: skip
    finally:
        await form.close()
    try:
        return await run_in_threadpool(create_batch, body, state, key, response, idempotency_key)
    except RenderError as exc:
        if exc.field == "csv":  # the rows came as the file part
            exc.field = "file"
        for p in (exc.extra or {}).get("problems", []) if isinstance(exc, ApiError) else []:
            if p.get("field") == "csv":
                p["field"] = "file"
        raise


def _with_photos(state: Any, fields: dict[str, Any], text: str, parts: list[Any], zipped: Any) -> dict[str, Any]:
    """The batch's fields with the CSV's rows whose photo cells (and ``options.photos``) name uploaded files
    turned into asset ids, each file stored and decoder-checked once (:mod:`api.batch_photos`)."""
    svc = state.services
    try:
        template = catalog().get(str(fields.get("design_template")))
    except TemplateError:  # create_batch names design_template
        return {**fields, "csv": text}
    limit = svc.settings.max_batch_rows
    rows = csv_rows(text, field="file", limit=limit)
    if len(rows) > limit:
        raise ApiError(413, "limit_exceeded", f"over {limit} rows: a batch takes at most {limit}; split the rows "
                       "into several batches", field="file")  # fmt: skip
    files = batch_photos.collect(parts, zipped if isinstance(zipped, UploadFile) else None,
                                 svc.settings.max_asset_bytes, 4 * svc.settings.max_body_bytes)  # fmt: skip
    shared = fields.get("photos") if isinstance(fields.get("photos"), dict) else {}
    rows, shared = batch_photos.resolve(svc, template, rows, shared or {}, files)
    return {**fields, "rows": rows, **({"photos": shared} if "photos" in fields else {})}


def _accepted_intake(svc: Any, intake: Intake) -> BatchAccepted:
    """A batch stored for validation: ``validating`` (or what its validation found: ``invalid``; accepted:
    the batch's own answer)."""
    if intake.state == "accepted" and (batch := svc.store.get_batch(intake.id)) is not None:
        return _accepted(batch)
    return BatchAccepted(batch_id=intake.id, state=intake.state, url=f"/v1/batches/{intake.id}", rows=intake.total,
                         jobs=0, skipped=len(intake.report))  # fmt: skip


def _accepted(batch: BatchRecord) -> BatchAccepted:
    n_jobs = len(batch.job_ids)
    rows = int(batch.request.get("rows", n_jobs))
    return BatchAccepted(
        batch_id=batch.id, state="accepted", url=f"/v1/batches/{batch.id}", rows=rows, jobs=n_jobs,
        skipped=len(batch.skipped),
    )  # fmt: skip


@router.get("/batches/{batch_id}", response_model=BatchOut, responses=ERROR_RESPONSES)
def get_batch(batch_id: str, state: State, key: AnyKey) -> BatchOut:
    """Counts per state, and per row its job id, state, files (name, size, SHA-256, URL: the batch's manifest)
    and error; skipped rows with their problems. Storefront keys see their own batches; print-unit keys all."""
    store = state.services.store
    batch = store.get_batch(batch_id) if BATCH_ID.match(batch_id) else None
    if batch is not None and "print-unit" not in key.scopes and batch.owner != key.name:
        batch = None
    if batch is None:
        intake = store.get_intake(batch_id) if BATCH_ID.match(batch_id) else None
        if intake is not None and ("print-unit" in key.scopes or intake.owner == key.name):
            return _intake_out(intake)
        raise NotFound("no such batch", field="batch_id")
    recs = {r.id: r for r in store.batch_job_states(batch.id)}
    rows: list[BatchRowOut] = []
    counts: dict[str, int] = {}
    for row, job_id in batch.job_ids:
        rec = recs.get(job_id)
        st = rec.state if rec is not None else "expired"
        counts[st] = counts.get(st, 0) + 1
        out = BatchRowOut(row=row, job_id=job_id, state=st)
        if rec is not None:
            out.artifacts = [ArtifactOut(**a, url=f"/v1/jobs/{job_id}/files/{a['name']}") for a in rec.artifacts]
            out.error = ErrorOut(**rec.error) if rec.error and rec.state == "failed" else None
        rows.append(out)
    counts["skipped"] = len(batch.skipped)
    skipped, problems = batch_report.listed(batch.id, batch.skipped)
    return BatchOut(
        id=batch.id, design_template=batch.request["design_template"], product=batch.request["product"],
        created_at=datetime.fromtimestamp(batch.created_at, UTC), state=batch_state(counts),
        files_url=f"/v1/batches/{batch.id}/files.zip",
        rows=int(batch.request.get("rows", len(rows))), counts=counts, jobs=rows,
        skipped=skipped, problems=problems,
    )  # fmt: skip


def _intake_out(intake: Intake) -> BatchOut:
    """A batch whose rows are being checked (``validating``: ``counts.checked`` of ``rows``) or were found
    ``invalid``: ``skipped`` is then the report, its first problems (``rows[n].slots.x``; the rest in the
    ``problems`` download), and nothing prints."""
    summary = intake.summary
    skipped, problems = batch_report.listed(intake.id, intake.report)
    counts = {"checked": intake.checked} if intake.state == "validating" else {"invalid": len(intake.report)}
    return BatchOut(
        id=intake.id, design_template=summary["design_template"], product=summary["product"],
        created_at=datetime.fromtimestamp(intake.created_at, UTC),
        state="validating" if intake.state == "validating" else "invalid",
        files_url=f"/v1/batches/{intake.id}/files.zip", rows=intake.total, counts=counts, jobs=[],
        skipped=skipped, problems=problems,
    )  # fmt: skip
