"""Approval at the door: ``POST /v1/jobs`` checks what it will print before it promises anything.

1. The preflight the preview and preflight routes run (:func:`render_engine.checks.preflight.preflight`) runs on
   the design the job will print — the one :func:`api.intake.check_design` already resolved and laid out
   (one resolve/layout per request).
2. :func:`render_engine.farm.orders.verdict`: a blocker the request does not accept (``accept: [{code,
   reason}]``) refuses the job — 422 ``preflight_blocked`` with the whole report; a warning code the shop
   holds for review (``hold_codes``) makes the job ``held`` unless accepted.
3. The customer's approval: ``approval.text_hash`` must be the hash of the texts this design prints now
   (``text_hash`` of ``POST /v1/preflight`` / the preview's summary); ``approval.preview.etag`` must be the
   preview this design produces now with the preview parameters given — looked up in the render cache by
   the preview request's key (the same request gives the same key), rendered again (deterministic bytes) if
   it was evicted. Either differing: 409 ``approval_mismatch`` naming the field.

The verdict and the verified approval are recorded with the job (``GET /v1/jobs/{id}``, the print queue).

:func:`admit_job` is the whole admission of one job — design (or design template) checked, the door's
verdict, webhook URL, routing — shared by ``POST /v1/jobs`` and every row of ``POST /v1/batches``;
:func:`accept_job` is ``POST /v1/jobs`` after its body validated: an ``Idempotency-Key`` replay, or the job
admitted, recorded durably and enqueued.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from render_engine.farm.dispatch import body_hash
from render_engine.farm.orders import Verdict, verdict
from render_engine.farm.services import Services
from render_engine.farm.settings import ApiKey
from render_engine.farm.storage import UNKNOWN_ASSET
from render_engine.farm.store import IdempotencyConflict, JobRecord
from render_engine.farm.webhooks import WebhookRefused, check_url
from render_engine.model.errors import AssetError
from render_engine.production.review import review

from .deps import AppState
from .errors import ApiError
from .intake import CheckedDesign, check_request
from .intake import output_profile as profile_of
from .previewing import preview_entry
from .routing import route_new_job
from .schemas import TEMPLATE_FIELDS, JobRequest, PreviewRequest

log = logging.getLogger(__name__)


def request_for_hash(body: JobRequest) -> dict[str, Any]:
    """The body as the Idempotency-Key compares it. Optional fields at their defaults are left out, so a
    body hashes the same as before those fields existed (a retry across an upgrade is still a replay)."""
    defaults: dict[str, Any] = {
        "dialect": "native",
        "fabric_options": None,
        "print_unit": None,
        "accept": [],
        "approval": None,
        "due_by": None,
        "design": None,
        "design_template": None,
        "product": None,
        "values": None,
        "photos": None,
    }
    return body.model_dump(mode="json", exclude={k for k, v in defaults.items() if getattr(body, k) == v})


@dataclass(frozen=True)
class Admitted:
    """A job the door accepts, before it is recorded: what the store keeps and how it was decided."""

    request: dict[str, Any]  # the stored request: the native design the worker renders, and facts to filter on
    digest: str  # body_hash of the request as the client sent it (Idempotency-Key)
    verdict: Verdict
    approval: dict[str, Any] | None
    print_unit: str | None
    due_by: float
    routing: dict[str, Any]
    checked: CheckedDesign

    def event(self) -> dict[str, Any]:
        """The job's first timeline entry."""
        v = self.verdict
        return {"preflight": {"codes": v.codes, "accepted": v.accepted, "held_for": v.held_for},
                "approval": self.approval is not None, "routing": self.routing}  # fmt: skip


def assets_stored(svc: Services, design: dict[str, Any]) -> Callable[[list[str]], None]:
    """The job store's last check, under the assets' locks: every asset the design uses is still in storage
    (the asset collector may have deleted one since the design was validated)."""

    def check(asset_ids: list[str]) -> None:
        for asset_id in asset_ids:
            if not svc.storage.asset_exists(asset_id):
                layers = design.get("layers") or []
                i = next((n for n, layer in enumerate(layers) if layer.get("asset_id") == asset_id), None)
                raise AssetError(UNKNOWN_ASSET, field=f"design.layers[{i}].asset_id" if i is not None else "design")

    return check


def admit_job(state: AppState, body: JobRequest, key: ApiKey, *, approved: dict[str, Any] | None = None) -> Admitted:
    """Everything ``POST /v1/jobs`` checks before it writes a record; raises the first refusal (4xx).
    ``approved``: an approval given for a whole batch (see :func:`admit`)."""
    svc = state.services.for_storefront(key.name)  # the storefront's uploaded fonts, if any
    request = request_for_hash(body)
    digest = body_hash(request)
    checked = check_request(svc, body, dpi=body.outputs.dpi)  # a design, or a design template filled
    # what the worker renders: the native design (a Fabric one translated, its data-URL images now assets)
    # plus facts the print queue filters on
    v, approval = admit(state, body, checked, key, approved=approved)  # 422 blockers, 409 a stale approval
    dropped = ("dialect", "fabric_options", "approval", "accept", *TEMPLATE_FIELDS)
    request = {k: val for k, val in request.items() if k not in dropped}
    request["design"] = checked.native
    if checked.personalization is not None:  # the template and the values it was filled with
        request["personalization"] = checked.personalization
    request["output_profile"] = profile_of(checked)
    if (parts := checked.parts_summary()) is not None:  # the print queue shows page count and parts
        request["parts"] = parts
    request["preflight"] = v.to_dict()
    if approval is not None:
        request["approval"] = approval
    if checked.source is not None:
        request["source"] = checked.source.to_dict()
    if body.webhook_url is not None:
        if not svc.settings.webhook_secret:
            raise ApiError(422, "invalid_request", "webhooks need a configured webhook secret", field="webhook_url")
        try:
            check_url(body.webhook_url, svc.settings.webhook_allow_private)
        except WebhookRefused as exc:
            raise ApiError(422, "invalid_request", str(exc), field="webhook_url") from None
    unit, due, routing = route_new_job(state, body, checked.prepared.layout.template.id, time.time())
    return Admitted(request, digest, v, approval, unit, due, routing, checked)


def admit(
    state: AppState,
    body: JobRequest,
    checked: CheckedDesign,
    key: ApiKey,
    *,
    approved: dict[str, Any] | None = None,
) -> tuple[Verdict, dict[str, Any] | None]:
    """The door's verdict and the verified approval (None when the request carries none); raises the refusal.
    ``approved`` (a batch's rows: no customer saw a per-row preview): who approved the whole list, recorded as
    the approval instead of a verified text hash and preview."""
    settings = state.services.settings
    engine = state.services.for_storefront(key.name).engine  # with the storefront's uploaded fonts, if any
    report = review(checked.reviewed(), engine).to_dict()  # every surface of a multi-surface design
    holds = key.hold_codes if key.hold_codes is not None else settings.hold_codes  # the storefront's own, if set
    v = verdict(report, [(a.code, a.reason) for a in body.accept], holds)
    if v.refused:
        raise ApiError(
            422,
            "preflight_blocked",
            f"preflight found blockers: {', '.join(v.blockers)} (fix the design, or accept each code with a reason)",
            field="design",
            extra={"preflight": {**report, "text_hash": v.text_hash}},
        )
    if approved is not None:
        return v, {**approved, "verified_at": time.time(), "verified_by": key.name}
    a = body.approval
    if settings.require_approval and report["texts"] and (a is None or a.text_hash is None):
        raise ApiError(
            422,
            "approval_required",
            "the design has text: send approval.text_hash of the texts the customer confirmed",
            field="approval.text_hash",
        )
    if a is None:
        return v, None
    stale: list[str] = []
    if a.text_hash is not None and a.text_hash != v.text_hash:
        stale.append("approval.text_hash")
    seen: str | None = None
    if a.preview is not None:
        seen = a.preview.etag.strip('"')
        again = PreviewRequest(
            design=body.design, dialect=body.dialect, fabric_options=body.fabric_options,
            design_template=body.design_template, product=body.product, values=body.values, photos=body.photos,
            width=a.preview.width, view=a.preview.view, variant=a.preview.variant, surface=a.preview.surface,
            page=a.preview.page,
        )  # fmt: skip
        if preview_entry(state, again, a.preview.format, checked, owner=key.name).meta["sha256"] != seen:
            stale.append("approval.preview.etag")
    if stale:
        what = {
            "approval.text_hash": "the texts the customer confirmed",
            "approval.preview.etag": "the preview the customer approved",
        }
        raise ApiError(
            409,
            "approval_mismatch",
            "the design no longer produces "
            + " nor ".join(what[f] for f in stale)
            + "; ask the customer to approve again",
            field=stale[0],
            extra={"stale": stale, "text_hash": v.text_hash},
        )
    record: dict[str, Any] = {
        "text_hash": a.text_hash,
        "preview_etag": seen,
        "preview": a.preview.model_dump(mode="json", exclude={"etag", *(k for k in ("surface", "page")
                                                                          if getattr(a.preview, k) is None)})
        if a.preview else None,
        "approved_by": a.approved_by,
        "approved_at": a.approved_at.isoformat() if a.approved_at else None,
        "verified_at": time.time(),
        "verified_by": key.name,
    }
    return v, record


def accept_job(state: AppState, body: JobRequest, key: ApiKey, idempotency_key: str | None) -> tuple[JobRecord, bool]:
    """``POST /v1/jobs`` once its body validated: (the job, True when created by this request). Same key and
    same body: the job created earlier, no second check (a different body: :class:`IdempotencyConflict`, 409).
    Otherwise the design is checked and judged (:func:`admit_job`; 422 blockers, 409 a stale approval), bounded
    like a preview (``preview_timeout``: 503 + Retry-After; a busy server waits up to 10 s for a slot, then
    429): no job exists until the checks passed, so a timed-out intake loses nothing. Then the record is
    durable and a queued job (not a held one, which waits for its review) is enqueued."""
    svc = state.services
    digest = body_hash(request_for_hash(body))
    idem = f"{key.name}:{idempotency_key}" if idempotency_key else None
    if idem is not None and (found := svc.store.find_idem(idem)) is not None:
        rec, old_digest = found  # a replay: no second validation, no second job
        if old_digest != digest:
            raise IdempotencyConflict()
        return rec, False
    job = state.intake_gate.run(lambda: admit_job(state, body, key))
    # IdempotencyConflict (a RenderError): 409 idempotency_conflict on Idempotency-Key
    rec, created = svc.store.create(
        job.request,
        body.priority,
        key.name,
        digest,
        idem,
        check_assets=assets_stored(svc, job.request["design"]),
        state=job.verdict.state,
        print_unit=job.print_unit,
        due_by=job.due_by,
        event=job.event(),
    )
    if created and rec.state == "queued":  # a held job waits for its review (POST /v1/jobs/{id}/approve)
        try:
            state.dispatcher.enqueue(rec)
        except Exception:  # the record is durable: the reconciler enqueues it when Redis is back
            log.warning("enqueue failed; left to the reconciler", extra={"job_id": rec.id}, exc_info=True)
    return rec, created
