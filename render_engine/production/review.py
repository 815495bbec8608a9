"""The review of a design before it is accepted or shown: one preflight report of the whole design and the
numbered proof image a customer or an operator reads beside it.

:class:`Reviewed` is what the review needs of a checked design: the prepared (first) surface, every surface by
part for a multi-surface design, and the properties a Fabric import approximated (each a warning naming the
request field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..checks.report import PreflightReport, with_approximations, with_fabric_objects
from ..engine import Engine
from ..layout.prepared import Prepared, PreparedParts
from ..model.fabric_object import FabricObject


@dataclass(frozen=True)
class Reviewed:
    """A design ready for review: ``prepared`` (a multi-surface design: its first given surface), ``parts``
    (every surface by part; None for a one-surface design), ``approximations`` ((request field, what was drawn)
    per property a Fabric import approximated); for a Fabric import, ``object_of_layer`` and ``objects`` name
    the Fabric object of each finding and approximation (:class:`render_engine.fabric.FabricImport`), their
    fields after ``prefix`` (the API's ``design.``)."""

    prepared: Prepared
    parts: PreparedParts | None = None
    approximations: Sequence[tuple[str, str]] = ()
    object_of_layer: Callable[[str, int | None], FabricObject | None] | None = None
    objects: Mapping[str, FabricObject] = field(default_factory=dict)
    prefix: str = ""


def review(subject: Reviewed, engine: Engine) -> PreflightReport:
    """The preflight report of the whole design (every surface of a multi-surface one, findings tagged with
    their surface), plus a ``fabric.approximated`` warning per approximated property: what the door, previews
    and ``/v1/preflight`` judge."""
    from ..checks.preflight import preflight  # looked up when called (tests slow it down in place)

    if subject.parts is not None:
        from ..checks.surfaces import preflight_parts

        report = preflight_parts(subject.parts, engine)
    else:
        report = preflight(subject.prepared, engine)
    if subject.object_of_layer is not None:
        report = with_fabric_objects(report, subject.object_of_layer, subject.prefix)
    if not subject.approximations:
        return report
    return with_approximations(report, subject.approximations, subject.objects, subject.prefix)


def write_review_proof(subject: Reviewed, report: PreflightReport, engine: Engine, out: Path) -> tuple[int, int]:
    """The numbered proof PNG of ``report`` at ``out`` — for a multi-surface design the contact sheet of every
    surface, as a job's ``proof.png`` — and its (width, height) in pixels."""
    from ..checks.proof import write_proof
    from ..checks.surfaces import write_proof_sheet

    if subject.parts is not None:
        return write_proof_sheet(subject.parts, engine, out)
    return write_proof(report, subject.prepared, engine, out)
