"""Previews, preflight reports and proofs for the storefront, through the content-hash render cache.

The composition is the engine's (:mod:`render_engine.production`: :func:`~render_engine.production.preview`,
:func:`~render_engine.production.review`, :func:`~render_engine.production.write_review_proof`); this module
adds what an API process needs around it: the design checked as every endpoint checks it
(:func:`api.intake.check_request`), the cache key of a request (the same request from any API process: the same
key), the cache entry (found there, or built through the app's :class:`~api.deps.PreviewGate` and put there),
and step timings for ``/metrics``. ``POST /v1/jobs`` uses :func:`preview_entry` to check an approval's preview.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from render_engine import __version__
from render_engine.checks.report import PreflightReport
from render_engine.farm.dispatch import body_hash
from render_engine.farm.orders import text_echo_hash
from render_engine.model.errors import DesignError
from render_engine.pipeline import StepTimer
from render_engine.production.preview import PreviewSpec, preview, preview_spread, shows_open_book
from render_engine.production.review import review, write_review_proof

from .deps import AppState
from .errors import storage_error
from .intake import CheckedDesign, check_request
from .render_cache import Entry
from .schemas import DesignRequest, PreviewRequest

ImageFormat = Literal["jpeg", "webp", "png"]
MEDIA: dict[str, str] = {"jpeg": "image/jpeg", "webp": "image/webp", "png": "image/png"}
EXT: dict[str, str] = {"jpeg": "jpg", "webp": "webp", "png": "png"}


def checked(state: AppState, body: DesignRequest, timer: StepTimer, owner: str | None = None) -> CheckedDesign:
    """The request's design checked with the storefront's services (its uploaded fonts, if any)."""
    return check_request(state.services.for_storefront(owner), body, timer=timer)


def preview_key(body: PreviewRequest, fmt: ImageFormat, fonts: str = "") -> str:
    """The render cache key of a preview request (the same request from any API process: the same key);
    ``fonts``: the storefront's uploaded fonts (:meth:`Services.fonts_fingerprint`), "" without any."""
    data = {"preview": body.dump(), "fmt": fmt, "engine": __version__}
    return body_hash({**data, "fonts": fonts} if fonts else data)


def preview_entry(
    state: AppState,
    body: PreviewRequest,
    fmt: ImageFormat,
    chk: CheckedDesign | None = None,
    owner: str | None = None,
) -> Entry:
    """The preview image of ``body`` in the render cache: found there, or rendered (through the gate) and put
    there. ``chk``: the design already resolved and laid out (``POST /v1/jobs`` checking an approval)."""
    cache_key = preview_key(body, fmt, state.services.fonts_fingerprint(owner) if owner else "")
    engine = state.services.for_storefront(owner).engine  # with the storefront's uploaded fonts, if any

    def build() -> Entry:
        import pyvips

        timer = StepTimer()
        c = chk or checked(state, body, timer, owner)
        spec = PreviewSpec(view=body.view, variant=body.variant, width=body.width, fmt=fmt)
        surface = c.surface(body.surface, body.page)  # a page out of range: 422 naming page
        product = engine.templates.get(str(c.native.get("template")))
        if c.parts is not None and shows_open_book(engine, product, body.view, surface):
            if body.surface is not None:
                raise DesignError("a book open at a spread shows interior pages: give a page, not a surface",
                                  field="surface")  # fmt: skip
            pages = len(c.native.get("pages") or [])
            book_direction = product.book.direction if product.book is not None else "ltr"
            rtl = (c.native.get("direction") or book_direction) == "rtl"
            page = body.page if body.page is not None else (min(2, pages) if body.view else 1)
            shown = preview_spread(c.reviewed(), lambda n: c.surface(None, n), product, pages, page, engine, spec,
                                   timer, rtl=rtl)  # fmt: skip
        else:
            shown = preview(c.reviewed(), surface, engine, spec, timer)
        report = shown.report
        head = pyvips.Image.new_from_buffer(shown.image, "")  # header only: the size for the JSON variant
        meta = {
            "content_type": MEDIA[fmt], "width": head.width, "height": head.height,
            "preflight": {"ok": report.ok, "counts": report.counts, "codes": report.codes(),
                          "text_hash": text_echo_hash(report.to_dict()["texts"])},
            "source": c.source.to_dict() if c.source else None,
        }  # fmt: skip
        try:
            entry = state.cache.put_bytes(cache_key, EXT[fmt], shown.image, meta)
        except OSError as exc:
            raise storage_error(exc, "the render cache") from None
        state.metrics.observe_steps("preview", timer.seconds)
        return entry

    return state.cache.get(cache_key, EXT[fmt]) or state.gate.run(build)


def report_of(
    chk: CheckedDesign, state: AppState, owner: str, lang: str, timer: StepTimer
) -> tuple[PreflightReport, dict[str, Any]]:
    """The review report of a checked design and its JSON (messages in ``lang``, the texts' hash, the Fabric
    source)."""
    engine = state.services.for_storefront(owner).engine
    with timer.step("preflight"):
        report = review(chk.reviewed(), engine)
    out = report.to_dict(lang)
    out["text_hash"] = text_echo_hash(out["texts"])
    if chk.source is not None:
        out["source"] = chk.source.to_dict()
    return report, out


def preflight_json(state: AppState, body: DesignRequest, owner: str, lang: str) -> dict[str, Any]:
    """``POST /v1/preflight``: the report's JSON, built through the gate (not cached: no image)."""

    def build() -> dict[str, Any]:
        timer = StepTimer()
        _, out = report_of(checked(state, body, timer, owner), state, owner, lang, timer)
        state.metrics.observe_steps("preflight", timer.seconds)
        return out

    return state.gate.run(build)


def proof_entry(state: AppState, body: DesignRequest, owner: str, lang: str) -> Entry:
    """``POST /v1/preflight?proof=true``: the report and the numbered proof PNG (the image a job stores as
    ``proof.png``) in the render cache, keyed by the request, the engine and the language."""
    fonts = state.services.fonts_fingerprint(owner)
    proof_key = {"proof": body.dump(), "engine": __version__, **({"lang": lang} if lang != "en" else {})}
    cache_key = body_hash({**proof_key, "fonts": fonts} if fonts else proof_key)
    engine = state.services.for_storefront(owner).engine

    def build_proof() -> Entry:
        timer = StepTimer()
        chk = checked(state, body, timer, owner)
        report, out = report_of(chk, state, owner, lang, timer)

        def write(path: Path) -> dict[str, Any]:
            with timer.step("proof"):  # the job's proof.png function, unchanged
                w, h = write_review_proof(chk.reviewed(), report, engine, path)
            return {"width": w, "height": h}

        try:
            entry = state.cache.put(cache_key, "png", write, {"content_type": "image/png", "report": out})
        except OSError as exc:
            raise storage_error(exc, "the render cache") from None
        state.metrics.observe_steps("preflight", timer.seconds)
        return entry

    return state.cache.get(cache_key, "png") or state.gate.run(build_proof)
