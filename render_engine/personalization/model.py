"""The design-template model: a native design with slots, one layout per product it fits.

A template file (``templates_design/<id>.json``, schema ``docs/design-template.schema.json``) holds:

- ``slots``: what a customer fills — ``text`` (a name, a message), ``date`` (ISO ``YYYY-MM-DD``) and
  ``photo`` slots, each with its constraints (required, max length, allowed scripts, font / colour / size
  choices, default value; a photo's minimum effective DPI and placeholder);
- ``products``: product template id → that product's layout: ``layers`` for a single-surface product, or
  ``surfaces`` (``{"outside": {"layers": [...]}, "inside": {...}}``) and/or ``pages`` (``[{"layers": [...]}]``)
  for a multi-surface one, as a native design gives them (docs/products.md). Layers are native design layers
  (README "Design JSON") plus three template keys: ``locked`` (a storefront editor must not move or change
  it), ``slot`` on an image layer (the photo slot that fills it; it has no ``asset``), ``style_slot`` on a
  text layer (whose font / colour / size choices it takes; by default the one text slot its text names).
  Text may hold ``{{slot}}`` variables with filters (:mod:`.variables`).

Every product layout is validated as a native design when the template loads (with each variable replaced by
a sample), so a template that loads always fills into a valid design.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from ..model.design import TEMPLATE_ID, Design, validation_error_to_design_error
from ..model.design_base import HEX_COLOR, Model
from ..model.errors import DesignError
from .variables import variables

SLOT_ID = r"^[a-z][a-z0-9_]{0,31}$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"
OCCASION = r"^[a-z][a-z0-9-]{0,39}$"
SURFACE_NAME = r"^[a-z][a-z0-9-]{0,31}$"
TEMPLATE_KEYS = ("locked", "slot", "style_slot", "anchor")
#: ICU script names always allowed besides a slot's ``scripts``: digits, punctuation, spaces, combining marks
NEUTRAL_SCRIPTS = frozenset({"Common", "Inherited", "Unknown"})


class TextSlot(Model):
    """A line (or lines) of text the customer types."""

    type: Literal["text"]
    label: Annotated[str, Field(min_length=1, max_length=80)]
    required: bool = Field(True, description="A missing or blank value is an error (unless there is a default).")
    default: Annotated[str, Field(max_length=500)] | None = Field(None, description="Used when no value is given.")
    max_length: Annotated[int, Field(ge=1, le=2000)] | None = Field(
        None, description="At most this many characters (user-perceived characters: grapheme clusters)."
    )
    multiline: bool = Field(False, description="Whether the value may hold line breaks.")
    scripts: list[Annotated[str, Field(pattern=r"^[A-Z][A-Za-z_]{1,40}$")]] = Field(
        default_factory=list,
        description="Allowed Unicode scripts (ICU names: Latin, Devanagari, Han…); empty: any. Digits, "
        "punctuation and spaces (script Common) are always allowed.",
    )
    fonts: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, description="Font families the customer may choose (catalog ids); empty: no choice."
    )
    colors: list[Annotated[str, Field(pattern=HEX_COLOR.pattern)]] = Field(
        default_factory=list, description="Colours the customer may choose (#rrggbb); empty: no choice."
    )
    sizes: list[Annotated[float, Field(gt=0, le=2000)]] = Field(
        default_factory=list, description="Font sizes (pt) the customer may choose; empty: no choice."
    )

    @model_validator(mode="after")
    def _default_fits(self) -> TextSlot:
        if self.default is not None and self.max_length is not None and len(self.default) > self.max_length:
            raise ValueError("the default is longer than max_length")
        return self


class DateSlot(Model):
    """A date the customer picks, printed through the ``date`` filter."""

    type: Literal["date"]
    label: Annotated[str, Field(min_length=1, max_length=80)]
    required: bool = True
    default: dt.date | None = Field(None, description="ISO date used when no value is given.")


class PhotoSlot(Model):
    """A photo the customer uploads into one or more image layers (``slot`` on the layer)."""

    type: Literal["photo"]
    label: Annotated[str, Field(min_length=1, max_length=80)]
    required: bool = Field(True, description="Optional photo slots are left out of the design when empty.")
    min_dpi: Annotated[int, Field(ge=1, le=2400)] = Field(
        150, description="Lowest effective resolution in the slot's boxes (checked from the photo's header)."
    )
    face_crop: bool = Field(
        True,
        description="Crop the photo around the faces found in it (OpenCV's Haar cascades: a person's, else a "
        "cat's; else the most salient region) in every 'cover' box it fills, as crop 'auto-pets'; false: a "
        "centred crop (the template's own 'crop' is replaced too). Preflight warns of a face the trim or safe "
        "line cuts only where faces were looked for (face_crop on).",
    )
    placeholder: Annotated[str, Field(max_length=256)] | None = Field(
        None, description="An SVG file (relative to templates_design/) shown in previews while the slot is empty."
    )
    placeholder_svg: Annotated[str, Field(max_length=200_000)] | None = Field(
        None, description="The placeholder inline (the catalog reads 'placeholder' into it)."
    )


class PhotosSlot(Model):
    """A list of photos flowing over the image layers that name ``<slot>[]`` (a photo book's pages, a calendar's
    months), in reading order: surfaces, then pages, then as many repeats of the layout's ``flow`` page as the
    rest need (docs: templates_design/README.md)."""

    type: Literal["photos"]
    label: Annotated[str, Field(min_length=1, max_length=80)]
    required: bool = Field(True, description="At least min_count photos (else an empty list is allowed).")
    min_count: Annotated[int, Field(ge=1, le=1000)] = 1
    max_count: Annotated[int, Field(ge=1, le=1000)] = 200
    min_dpi: Annotated[int, Field(ge=1, le=2400)] = 150
    face_crop: bool = Field(True, description="As a photo slot's: crop each photo around its faces.")
    placeholder: Annotated[str, Field(max_length=256)] | None = None
    placeholder_svg: Annotated[str, Field(max_length=200_000)] | None = None


Slot = Annotated[TextSlot | DateSlot | PhotoSlot | PhotosSlot, Field(discriminator="type")]


class SurfaceLayout(Model):
    """The layers of the template on one surface or page of a multi-surface product (that surface's trim mm)."""

    layers: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=500)]


class ProductLayout(Model):
    """The template on one product: ``layers`` (a single-surface product) or ``surfaces`` / ``pages`` (a
    multi-surface one), each layer a native layer plus ``locked`` / ``slot`` / ``style_slot``."""

    layers: Annotated[list[dict[str, Any]], Field(max_length=500)] = Field(
        default_factory=list, description="The layers on a single-surface product."
    )
    surfaces: dict[Annotated[str, Field(pattern=SURFACE_NAME)], SurfaceLayout] = Field(
        default_factory=dict, description="Layers per named surface of a multi-surface product (outside, inside…)."
    )
    pages: Annotated[list[SurfaceLayout], Field(max_length=1000)] = Field(
        default_factory=list, description="Layers per page of a multi-page product, in reading order."
    )
    flow: SurfaceLayout | None = Field(
        None,
        description="A page repeated after 'pages' for the photos of a photos slot (its image layers name "
        "'<slot>[]') that the fixed layers do not take; the run is padded with it (photo layers left out) to a "
        "page count the product allows.",
    )
    same_as: Annotated[str, Field(pattern=TEMPLATE_ID)] | None = Field(
        None,
        description="Use another product's layout of this template (its layers placed with 'anchor' fit both "
        "sizes); nothing else may be given.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> ProductLayout:
        if self.same_as is not None:
            if self.layers or self.surfaces or self.pages or self.flow:
                raise ValueError("same_as uses another product's layout: give no layers, surfaces or pages")
            return self
        if self.flow is not None and self.layers:
            raise ValueError("flow repeats a page of a multi-page product: give pages / surfaces, not layers")
        if self.layers and (self.surfaces or self.pages):
            raise ValueError("layers (a single-surface product) or surfaces / pages (a multi-surface one), not both")
        if not (self.layers or self.surfaces or self.pages or self.flow):
            raise ValueError("layers, or surfaces / pages for a multi-surface product: at least one layer")
        return self

    def groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """``(prefix, layers)`` per surface the layout prints on, the prefix naming its design field:
        ``("", layers)`` for a single-surface product, ``("surfaces.inside.", …)``, ``("pages[3].", …)``."""
        if self.layers:
            return [("", self.layers)]
        named = [(f"surfaces.{n}.", s.layers) for n, s in self.surfaces.items()]
        return named + [(f"pages[{i}].", p.layers) for i, p in enumerate(self.pages)]

    def all_layers(self) -> list[tuple[str, dict[str, Any]]]:
        """``(field, raw layer)`` of every layer: ``("surfaces.inside.layers[2]", {...})``, the flow page's as
        ``flow.layers[i]``."""
        groups = self.groups() + ([("flow.", self.flow.layers)] if self.flow is not None else [])
        return [(f"{prefix}layers[{i}]", raw) for prefix, layers in groups for i, raw in enumerate(layers)]


def assemble(groups: list[tuple[str, list[Any]]]) -> dict[str, Any]:
    """The ``layers`` / ``surfaces`` / ``pages`` of a native design from ``(prefix, layers)`` groups (as
    :meth:`ProductLayout.groups` names them)."""
    body: dict[str, Any] = {}
    for prefix, layers in groups:
        if not prefix:
            body["layers"] = layers
        elif prefix.startswith("surfaces."):
            body.setdefault("surfaces", {})[prefix.split(".")[1]] = {"layers": layers}
        else:
            body.setdefault("pages", []).append({"layers": layers})
    return body


class DesignTemplate(Model):
    """A ready design with slots, for one or more products."""

    id: Annotated[str, Field(pattern=TEMPLATE_ID)]
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=1000)] = ""
    occasions: Annotated[list[Annotated[str, Field(pattern=OCCASION)]], Field(max_length=20)] = Field(
        default_factory=list, description="Occasion tags: diwali, rakhi, valentines, birthday, corporate…"
    )
    language: Annotated[str, Field(pattern=LANGUAGE)] = Field(
        "en", description="BCP 47 language of the template's text (en, hi, zh-Hans): case filters and dates."
    )
    variant_of: Annotated[str, Field(pattern=TEMPLATE_ID)] | None = Field(
        None, description="The template this one is a language variant of."
    )
    slots: Annotated[dict[Annotated[str, Field(pattern=SLOT_ID)], Slot], Field(max_length=50)]
    products: Annotated[dict[Annotated[str, Field(pattern=TEMPLATE_ID)], ProductLayout], Field(min_length=1)]
    credits: Annotated[str, Field(max_length=1000)] = Field("", description="Sources and licences of its art.")

    @model_validator(mode="after")
    def _consistent(self) -> DesignTemplate:
        for pid, layout in list(self.products.items()):
            if layout.same_as is None:
                continue
            other = self.products.get(layout.same_as)
            if other is None or other.same_as is not None:
                raise ValueError(f"products.{pid}.same_as: a product of this template with its own layout")
            self.products[pid] = other
        used: set[str] = set()
        for pid, layout in self.products.items():
            for where, raw in layout.all_layers():
                used |= check_layer(raw, self.slots, f"products.{pid}.{where}")
            try:
                sample_design(self, pid)
            except DesignError as exc:
                first = exc.problems[0] if exc.problems else exc
                raise ValueError(f"products.{pid}.{first.field}: {first.message}") from None
        unused = sorted(set(self.slots) - used)
        if unused:
            raise ValueError(f"slots not used by any product layout: {', '.join(unused)}")
        return self

    def text_slots(self, layer: dict[str, Any]) -> list[str]:
        """The slots a text layer's text names, in order, without repeats."""
        names = [v.slot for v in variables(str(layer.get("text", "")))]
        return list(dict.fromkeys(names))

    def summary(self) -> dict[str, Any]:
        """What a storefront lists: id, name, products, occasions, language, the slot definitions and, for the
        multi-surface products, the surfaces each layout prints (``{"tshirt-dtg": ["front", "back"]}``; a run
        of pages as ``pages[0]``…)."""
        slots = {
            k: s.model_dump(exclude={"placeholder_svg"}, exclude_none=True, mode="json") for k, s in self.slots.items()
        }
        return {
            "id": self.id, "name": self.name, "description": self.description, "occasions": self.occasions,
            "language": self.language, "variant_of": self.variant_of, "products": sorted(self.products),
            "slots": slots, "surfaces": {
                pid: [prefix[:-1].removeprefix("surfaces.") for prefix, _ in layout.groups()]
                + (["flow"] if layout.flow is not None else [])
                for pid, layout in sorted(self.products.items()) if not layout.layers
            },
        }  # fmt: skip


def check_layer(raw: dict[str, Any], slots: dict[str, Any], where: str) -> set[str]:
    """The slots ``raw`` uses; ValueError naming ``where`` for a template key used wrongly."""
    kind = raw.get("type")
    used: set[str] = set()
    locked = raw.get("locked", False)
    if not isinstance(locked, bool):
        raise ValueError(f"{where}.locked: true or false")
    slot = raw.get("slot")
    if isinstance(slot, str) and slot.endswith("[]"):  # the next photo of a photos slot
        if kind != "image" or not isinstance(slots.get(slot[:-2]), PhotosSlot):
            raise ValueError(f"{where}.slot: '{slot}' names the next photo of a photos slot, on an image layer")
        if "asset" in raw or "asset_id" in raw:
            raise ValueError(f"{where}: a slot image takes its photo from the slot, not 'asset'")
        used.add(slot[:-2])
    elif slot is not None:
        if kind != "image":
            raise ValueError(f"{where}.slot: only image layers take a photo slot")
        if not isinstance(slots.get(slot), PhotoSlot):
            raise ValueError(f"{where}.slot: '{slot}' is not a photo slot of this template")
        if "asset" in raw or "asset_id" in raw:
            raise ValueError(f"{where}: a slot image takes its photo from the slot, not 'asset'")
        used.add(slot)
    if kind == "text":
        try:
            found = variables(str(raw.get("text", "")))
        except ValueError as exc:
            raise ValueError(f"{where}.text: {exc}") from None
        for var in found:
            target = slots.get(var.slot)
            if not isinstance(target, TextSlot | DateSlot):
                raise ValueError(f"{where}.text: '{{{{{var.slot}}}}}' is not a text or date slot of this template")
            if any(f == "date" for f, _ in var.filters) and not isinstance(target, DateSlot):
                raise ValueError(f"{where}.text: the date filter is for date slots ('{var.slot}' is text)")
            used.add(var.slot)
        if found and locked:
            raise ValueError(f"{where}: a locked layer cannot hold variables")
    if "anchor" in raw:
        from .anchors import check_anchor

        check_anchor(raw["anchor"], where)
    style = raw.get("style_slot")
    if style is not None and (kind != "text" or not isinstance(slots.get(style), TextSlot)):
        raise ValueError(f"{where}.style_slot: a text layer naming a text slot of this template")
    return used


SAMPLE_TEXT = "Sample"
SAMPLE_DATE = dt.date(2026, 12, 31)


def native_layer(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` without the template keys."""
    return {k: v for k, v in raw.items() if k not in TEMPLATE_KEYS}


def sample_design(template: DesignTemplate, product: str) -> Design:
    """The product layout with every variable replaced by a sample and every photo slot by a stand-in asset,
    validated as a native design (no files are read). Raises :class:`DesignError` naming the layer field."""
    from .variables import substitute

    samples: dict[str, str | dt.date] = {}
    for name, slot in template.slots.items():
        if isinstance(slot, TextSlot):
            samples[name] = slot.default or SAMPLE_TEXT
        elif isinstance(slot, DateSlot):
            samples[name] = slot.default or SAMPLE_DATE
    groups = []
    layout = template.products[product]
    extra = [(f"pages[{len(layout.pages)}].", layout.flow.layers)] if layout.flow is not None else []
    for prefix, raws in layout.groups() + extra:
        layers = []
        for i, raw in enumerate(raws):
            layer = native_layer(raw)
            if "anchor" in raw:
                from ..model.settings import Settings
                from .anchors import anchor_layer

                where = f"products.{product}.{prefix}layers[{i}]"
                layer = anchor_layer(layer, raw, Settings().templates_dir, product, prefix, where)
            if raw.get("type") == "text":
                layer["text"] = substitute(str(raw.get("text", "")), samples, template.language)
            if raw.get("slot") is not None:
                layer["asset"] = "photo.jpg"
            layers.append(layer)
        groups.append((prefix, layers))
    try:
        return Design.model_validate({"version": 1, "template": product, **assemble(groups)})
    except ValidationError as exc:
        raise validation_error_to_design_error(exc) from None


def design_template_json_schema() -> dict[str, Any]:
    schema = DesignTemplate.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "render-engine/design-template.schema.json"
    return schema
