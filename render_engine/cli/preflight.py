"""``render-engine preflight DESIGN.json [--proof P.png] [--json] [--lang hi]`` (see :mod:`render_engine.cli`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

from ..checks.preflight import PreflightReport, preflight, summary_lines
from ..checks.proof import write_proof
from ..engine import Engine
from ..fabric import is_fabric
from ..model.design import Design, load_design_json
from ..model.errors import DesignError, OutputError, RenderError
from ..model.json_input import load_json, read_input_file
from ..parts import is_multi, prepare_parts
from ..pipeline import prepare

if TYPE_CHECKING:
    from ..fabric.options import Unsupported


def load_native(path: FsPath, command: str) -> Design:
    """The native design in ``path``; a Fabric canvas is refused by name (it was "version: unsupported design
    version"): ``render`` and ``preflight`` are the commands that read Fabric JSON."""
    raw = read_input_file(path)
    if is_fabric(load_json(raw)):
        raise DesignError(f"a Fabric canvas: {command} reads native designs; `render-engine render` takes "
                          "Fabric JSON and prints its preflight findings (`render-engine preflight` lists them "
                          "all)", field="design")  # fmt: skip
    return load_design_json(raw)


def run(engine: Engine, path: FsPath, proof: FsPath | None = None, as_json: bool = False, lang: str = "en",
        unsupported: Unsupported = "refuse") -> int:  # fmt: skip
    """``render-engine preflight``: 0 when there are no blockers, 1 with blockers or an invalid design (one
    line on stderr, no traceback). Finding messages in ``lang``; codes, fields and details stay English. A
    Fabric canvas is checked as ``render`` draws it (``unsupported``), each finding naming its Fabric object."""
    try:
        if is_fabric(load_json(read_input_file(path))):  # a Fabric canvas: checked as `render` draws it
            if proof is not None:
                raise DesignError("--proof is for native designs; `render-engine render` draws a Fabric canvas "
                                  "and prints its findings", field="proof")  # fmt: skip
            from ..public import preflight as check_fabric

            report = check_fabric(path, engine=engine, unsupported=unsupported)  # findings name Fabric objects
            return _print(path, report, None, as_json, lang)
        design = load_native(path, "preflight")
        proof_size = None
        if is_multi(design, engine):  # every surface; the proof is the contact sheet, with a proof per surface
            from ..checks.surfaces import merge_reports, surface_reports, write_proofs

            reports = surface_reports(prepare_parts(design, engine, path.parent), engine)
            report = merge_reports(design.template, reports)
            if proof is not None:
                written = write_proofs(reports, engine, proof.parent / proof.stem)
                proof.write_bytes(written[0].read_bytes())
                import pyvips

                sheet = pyvips.Image.new_from_file(str(proof))
                proof_size = (sheet.width, sheet.height)
        else:
            prepared = prepare(design, engine, path.parent)
            report = preflight(prepared, engine)
            if proof is not None:
                proof_size = write_proof(report, prepared, engine, proof)
    except OutputError as exc:  # the writers name their file "out": here it is the --proof file
        print(f"{path}: proof: {exc.message}", file=sys.stderr)
        return 1
    except RenderError as exc:
        for line in exc.lines():
            print(f"{path}: INVALID {line}", file=sys.stderr)
        return 1
    except OSError as exc:  # --proof in a folder that cannot be made or written: the place and the reason
        print(f"{path}: proof: cannot write {exc.filename or proof} ({exc.strerror or type(exc).__name__})",
              file=sys.stderr)  # fmt: skip
        return 1
    except Exception as exc:  # a bug, not bad input: still one line
        print(f"{path}: internal error ({type(exc).__name__})", file=sys.stderr)
        return 1
    return _print(path, report, (proof, proof_size) if proof is not None and proof_size is not None else None,
                  as_json, lang)  # fmt: skip


def _print(path: FsPath, report: PreflightReport, proof: tuple[FsPath, tuple[int, int]] | None, as_json: bool,
           lang: str) -> int:  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(lang), indent=2, ensure_ascii=False) + "\n")
    else:
        print(f"{path}:")
        for line in summary_lines(report, lang):
            print(line)
        if proof is not None:
            print(f"  proof: {proof[0]} ({proof[1][0]}x{proof[1][1]} px)")
    return 0 if report.ok else 1
