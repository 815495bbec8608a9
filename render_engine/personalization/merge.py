"""Data merge: one design template x rows (CSV or JSON) -> one print file per row and a manifest.

Every row is filled (validated) before anything renders; every problem of every row comes back in one
:class:`DesignError` whose problems are named ``rows[<n>].slots.<name>`` (``n`` counts data rows from 1, the
CSV header not counted). CSV columns are slot names (``name``, ``name.color``); a photo slot's column holds a
file path relative to the rows file's folder. A multi-surface product's row renders into the folder ``row-<n>/``
(one file per part: ``card.pdf``, ``front.png``…).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..model.design import Design
from ..model.errors import DesignError, RenderError, several
from ..model.json_input import load_json, read_input_file
from .fill import fill_with_sources, slot_error
from .model import DesignTemplate, PhotoSlot, PhotosSlot

MAX_ROWS = 10_000
LIST_SEPARATOR = "|"  # a CSV cell of a photos slot: several photos, "a.jpg|b.jpg" (asset ids or files)


def split_row(template: DesignTemplate, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A row's (values, photos): a photo slot's cell is its photo; a ``photos`` slot's cell lists its photos
    separated by ``|`` (a JSON row may give a list); every other column is a value."""
    values: dict[str, Any] = {}
    photos: dict[str, Any] = {}
    for k, v in row.items():
        slot = template.slots.get(k)
        if isinstance(slot, PhotosSlot):
            photos[k] = [p.strip() for p in v.split(LIST_SEPARATOR) if p.strip()] if isinstance(v, str) else v
        elif isinstance(slot, PhotoSlot):
            photos[k] = v
        else:
            values[k] = v
    return values, photos


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``.csv`` (header = slot names) or ``.json`` (a list of objects) file; empty cells are
    left out (the slot's default or requiredness applies)."""
    raw = read_input_file(path, "rows file", "rows")
    if path.suffix.lower() == ".json":
        data = load_json(raw, field="rows")  # strict: position of the fault, no NaN, duplicate keys, recursion
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DesignError("a JSON rows file is a list of objects", field="rows")
        rows = data
    else:
        rows = csv_rows(decode_csv(raw, "rows"))
    if not rows:
        raise DesignError("no rows", field="rows")
    if len(rows) > MAX_ROWS:
        raise DesignError(f"over {MAX_ROWS} rows: split the file", field="rows")
    return rows


def decode_csv(raw: bytes, field: str) -> str:
    """The text of a CSV rows file (UTF-8, a BOM allowed); a file that is not UTF-8 text says what it looks like
    (UTF-16 from Excel's "Unicode text", a spreadsheet or zip, JSON) instead of only "not UTF-8"."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DesignError('the CSV file is UTF-16 (Excel\'s "Unicode text"); save it as "CSV UTF-8"', field=field)
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DesignError("this is a spreadsheet workbook (or a zip), not CSV text; save it as \"CSV UTF-8\"",
                          field=field)  # fmt: skip
    if raw.startswith(b"\x1f\x8b"):
        raise DesignError("this is a gzip file, not CSV text; send the CSV itself", field=field)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DesignError(f"the CSV file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}: Latin-1 or "
                          "Windows-1252?); save it as \"CSV UTF-8\"", field=field) from None  # fmt: skip
    if text.lstrip().startswith(("[", "{")):
        raise DesignError("this is JSON, not CSV; send JSON rows as the batch's rows (or a .json rows file)",
                          field=field)  # fmt: skip
    return text


def csv_rows(text: str, field: str = "rows", limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    """The rows of CSV text (a header of slot names, then one row per piece); empty cells are left out.

    Reading stops at ``limit`` + 1 rows (the caller refuses more: a 2 MB body of ``a\\n`` is a million rows,
    not worth building); a header naming a column twice is refused (which of the two cells would a row mean?).
    A cell no header names (more cells than columns: usually an unquoted comma, ``Smith, John``) is an error
    naming the row, never dropped; a quote never closed is an error naming where it opened. Line ends may be
    CRLF, LF or CR (classic Mac); header names are trimmed of spaces."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
        seen: set[str] = set()
        for i, name in enumerate(header):
            if name and name in seen:
                raise DesignError(f"the header names column {name[:64]!r} twice (column {i + 1})", field=field)
            seen.add(name)
        rows: list[dict[str, Any]] = []
        problems: list[DesignError] = []
        for cells in reader:
            if not cells:
                continue  # a blank line
            where = f"rows[{len(rows) + 1}]"
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                columns = f"{len(header)} column{'s' * (len(header) != 1)}"
                problems.append(DesignError(f"has {len(cells)} cells but the header names {columns} (a comma inside "
                                            'a value? quote it: "Smith, John")', field=where))  # fmt: skip
            unnamed = [i + 1 for i, c in enumerate(cells[: len(header)]) if not header[i] and c.strip()]
            if unnamed:
                problems.append(DesignError(f"a value in column {unnamed[0]}, which the header leaves unnamed",
                                            field=where))  # fmt: skip
            rows.append({k: v for k, v in zip(header, cells, strict=False) if k and v != ""})
            if len(rows) > limit:
                break
    except csv.Error as exc:
        reason = str(exc)
        if "unexpected end of data" in reason or "EOF" in reason:
            reason = 'a quoted cell is never closed (a " without its closing ")'
        raise DesignError(f"not valid CSV at line {reader.line_num}: {reason}", field=field) from None
    if problems and len(rows) <= limit:
        raise several(problems)
    return rows


Progress = Callable[[str, int, int], None]
"""``progress(phase, n, total)``: ``phase`` is ``"check"`` or ``"render"``, ``n`` rows of ``total`` done."""


def _fill_row(
    template: DesignTemplate, product: str, n: int, row: dict[str, Any], base_dir: Path, engine: Engine
) -> Design:
    """Row ``n`` filled and laid out once (fonts, layout: what would fail mid-batch fails now); a problem
    names its slot (``slots.name``, ``photos.logo``)."""
    from ..parts import is_multi, prepare_parts
    from ..pipeline import prepare

    values, photos = split_row(template, row)
    design, sources = fill_with_sources(template, product, values, photos, base_dir=base_dir,
                                        settings=engine.settings, order_id=f"row-{n}")  # fmt: skip
    try:
        if is_multi(design, engine):  # every surface of a multi-surface product (a card's outside, inside)
            prepare_parts(design, engine, base_dir)
        else:
            prepare(design, engine, base_dir)
    except RenderError as exc:
        raise slot_error(exc, sources) from None
    return design


def check_rows(
    template: DesignTemplate,
    product: str,
    rows: list[dict[str, Any]],
    base_dir: Path,
    engine: Engine,
    progress: Progress | None = None,
) -> None:
    """Fill and lay out every row to find every problem before anything renders; one :class:`DesignError`
    listing every row's problems (``rows[3].slots.name``). Nothing is kept: 10 000 rows check in the memory of
    one (the designs are filled again when rendered, ~2 ms a row)."""
    problems: list[DesignError] = []
    for n, row in enumerate(rows, 1):
        try:
            _fill_row(template, product, n, row, base_dir, engine)
        except RenderError as exc:
            for p in exc.problems or (exc,):
                problems.append(DesignError(p.message, field=f"rows[{n}].{p.field}" if p.field else f"rows[{n}]"))
        if progress is not None:
            progress("check", n, len(rows))
    if problems:
        raise several(problems)


def fill_rows(
    template: DesignTemplate, product: str, rows: list[dict[str, Any]], base_dir: Path, engine: Engine
) -> list[Design]:
    """One design per row (all checked first: :func:`check_rows`)."""
    check_rows(template, product, rows, base_dir, engine)
    return [fill_with_sources(template, product, *split_row(template, row), base_dir=base_dir,
                              settings=engine.settings, order_id=f"row-{n}")[0]
            for n, row in enumerate(rows, 1)]  # fmt: skip


def render_rows(
    template: DesignTemplate,
    product: str,
    rows: list[dict[str, Any]],
    engine: Engine,
    base_dir: Path,
    out_dir: Path,
    *,
    fmt: str | None = None,
    dpi: float | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Render each (checked) row to ``out_dir/row-<n>.<fmt>`` (a multi-surface product: its parts into the
    folder ``out_dir/row-<n>/``, ``card.pdf``, ``front.png``…), one row in memory at a time, and write
    ``manifest.json`` (row -> files -> SHA-256); returns the manifest."""
    from ..parts import is_multi, prepare_parts, render_parts
    from ..pipeline import prepare, render_prepared

    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for n, row in enumerate(rows, 1):
        design = fill_with_sources(template, product, *split_row(template, row), base_dir=base_dir,
                                   settings=engine.settings, order_id=f"row-{n}")[0]  # fmt: skip
        if is_multi(design, engine):
            path = out_dir / f"row-{n:05d}"
            results = render_parts(prepare_parts(design, engine, base_dir), engine, path, fmt=fmt,  # type: ignore[arg-type]
                                   dpi=dpi, name=path.name)  # fmt: skip
            paths = [r.path for r in results if r.path is not None]
        else:
            prep = prepare(design, engine, base_dir)
            kind = fmt or prep.layout.template.output.default_format
            path = out_dir / f"row-{n:05d}.{kind}"
            render_prepared(prep, engine, path, fmt=kind, dpi=dpi)  # type: ignore[arg-type]
            paths = [path]
        files = []
        for p in paths:
            with p.open("rb") as f:
                h = hashlib.file_digest(f, "sha256")
            name = p.relative_to(out_dir).as_posix()
            files.append({"name": name, "bytes": p.stat().st_size, "sha256": h.hexdigest()})
        entries.append({"row": n, "files": files})
        if progress is not None:
            progress("render", n, len(rows))
    manifest = {"version": 1, "product": product if rows else None, "rows": entries}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
