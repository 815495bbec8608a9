"""One batch row admitted as ``POST /v1/jobs`` admits a job (:func:`api.door.admit_job`), shared by the
request path (small batches, checked inside ``POST /v1/batches``) and the validator (large ones,
:mod:`api.batch_validation`). Problems are named ``rows[<n>].<field>`` (``rows[3].slots.name``)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from render_engine.farm.dispatch import body_hash
from render_engine.farm.settings import ApiKey
from render_engine.farm.store_batches import BatchJob
from render_engine.model.deadline import DeadlinePassed
from render_engine.model.design import error_message, field_path
from render_engine.model.errors import RenderError
from render_engine.personalization import DesignTemplate
from render_engine.personalization.merge import split_row

from .deps import AppState
from .door import admit_job
from .schemas import BatchRequest, JobRequest


def problem(row: int, field: str | None, message: str, code: str = "invalid_design") -> dict[str, Any]:
    return {"code": code, "message": message, "field": f"rows[{row}].{field}" if field else f"rows[{row}]"}


def _asset(v: Any) -> Any:
    return {"asset_id": v} if isinstance(v, str) else v


def job_body(body: BatchRequest, template: DesignTemplate, row: dict[str, Any]) -> dict[str, Any]:
    """The ``POST /v1/jobs`` body of one row: the shared values and photos, the row's own over them. A photo
    slot's cell is an asset id; a ``photos`` slot's cell lists asset ids separated by ``|`` (CSV)."""
    own_values, own_photos = split_row(template, row)
    photos = dict(body.photos)
    for k, v in own_photos.items():
        photos[k] = [_asset(p) for p in v] if isinstance(v, list) else _asset(v)
    return {
        "design_template": body.design_template, "product": body.product, "values": {**body.values, **own_values},
        "photos": photos, "outputs": body.outputs.model_dump(mode="json"), "priority": body.priority,
        "print_unit": body.print_unit, "accept": [a.model_dump(mode="json") for a in body.accept],
        "due_by": body.due_by.isoformat() if body.due_by else None,
    }  # fmt: skip


def admit_row(
    state: AppState, body: BatchRequest, template: DesignTemplate, key: ApiKey, n: int, row: dict[str, Any],
    approved: dict[str, Any] | None,
) -> tuple[BatchJob | None, list[dict[str, Any]]]:  # fmt: skip
    """Row ``n`` admitted: (its job, []) or (None, its problems). ``DeadlinePassed`` passes through."""
    found: list[dict[str, Any]] = []
    try:
        job_req = JobRequest.model_validate(job_body(body, template, row))
        job = admit_job(state, job_req, key, approved=approved)
        return BatchJob(n, job.request, body_hash(job.request), job.verdict.state, job.print_unit, job.due_by,
                        job.event()), []  # fmt: skip
    except ValidationError as exc:
        for err in exc.errors():
            found.append(problem(n, field_path(tuple(err.get("loc", ()))) or None, error_message(err),
                                 "invalid_request"))  # fmt: skip
    except DeadlinePassed:
        raise
    except RenderError as exc:
        for p in exc.problems or (exc,):
            found.append(problem(n, p.field, p.message, exc.code))
    return None, found
