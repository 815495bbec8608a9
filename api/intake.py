"""Design intake for every endpoint that takes a design: native JSON or Fabric.js canvas JSON -> a checked design.

``dialect`` in the request body picks the reader (``native``, the default, or ``fabric``: the wrapper
``{canvas, canvas_covers, template, fabric}`` of docs/fabric.md, translated by
:func:`render_engine.fabric.load_fabric_json`). A body field rather than a content type because it travels
with the job (stored, hashed for ``Idempotency-Key``) and shows in the OpenAPI document.

Fabric images:

* ``asset:<id>`` must name an asset of this API's asset store (``POST /v1/assets``);
* ``data:`` URLs are decoded by the importer into a private temp folder (``<storage>/tmp/w-*``, removed
  when the request ends), then checked like an upload (format sniffed, truncation, pixel limit) and moved
  into the content-addressed asset store; the native design references them by ``asset_id``. Nothing is
  written to a shared folder another design could name, and a job's stored design is self-contained (no
  base64 in the job store, any worker machine can render it).

Every error is a :class:`~render_engine.model.errors.RenderError` whose field is a path in the request:
``design.layers[1].box.width`` for native designs, the Fabric object (``design.fabric.objects[2].src``)
for Fabric ones — including errors found after translation (layout, missing assets).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from render_engine.farm.services import Services
from render_engine.farm.storage import sha256_file
from render_engine.files import fsync_file
from render_engine.inputs.assets import looks_like_svg, probe_image, verify_image
from render_engine.model.design import ImageLayer, SvgLayer, parse_design
from render_engine.model.errors import (
    AssetError,
    DesignError,
    FontError,
    RenderError,
    TemplateError,
    did_you_mean,
    several,
)
from render_engine.model.fabric_object import FabricObject, object_of
from render_engine.parts import PreparedParts, is_multi, prepare_parts
from render_engine.pipeline import Prepared, StepTimer, check_dpi, prepare
from render_engine.production.review import Reviewed

from .errors import storage_error

if TYPE_CHECKING:
    from render_engine.fabric import FabricOptions, Unsupported

    from .schemas import DesignRequest

LAYER_FIELD = re.compile(r"^((?:surfaces\.[a-z][a-z0-9-]*\.|pages\[\d+\]\.)?)layers\[(\d+)\]")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """Where a translated design came from (returned to the client, stored with a job)."""

    dialect: str
    notes: tuple[str, ...]
    layer_sources: tuple[str, ...]  # per native layer, its Fabric object ("fabric.objects[2]")
    approximations: tuple[tuple[str, str], ...] = ()  # unsupported="approximate": (request field, what was drawn)
    # a canvas per surface / page: per native prefix ("surfaces.back.", "pages[2]."), each layer's Fabric object
    surface_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # per Fabric object path ("fabric.objects[2]"): its type, id and name (findings name them; not stored)
    objects: Mapping[str, FabricObject] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dialect": self.dialect,
            "notes": list(self.notes),
            "layer_sources": list(self.layer_sources),
            "approximations": [self._approximation(f, m) for f, m in self.approximations],
        }
        if self.surface_sources:
            out["surface_sources"] = {p.rstrip("."): list(s) for p, s in self.surface_sources.items()}
        return out

    def _approximation(self, f: str, message: str) -> dict[str, str]:
        found = object_of(self.objects, f.removeprefix("design."))
        return {"field": f, "message": message, **({"object": found.label(prefix="design.")} if found else {})}

    def of_layer(self, prefix: str, i: int) -> str | None:
        """The Fabric object of layer ``i`` of the native surface ``prefix`` ("" for a v1 design)."""
        sources = self.surface_sources.get(prefix, ()) if prefix else self.layer_sources
        return sources[i] if i < len(sources) else None

    def object_of_layer(self, prefix: str, i: int | None) -> FabricObject | None:
        """The Fabric object (type, id, name) of layer ``i`` of the native surface ``prefix``."""
        found = self.of_layer(prefix, i) if i is not None and i >= 0 else None
        return object_of(self.objects, found) if found is not None else None


@dataclass(frozen=True)
class CheckedDesign:
    prepared: Prepared  # a multi-surface design: its first given surface (the default preview)
    native: dict[str, Any]  # the native design JSON: what a job stores and a worker renders
    source: Source | None  # None for native input
    personalization: dict[str, Any] | None = None  # {design_template, product, values, photos} when filled
    parts: PreparedParts | None = None  # a multi-surface design: every surface prepared, by part (issue #18)

    def surface(self, surface: str | None = None, page: int | None = None) -> Prepared:
        """The prepared surface a preview shows: by name or page number (1-based) on a multi-surface product;
        a v1 design has only one (asking for another is a 422 naming ``surface`` / ``page``)."""
        if self.parts is not None:
            return self.parts.select(surface, page).prep
        if surface is not None or page is not None:
            raise DesignError("this product has one surface", field="surface" if surface is not None else "page")
        return self.prepared

    def reviewed(self) -> Reviewed:
        """What :func:`render_engine.production.review` judges: every surface, plus the properties a Fabric
        import approximated (each a ``fabric.approximated`` warning naming the request field)."""
        if self.source is None:
            return Reviewed(self.prepared, self.parts)
        src = self.source
        return Reviewed(self.prepared, self.parts, src.approximations, src.object_of_layer, src.objects, "design.")

    def parts_summary(self) -> list[dict[str, Any]] | None:
        """``[{name, format, pages, surfaces}]`` per print file of a multi-surface design (None for v1): what
        a job records so the print queue shows page counts and parts before anything is rendered."""
        if self.parts is None:
            return None
        return [
            {"name": p.plan.name, "format": p.plan.format, "pages": p.plan.pages,
             "surfaces": [s.ref.key for s in p.surfaces]}
            for p in self.parts.parts
        ]  # fmt: skip


def _prefixed(field: str | None) -> str:
    return f"design.{field}" if field and field != "design" else "design"


def source_field(field: str | None, source: Source | None) -> str:
    """A field of the native design -> the request path the client knows."""
    if source is not None and field and (m := LAYER_FIELD.match(field)):
        found = source.of_layer(m.group(1), int(m.group(2)))
        if found is not None:
            return _prefixed(found)
    return _prefixed(field)


def _fabric_to_native(
    svc: Services, raw: dict[str, Any], font_fallback: str | None, unsupported: Unsupported = "refuse"
) -> tuple[dict[str, Any], Source]:
    from render_engine.fabric import FabricOptions

    unknown: RenderError | None = None
    if font_fallback is not None:
        try:
            svc.engine.fonts.family_id(font_fallback, field="fabric_options.font_fallback")
        except FontError as exc:  # listed with the canvas's own problems (then no family falls back)
            unknown, font_fallback = exc, None
    try:
        found = _import_into_assets(svc, raw, FabricOptions(font_fallback=font_fallback, unsupported=unsupported))
    except OSError as exc:  # temp folder or asset store full/unwritable: the server's fault (507/503)
        raise storage_error(exc, "storage") from None
    except (DesignError, AssetError, TemplateError) as exc:
        if unknown is None:
            raise
        raise several([unknown, *(exc.problems or (exc,))]) from None
    if unknown is not None:
        raise unknown
    return found


def _import_into_assets(svc: Services, raw: dict[str, Any], options: FabricOptions) -> tuple[dict[str, Any], Source]:
    from render_engine.fabric import load_fabric_json

    with svc.storage.tmp_dir() as tmp:
        try:
            imported = load_fabric_json(raw, svc.engine, tmp, None, options)
        except RenderError as exc:
            exc.field = _prefixed(exc.field)
            for problem in exc.problems:  # every problem of the canvas, each a request path
                problem.field = _prefixed(problem.field)
            raise
        except (RecursionError, MemoryError):
            raise DesignError("the Fabric document is too complex", field="design") from None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
            # the importer names every problem it knows; anything else is an input shape it does not expect
            # (a 4xx for the client, never a 500) and a bug to fix for us: logged with the traceback
            log.error("Fabric import failed unexpectedly", exc_info=True)
            raise DesignError(
                f"the Fabric document could not be translated ({type(exc).__name__})", field="design"
            ) from None
        approximations = tuple((_prefixed(f), m) for f, m in imported.approximations)
        source = Source("fabric", imported.labelled_notes(), imported.sources, approximations, imported.surface_sources,
                        imported.objects)  # fmt: skip
        native = imported.design.model_dump(mode="json", exclude_none=True)
        for prefix, i, layers in _layer_lists(native):
            layer = layers[i]
            if layer.get("type") != "image":
                continue
            found = source.of_layer(prefix, i)
            where = _prefixed(f"{found}.src" if found is not None else f"{prefix}layers[{i}]")
            if isinstance(layer.get("asset"), str):  # a data: URL the importer wrote into tmp
                path = (tmp / layer.pop("asset")).resolve()
                if path.parent != tmp.resolve() or not path.is_file():
                    raise DesignError("image source could not be resolved", field=where)
                info = probe_image(path, where, svc.engine.settings)  # sniffed, intact, within the pixel limit
                verify_image(info, where)  # and every pixel decodes, as an upload's must
                fsync_file(path)  # durable before the store renames it in
                layer["asset_id"] = svc.storage.put_asset(path, sha256_file(path))
            elif isinstance(layer.get("asset_id"), str):
                try:
                    path = svc.storage.asset_path(layer["asset_id"])
                except AssetError as exc:
                    raise AssetError(exc.message, field=where) from None
                with open(path, "rb") as fh:
                    svg = looks_like_svg(fh.read(256))
                if svg:  # an uploaded SVG: an svg layer (sanitised when resolved, like every SVG)
                    layers[i] = _svg_asset_layer(layer, where)
    return native, source


def _layer_lists(native: dict[str, Any]) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """(surface prefix, layer index, the list holding it) for every layer of a native design: its v1
    ``layers``, then each surface's and page's."""
    lists = [("", native.get("layers", []))]
    lists += [(f"surfaces.{n}.", s["layers"]) for n, s in native.get("surfaces", {}).items()]
    lists += [(f"pages[{i}].", p["layers"]) for i, p in enumerate(native.get("pages", []))]
    return [(prefix, i, layers) for prefix, layers in lists for i in range(len(layers))]


def _svg_asset_layer(layer: dict[str, Any], where: str) -> dict[str, Any]:
    """A Fabric image whose ``asset:<id>`` is an uploaded SVG, as a native ``svg`` layer (placement, rotation,
    opacity; what only pixels can do is refused naming the object)."""
    for key, name in (("crop", "cropX"), ("clip", "clipPath"), ("transform", "skewX")):
        if layer.get(key) is not None:
            raise DesignError(f"{name} is not supported on an SVG image", field=where.removesuffix(".src") + f".{name}")
    out = {"type": "svg", "asset_id": layer["asset_id"], "box": layer["box"], "fit": "stretch"}
    out.update({k: layer[k] for k in ("rotation", "opacity", "blend") if k in layer})
    return out


def check_design(
    svc: Services,
    raw: dict[str, Any],
    *,
    dialect: str = "native",
    font_fallback: str | None = None,
    unsupported: Unsupported = "refuse",
    dpi: float | None = None,
    timer: StepTimer | None = None,
) -> CheckedDesign:
    """Everything a render needs, checked before any pixel work or a 202: (Fabric translation,) schema,
    template, fonts, assets, layout. Steps are timed into ``timer`` (``fabric``, ``parse``, ``resolve``,
    ``layout``)."""
    from render_engine.fabric import is_fabric

    timer = timer or StepTimer()
    source: Source | None = None
    if dialect == "fabric":
        with timer.step("fabric"):
            native, source = _fabric_to_native(svc, raw, font_fallback, unsupported)
    else:
        if font_fallback is not None or unsupported != "refuse":
            raise DesignError("fabric_options apply to dialect 'fabric' only", field="fabric_options")
        if is_fabric(raw):
            raise DesignError('this looks like Fabric.js canvas JSON: send "dialect": "fabric"', field="dialect")
        native = raw
    try:
        with timer.step("parse"):
            design = parse_design(native, svc.engine.settings)
        surfaces = [("", design.layers)]
        surfaces += [(f"surfaces.{name}.", s.layers) for name, s in design.surfaces.items()]
        surfaces += [(f"pages[{n}].", s.layers) for n, s in enumerate(design.pages)]
        for where, layers in surfaces:
            for i, layer in enumerate(layers):
                if isinstance(layer, ImageLayer | SvgLayer) and layer.asset_id is not None:
                    try:
                        svc.storage.asset_path(layer.asset_id)
                    except AssetError as exc:
                        raise AssetError(exc.message, field=f"{where}layers[{i}].asset_id") from None
        parts = None
        if is_multi(design, svc.engine):  # every surface resolved and laid out (issue #18)
            parts = prepare_parts(design, svc.engine, svc.empty_dir(), timer, svc.storage.asset_path)
            prep = parts.select().prep
        else:
            prep = prepare(design, svc.engine, svc.empty_dir(), timer=timer, asset_loader=svc.storage.asset_path)
    except RenderError as exc:
        exc.field = source_field(exc.field, source)
        for problem in exc.problems:  # every problem of the design (a schema error lists them all)
            problem.field = source_field(problem.field, source)
        raise
    if dpi is not None:
        check_dpi(dpi, svc.engine)
    return CheckedDesign(prep, native, source, parts=parts)


def check_request(
    svc: Services, body: DesignRequest, *, dpi: float | None = None, timer: StepTimer | None = None
) -> CheckedDesign:
    """:func:`check_design` of the request's ``design``, or of its ``design_template`` filled with ``values``
    and ``photos`` on ``product`` (:func:`check_template`)."""
    if body.design_template is not None:
        if body.design is not None:
            raise DesignError("send a design or a design_template, not both", field="design_template")
        return check_template(svc, body, dpi=dpi, timer=timer)
    given = [f for f in ("product", "values", "photos") if getattr(body, f) is not None]
    if given:
        raise DesignError("applies with design_template only", field=given[0])
    if body.design is None:
        raise DesignError("required: a design, or a design_template with product and values", field="design")
    return check_design(
        svc, body.design, dialect=body.dialect, font_fallback=body.font_fallback, unsupported=body.unsupported,
        dpi=dpi, timer=timer,
    )  # fmt: skip


def check_template(
    svc: Services, body: DesignRequest, *, dpi: float | None = None, timer: StepTimer | None = None
) -> CheckedDesign:
    """The design template filled (every slot problem at once: ``slots.name: at most 18 characters``,
    ``photos.photo: …``), then checked as a native design; problems found after filling (fonts, layout) name
    the slot their layer came from. Photos are asset ids of this API's asset store."""
    from render_engine.personalization import catalog
    from render_engine.personalization.fill import fill_with_sources, slot_error

    timer = timer or StepTimer()
    if body.dialect != "native" or body.fabric_options is not None:
        raise DesignError("a design template is filled natively: leave dialect and fabric_options out",
                          field="dialect")  # fmt: skip
    if body.product is None:
        raise DesignError("required with design_template: the product to print on", field="product")
    try:
        template = catalog().get(str(body.design_template))
    except TemplateError:
        hint = did_you_mean(str(body.design_template), catalog().templates)
        raise DesignError(f"no such design template{hint}", field="design_template") from None
    with timer.step("fill"):
        design, sources = fill_with_sources(
            template, body.product, body.values or {}, body.photos or {}, base_dir=svc.empty_dir(),
            settings=svc.engine.settings, asset_loader=svc.storage.asset_path, allow_files=False,
        )  # fmt: skip
    native = design.model_dump(mode="json", exclude_defaults=True) | {"version": 1}
    try:
        checked = check_design(svc, native, dpi=dpi, timer=timer)
    except RenderError as exc:
        for err in (exc, *exc.problems):
            if err.field and err.field.startswith("design."):
                err.field = err.field.removeprefix("design.")
        raise slot_error(exc, sources) from None
    return dataclasses.replace(checked, personalization=body.personalization())


def output_profile(checked: CheckedDesign) -> str:
    """The ICC output profile the print file is separated for (recorded with a job: print-queue filter)."""
    return checked.prepared.layout.template.output.icc_profile
