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
"""

from __future__ import annotations

import time
from typing import Any

from render_engine.farm.orders import Verdict, verdict
from render_engine.farm.settings import ApiKey

from .deps import AppState
from .errors import ApiError
from .intake import CheckedDesign, with_source_findings
from .schemas import JobRequest, PreviewRequest


def admit(
    state: AppState, body: JobRequest, checked: CheckedDesign, key: ApiKey
) -> tuple[Verdict, dict[str, Any] | None]:
    """The door's verdict and the verified approval (None when the request carries none); raises the refusal."""
    from render_engine.checks.preflight import preflight

    settings = state.services.settings
    report = with_source_findings(preflight(checked.prepared, state.services.engine), checked).to_dict()
    v = verdict(report, [(a.code, a.reason) for a in body.accept], settings.hold_codes)
    if v.refused:
        raise ApiError(
            422,
            "preflight_blocked",
            f"preflight found blockers: {', '.join(v.blockers)} (fix the design, or accept each code with a reason)",
            field="design",
            extra={"preflight": {**report, "text_hash": v.text_hash}},
        )
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
        from .routes.previews import preview_entry

        seen = a.preview.etag.strip('"')
        again = PreviewRequest(
            design=body.design, dialect=body.dialect, fabric_options=body.fabric_options,
            design_template=body.design_template, product=body.product, values=body.values, photos=body.photos,
            width=a.preview.width, view=a.preview.view, variant=a.preview.variant,
        )  # fmt: skip
        if preview_entry(state, again, a.preview.format, checked).meta["sha256"] != seen:
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
        "preview": a.preview.model_dump(mode="json", exclude={"etag"}) if a.preview else None,
        "approved_by": a.approved_by,
        "approved_at": a.approved_at.isoformat() if a.approved_at else None,
        "verified_at": time.time(),
        "verified_by": key.name,
    }
    return v, record
