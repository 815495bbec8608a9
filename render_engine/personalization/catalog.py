"""The design-template library: every ``templates_design/<id>.json``, loaded and validated once.

Template art is inlined when a file loads: an ``svg`` layer's ``file`` and a photo slot's ``placeholder``
(paths relative to the library folder, which they may not leave) become inline SVG, so a loaded template is
self-contained and a filled design's only files are the customer's photos.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..model.design import field_path
from ..model.errors import RenderError, TemplateError, did_you_mean
from ..model.json_input import load_json, read_input_file
from ..model.settings import bundled_dir
from .model import DesignTemplate

MAX_ART_BYTES = 500_000


def default_directory() -> Path:
    """The bundled library (``templates_design/``; ``RENDER_ENGINE_DESIGN_TEMPLATES_DIR`` overrides it)."""
    import os

    env = os.environ.get("RENDER_ENGINE_DESIGN_TEMPLATES_DIR")
    return Path(env) if env else bundled_dir("templates_design")


def _art(folder: Path, relative: Any, field: str, name: str) -> str:
    from ..inputs.assets import resolve_path

    if not isinstance(relative, str):
        raise TemplateError(f"{name}: a file path relative to the library folder", field=field)
    try:
        path = resolve_path(folder, relative, field)
    except RenderError as exc:
        raise TemplateError(f"{name}: {exc.message}", field=field) from None
    data = path.read_bytes()
    if len(data) > MAX_ART_BYTES:
        raise TemplateError(f"{name}: art files are at most {MAX_ART_BYTES} bytes", field=field)
    return data.decode("utf-8")


def inline_art(data: Any, folder: Path, name: str) -> Any:
    """The decoded template JSON with svg ``file``s and photo ``placeholder``s read into inline SVG."""
    if not isinstance(data, dict):
        return data
    data = copy.deepcopy(data)
    for slot_id, slot in (data.get("slots") or {}).items():
        if isinstance(slot, dict) and slot.get("placeholder") is not None and "placeholder_svg" not in slot:
            slot["placeholder_svg"] = _art(folder, slot["placeholder"], f"slots.{slot_id}.placeholder", name)
    for pid, layout in (data.get("products") or {}).items():
        for prefix, layers in _layer_lists(layout):
            for i, layer in enumerate(layers):
                if isinstance(layer, dict) and layer.get("type") == "svg" and "file" in layer:
                    layer["svg"] = _art(folder, layer.pop("file"), f"products.{pid}.{prefix}layers[{i}].file", name)
    return data


def _layer_lists(layout: Any) -> list[tuple[str, list[Any]]]:
    """``(prefix, layers)`` of a product layout as decoded JSON: its ``layers``, each surface's and page's."""
    if not isinstance(layout, dict):
        return []
    out = [("", layout.get("layers"))]
    surfaces = layout.get("surfaces")
    if isinstance(surfaces, dict):
        out += [(f"surfaces.{n}.", s.get("layers")) for n, s in surfaces.items() if isinstance(s, dict)]
    pages = layout.get("pages")
    if isinstance(pages, list):
        out += [(f"pages[{i}].", p.get("layers")) for i, p in enumerate(pages) if isinstance(p, dict)]
    flow = layout.get("flow")
    if isinstance(flow, dict):
        out.append(("flow.", flow.get("layers")))
    return [(prefix, layers) for prefix, layers in out if isinstance(layers, list)]


def parse_design_template(data: Any, folder: Path, name: str = "design template") -> DesignTemplate:
    """Validate decoded JSON as a :class:`DesignTemplate` (art read from ``folder``); a :class:`TemplateError`
    naming the first problem's field."""
    data = inline_art(data, folder, name)
    try:
        return DesignTemplate.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        field = field_path(tuple(err["loc"]))
        located = re.match(r"^([\w.\[\]-]+): (.*)$", msg) if not err["loc"] else None
        if located:  # a whole-template check naming its own place (products.mug-11oz.layers[2].text: …)
            field, msg = located.group(1), located.group(2)
        raise TemplateError(f"{name}: {msg}", field=field) from None


def load_design_template_file(path: Path) -> DesignTemplate:
    try:  # a folder, fifo or device is refused before it is read (reading /dev/zero or a fifo never ends)
        data = load_json(read_input_file(path, "design template file", "design_template"), "design_template")
    except RenderError as exc:
        raise TemplateError(f"{path.name}: {exc.message}", field="design_template") from None
    return parse_design_template(data, path.parent, path.name)


@dataclass(frozen=True)
class DesignTemplateCatalog:
    """Every design template in a folder, loaded once (:func:`catalog` shares one per folder)."""

    directory: Path

    @cached_property
    def templates(self) -> dict[str, DesignTemplate]:
        out: dict[str, DesignTemplate] = {}
        if not self.directory.is_dir():
            raise TemplateError("the design template folder does not exist", field="design_template")
        for path in sorted(self.directory.glob("*.json")):
            t = load_design_template_file(path)
            if t.id != path.stem:
                raise TemplateError(f"{path.name}: id '{t.id}' must equal the file name", field="id")
            out[t.id] = t
        return out

    def get(self, template_id: str) -> DesignTemplate:
        try:
            return self.templates[template_id]
        except KeyError:
            raise TemplateError(
                f"unknown design template{did_you_mean(template_id, self.templates)}; "
                f"`render-engine design-templates` lists them",
                field="design_template",
            ) from None

    def find(
        self, *, product: str | None = None, occasion: str | None = None, language: str | None = None
    ) -> list[DesignTemplate]:
        """The templates fitting ``product``, tagged ``occasion`` and in ``language`` (its primary subtag
        matches too: ``zh`` finds ``zh-Hans``), by id."""
        out = []
        for t in self.templates.values():
            if product is not None and product not in t.products:
                continue
            if occasion is not None and occasion not in t.occasions:
                continue
            if language is not None and language not in (t.language, t.language.split("-")[0]):
                continue
            out.append(t)
        return out


def catalog(directory: Path | None = None) -> DesignTemplateCatalog:
    """The shared catalog of ``directory`` (default: :func:`default_directory`), loaded once per folder."""
    return _shared(Path(directory) if directory is not None else default_directory())


@functools.lru_cache(maxsize=8)
def _shared(directory: Path) -> DesignTemplateCatalog:
    return DesignTemplateCatalog(directory)
