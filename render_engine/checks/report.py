"""The preflight report model: :class:`Finding`, :class:`TextEcho`, :class:`PreflightReport` (and its JSON),
the :class:`CheckContext` every check reads, and the human summary."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..model.fabric_object import FabricObject, labelled, object_of
from ..model.geometry import Rect
from .messages import Msg, translate

if TYPE_CHECKING:
    from ..engine import Engine
    from ..inputs.color import IccCatalog
    from ..layout.plan import Layout
    from ..layout.prepared import Prepared

Severity = Literal["blocker", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("blocker", "warning", "info")


@dataclass(frozen=True)
class CheckContext:
    """What every check reads: the prepared design, the engine (ICC profiles), whether the pixel-reading
    colour checks run, and whether the spelling check (a dictionary load per process) runs."""

    prepared: Prepared
    engine: Engine
    color: bool = True
    spelling: bool = True

    @property
    def layout(self) -> Layout:
        return self.prepared.layout

    @property
    def icc(self) -> IccCatalog:
        return self.engine.icc


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    detail: str
    layer: int | None = None
    region: Rect | None = None
    measured: Any = None
    required: Any = None
    unit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # multi-surface products: the surface ("back", "page-3"), its print file and its page in that file
    surface: str | None = None
    part: str | None = None
    page: int | None = None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON of the finding; ``message`` in ``lang`` (:data:`~.messages.LANGUAGES`), the rest as it is."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": translate(self.message, lang),
            "detail": self.detail,
            "layer": self.layer,
            "region": rect_dict(self.region),
            "measured": self.measured,
            "required": self.required,
            "unit": self.unit,
            **({"extra": self.extra} if self.extra else {}),
            **({"surface": self.surface, "part": self.part, "page": self.page} if self.surface is not None else {}),
        }

    @property
    def where(self) -> str:
        """``layer 2``, ``back layer 2``, ``page-3``: what the finding concerns, for one-line summaries; the
        Fabric object it came from when it did (``objects[3] (Textbox, id "greeting")``)."""
        obj = self.extra.get("fabric_object")
        if isinstance(obj, dict) and isinstance(obj.get("field"), str):
            return FabricObject(obj["field"], str(obj.get("type")), obj.get("id"), obj.get("name")).label()
        layer = f"layer {self.layer}" if self.layer is not None else "design"
        return f"{self.surface} {layer}" if self.surface is not None else layer


@dataclass(frozen=True)
class TextEcho:
    """A text layer as it will print: the exact text (never trimmed), its laid-out lines, and the spacing
    problems a shopper cannot see in it (``trailing space``, ``leading space``, ``double space``)."""

    layer: int
    text: str
    lines: tuple[str, ...]
    spaces: tuple[str, ...] = ()
    surface: str | None = None  # multi-surface products: the surface the text is on

    def to_dict(self) -> dict[str, Any]:
        out = {"layer": self.layer, "text": self.text, "lines": list(self.lines), "spaces": list(self.spaces)}
        return out if self.surface is None else {**out, "surface": self.surface}


@dataclass(frozen=True)
class SurfaceSummary:
    """One surface of a multi-surface product in a preflight report: its geometry and its findings' counts."""

    surface: str
    label: str
    part: str
    page: int
    template: str
    trim: Rect
    bleed: Rect
    safe: Rect
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "surface": self.surface, "label": self.label, "part": self.part, "page": self.page,
            "trim": rect_dict(self.trim), "bleed": rect_dict(self.bleed), "safe": rect_dict(self.safe),
            "counts": self.counts,
        }  # fmt: skip


@dataclass(frozen=True)
class PreflightReport:
    template: str
    findings: tuple[Finding, ...]
    texts: tuple[TextEcho, ...]
    trim: Rect
    bleed: Rect
    safe: Rect
    surfaces: tuple[SurfaceSummary, ...] = ()  # multi-surface products: every surface (trim etc. are the first's)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "blocker" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON of the report; finding messages in ``lang`` (named by ``lang`` when not English)."""
        return {
            "version": 1,
            **({"lang": lang} if lang != "en" else {}),
            "template": self.template,
            "ok": self.ok,
            "counts": self.counts,
            "trim": rect_dict(self.trim),
            "bleed": rect_dict(self.bleed),
            "safe": rect_dict(self.safe),
            "findings": [dict(f.to_dict(lang), id=n) for n, f in enumerate(self.findings, 1)],
            "texts": [t.to_dict() for t in self.texts],
            **({"surfaces": [x.to_dict() for x in self.surfaces]} if self.surfaces else {}),
        }


def rect_dict(r: Rect | None) -> dict[str, float] | None:
    if r is None:
        return None
    return {"x": round(r.x, 3), "y": round(r.y, 3), "width": round(r.w, 3), "height": round(r.h, 3)}


def rounded(v: float, nd: int = 1) -> float:
    return round(float(v), nd)


def summary_lines(report: PreflightReport, lang: str = "en") -> Iterable[str]:
    """A human summary: one line per finding (its message in ``lang``), then the texts to confirm."""
    c = report.counts
    yield (
        f"preflight {report.template}: {'OK' if report.ok else 'BLOCKED'} — "
        f"{c['blocker']} blocker(s), {c['warning']} warning(s), {c['info']} info"
    )
    for n, f in enumerate(report.findings, 1):
        layer = f.where
        meas = f" [{f.measured} vs {f.required}{(' ' + f.unit) if f.unit else ''}]" if f.measured is not None else ""
        yield f"  {n:>2}. {f.severity.upper():7} {f.code:28} {layer:9} {translate(f.message, lang)}{meas}"
    for t in report.texts:
        # the exact text (repr shows its spaces and line breaks), and any spacing a reader cannot see
        on = f"{t.surface} " if t.surface is not None else ""
        yield f"  {on}text layer {t.layer}: {t.text!r}" + (f"  ({', '.join(t.spaces)})" if t.spaces else "")


def with_approximations(
    report: PreflightReport,
    approximations: Sequence[tuple[str, str]],
    objects: Mapping[str, FabricObject] | None = None,
    prefix: str = "",
) -> PreflightReport:
    """``report`` plus a ``fabric.approximated`` warning per (field, what was drawn) of a Fabric import with
    ``unsupported="approximate"``; with the import's ``objects`` each names its Fabric object (its detail
    ``field (Type, id "x"): …`` and ``extra.fabric_object``). ``prefix``: what the fields start with beyond the
    objects' paths (the API's ``design.``)."""
    extra = tuple(
        Finding(
            "fabric.approximated",
            "warning",
            Msg("drawn approximately: the engine cannot draw this Fabric property yet"),
            labelled(objects or {}, f.removeprefix(prefix), message, prefix),
            extra={"field": f, **_object_extra(objects, f.removeprefix(prefix), prefix)},
        )
        for f, message in approximations
    )
    return dataclasses.replace(report, findings=report.findings + extra) if extra else report


def _object_extra(objects: Mapping[str, FabricObject] | None, field: str, prefix: str) -> dict[str, Any]:
    found = object_of(objects, field) if objects else None
    return {"fabric_object": found.to_dict(prefix)} if found is not None else {}


def surface_prefix(key: str | None) -> str:
    """The field prefix of a finding's surface (``back`` -> ``surfaces.back.``, ``page-3`` -> ``pages[2].``)."""
    if key is None:
        return ""
    m = re.fullmatch(r"page-(\d+)", key)
    return f"pages[{int(m.group(1)) - 1}]." if m else f"surfaces.{key}."


def with_fabric_objects(
    report: PreflightReport, object_of_layer: Callable[[str, int | None], FabricObject | None], prefix: str = ""
) -> PreflightReport:
    """``report`` with each finding about a layer translated from a Fabric object naming that object in
    ``extra.fabric_object`` (``{"field": "objects[3]", "type": "Textbox", "id": …, "name": …}``, the field after
    ``prefix``). ``object_of_layer(surface prefix, layer)`` is the import's
    (:meth:`render_engine.fabric.FabricImport.object_of_layer`)."""
    findings = []
    for f in report.findings:
        found = object_of_layer(surface_prefix(f.surface), f.layer) if "fabric_object" not in f.extra else None
        extra = {**f.extra, "fabric_object": found.to_dict(prefix)} if found is not None else f.extra
        findings.append(f if found is None else dataclasses.replace(f, extra=extra))
    return dataclasses.replace(report, findings=tuple(findings))


def finding_place(f: Finding) -> str:
    """Where a finding is, for one line: its Fabric object (``objects[3] (Textbox, id "greeting")``) when it
    came from one, else the native layer (``layers[2]``) or ``design``; a surface's field before it."""
    if isinstance(f.extra.get("fabric_object"), dict):
        return f.where
    where = f"layers[{f.layer}]" if f.layer is not None else "design"
    if f.surface is not None:
        field = surface_prefix(f.surface)
        return f"{field}{where}" if f.layer is not None else field.rstrip(".")
    return where
