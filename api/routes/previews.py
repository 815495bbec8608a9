"""Synchronous design checks for the storefront: mockup previews, preflight reports and proof images.

The routes negotiate and stream; :mod:`api.previewing` checks the design (:func:`api.intake.check_design`,
native or Fabric input) and builds through the engine's one composition (:mod:`render_engine.production`:
the preview, the review report, the proof a job stores as ``proof.png``). Rendered images go into the
content-hash cache (:mod:`api.render_cache`); identical requests are answered from it without rendering, and
``GET /v1/previews/{name}`` serves its entries with an ``ETag``. Renders go through
the app's :class:`~api.deps.PreviewGate`: at most ``max_concurrent_previews`` at once (excess: ``429``
with ``Retry-After``), each bounded by ``preview_timeout`` (``503``). Step timings go to ``/metrics``.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from render_engine.checks.messages import negotiate as negotiate_language

from ..deps import State, Storefront
from ..errors import ERROR_RESPONSES, ApiError, NotFound
from ..previewing import MEDIA, ImageFormat, preflight_json, preview_entry, proof_entry
from ..render_cache import NAME, Entry
from ..schemas import DesignRequest, ImageRef, PreflightOut, PreviewOut, PreviewRequest

router = APIRouter(tags=["previews"])

JSON_MEDIA = "application/json"
IMAGE_FORMATS: tuple[ImageFormat, ...] = ("jpeg", "webp", "png")


#: What POST /v1/previews can answer, in the order it prefers them when the client's ranges tie (``*/*``,
#: ``image/*`` or no Accept at all: a JPEG image).
OFFERED: tuple[str, ...] = (*MEDIA.values(), JSON_MEDIA)


def _accept_ranges(accept: str) -> list[tuple[str, str, float]]:
    """``Accept`` as (type, subtype, q) per media range, in the order given; a malformed ``q`` is 0 (the
    range accepts nothing) and a range that is not ``type/subtype`` is ignored."""
    out: list[tuple[str, str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = q if 0.0 <= q <= 1.0 else 0.0  # also NaN
        out.append((kind, sub, q))
    return out


def negotiate(accept: str | None) -> tuple[bool, ImageFormat | None]:
    """``Accept`` -> (JSON wanted?, image format named) by RFC 9110 12.5.1: each media type we offer takes the
    ``q`` of the most specific range matching it (``image/png`` over ``image/*`` over ``*/*``; ``q=0`` refuses
    it); the highest ``q`` wins, then the range the client named first, then our order (:data:`OFFERED`).
    No Accept (or an empty one) is a JPEG image. When nothing we offer is acceptable: :class:`ApiError` 406
    listing what is available (``available``), before any work."""
    if accept is None or not accept.strip():
        return False, None
    ranges = _accept_ranges(accept)
    best: tuple[float, int, int, str] | None = None
    for rank, offer in enumerate(OFFERED):
        kind, _, sub = offer.partition("/")
        match: tuple[int, int, float] | None = None  # (specificity, position, q)
        for pos, (k, s, q) in enumerate(ranges):
            if (k, s) == (kind, sub):
                spec = 2
            elif (k, s) == (kind, "*"):
                spec = 1
            elif (k, s) == ("*", "*"):
                spec = 0
            else:
                continue
            if match is None or spec > match[0]:
                match = (spec, pos, q)
        if match is None or match[2] <= 0:
            continue
        key = (-match[2], match[1], rank, offer)
        if best is None or key < best:
            best = key
    if best is None:
        raise ApiError(
            406, "not_acceptable",
            f"the Accept header allows none of what a preview can be: {', '.join(OFFERED)} (or */*)",
            field="Accept", extra={"available": list(OFFERED)},
        )  # fmt: skip
    chosen = best[3]
    if chosen == JSON_MEDIA:
        return True, None
    image: ImageFormat = next(fmt for fmt in IMAGE_FORMATS if MEDIA[fmt] == chosen)
    return False, image


def _image_ref(entry: Entry) -> ImageRef:
    m = entry.meta
    return ImageRef(
        url=entry.url, content_type=m["content_type"], bytes=m["bytes"], sha256=m["sha256"],
        width=m["width"], height=m["height"],
    )


@router.post(
    "/previews",
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {
            "model": PreviewOut,
            "description": "The mockup image (Accept: image/jpeg|webp|png; the preflight summary in X-Preflight),"
            " or with Accept: application/json the summary and the image's URL.",
            "content": {m: {} for m in MEDIA.values()},
        },
        406: {"description": "the Accept header allows no image type offered nor JSON: the body lists "
               "'available'"},
        501: {"description": "no mockups"},
    },
)
def preview(
    body: PreviewRequest,
    state: State,
    key: Storefront,
    accept: Annotated[str | None, Header()] = None,
    format: Annotated[
        ImageFormat | None, Query(description="Image format; overrides Accept's image type (use with JSON).")
    ] = None,
) -> Response:
    """Design -> mockup image with the preflight summary in ``X-Preflight``; or, with ``Accept:
    application/json``, JSON ``{preflight, image: {url, ...}, source}`` (the image stays in the cache:
    ``GET`` its URL). ``ETag`` is the image's SHA-256."""
    try:
        import render_engine.mockup  # noqa: F401 - the build may lack it
    except ImportError:
        raise ApiError(501, "not_implemented", "mockup previews are not available in this build") from None
    want_json, accepted = negotiate(accept)
    fmt: ImageFormat = format or accepted or "jpeg"
    entry = preview_entry(state, body, fmt, owner=key.name)
    if want_json:
        out = PreviewOut(preflight=entry.meta["preflight"], image=_image_ref(entry), source=entry.meta.get("source"))
        return JSONResponse(out.model_dump(mode="json"), headers={"Vary": "Accept"})
    data = state.cache.read(entry)
    if data is None:  # evicted between lookup and read (a full cache under load): render again
        entry = preview_entry(state, body, fmt, owner=key.name)
        data = state.cache.read(entry)
        if data is None:
            raise ApiError(503, "storage_unavailable", "the render cache is thrashing; retry later",
                           headers={"Retry-After": "1"})
    summary = json.dumps(entry.meta["preflight"], separators=(",", ":"))
    headers = {"X-Preflight": summary, "ETag": entry.etag, "Content-Location": entry.url, "Vary": "Accept"}
    return Response(data, media_type=MEDIA[fmt], headers=headers)


@router.get(
    "/previews/{name}",
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {"content": {m: {} for m in MEDIA.values()}, "description": "A cached preview or proof image"},
        304: {"description": "If-None-Match matched the ETag"},
        404: {"description": "Unknown or evicted: POST the request again"},
    },
)
def cached_image(name: str, state: State, key: Storefront, request: Request) -> Response:
    """A preview or proof image from the content-hash cache (the ``url`` a JSON answer named)."""
    entry = state.cache.lookup(name) if NAME.match(name) else None
    if entry is not None and request.headers.get("if-none-match") == entry.etag:
        return Response(status_code=304, headers={"ETag": entry.etag})
    data = state.cache.read(entry) if entry is not None else None
    if entry is None or data is None:
        raise NotFound("no such preview (it may have been evicted: POST again)", field="name")
    return Response(
        data,
        media_type=entry.meta["content_type"],
        headers={"ETag": entry.etag, "Cache-Control": "private, max-age=86400"},
    )


@router.post(
    "/preflight",
    responses={
        **ERROR_RESPONSES,
        200: {
            "model": PreflightOut,
            "description": "The preflight report (docs/preflight.md); with ?proof=true it has a 'proof' member "
            "(the numbered proof PNG's URL, size and SHA-256) and, for Fabric input, 'source'.",
        },
    },
)
def run_preflight(
    body: DesignRequest,
    state: State,
    key: Storefront,
    proof: Annotated[bool, Query(description="Also render the numbered proof image (JSON gets its URL)")] = False,
    accept_language: Annotated[
        str | None,
        Header(description="Language of the findings' messages: en (default), hi, zh-Hans (zh, zh-CN); codes, "
               "fields and details stay English. The answer's Content-Language says which was used."),
    ] = None,
) -> JSONResponse:
    """Design -> preflight report (findings with severities, safe/trim/bleed boxes, echoed text lines); with
    ``?proof=true`` also the proof image the job worker stores as ``proof.png``, as a cache URL. Messages in
    the language ``Accept-Language`` asks for (render_engine/checks/messages.py)."""
    try:
        import render_engine.checks.proof
        import render_engine.checks.surfaces  # noqa: F401 - the build may lack them
    except ImportError:
        raise ApiError(501, "not_implemented", "preflight is not available in this build") from None

    lang = negotiate_language(accept_language)
    lang_header = {"Content-Language": lang, "Vary": "Accept-Language"}
    if not proof:
        return JSONResponse(preflight_json(state, body, key.name, lang), headers=lang_header)
    entry = proof_entry(state, body, key.name, lang)
    return JSONResponse({**entry.meta["report"], "proof": _image_ref(entry).model_dump(mode="json")},
                        headers=lang_header)
