"""Order rules that need neither FastAPI nor a database: the door's preflight verdict, the customer's
approval hashes, and the production state machine print units report through.

* :func:`verdict` — a preflight report + the codes the request accepts (each with a reason) + the codes
  the shop holds for review -> what happens to the order: refused (unaccepted blockers), ``held`` (a
  held warning, not accepted) or ``queued``. Recorded on the job as it was decided.
* :func:`text_echo_hash` — the SHA-256 of the text the customer confirmed (every text layer's text and the
  lines as laid out, in the preflight report's ``texts``); the same report gives the same hash anywhere.
* :data:`TRANSITIONS` — print-unit production states: ``accepted``, ``printed``, ``qc_failed``, ``shipped``;
  any other move is refused (409). ``qc_failed`` puts the job back in the print queue as a reprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Production = Literal["accepted", "printed", "qc_failed", "shipped"]
PRODUCTION_STATES: tuple[Production, ...] = ("accepted", "printed", "qc_failed", "shipped")

TRANSITIONS: Mapping[str | None, frozenset[str]] = {
    None: frozenset({"accepted"}),  # ready and waiting in the print queue
    "accepted": frozenset({"printed", "qc_failed"}),  # a print can fail on the press
    "printed": frozenset({"qc_failed", "shipped"}),
    "qc_failed": frozenset({"accepted"}),  # the reprint, back in the queue, taken again
    "shipped": frozenset(),
}
"""Production state now -> the states a print unit may report next."""

QC_REASONS = (
    "misprint",
    "colour_off",
    "misaligned",
    "damaged_blank",
    "smudged",
    "wrong_product",
    "cut_off",
    "other",
)
"""Reason codes of a ``qc_failed`` report (the reprint statistics in ``/metrics`` count by these)."""


def allowed(current: str | None, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def text_echo_hash(texts: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of the texts to confirm (``report.to_dict()["texts"]``: layer, text, lines), canonical JSON.
    A changed word, a changed line break or a moved layer gives another hash."""
    canon = [{"layer": t["layer"], "text": t["text"], "lines": list(t["lines"])} for t in texts]
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """What the door decided from the preflight report."""

    ok: bool  # no blocker at all
    counts: dict[str, int]
    codes: list[str]
    blockers: list[str]  # blocker codes the request did not accept: the job is refused
    accepted: list[dict[str, str]]  # [{code, reason}] the request accepted (only codes the report has)
    held_for: list[str]  # warning codes the shop holds for review (not accepted)
    text_hash: str

    @property
    def refused(self) -> bool:
        return bool(self.blockers)

    @property
    def state(self) -> Literal["queued", "held"]:
        return "held" if self.held_for else "queued"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts,
            "codes": self.codes,
            "accepted": self.accepted,
            "held_for": self.held_for,
            "text_hash": self.text_hash,
        }


def verdict(report: Mapping[str, Any], accept: Iterable[tuple[str, str]], hold_codes: Iterable[str]) -> Verdict:
    """``report``: a preflight report dict; ``accept``: (code, reason) pairs; ``hold_codes``: codes the shop
    reviews by hand. A blocker stops the order unless accepted; a held code holds it unless accepted."""
    accepted = dict(accept)
    findings = list(report.get("findings") or [])
    codes = [str(f["code"]) for f in findings]
    blockers = sorted({c for f in findings if f["severity"] == "blocker" and (c := str(f["code"])) not in accepted})
    held = set(hold_codes)
    held_for = sorted({c for c in codes if c in held and c not in accepted})
    return Verdict(
        ok=bool(report.get("ok")),
        counts=dict(report.get("counts") or {}),
        codes=codes,
        blockers=blockers,
        accepted=[{"code": c, "reason": r} for c, r in accepted.items() if c in codes],
        held_for=held_for,
        text_hash=text_echo_hash(report.get("texts") or []),
    )


def timeline(rec: Any, events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The whole story of a job, oldest first: the stored events (the door's verdict, reviews, routing,
    production states) and the render's own milestones from the record (``rendering``, ``ready``/``failed``)."""
    out = [dict(e) for e in events]
    if rec.started_at is not None:
        out.append({"at": rec.started_at, "kind": "rendering", "actor": None, "data": {"attempts": rec.attempt}})
    rejected = bool(rec.error and rec.error.get("code") == "rejected_in_review")
    if rec.finished_at is not None and rec.state in ("ready", "failed") and not rejected:
        data = {"error": rec.error} if rec.state == "failed" else {"artifacts": [a["name"] for a in rec.artifacts]}
        out.append({"at": rec.finished_at, "kind": rec.state, "actor": None, "data": data})
    out.sort(key=lambda e: (e["at"], e.get("seq", 0)))
    return out


def event_payload(rec: Any, event: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body of an order event (held, approved, rejected, routed, accepted, printed, qc_failed,
    shipped); the render's own ``ready``/``failed`` webhook is the worker's."""
    return {
        "job_id": rec.id,
        "state": rec.state,
        "production": rec.production,
        "reprints": rec.reprints,
        "print_unit": rec.print_unit,
        "event": {k: event[k] for k in ("kind", "at", "actor", "data") if k in event},
        "url": f"/v1/jobs/{rec.id}",
    }
