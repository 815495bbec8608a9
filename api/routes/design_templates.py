"""Design templates (issue #19): the library with its slot definitions, and filling one into a native design.

``POST /v1/design-templates/{id}/fill`` answers the native design JSON a storefront then posts to
``/v1/previews``, ``/v1/preflight`` or ``/v1/jobs`` like any other design; every slot problem comes back at
once in one 422 (``problems``, each naming ``slots.<name>`` or ``photos.<name>``). Photos are asset ids of
this API's asset store (``POST /v1/assets``), probed and checked against the slot's minimum DPI.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from render_engine.model.errors import TemplateError
from render_engine.personalization import catalog, fill

from ..deps import State, Storefront
from ..errors import ERROR_RESPONSES, NotFound

router = APIRouter(tags=["design templates"])


class FillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str = Field(max_length=64, description="A product template id the design template fits.")
    values: dict[str, Any] = Field(
        default_factory=dict,
        max_length=200,
        description='Slot values: {"name": "Asha", "name.color": "#118ab2"} or {"name": {"text": …, "font": …}}.',
    )
    photos: dict[str, dict[str, str] | Annotated[list[dict[str, str]], Field(max_length=1000)]] = Field(
        default_factory=dict, max_length=50,
        description='Photo slots: {"photo": {"asset_id": "<sha256>"}}; a photos slot: a list of them, in order.',
    )
    placeholders: bool = Field(False, description="Fill empty slots with placeholders (thumbnails).")


class FromFabricRequest(BaseModel):
    """``POST /v1/design-templates/from-fabric``: a storefront editor's canvas made a design template."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="The new template's id.")
    name: str | None = Field(None, min_length=1, max_length=80, description="Its name (default: from the id).")
    product: str = Field(max_length=64, description="The product the canvas was designed on.")
    occasions: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    language: str = Field("en", max_length=16)
    canvas: dict[str, Any] | None = Field(None, description='The canvas size: {"width": 500, "height": 700} (px).')
    fabric: dict[str, Any] = Field(
        description='canvas.toJSON(["slot", "placeholder", "slotLabel", "maxLength"]): texts with {{variables}} '
        'become slots, images marked "slot" / "placeholder" photo slots, unselectable objects locked. A '
        'two-sided or multi-page product: {"surfaces": {"front": <toJSON()>, "back": <toJSON()>}, "pages": '
        "[<toJSON()>, …]}, a canvas per surface / page (docs/fabric.md)."
    )


@router.post("/design-templates/from-fabric", responses=ERROR_RESPONSES)
def design_template_from_fabric(body: FromFabricRequest, state: State, key: Storefront) -> dict[str, Any]:
    """The design template a Fabric canvas makes (the template file's JSON, validated as a library file is)
    and its slots; nothing is stored. Every problem in one 422, each naming its Fabric object
    (``fabric.objects[3]``: an image that is no photo slot; ``fabric.objects[5].text``: a bad variable;
    ``fabric.surfaces.back.objects[2]`` on a product with a canvas per surface)."""
    from render_engine.personalization.from_fabric import design_template_from_fabric as make

    svc = state.services.for_storefront(key.name)
    data = {"fabric": body.fabric, **({"canvas": body.canvas} if body.canvas is not None else {})}
    name = body.name or body.id.replace("-", " ").capitalize()

    def build() -> tuple[Any, dict[str, Any]]:
        return make(data, body.product, svc.engine, template_id=body.id, name=name,
                    occasions=tuple(body.occasions), language=body.language)  # fmt: skip

    tpl, raw = state.gate.run(build)
    return {"design_template": raw, "slots": tpl.summary()["slots"]}


@router.get("/design-templates", responses=ERROR_RESPONSES)
def list_design_templates(
    state: State,
    key: Storefront,
    product: Annotated[str | None, Query(max_length=64)] = None,
    occasion: Annotated[str | None, Query(max_length=40)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, list[dict[str, Any]]]:
    """The design templates fitting ``product``, tagged ``occasion``, in ``language``: slot definitions
    (constraints included), products, occasions, language."""
    found = catalog().find(product=product, occasion=occasion, language=language)
    return {"design_templates": [_with_thumbnails(t.summary()) for t in found]}


def _with_thumbnails(summary: dict[str, Any]) -> dict[str, Any]:
    """``thumbnails``: product -> the URL of its placeholder-filled mockup."""
    tid = summary["id"]
    urls = {p: f"/v1/design-templates/{tid}/thumbnail?product={p}" for p in summary["products"]}
    return summary | {"thumbnails": urls}


@router.get(
    "/design-templates/{template_id}/thumbnail",
    response_class=Response,
    responses={**ERROR_RESPONSES, 200: {"content": {"image/jpeg": {}}, "description": "the mockup (JPEG)"}},
)
def design_template_thumbnail(
    template_id: str,
    state: State,
    key: Storefront,
    product: Annotated[str, Query(max_length=64)],
    width: Annotated[int, Query(ge=50, le=1200)] = 400,
) -> Response:
    """The template on ``product``'s mockup scene with placeholders in its slots (JPEG), for a storefront's
    template picker. Rendered through the preview gate (429 when every preview slot is busy)."""
    from render_engine.mockup import render_mockup
    from render_engine.parts import prepare_surface

    try:
        template = catalog().get(template_id)
    except TemplateError:
        raise NotFound("no such design template", field="template_id") from None
    svc = state.services
    design = fill(template, product, {}, {}, placeholders=True, base_dir=svc.empty_dir(), settings=svc.engine.settings)

    def build() -> bytes:
        # a multi-surface product: its first surface the template fills (a card's outside, a shirt's front)
        prep = prepare_surface(design, svc.engine, svc.empty_dir(), asset_loader=svc.storage.asset_path)
        return render_mockup(prep, svc.engine, width=width, fmt="jpeg")

    data = state.gate.run(build)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/design-templates/{template_id}", responses=ERROR_RESPONSES)
def get_design_template(template_id: str, state: State, key: Storefront) -> dict[str, Any]:
    """One design template's summary (slots, products, occasions, language)."""
    try:
        return _with_thumbnails(catalog().get(template_id).summary())
    except TemplateError:
        raise NotFound("no such design template", field="template_id") from None


@router.post("/design-templates/{template_id}/fill", responses=ERROR_RESPONSES)
def fill_design_template(template_id: str, body: FillRequest, state: State, key: Storefront) -> dict[str, Any]:
    """The native design of the template on ``product`` with ``values`` and ``photos`` (422 listing every slot
    problem otherwise)."""
    try:
        template = catalog().get(template_id)
    except TemplateError:
        raise NotFound("no such design template", field="template_id") from None
    svc = state.services
    design = fill(
        template, body.product, body.values, body.photos, base_dir=svc.empty_dir(), placeholders=body.placeholders,
        settings=svc.engine.settings, asset_loader=svc.storage.asset_path, allow_files=False,
    )  # fmt: skip
    return {"design": design.model_dump(mode="json", exclude_defaults=True) | {"version": 1}}
