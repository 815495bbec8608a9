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
from .model import DesignTemplate, PhotoSlot

MAX_ROWS = 10_000


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
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DesignError("a CSV rows file is UTF-8", field="rows") from None
        rows = csv_rows(text)
    if not rows:
        raise DesignError("no rows", field="rows")
    if len(rows) > MAX_ROWS:
        raise DesignError(f"over {MAX_ROWS} rows: split the file", field="rows")
    return rows


def csv_rows(text: str, field: str = "rows", limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    """The rows of CSV text (a header of slot names, then one row per piece); empty cells are left out.

    Reading stops at ``limit`` + 1 rows (the caller refuses more: a 2 MB body of ``a\\n`` is a million rows,
    not worth building); a header naming a column twice is refused (which of the two cells would a row mean?)."""
    try:
        reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
        header = reader.fieldnames or []
        seen: set[str] = set()
        for i, name in enumerate(header):
            if name and name in seen:
                raise DesignError(f"the header names column {name[:64]!r} twice (column {i + 1})", field=field)
            seen.add(name)
        rows: list[dict[str, Any]] = []
        for r in reader:
            rows.append({k: v for k, v in r.items() if k and isinstance(v, str) and v != ""})
            if len(rows) > limit:
                break
        return rows
    except csv.Error as exc:
        raise DesignError(f"not valid CSV ({exc})", field=field) from None


def fill_rows(
    template: DesignTemplate, product: str, rows: list[dict[str, Any]], base_dir: Path, engine: Engine
) -> list[Design]:
    """One design per row, each filled and laid out (fonts, layout) once to find every problem before anything
    renders; one :class:`DesignError` listing every row's problems (``rows[3].slots.name``)."""
    photo_slots = {k for k, s in template.slots.items() if isinstance(s, PhotoSlot)}
    designs: list[Design] = []
    problems: list[DesignError] = []
    from ..parts import is_multi, prepare_parts
    from ..pipeline import prepare

    for n, row in enumerate(rows, 1):
        photos = {k: v for k, v in row.items() if k in photo_slots}
        values = {k: v for k, v in row.items() if k not in photo_slots}
        try:
            design, sources = fill_with_sources(template, product, values, photos, base_dir=base_dir,
                                                settings=engine.settings, order_id=f"row-{n}")  # fmt: skip
            try:
                if is_multi(design, engine):  # every surface of a multi-surface product (a card's outside, inside)
                    prepare_parts(design, engine, base_dir)
                else:
                    prepare(design, engine, base_dir)  # fonts, layout: what would fail mid-batch fails now
            except RenderError as exc:
                raise slot_error(exc, sources) from None
            designs.append(design)
        except RenderError as exc:
            for p in exc.problems or (exc,):
                problems.append(DesignError(p.message, field=f"rows[{n}].{p.field}" if p.field else f"rows[{n}]"))
    if problems:
        raise several(problems)
    return designs


def render_rows(
    designs: list[Design],
    engine: Engine,
    base_dir: Path,
    out_dir: Path,
    *,
    fmt: str | None = None,
    dpi: float | None = None,
    progress: Callable[[int, Path], None] | None = None,
) -> dict[str, Any]:
    """Render each design to ``out_dir/row-<n>.<fmt>`` (a multi-surface product: its parts into the folder
    ``out_dir/row-<n>/``, ``card.pdf``, ``front.png``…) and write ``manifest.json`` (row -> files -> SHA-256);
    returns the manifest."""
    from ..parts import is_multi, prepare_parts, render_parts
    from ..pipeline import prepare, render_prepared

    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for n, design in enumerate(designs, 1):
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
            data = p.read_bytes()
            name = p.relative_to(out_dir).as_posix()
            files.append({"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        entries.append({"row": n, "files": files})
        if progress is not None:
            progress(n, path)
    manifest = {"version": 1, "product": designs[0].template if designs else None, "rows": entries}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
