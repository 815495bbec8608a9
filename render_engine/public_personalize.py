"""The public Python API for design templates (``templates_design/``): find, fill and render them, as the
CLI's ``render-engine personalize`` does. Exported from the package top like :mod:`render_engine.public`
(docs/python-api.md); kept apart so each module stays readable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model.design import Design
from .model.errors import DesignError
from .public import PrintFormat, Rendered, default_engine, render_design

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["design_templates", "fill_design_template", "load_design_template", "personalize"]


def load_design_template(template: Any) -> Any:
    """A :class:`~render_engine.personalization.DesignTemplate` from itself, a library id (``templates_design/``)
    or a ``.json`` path; :class:`TemplateError` naming the problem otherwise."""
    from .personalization import DesignTemplate, catalog, load_design_template_file

    if isinstance(template, DesignTemplate):
        return template
    if isinstance(template, os.PathLike) or (isinstance(template, str) and template.endswith(".json")):
        return load_design_template_file(Path(template))
    if not isinstance(template, str):
        raise DesignError("a design template is an id, a .json path or a DesignTemplate", field="design_template")
    return catalog().get(template)


def design_templates(
    *, product: str | None = None, occasion: str | None = None, language: str | None = None
) -> list[Any]:
    """The library's design templates (``templates_design/``) fitting ``product``, tagged ``occasion``, in
    ``language`` (each filter optional), by id."""
    from .personalization import catalog

    return catalog().find(product=product, occasion=occasion, language=language)


def fill_design_template(
    template: Any,
    product: str,
    values: Mapping[str, Any] | None = None,
    photos: Mapping[str, Any] | None = None,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    placeholders: bool = False,
) -> Design:
    """A design template (id, path or object) filled into a native :class:`Design` for ``product``; one
    :class:`DesignError` lists every slot problem (``slots.name: at most 18 characters``). Photo paths are
    relative to ``base_dir`` (default: the current folder); render the design with the same ``base_dir``."""
    from .personalization import fill

    return fill(load_design_template(template), product, values, photos, base_dir=base_dir, placeholders=placeholders)


def personalize(
    template: Any,
    product: str,
    values: Mapping[str, Any] | None = None,
    photos: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    *,
    format: PrintFormat | None = None,
    dpi: float | None = None,
    engine: Engine | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    placeholders: bool = False,
) -> Rendered:
    """Fill a design template and render the print file, as ``render-engine personalize`` does: the
    :func:`render_design` of :func:`fill_design_template`. Photos are paths (absolute or relative to the current
    folder, or to ``base_dir`` when given) or ``{"asset_id": …}``."""
    from .model.errors import RenderError
    from .personalization.fill import fill_with_sources, photos_relative, slot_error

    base, rel = photos_relative(photos or {}, base_dir)
    settings = (engine or default_engine()).settings
    design, sources = fill_with_sources(load_design_template(template), product, values, rel, base_dir=base,
                                        settings=settings, placeholders=placeholders)  # fmt: skip
    try:
        return render_design(design, out, format=format, dpi=dpi, engine=engine, base_dir=base)
    except RenderError as exc:  # a layout / font problem of a filled layer names its slot
        raise slot_error(exc, sources) from None

