"""Product templates: products are data files in ``templates_print/``, validated by this model.

All geometry is in mm in the trim coordinate space (origin top-left of trim). Paths are SVG path data in
the same space.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from .cover import COVER, BookSpec, CoverGeometry, PageCounts, cover_geometry, gutter_band
from .dielines import Dieline, TuckBoxSpec, expand_generated, expand_one
from .errors import TemplateError, did_you_mean
from .fast_validate import DefaultsModel, construct, validate
from .surfaces import PAGES, SURFACE_NAME, Fold, PagesSpec, PartSpec, SurfaceSpec

TEMPLATE_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"
_TEMPLATE_ID = re.compile(TEMPLATE_ID)
#: ``canvas-<w>x<h>``: a page of an editor canvas's own pixel size (``p`` for a decimal point: 466p7)
CANVAS_TEMPLATE_ID = re.compile(r"^canvas-(\d{1,5}(?:p\d{1,4})?)x(\d{1,5}(?:p\d{1,4})?)$")
CANVAS_DPI = 96.0  # CSS px: one canvas px is 1/96 in (0.2646 mm, 0.75 pt)
RESERVED_PART_NAMES = frozenset({"print", "preflight", "proof", "mockup"})  # a job's other artifacts
MAX_CANVAS_PX = 18000  # 4.76 m: within the 5000 mm of any template


class _Model(DefaultsModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class Size(_Model):
    width_mm: Annotated[float, Field(gt=0, le=5000)]
    height_mm: Annotated[float, Field(gt=0, le=5000)]


class Dpi(_Model):
    target: Annotated[int, Field(gt=0, le=2400)] = 300
    minimum: Annotated[int, Field(gt=0, le=2400)] = 150

    @model_validator(mode="after")
    def _order(self) -> Dpi:
        if self.minimum > self.target:
            raise ValueError("dpi.minimum must not exceed dpi.target")
        return self


class PathSpec(_Model):
    """A closed outline as SVG path data (mm, trim coordinates)."""

    d: Annotated[str, Field(min_length=1)]
    description: str = ""


class CutPath(PathSpec):
    offset_mm: float = Field(0.0, description="Grow (+) or shrink (-) the cut line relative to 'd'.")
    generate: Annotated[TuckBoxSpec, Field(description="Generated outline (model/dielines.py).")] | None = None


class Region(_Model):
    x: float
    y: float
    width_mm: Annotated[float, Field(gt=0)]
    height_mm: Annotated[float, Field(gt=0)]
    description: str = ""


class OutputSpec(_Model):
    default_format: Literal["pdf", "png"]
    color: Literal["cmyk", "rgb", "rgba"] = Field(
        description="cmyk: CMYK PDF; rgb: opaque PNG; rgba: PNG with transparency (DTG)."
    )
    icc_profile: str = "fogra39l-coated"
    mirror: bool = Field(False, description="Mirror the print file horizontally (sublimation transfer).")
    white_underbase: bool = Field(False, description="Product needs a White spot underbase (PDF).")


class TextSpec(_Model):
    emoji: Literal["color", "monochrome", "forbidden"] = Field(
        "color",
        description="How the print process handles emoji: color (palette colours, vector); monochrome "
        "(one-colour processes such as engraving or one-screen printing: emoji in the text colour); "
        "forbidden (preflight blocker text.emoji_not_printable; drawn as monochrome in previews).",
    )


class Template(_Model):
    id: Annotated[str, Field(pattern=TEMPLATE_ID)]
    name: str
    kind: Literal[
        "mug", "poster", "canvas", "card", "phone-case", "coaster", "apparel", "sticker",
        "cushion", "keychain", "book", "calendar", "photo-print", "puzzle", "box", "notebook",
    ]  # fmt: skip
    spec_source: str = Field(description="Where the sizes come from (vendor spec), for reviewers.")
    trim: Size
    bleed_mm: Annotated[float, Field(ge=0, le=50)]
    safe_margin_mm: Annotated[float, Field(ge=0, le=200)]
    dpi: Dpi = construct(Dpi)
    print_area: PathSpec | None = Field(None, description="Printable outline where it is not the whole bleed box.")
    cut_path: CutPath | None = Field(None, description="Die-cut line for die-cut goods.")
    masks: dict[str, PathSpec] = Field(default_factory=dict, description="Named regions, e.g. camera holes.")
    dielines: list[Dieline] = Field(
        default_factory=list,
        description="Cut, crease, fold, kiss-cut and perforation lines, each kind a named spot colour on its own "
        "PDF layer (model/dielines.py); 'generate' makes jigsaw and grid lines from a few numbers.",
    )
    regions: dict[str, Region] = Field(default_factory=dict, description="Named rectangles, e.g. a canvas face.")
    product_color: str = Field("#ffffff", pattern=r"^#[0-9a-fA-F]{6}$")
    output: OutputSpec
    text: TextSpec = Field(construct(TextSpec), description="What the print process can do with text (emoji).")
    mockup: dict[str, Any] = Field(default_factory=dict, description="Mockup scenes (see the mockup issue).")
    book: BookSpec | None = Field(
        None, description="A bound book: trim is one interior page; the cover is computed (model/cover.py)."
    )
    folds: Annotated[list[Fold], Field(max_length=16)] = Field(
        default_factory=list, description="Fold lines of this (single) surface, for preflight (docs/products.md)."
    )
    surfaces: dict[Annotated[str, Field(pattern=SURFACE_NAME)], SurfaceSpec] = Field(
        default_factory=dict,
        description="Named print surfaces (front, back, inside…), each overriding the top-level geometry; "
        "empty: the template is one implicit surface (docs/products.md).",
    )
    pages: PagesSpec | None = Field(None, description="A run of like pages and the page counts allowed.")
    parts: Annotated[list[PartSpec], Field(max_length=64)] = Field(
        default_factory=list,
        description="Print files: which surfaces (or 'pages') each holds. Default: one part per surface, "
        "and one 'pages' part.",
    )

    @model_validator(mode="after")
    def _book_kind(self) -> Template:
        if (self.book is not None) != (self.kind in ("book", "notebook")):
            raise ValueError("kind book / notebook and a 'book' section go together")
        return self

    @model_validator(mode="after")
    def _surfaces(self) -> Template:
        if not self.is_multi:
            if self.parts:
                raise ValueError("parts are for templates with surfaces or pages")
            return self
        if PAGES in self.surfaces:
            raise ValueError(f"'{PAGES}' is not a surface name (it names the template's pages in parts)")
        known = [*self.surfaces, *([PAGES] if self.pages else [])]
        seen: set[str] = set()
        for part in self.parts:
            for name in part.surfaces:
                if name not in known:
                    raise ValueError(f"part {part.name!r} names {name!r}; the surfaces are: {', '.join(known)}")
                if name in seen:
                    raise ValueError(f"surface {name!r} is in two parts")
                seen.add(name)
        if len({p.name for p in self.parts}) != len(self.parts):
            raise ValueError("part names must differ")
        for name in [p.name for p in self.parts] + list(self.surfaces):  # a job's other files: print, proof-<s>…
            if name in RESERVED_PART_NAMES or name.startswith(("proof-", "mockup-")):
                raise ValueError(f"{name!r} names a job's review file; call the surface or part otherwise")
        return self

    @property
    def is_multi(self) -> bool:
        """True for a template with named surfaces or pages; False for a v1 single-surface template."""
        return bool(self.surfaces) or self.pages is not None

    def part_specs(self) -> list[PartSpec]:
        """Every print file, in order: the declared parts, then a part of its own for each surface no part
        names (and one for the pages)."""
        named = {s for p in self.parts for s in p.surfaces}
        rest = [PartSpec(name=s, surfaces=[s]) for s in self.surfaces if s not in named]
        if self.pages is not None and PAGES not in named:
            rest.append(PartSpec(name=PAGES, surfaces=[PAGES]))
        return [*self.parts, *rest]

    def surface_template(self, name: str) -> Template:
        """The single-surface template of surface ``name`` (or of one page, for ``pages``): this template's
        geometry with the surface's overrides, no surfaces of its own. Built and validated once (cached); a
        v1 template is its own only surface. Raises :class:`TemplateError` naming ``surfaces.<name>.<field>``."""
        if not self.is_multi:
            return self
        cache = _derived_cache(self)
        if name not in cache:
            cache[name] = self._derive(name)
        return cache[name]

    def _derive(self, name: str) -> Template:
        if name == PAGES and self.pages is not None:
            spec, where, first = self.pages.page, "pages.page", False
        elif name in self.surfaces:
            spec, where, first = self.surfaces[name], f"surfaces.{name}", name == next(iter(self.surfaces))
        else:
            raise TemplateError(f"template {self.id} has no surface {name!r}", field="surface")
        data = self.model_dump(exclude={"surfaces", "pages", "parts", "mockup"})
        data.update(spec.model_dump(exclude_none=True, exclude={"label", "mockup"}))
        data["mockup"] = spec.mockup if spec.mockup is not None else (self.mockup if first else {})
        if spec.label:
            data["name"] = f"{self.name} - {spec.label}"
        try:
            return Template.model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise TemplateError(f"{self.id}: {where}: {err['msg']}", field=f"{where}.{loc}") from None

    @model_validator(mode="before")
    @classmethod
    def _generated_dielines(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("trim"), dict):
            w, h = data["trim"].get("width_mm"), data["trim"].get("height_mm")
            if isinstance(w, (int, float)) and isinstance(h, (int, float)):
                if data.get("dielines"):
                    data = {**data, "dielines": expand_generated(data["dielines"], float(w), float(h))}
                if isinstance(data.get("cut_path"), dict):
                    data = {**data, "cut_path": expand_one(data["cut_path"], float(w), float(h))}
        return data

    def finishing_lines(self) -> list[Dieline]:
        """What the print PDF draws as spot-colour lines: the dielines, then each ``fold`` of ``folds`` (a card's
        score) as a ``fold`` dieline across the trim. Gutters, spines and hinges are not lines on the sheet."""
        lines = list(self.dielines)
        for f in self.folds:
            if f.kind == "fold":
                d = f"M{f.at_mm:g} 0V{self.trim_h:g}" if f.axis == "vertical" else f"M0 {f.at_mm:g}H{self.trim_w:g}"
                lines.append(Dieline(kind="fold", d=d, description=f.label or "fold"))
        return lines

    @property
    def trim_w(self) -> float:
        return self.trim.width_mm

    @property
    def trim_h(self) -> float:
        return self.trim.height_mm

    @property
    def bleed_w(self) -> float:
        return self.trim.width_mm + 2 * self.bleed_mm

    @property
    def bleed_h(self) -> float:
        return self.trim.height_mm + 2 * self.bleed_mm

    def mask_path(self, name: str) -> str | None:
        if name == "print_area":
            return self.print_area.d if self.print_area else _rect_d(0, 0, self.trim_w, self.trim_h)
        if name == "cut_path" and self.cut_path:
            return self.cut_path.d
        spec = self.masks.get(name)
        return spec.d if spec else None

    def mask_names(self) -> list[str]:
        names = ["print_area", *self.masks]
        if self.cut_path:
            names.append("cut_path")
        return names


def cover_template(
    template: Template, pages: int | None = None, paper: str | None = None
) -> tuple[Template, CoverGeometry]:
    """The flat cover sheet of a book template at ``pages`` pages, as a single-surface template (trim = the
    sheet, bleed and safe margin = the book's cover values, ``regions`` = the panels), and its geometry.
    For a multi-surface book it is the ``cover`` surface's derived template, resized. ``pages`` None: the
    smallest page count (a cover-only product such as a notebook has exactly one)."""
    book = _book(template)
    if pages is None:
        pages = book.pages.min if book.pages is not None else 0  # none: cover_geometry names the problem
    g = cover_geometry(book, template.trim_w, template.trim_h, pages, paper)
    if COVER in template.surfaces:
        template = template.surface_template(COVER)
    regions = {n: Region(x=r.x, y=r.y, width_mm=r.w, height_mm=r.h, description=f"cover panel {n}")
               for n, r in g.panels.items()}  # fmt: skip
    # the spine edges, hinges and a case's turn-ins (the board edges the wrap folds round), drawn in the print PDF
    # as the Fold spot colour (finishing_lines); checks/book.py keeps text clear of them
    folds = [Fold(axis="vertical" if f.axis == "x" else "horizontal", at_mm=f.pos, kind="fold", clear_mm=0,
                  label=f.name) for f in g.folds]  # fmt: skip
    return template.model_copy(
        update={
            "name": f"{template.name}: cover, {pages} pages",
            "trim": Size(width_mm=g.width, height_mm=g.height),
            "bleed_mm": book.cover_bleed_mm,
            "safe_margin_mm": book.cover_safe_mm,
            "regions": regions,
            "folds": [*template.folds, *folds],
            "mockup": _mockup_on_panels(template.mockup, book.mockup_panels, g),
        }
    ), g


def _mockup_on_panels(mockup: dict[str, Any], panels: tuple[str, ...], g: CoverGeometry) -> dict[str, Any]:
    """The scene's faces, given relative to cover panels (``book.mockup_panels``), moved to the sheet."""
    faces = mockup.get("mapping", {}).get("faces") if panels else None
    if not faces:
        return mockup
    moved = []
    for f, name in zip(faces, panels, strict=False):
        r = g.panel(name)
        x, y, w, h = f["rect_mm"]
        moved.append({**f, "rect_mm": [x + r.x, y + r.y, w, h] if name != "spine" else [r.x, y + r.y, r.w, h]})
    return {**mockup, "mapping": {**mockup["mapping"], "faces": moved + list(faces[len(moved) :])}}


def interior_page_template(template: Template, page_number: int) -> Template:
    """Interior page ``page_number`` (1-based) of a book template, with its binding-edge band as the region
    ``gutter`` (odd pages are bound on the left, even pages on the right). For a multi-surface book it is the
    derived page template with the band added."""
    book = _book(template)
    if template.pages is not None:
        template = template.surface_template(PAGES)
    r = gutter_band(book, template.trim_w, template.trim_h, page_number)
    gutter = Region(x=r.x, y=r.y, width_mm=r.w, height_mm=r.h, description="binding edge (gutter)")
    return template.model_copy(update={"regions": {**template.regions, "gutter": gutter}})


def _book(template: Template) -> BookSpec:
    """The book section, its page counts defaulting to the interior's (``pages.count``)."""
    book = template.book
    if book is None:
        raise TemplateError(f"template {template.id} is not a book", field="template")
    if book.pages is None and template.pages is not None:
        c = template.pages.count
        book = book.model_copy(update={"pages": PageCounts(min=max(2, c.min), max=max(2, c.max), step=c.step)})
    return book


def _rect_d(x: float, y: float, w: float, h: float) -> str:
    return f"M{x} {y}H{x + w}V{y + h}H{x}Z"


TABLES_DIR = "tables"  # product tables (model/product_tables.py): one file, a template per row


@dataclass(frozen=True)
class TemplateCatalog:
    """Every template file in a directory, plus every row of its product tables (``tables/*.json``), loaded
    and validated once.

    :meth:`get` of a product that has its own file reads and validates that file alone (a fresh ``render-engine
    render`` needs one template, not the ~25 of the catalog and their generated dielines: issue 22); the
    whole catalog loads on first use of :attr:`templates` (listings, table rows, unknown ids), reusing the
    templates already read, so one id is one object."""

    directory: Path
    _files: dict[str, Template] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @cached_property
    def templates(self) -> dict[str, Template]:
        out: dict[str, Template] = {}
        if not self.directory.is_dir():
            raise TemplateError(f"template directory {self.directory} does not exist", field="template")
        for path in sorted(self.directory.glob("*.json")):
            t = self._file(path)
            out[t.id] = t
        from .product_tables import expand_table  # its models are built on import: only when the catalog loads

        for path in sorted((self.directory / TABLES_DIR).glob("*.json")):
            for data in expand_table(path):
                t = _validated(data, f"{path.name}: {data.get('id')}")
                if t.id in out:
                    raise TemplateError(f"{path.name}: template id '{t.id}' is defined twice", field="id")
                out[t.id] = t
        return out

    def _file(self, path: Path) -> Template:
        with self._lock:
            t = self._files.get(path.stem)
            if t is None:
                t = load_template_file(path)
                if t.id != path.stem:
                    raise TemplateError(f"{path.name}: id '{t.id}' must equal the file name", field="id")
                self._files[path.stem] = t
            return t

    def get(self, template_id: str) -> Template:
        if "templates" not in self.__dict__ and _TEMPLATE_ID.fullmatch(template_id):
            path = self.directory / f"{template_id}.json"
            if path.is_file():  # the product's own file, without loading the rest of the catalog
                return self._file(path)
        try:
            return self.templates[template_id]
        except KeyError:
            page = canvas_template(template_id)
            if page is not None:
                return page
            known = ", ".join(sorted(self.templates))
            raise TemplateError(
                f"unknown template{did_you_mean(template_id, self.templates)}; known templates: {known}",
                field="template",
            ) from None


def canvas_template_id(width_px: float, height_px: float) -> str:
    """The id of the page template of a ``width_px`` x ``height_px`` canvas (sizes rounded to 0.01 px)."""

    def part(v: float) -> str:
        return f"{round(v, 2):g}".replace(".", "p")

    return f"canvas-{part(width_px)}x{part(height_px)}"


def canvas_template(template_id: str) -> Template | None:
    """A page exactly the size of an editor canvas, for ids ``canvas-<w>x<h>`` (px at 96 per inch; None for
    any other id).

    No bleed, no safe margin, target resolution 96 DPI (so a PNG at the target DPI is exactly w x h px; 2x is
    192 DPI), a transparent PNG by default (the canvas background, if any, is a layer). A PDF of it is the
    canvas at 0.75 pt per px. Being an id, it travels with a stored job like any product's.
    """
    m = CANVAS_TEMPLATE_ID.match(template_id)
    if m is None:
        return None
    w, h = (float(g.replace("p", ".")) for g in m.groups())
    if not (0 < w <= MAX_CANVAS_PX and 0 < h <= MAX_CANVAS_PX):
        raise TemplateError(f"a canvas page is 1 to {MAX_CANVAS_PX} px on each side", field="template")
    mm = 25.4 / CANVAS_DPI
    return Template(
        id=template_id,
        name=f"Canvas {w:g} x {h:g} px",
        kind="canvas",  # "white text on a white canvas": what a storefront developer calls it
        spec_source="The editor canvas itself: 1 px = 1/96 in (CSS px), no bleed.",
        trim=Size(width_mm=w * mm, height_mm=h * mm),
        bleed_mm=0,
        safe_margin_mm=0,
        dpi=Dpi(target=int(CANVAS_DPI), minimum=1),
        output=OutputSpec(default_format="png", color="rgba"),
    )


def load_template_file(path: Path) -> Template:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateError(f"{path.name}: cannot read template ({type(exc).__name__})", field="template") from None
    return _validated(data, path.name)


def _validated(data: Any, where: str) -> Template:
    try:
        template = validate(Template, data)  # the same as Template.model_validate (issue 22)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise TemplateError(f"{where}: {err['msg']}", field=loc) from None
    for name in [*template.surfaces, *([PAGES] if template.pages else [])]:
        template.surface_template(name)  # every surface's overrides validate when the catalog loads
    for i, part in enumerate(template.part_specs()):
        outputs = {template.surface_template(s).output for s in part.surfaces}
        formats = {o.default_format for o in outputs}
        if formats == {"png"} and (len(part.surfaces) > 1 or part.surfaces == [PAGES]):
            raise TemplateError(f"{where}: a PNG part holds exactly one surface", field=f"parts[{i}].surfaces")
        if len(formats) > 1 or len({(o.color, o.icc_profile) for o in outputs}) > 1:
            raise TemplateError(f"{where}: the surfaces of part {part.name!r} need one output format, colour "
                                "and profile", field=f"parts[{i}].surfaces")  # fmt: skip
    return template


def template_json_schema() -> dict[str, Any]:
    schema = Template.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


_KEYS: dict[int, tuple[weakref.ref[Template], str]] = {}
_DERIVED: dict[int, tuple[weakref.ref[Template], dict[str, Template]]] = {}


def _derived_cache(template: Template) -> dict[str, Template]:
    """The derived surface templates of one template object (held by a weak reference, as :func:`template_key`
    does): not an attribute, so a ``model_copy`` of the template with other values never inherits them."""
    entry = _DERIVED.get(id(template))
    if entry is not None and entry[0]() is template:
        return entry[1]
    ident = id(template)
    cache: dict[str, Template] = {}
    _DERIVED[ident] = (weakref.ref(template, lambda _ref: _DERIVED.pop(ident, None)), cache)
    return cache


def template_key(template: Template) -> str:
    """Identity of a template for process-wide caches (mockup scenes, masks, drawn tiles): its id and a digest
    of its whole content. A template edited and reloaded gets a new key, and two loads of one file share
    entries; ``id(template)``, used before, is reused by Python for another object after garbage collection.
    The digest is computed once per template object (held by a weak reference)."""
    entry = _KEYS.get(id(template))
    if entry is not None and entry[0]() is template:
        return entry[1]
    key = f"{template.id}:{hashlib.sha256(template.model_dump_json().encode()).hexdigest()[:16]}"
    ident = id(template)
    _KEYS[ident] = (weakref.ref(template, lambda _ref: _KEYS.pop(ident, None)), key)
    return key
