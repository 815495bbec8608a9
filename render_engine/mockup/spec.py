"""The ``mockup`` section of a product template, validated.

A template declares one mockup scene: a folder of generated PNGs (``mockups/<template-id>/``, written by
``scripts/make_mockup_scenes.py``) and how the print maps onto them. All scene geometry is in *scene pixels*
(the PNGs' own pixel grid, pixel centres at integer coordinates); print geometry is in trim mm.

* ``cylinder`` (mugs): the print wraps a vertical cylinder seen by an orthographic camera raised by
  ``elevation_deg``. A print point ``(x_mm, y_mm)`` seen in a view with yaw ``psi`` lands at::

      phi = (x_mm - trim_w / 2) / R_mm - psi          R_mm = circumference_mm / (2 pi), visible if |phi| < 90 deg
      sx  = center_x + radius * sin(phi)
      sy  = top_y + y_mm * s * cos(elev) + radius * sin(elev) * cos(phi)      s = radius / R_mm (px per mm)

* ``quad`` (flat goods): each face maps a rectangle of the trim (mm) onto four scene corners (TL, TR, BR,
  BL) by a homography; a canvas has its front face and a wrapped side face.
* ``displace`` (fabric): the trim maps onto an axis-aligned scene rectangle, then a fold map shifts it:
  a scene pixel ``p`` shows the print at ``A^-1(p + d(p))`` with ``d = strength * (RG(p) - 128) / 127``.

Shading (multiply, 255 = untouched) and highlights (screen, 0 = untouched) are scene images; ``occluder``
images are RGBA layers drawn over the print (the mug handle).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..model.errors import TemplateError
from ..model.templates import Template

Point = tuple[float, float]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class View(_Model):
    """One camera view of the scene; files override the scene-wide ones."""

    yaw_deg: float = Field(0.0, description="cylinder: the print angle facing the camera (0 = print centre).")
    base: str = Field(description="Scene photo for this view (PNG, RGB).")
    occluder: str | None = Field(None, description="RGBA layer drawn over the print (e.g. the mug handle).")
    label: str = ""


class Cylinder(_Model):
    kind: Literal["cylinder"]
    center_x: float
    radius: Annotated[float, Field(gt=0)]
    top_y: float = Field(description="Scene y of the print's top trim edge on the silhouette (phi = +-90 deg).")
    elevation_deg: Annotated[float, Field(ge=0, lt=60)]
    circumference_mm: Annotated[float, Field(gt=0)]


class Face(_Model):
    rect_mm: tuple[float, float, float, float] = Field(description="x, y, width, height in trim mm.")
    corners: tuple[Point, Point, Point, Point] = Field(description="TL, TR, BR, BL in scene pixels.")


class Quad(_Model):
    kind: Literal["quad"]
    faces: Annotated[tuple[Face, ...], Field(min_length=1)]


class Displace(_Model):
    kind: Literal["displace"]
    rect: tuple[float, float, float, float] = Field(description="Scene x0, y0, x1, y1 of the trim's corners.")
    map: str = Field(description="Displacement PNG: R = horizontal, G = vertical, 128 = no shift.")
    strength: Annotated[float, Field(ge=0, le=64)] = Field(description="Shift in scene px at full swing.")


class Variant(_Model):
    base: str = Field(description="Scene photo for this garment colour (replaces the view's base).")
    label: str = ""


class MockupSpec(_Model):
    size: tuple[int, int] = Field(description="Scene width, height in pixels (every PNG has this size).")
    mapping: Annotated[Cylinder | Quad | Displace, Field(discriminator="kind")]
    views: dict[str, View] = Field(min_length=1)
    default_view: str
    shade: str | None = Field(None, description="Grey PNG multiplied over the print (255 = no change).")
    highlight: str | None = Field(None, description="Grey PNG screened over the print (0 = no change).")
    mask: str | None = Field(None, description="Grey PNG: where the print may appear (antialiased silhouette).")
    variants: dict[str, Variant] = Field(default_factory=dict)
    default_variant: str | None = None
    soft_proof: bool = Field(True, description="Show CMYK products through their output profile.")
    generator: str = Field("scripts/make_mockup_scenes.py", description="What made the PNGs.")
    scene: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$",
        description="The folder under mockups/ holding the PNGs (default: the template id): a product reuses "
        "another's scene (a folded card's front on the flat card's, a t-shirt's back on the front's).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _defaults_exist(self) -> MockupSpec:
        if self.default_view not in self.views:
            raise ValueError("default_view must name a view")
        if self.default_variant is not None and self.default_variant not in self.variants:
            raise ValueError("default_variant must name a variant")
        return self

    def files(self) -> list[str]:
        out = [f for f in (self.shade, self.highlight, self.mask) if f]
        for v in self.views.values():
            out.append(v.base)
            if v.occluder:
                out.append(v.occluder)
        out.extend(v.base for v in self.variants.values())
        if isinstance(self.mapping, Displace):
            out.append(self.mapping.map)
        return out


def mockup_spec(template: Template) -> MockupSpec:
    """The template's validated mockup scene, or a TemplateError naming the field."""
    if not template.mockup:
        raise TemplateError(f"template {template.id} has no mockup scene", field="mockup")
    try:
        return MockupSpec.model_validate(template.mockup)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise TemplateError(f"{template.id}: mockup: {err['msg']}", field=f"mockup.{loc}") from None
