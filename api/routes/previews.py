"""Synchronous design checks for the storefront: mockup previews and preflight reports.

Both reuse the print path's parse -> resolve -> layout (:func:`render_engine.pipeline.prepare`), then
:func:`render_engine.mockup.render_mockup` / :func:`render_engine.preflight.preflight`. Identical requests
are served from a small in-process content-hash cache. Renders go through the app's
:class:`~api.deps.PreviewGate`: at most ``max_concurrent_previews`` at once (excess: ``429`` with
``Retry-After``), each bounded by ``preview_timeout`` (``503``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from render_engine.jobs.worker import body_hash
from render_engine.mockup.render_cache import Lru

from ..deps import State, Storefront
from ..errors import ERROR_RESPONSES, ApiError
from ..schemas import DesignRequest, PreviewRequest
from .jobs import validate_design

router = APIRouter(tags=["previews"])

MEDIA = {"jpeg": "image/jpeg", "webp": "image/webp", "png": "image/png"}
_cache = Lru(64)


def _accept_format(accept: str | None) -> Literal["jpeg", "webp", "png"]:
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        for fmt, m in MEDIA.items():
            if media == m:
                return fmt  # type: ignore[return-value]
    return "jpeg"


@router.post(
    "/previews",
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {"content": {m: {} for m in MEDIA.values()}},
        501: {"description": "no mockups"},
    },
)
def preview(
    body: PreviewRequest, state: State, key: Storefront, accept: Annotated[str | None, Header()] = None
) -> Response:
    """Design -> mockup image (``Accept`` picks JPEG/WebP/PNG); the preflight summary is in ``X-Preflight``."""
    try:
        from render_engine.mockup import render_mockup
        from render_engine.preflight import preflight
    except ImportError:
        raise ApiError(501, "not_implemented", "mockup previews are not available in this build") from None
    fmt = _accept_format(accept)
    cache_key = body_hash({"req": body.model_dump(mode="json"), "fmt": fmt})

    def build() -> tuple[bytes, str]:
        prep = validate_design(state.services, body.design)
        img = render_mockup(
            prep, state.services.engine, view=body.view, variant=body.variant, width=body.width, fmt=fmt
        )
        report = preflight(prep, state.services.engine)
        summary = json.dumps({"ok": report.ok, "counts": report.counts, "codes": report.codes()}, separators=(",", ":"))
        return img, summary

    img, summary = _cache.get(cache_key, lambda: state.gate.run(build))
    return Response(img, media_type=MEDIA[fmt], headers={"X-Preflight": summary, "ETag": f'"{cache_key}"'})


@router.post("/preflight", responses=ERROR_RESPONSES)
def run_preflight(
    body: DesignRequest,
    state: State,
    key: Storefront,
    proof: Annotated[bool, Query(description="Proof image (not implemented yet: 501)")] = False,
) -> JSONResponse:
    """Design -> preflight report (findings with severities, safe/trim/bleed boxes, echoed text lines)."""
    try:
        from render_engine.preflight import preflight
    except ImportError:
        raise ApiError(501, "not_implemented", "preflight is not available in this build") from None
    if proof:
        raise ApiError(501, "not_implemented", "proof images over the API are not implemented yet", field="proof")

    def build() -> dict[str, Any]:
        prep = validate_design(state.services, body.design)
        return preflight(prep, state.services.engine).to_dict()

    return JSONResponse(state.gate.run(build))
