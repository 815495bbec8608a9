"""The engine: what a warm process loads once and every render shares.

:class:`Engine` holds the template catalog, the font catalog and the ICC profiles, each loaded on first use,
and hardens libvips for untrusted input when it is made; it also caps the process's malloc arenas and libvips'
cache (:mod:`render_engine.inputs.tuning`) and applies ``render_threads`` when that is set.
Entry points build one (the CLI, the API app factory, the render-farm worker,
:func:`render_engine.default_engine`) and pass it down; the steps of the pipeline
(:mod:`render_engine.pipeline`) read from it and never change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .inputs.color import IccCatalog
from .inputs.font_catalog import FontCatalog
from .inputs.safety import harden_libvips
from .inputs.tuning import limit_malloc_arenas, limit_vips_cache, use_render_threads
from .model.settings import Settings
from .model.templates import TemplateCatalog


@dataclass
class Engine:
    """Process-wide, read-only state: catalogs are loaded on first use and shared by every render."""

    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        harden_libvips()
        limit_malloc_arenas(self.settings.malloc_arena_max)
        limit_vips_cache(self.settings.vips_cache_mb)
        if self.settings.render_threads is not None:  # unset: the entry point's default (render_engine.inputs.tuning)
            use_render_threads(self.settings.render_threads)

    @cached_property
    def templates(self) -> TemplateCatalog:
        return TemplateCatalog(self.settings.templates_dir)

    @cached_property
    def fonts(self) -> FontCatalog:
        return FontCatalog(self.settings.fonts_dir, self.settings.extra_fonts_dir)

    @cached_property
    def icc(self) -> IccCatalog:
        s = self.settings
        return IccCatalog(s.icc_dir, s.extra_icc_dir, lut=s.color_lut, cache_dir=s.color_cache_dir, disk_cache=True)

    def with_extra_fonts(self, folder: Path) -> Engine:
        """This engine with a storefront's fonts folder added to the font catalogue (its uploaded families,
        ``POST /v1/fonts``); the templates, ICC profiles and word list are this engine's, shared."""
        other = Engine(self.settings.model_copy(update={"extra_fonts_dir": folder}))
        for name in ("templates", "icc", "spelling_words"):
            other.__dict__[name] = getattr(self, name)
        return other

    @cached_property
    def spelling_words(self) -> frozenset[str]:
        """The shop's own words (``settings.spelling_words``), case-folded; empty without a file."""
        path = self.settings.spelling_words
        if path is None:
            return frozenset()
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()  # a file: checked by Settings
        return frozenset(w.casefold() for w in (line.split("#", 1)[0].strip() for line in lines) if w)
