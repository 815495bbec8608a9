"""render_engine: design JSON + product template -> print-ready raster/PDF, mockups and preflight reports.

The public API (docs/python-api.md) is what this package exports::

    from render_engine import render_design, render_mockup, preflight, load_design, Engine

    rendered = render_design("examples/mug-11oz-photo-name.json", "out/mug.pdf")
    jpeg = render_mockup("examples/mug-11oz-photo-name.json", width=800)   # bytes

Names are imported lazily on first use (module ``__getattr__``), so ``import render_engine`` stays cheap: no
libvips, numpy or fonts are loaded until a function or class is touched. The pipeline behind them (see
:mod:`render_engine.pipeline`) is parse -> resolve -> layout -> draw -> write.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# exported name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "Engine": "render_engine.engine",
    "Settings": "render_engine.model.settings",
    "Design": "render_engine.model.design",
    "PreflightReport": "render_engine.checks.preflight",
    "RenderError": "render_engine.model.errors",
    "DesignError": "render_engine.model.errors",
    "TemplateError": "render_engine.model.errors",
    "FontError": "render_engine.model.errors",
    "AssetError": "render_engine.model.errors",
    "LimitExceeded": "render_engine.model.errors",
    "OutputError": "render_engine.model.errors",
    "Rendered": "render_engine.public",
    "default_engine": "render_engine.public",
    "load_design": "render_engine.public",
    "render_design": "render_engine.public",
    "render_mockup": "render_engine.public",
    "preflight": "render_engine.public",
    "personalize": "render_engine.public_personalize",
    "fill_design_template": "render_engine.public_personalize",
    "design_templates": "render_engine.public_personalize",
    "load_design_template": "render_engine.public_personalize",
    "DesignTemplate": "render_engine.personalization.model",
}

__all__ = [
    "AssetError",
    "Design",
    "DesignError",
    "DesignTemplate",
    "Engine",
    "FontError",
    "LimitExceeded",
    "OutputError",
    "PreflightReport",
    "RenderError",
    "Rendered",
    "Settings",
    "TemplateError",
    "__version__",
    "default_engine",
    "design_templates",
    "fill_design_template",
    "load_design",
    "load_design_template",
    "personalize",
    "preflight",
    "render_design",
    "render_mockup",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load on first use
    from .checks.preflight import PreflightReport
    from .engine import Engine
    from .model.design import Design
    from .model.errors import (
        AssetError,
        DesignError,
        FontError,
        LimitExceeded,
        OutputError,
        RenderError,
        TemplateError,
    )
    from .model.settings import Settings
    from .personalization.model import DesignTemplate
    from .public import Rendered, default_engine, load_design, preflight, render_design, render_mockup
    from .public_personalize import design_templates, fill_design_template, load_design_template, personalize


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'render_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
