"""Request and response bodies (pydantic), shared by the routes and the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from render_engine.farm.store import JobRecord
from render_engine.model.design_base import NUMBER, Flag

Priority = Literal["same_day", "express", "standard"]
DUE_HORIZON = timedelta(days=366)
"""A given ``due_by`` further ahead than this is refused: no shop promises a print a year out, and a far date
(9999-12-31) would sort a job after every real one and keep it out of every at-risk figure forever."""
DUE_GRACE = timedelta(days=1)
"""A given ``due_by`` further in the past than this is refused: a date long gone (0001-01-01) would sort a job
before every real one in the print queue. A day allows for clock skew and orders re-sent after an outage."""


def _due_within_horizon(v: datetime | None) -> datetime | None:
    if v is None:
        return v
    if v.tzinfo is None:
        raise ValueError("due_by needs a time zone (e.g. 2026-12-24T14:00:00Z)")
    if v - datetime.now(UTC) > DUE_HORIZON:
        raise ValueError(f"due_by is more than {DUE_HORIZON.days} days ahead")
    if datetime.now(UTC) - v > DUE_GRACE:
        raise ValueError("due_by is in the past (more than a day ago)")
    return v


DueBy = Annotated[datetime | None, AfterValidator(_due_within_horizon)]


class ErrorOut(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_design, limit_exceeded.")
    message: str = Field(description="Safe to show; never echoes the input.")
    field: str | None = Field(None, description="Path of the offending field, e.g. design.layers[2].box.width.")


class AssetOut(BaseModel):
    asset_id: str = Field(description="SHA-256 of the bytes; reference it as an image layer's asset_id.")
    format: str
    width: int
    height: int
    bytes: int
    frames: int = Field(1, description="Frames of an animated GIF (only the first prints); 1 otherwise.")
    note: str | None = Field(None, description="What the upload will print as, when that is not the whole file.")


class FontOut(BaseModel):
    font_id: str = Field(description="SHA-256 of the sanitised font as stored (the same upload twice: one file).")
    family: str = Field(description="The family name read from the font (name ID 16, else 1).")
    family_id: str = Field(
        description="Name it in a design's font.family (or Fabric fontFamily): this storefront only."
    )
    weight: int
    style: Literal["normal", "italic"]
    format: Literal["ttf", "otf", "woff2"] = Field(description="Of the upload; a WOFF2 is stored decompressed.")
    fs_type: int = Field(description="OS/2 fsType, the foundry's embedding permission.")
    embedding: Literal["installable", "preview-print", "editable"]
    glyphs: int
    bytes: int = Field(description="Size of the stored (sanitised) font.")


class Outputs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    formats: list[Literal["pdf", "png"]] | None = Field(
        None, min_length=1, max_length=2, description="Print files to render; default: the template's format."
    )
    dpi: Annotated[float | None, Field(gt=0), NUMBER] = Field(
        None, description="Output resolution; default: the template's target DPI."
    )
    proof: Flag = Field(True, description="Also store proof.png: the numbered preflight proof image.")
    mockup: Flag = Field(False, description="Also store mockup.jpg: an 800 px mockup preview (default view).")


class FabricParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    font_fallback: str | None = Field(
        None,
        max_length=64,
        description="Bundled family (id or name) used for unknown fontFamily values instead of a font_error; "
        "each use is reported in source.notes.",
    )
    unsupported: Literal["refuse", "approximate"] = Field(
        "refuse",
        description="refuse (default): a Fabric property the engine cannot draw yet is a 422 listing every one "
        "(problems); approximate (previews): draw the closest supported thing and report each as a "
        "fabric.approximated warning (source.approximations, and a preflight finding).",
    )


TEMPLATE_FIELDS = ("design_template", "product", "values", "photos")


class DesignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    design: dict[str, Any] | None = Field(
        None,
        description="A design document (docs/design.schema.json), or with dialect 'fabric' the Fabric.js "
        "wrapper {canvas, canvas_covers, template, fabric} (docs/fabric.md). Or, instead of a design, a "
        "design_template with product, values and photos.",
    )
    design_template: str | None = Field(
        None, max_length=64, description="A design template id (GET /v1/design-templates), filled with values."
    )
    product: str | None = Field(None, max_length=64, description="With design_template: the product to print on.")
    values: dict[str, Any] | None = Field(
        None,
        max_length=200,
        description='With design_template: slot values, {"name": "Asha", "name.color": "#118ab2"} (as /fill takes).',
    )
    photos: dict[str, dict[str, str] | Annotated[list[dict[str, str]], Field(max_length=1000)]] | None = Field(
        None, max_length=50, description='With design_template: photo slots, {"photo": {"asset_id": "<sha256>"}}; '
        'a photos slot takes a list of them, in order.'
    )
    dialect: Literal["native", "fabric"] = Field(
        "native", description="How to read 'design': native design JSON, or Fabric.js canvas JSON."
    )
    fabric_options: FabricParams | None = Field(None, description="Fabric import options (dialect 'fabric' only).")

    def dump(self) -> dict[str, Any]:
        """The body as JSON, template fields left out when unset (and ``design`` when a template is used):
        a design body dumps (and hashes: cache keys, Idempotency-Key) as it did before templates existed."""
        unset = {f for f in ("design", *TEMPLATE_FIELDS) if getattr(self, f) is None}
        return self.model_dump(mode="json", exclude=unset)

    def personalization(self) -> dict[str, Any] | None:
        """``{design_template, product, values, photos}`` when the body names a design template."""
        if self.design_template is None:
            return None
        return {"design_template": self.design_template, "product": self.product, "values": self.values or {},
                "photos": self.photos or {}}  # fmt: skip

    @property
    def font_fallback(self) -> str | None:
        return self.fabric_options.font_fallback if self.fabric_options else None

    @property
    def unsupported(self) -> Literal["refuse", "approximate"]:
        return self.fabric_options.unsupported if self.fabric_options else "refuse"


class AcceptFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        pattern=r"^[a-z][a-z0-9_.]{0,63}$", description="A preflight finding code, e.g. image.resolution_too_low."
    )
    reason: str = Field(min_length=3, max_length=500, description="Why the shop accepts it (recorded on the job).")


class PreviewSeen(BaseModel):
    """The mockup preview the customer approved: its ETag and the preview request's parameters."""

    model_config = ConfigDict(extra="forbid")
    etag: str = Field(pattern=r'^"?[0-9a-f]{64}"?$', description="ETag (SHA-256) of POST /v1/previews' image.")
    width: Annotated[int, Field(ge=50, le=2000), NUMBER] = 800
    view: str | None = Field(None, max_length=64)
    variant: str | None = Field(None, max_length=64)
    format: Literal["jpeg", "webp", "png"] = "jpeg"
    surface: str | None = Field(None, max_length=64, description="Multi-surface products: the surface previewed.")
    page: Annotated[int | None, Field(ge=1, le=1000), NUMBER] = Field(
        None, description="Multi-page products: the page previewed."
    )


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text_hash: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{64}$",
        description="text_hash of the preflight report whose texts the customer confirmed.",
    )
    preview: PreviewSeen | None = Field(None, description="The preview the customer saw.")
    approved_by: str | None = Field(None, max_length=200, description="The shop's customer reference (no PII needed).")
    approved_at: datetime | None = None


class JobRequest(DesignRequest):
    outputs: Outputs = Outputs()
    priority: Priority = Field(
        "standard",
        description="same_day, then express, drain before standard (same_day: refused after the unit's same-day "
        "cut-off, docs/farm.md#same-day).",
    )
    webhook_url: str | None = Field(
        None, max_length=2000, description="Called with a signed JSON summary when the job is ready or failed."
    )
    print_unit: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Route the job to one print unit (overrides routing): GET /v1/print-queue?print_unit= lists it.",
    )
    accept: list[AcceptFinding] = Field(
        [], max_length=50, description="Preflight codes the shop accepts knowingly (blockers or held warnings)."
    )
    approval: Approval | None = Field(None, description="What the customer confirmed: text hash and preview ETag.")
    due_by: DueBy = Field(
        None, description="Promised ship date, at most 366 days ahead; default: derived (docs/api.md#deadlines)."
    )


class PreviewRequest(DesignRequest):
    width: Annotated[int, Field(ge=50, le=2000), NUMBER] = Field(800, description="Mockup width in pixels.")
    view: str | None = Field(None, max_length=64)
    variant: str | None = Field(None, max_length=64)
    surface: str | None = Field(
        None, max_length=64, description="Multi-surface products: the surface to show ('back', 'inside')."
    )
    page: Annotated[int | None, Field(ge=1, le=1000), NUMBER] = Field(
        None, description="Multi-page products: the page to show (from 1)."
    )

    def dump(self) -> dict[str, Any]:
        """As :meth:`DesignRequest.dump`; ``surface`` and ``page`` only when given (cache keys of earlier
        requests stay as they were)."""
        out = super().dump()
        return {k: v for k, v in out.items() if k not in ("surface", "page") or v is not None}


class SourceOut(BaseModel):
    dialect: Literal["fabric"]
    notes: list[str] = Field(description="Importer notes, e.g. a fallback font used for a fontFamily.")
    approximations: list[dict[str, str]] = Field(
        default_factory=list,
        description="With fabric_options.unsupported 'approximate': {field, message} per property drawn "
        "approximately (also preflight warnings 'fabric.approximated').",
    )
    layer_sources: list[str] = Field(
        description="Per native layer, the Fabric object it came from ('fabric.objects[2]'): maps a preflight "
        "finding's 'layer' back to the editor object."
    )
    surface_sources: dict[str, list[str]] | None = Field(
        None,
        description="A canvas per surface / page (docs/fabric.md): per surface ('surfaces.back', 'pages[2]'), the "
        "Fabric object of each of its native layers ('surfaces.back.objects[3]').",
    )


class PreflightSummary(BaseModel):
    ok: bool = Field(description="No blocker finding.")
    counts: dict[str, int] = Field(description="Findings per severity (blocker, warning, info).")
    codes: list[str] = Field(description="Finding codes, in report order.")
    text_hash: str | None = Field(
        None, description="SHA-256 of the texts to confirm: send it as the job's approval.text_hash."
    )


class ImageRef(BaseModel):
    url: str = Field(description="GET it with the same storefront key: /v1/previews/<key>.<ext>.")
    content_type: str
    bytes: int
    sha256: str = Field(description="Of the image bytes; also its ETag.")
    width: int
    height: int


class PreflightOut(BaseModel):
    """``POST /v1/preflight``: the engine's report (docs/preflight.md), plus ``proof`` and ``source``."""

    model_config = ConfigDict(extra="allow")
    version: int
    lang: str | None = Field(None, description="Language of the messages when not English (hi, zh-Hans).")
    template: str
    ok: bool
    counts: dict[str, int]
    findings: list[dict[str, Any]] = Field(description="Numbered (id) as on the proof image; 'layer' is a layer index.")
    texts: list[dict[str, Any]]
    text_hash: str = Field(description="SHA-256 of 'texts' (orders.text_echo_hash): the job's approval.text_hash.")
    proof: ImageRef | None = Field(None, description="With ?proof=true: the numbered proof PNG (cached).")
    source: SourceOut | None = Field(None, description="Set for dialect 'fabric'.")


class PreviewOut(BaseModel):
    """``POST /v1/previews`` with ``Accept: application/json``."""

    preflight: PreflightSummary
    image: ImageRef
    source: SourceOut | None = Field(None, description="Set for dialect 'fabric'.")


class ArtifactOut(BaseModel):
    name: str
    bytes: int
    sha256: str
    content_type: str
    url: str
    part: str | None = Field(None, description="Multi-surface products: the part this print file is ('card', 'back').")
    pages: int | None = Field(None, description="Multi-surface products: pages (surfaces) in this print file.")


class PartOut(BaseModel):
    name: str = Field(description="The part: the print file's stem (card -> card.pdf, back -> back.png).")
    format: Literal["pdf", "png"]
    pages: int
    surfaces: list[str] = Field(description="The surfaces (pages) in the file, in order.")


class VerdictOut(BaseModel):
    ok: bool = Field(description="The preflight found no blocker.")
    counts: dict[str, int]
    codes: list[str]
    accepted: list[AcceptFinding] = Field(description="Findings the request accepted, with the reasons given.")
    held_for: list[str] = Field(description="Warning codes that held the job for manual review.")
    text_hash: str = Field(description="SHA-256 of the texts to confirm (as POST /v1/preflight reports it).")


class EventOut(BaseModel):
    at: datetime
    kind: str = Field(
        description="queued, held, approved, rejected, taken, rendering, ready, failed, routed, declined, accepted, "
        "printed, qc_failed, shipped"
    )
    actor: str | None = Field(None, description="The API key's name (and a person the request named).")
    data: dict[str, Any] = {}


class JobOut(BaseModel):
    id: str
    state: Literal["held", "queued", "rendering", "ready", "failed"]
    priority: Priority
    created_at: datetime
    updated_at: datetime
    taken_at: datetime | None = Field(None, description="When a worker took the latest attempt off its queue.")
    started_at: datetime | None = None
    finished_at: datetime | None = None
    acked_at: datetime | None = None
    attempts: int
    template: str | None = None
    output_profile: str | None = Field(None, description="ICC output profile of the print file (queue filter).")
    print_unit: str | None = None
    due_by: datetime | None = None
    preflight: VerdictOut | None = Field(None, description="The door's verdict (jobs accepted since it exists).")
    approval: dict[str, Any] | None = Field(None, description="The customer's approval, as verified at the door.")
    production: Literal["accepted", "printed", "qc_failed", "shipped"] | None = None
    reprints: int = 0
    timeline: list[EventOut] | None = Field(None, description="GET /v1/jobs/{id} only: every event, oldest first.")
    source: SourceOut | None = Field(None, description="Set when the design was submitted as Fabric.js JSON.")
    personalization: dict[str, Any] | None = Field(
        None, description="Set when the job was a design template filled: {design_template, product, values, photos}."
    )
    batch: dict[str, Any] | None = Field(None, description="Set for a batch's job: {id, row} (POST /v1/batches).")
    pages: int | None = Field(None, description="Multi-surface products: pages (surfaces) over all print files.")
    parts: list[PartOut] | None = Field(None, description="Multi-surface products: the print files by part.")
    artifacts: list[ArtifactOut] = []
    error: ErrorOut | None = None

    @classmethod
    def of(cls, rec: JobRecord) -> JobOut:
        def ts(v: float | None) -> datetime | None:
            return datetime.fromtimestamp(v, UTC) if v is not None else None

        design = rec.request.get("design") or {}
        return cls(
            id=rec.id,
            state=rec.state,
            priority=rec.priority,
            created_at=datetime.fromtimestamp(rec.created_at, UTC),
            updated_at=datetime.fromtimestamp(rec.updated_at, UTC),
            taken_at=ts(rec.taken_at),
            started_at=ts(rec.started_at),
            finished_at=ts(rec.finished_at),
            acked_at=ts(rec.acked_at),
            attempts=rec.attempt,
            template=design.get("template") if isinstance(design.get("template"), str) else None,
            output_profile=rec.request.get("output_profile"),
            print_unit=rec.print_unit,
            due_by=ts(rec.due_by),
            preflight=VerdictOut(**verdict) if isinstance(verdict := rec.request.get("preflight"), dict) else None,
            approval=rec.request.get("approval"),
            production=rec.production,
            reprints=rec.reprints,
            source=SourceOut(**rec.request["source"]) if isinstance(rec.request.get("source"), dict) else None,
            personalization=rec.request.get("personalization"),
            batch={"id": rec.batch_id, "row": rec.batch_row} if rec.batch_id else None,
            pages=sum(p["pages"] for p in parts) if isinstance(parts := rec.request.get("parts"), list) else None,
            parts=[PartOut(**p) for p in parts] if isinstance(parts, list) else None,
            artifacts=[ArtifactOut(**a, url=f"/v1/jobs/{rec.id}/files/{a['name']}") for a in rec.artifacts],
            error=ErrorOut(**rec.error) if rec.error and rec.state == "failed" else None,
        )


class BatchApproval(BaseModel):
    """Who approved a batch's rows (a corporate order's list is approved as a whole, not row by row)."""

    model_config = ConfigDict(extra="forbid")
    approved_by: str = Field(min_length=1, max_length=200, description="The shop's reference of who approved.")
    approved_at: datetime | None = None


class BatchRequest(BaseModel):
    """``POST /v1/batches``: one design template x rows -> one print job per row."""

    model_config = ConfigDict(extra="forbid")
    design_template: str = Field(max_length=64, description="A design template id (GET /v1/design-templates).")
    product: str = Field(max_length=64, description="The product every row prints on.")
    rows: list[dict[str, Any]] | None = Field(
        None,
        description='One object per piece: slot -> value ({"name": "Asha", "title": "CTO"}); a photo slot\'s '
        'value is an asset id ("<sha256>" or {"asset_id": …}). Exactly one of rows and csv.',
    )
    csv: str | None = Field(
        None,
        max_length=2_000_000,
        description="CSV text instead of rows: a header of slot names, one line per piece; empty cells are left out.",
    )
    values: dict[str, Any] = Field(
        default_factory=dict, max_length=200, description="Values every row shares (a row's own value wins)."
    )
    photos: dict[str, dict[str, str] | Annotated[list[dict[str, str]], Field(max_length=1000)]] = Field(
        default_factory=dict, max_length=50, description='Photos every row shares: {"logo": {"asset_id": …}}.'
    )
    webhook_url: str | None = Field(
        None,
        max_length=2048,
        description="Called once when every row's job is final (ready or failed): a signed POST of the batch's "
        "state, counts and files_url (docs/api.md).",
    )
    skip_invalid: Flag = Field(
        False,
        description="false (default): any invalid row refuses the whole batch (one 422 listing every problem); "
        "true: invalid rows are skipped and recorded with their problems, the others are printed.",
    )
    outputs: Outputs = Outputs()
    priority: Priority = "standard"
    print_unit: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    accept: list[AcceptFinding] = Field([], max_length=50, description="Preflight codes accepted for every row.")
    approval: BatchApproval | None = Field(
        None, description="Who approved the rows (satisfies require_approval for the batch's jobs; recorded)."
    )
    due_by: DueBy = None


class BatchAccepted(BaseModel):
    batch_id: str
    state: str
    url: str
    rows: int = Field(description="Rows received.")
    jobs: int = Field(description="Jobs created (one per valid row).")
    skipped: int = Field(description="Invalid rows left out (skip_invalid).")


class BatchRowOut(BaseModel):
    row: int = Field(description="1-based, in the order of rows / the CSV's lines after its header.")
    job_id: str
    state: Literal["held", "queued", "rendering", "ready", "failed", "expired"] = Field(
        description="The job's state ('expired': its record was deleted by retention)."
    )
    artifacts: list[ArtifactOut] = []
    error: ErrorOut | None = None


class BatchSkippedOut(BaseModel):
    row: int
    problems: list[ErrorOut]


class BatchProblemsOut(BaseModel):
    rows: int = Field(description="Rows with problems (skipped, or invalid).")
    total: int = Field(description="Problems over every row.")
    listed: int = Field(description="Problems listed in skipped here (the first, in row order).")
    csv_url: str = Field(description="Every problem, one CSV line each (row,field,code,message).")
    json_url: str = Field(description="Every problem as JSON ({rows_invalid, problems_total, skipped}).")


class BatchOut(BaseModel):
    id: str
    design_template: str
    product: str
    created_at: datetime
    state: Literal["validating", "invalid", "held", "rendering", "ready", "partial", "failed"] = Field(
        description="validating: the rows are being checked (a batch over batch_sync_rows rows; counts.checked "
        "of rows so far); invalid: some rows have problems (see skipped and problems) and nothing prints; "
        "rendering: some job queued or rendering; held: the rest wait for review; ready: every job "
        "ready; failed: every job failed; partial: done, some failed."
    )
    rows: int = Field(description="Rows received.")
    counts: dict[str, int] = Field(
        description="Jobs per state, plus 'skipped' rows (validating: 'checked' rows; invalid: 'invalid' rows)."
    )
    jobs: list[BatchRowOut] = Field(description="Per row: its job, state, files (the manifest) and error.")
    skipped: list[BatchSkippedOut] = Field(
        default_factory=list, description="Rows left out with their problems, the first 'problems.listed' of them."
    )
    problems: BatchProblemsOut | None = Field(None, description="Totals and the full report's links (if any).")
    files_url: str = Field(description="A zip of every ready row's files and a manifest.json (GET).")


class JobAccepted(BaseModel):
    job_id: str
    state: str
    url: str


class PrintQueueOut(BaseModel):
    jobs: list[JobOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last.")
