"""A batch's problem report, capped where it is shown (issue #19): ``GET /v1/batches/{id}`` lists the first
:data:`LISTED` problems in ``skipped`` (whole rows, in row order; the row that reaches the cap is cut there) and
``problems: {rows, total, listed, csv_url, json_url}``; the full report is a download
(``/v1/batches/{id}/problems.csv`` — ``row,field,code,message``, one problem a line — or ``problems.json``).
A 10 000-row batch whose every row is bad is then a ~30 kB status instead of several MB on every poll."""

from __future__ import annotations

import csv
import io
from typing import Any

from .schemas import BatchProblemsOut, BatchSkippedOut, ErrorOut

LISTED = 100  # problems a status lists; the rest are in the download


def listed(batch_id: str, skipped: list[dict[str, Any]]) -> tuple[list[BatchSkippedOut], BatchProblemsOut | None]:
    """``skipped`` (``[{row, problems}]``) cut to the first :data:`LISTED` problems, and the totals."""
    if not skipped:
        return [], None
    out: list[BatchSkippedOut] = []
    room = LISTED
    for s in skipped:
        if room <= 0:
            break
        shown = s["problems"][:room]
        room -= len(shown)
        out.append(BatchSkippedOut(row=s["row"], problems=[ErrorOut(**p) for p in shown]))
    total = sum(len(s["problems"]) for s in skipped)
    url = f"/v1/batches/{batch_id}/problems"
    return out, BatchProblemsOut(rows=len(skipped), total=total, listed=LISTED - room, csv_url=f"{url}.csv",
                                 json_url=f"{url}.json")  # fmt: skip


def as_csv(skipped: list[dict[str, Any]]) -> bytes:
    """Every problem, one line each: ``row,field,code,message`` (UTF-8 with a BOM, so a spreadsheet reads it
    as UTF-8; a cell starting with ``= + - @`` gets a leading apostrophe, never a formula)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["row", "field", "code", "message"])
    for s in skipped:
        for p in s["problems"]:
            w.writerow([s["row"], *(_cell(str(p.get(k) or "")) for k in ("field", "code", "message"))])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def as_json(skipped: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rows_invalid": len(skipped), "problems_total": sum(len(s["problems"]) for s in skipped),
            "skipped": skipped}  # fmt: skip
