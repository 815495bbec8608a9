"""Read-only catalog: product templates and bundled fonts (storefront keys)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from render_engine.model.errors import TemplateError

from ..deps import State, Storefront
from ..errors import ERROR_RESPONSES, NotFound

router = APIRouter(tags=["catalog"])


@router.get("/templates", responses=ERROR_RESPONSES)
def list_templates(state: State, key: Storefront) -> dict[str, list[dict[str, Any]]]:
    """Every product template: id, name, kind, trim size, bleed, DPI, output format and colour; for a
    multi-surface product its surfaces (label, trim), page counts and parts (print files)."""
    out = []
    for t in state.services.engine.templates.templates.values():
        out.append(
            {
                "id": t.id,
                "name": t.name,
                "kind": t.kind,
                "trim_mm": {"width": t.trim.width_mm, "height": t.trim.height_mm},
                "bleed_mm": t.bleed_mm,
                "safe_margin_mm": t.safe_margin_mm,
                "dpi": t.dpi.model_dump(),
                "output": t.output.model_dump(),
                **(_parts(t) if t.is_multi else {}),
            }
        )
    return {"templates": out}


def _parts(t: Any) -> dict[str, Any]:
    """A multi-surface product's surfaces, page counts and print files (docs/products.md)."""
    return {
        "surfaces": {n: {"label": s.label, "trim_mm": {"width": d.trim_w, "height": d.trim_h}}
                     for n, s in t.surfaces.items() for d in [t.surface_template(n)]},
        "pages": t.pages.count.model_dump() if t.pages is not None else None,
        "parts": [{"name": p.name, "surfaces": p.surfaces} for p in t.part_specs()],
    }  # fmt: skip


@router.get("/templates/{template_id}", responses=ERROR_RESPONSES)
def get_template(template_id: str, state: State, key: Storefront) -> dict[str, Any]:
    """One template as stored (templates_print/<id>.json), mockup scenes included."""
    try:
        t = state.services.engine.templates.get(template_id)
    except TemplateError:
        raise NotFound("no such template", field="template_id") from None
    return t.model_dump(mode="json")


@router.get("/fonts", responses=ERROR_RESPONSES)
def list_fonts(state: State, key: Storefront) -> dict[str, list[dict[str, Any]]]:
    """Bundled font families with scripts, styles and licenses; ``storefront``: the families this storefront
    uploaded (``POST /v1/fonts``)."""
    from render_engine.inputs.font_folder import scan_font_folder

    folder = state.services.storefront_fonts_dir(key.name)
    own = scan_font_folder(folder) if folder.is_dir() else {}
    uploaded: list[dict[str, Any]] = []
    for fid, fam in sorted(own.items()):
        styles = fam["styles"]
        assert isinstance(styles, list)
        kinds = [{"weight": s["weight"], "style": s["style"]} for s in styles]
        uploaded.append({"id": fid, "family": fam["family"], "styles": kinds})
    return {"fonts": state.services.engine.fonts.describe(), "storefront": uploaded}
