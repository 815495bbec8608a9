"""Engine settings: defaults -> environment (``RENDER_ENGINE_*``) -> validated.

Built by an entry point (CLI, API app factory, worker) and passed down; nothing reads the environment at
import time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .bundled import bundled_dir
from .errors import RenderError, SettingsError, several

ENV_PREFIX = "RENDER_ENGINE_"
S = TypeVar("S", bound=BaseModel)


class Settings(BaseModel):
    """Every field can be set by an environment variable ``RENDER_ENGINE_<FIELD>`` (any case); keyword
    arguments win over the environment, the environment over the defaults. The environment is read by a
    validator, as pydantic-settings' environment source reads it, without that package's import (~0.15 s of
    a fresh ``render-engine render`` process: it loads asyncio and a dozen cloud-secret providers)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use (issue 22)

    @model_validator(mode="before")
    @classmethod
    def _environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        env = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}
        found: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            value = env.get(ENV_PREFIX + name.upper())
            if value is None or name in data:
                continue
            found[name] = None if value == "" and info.default is None else value
        return {**found, **data}

    templates_dir: Path = Field(
        default_factory=lambda: bundled_dir("templates_print"),
        description="Product template catalog (mockup scenes are read from a `mockups` folder beside it).",
    )
    fonts_dir: Path = Field(default_factory=lambda: bundled_dir("fonts"), description="Bundled fonts and catalog.json.")
    extra_fonts_dir: Path | None = Field(
        None,
        description="A storefront fonts folder (.ttf/.otf, read with fontTools) added to the bundled fonts; "
        "families are named as in the font files (docs/fabric.md).",
    )
    icc_dir: Path = Field(
        default_factory=lambda: bundled_dir("icc_profiles"), description="ICC profiles and profiles.json."
    )
    extra_icc_dir: Path | None = Field(
        None, description="A folder with your vendor's profiles and its own profiles.json, added to the bundled ones."
    )

    max_layers: int = Field(200, gt=0, description="Layers per design.")
    max_text_chars: int = Field(5000, gt=0, description="Characters per text layer.")
    max_design_text_chars: int = Field(
        10_000,
        gt=0,
        description="Characters of all text layers of one design together (layout and the ink checks cost "
        "time per glyph: 200 layers at the per-layer limit took minutes to check).",
    )
    max_combining_run: int = Field(
        20,
        gt=0,
        description="Consecutive combining marks in text (Zalgo text stacks hundreds; shaping and drawing slow down).",
    )
    max_source_pixels: int = Field(
        120_000_000, gt=0, description="Pixels of one source image (width*height*pages), checked before decoding."
    )
    max_output_pixels: int = Field(
        130_000_000, gt=0, description="Pixels of one output raster (a 24x36 in poster at 300 DPI is ~80 MP)."
    )
    max_svg_bytes: int = Field(2_000_000, gt=0, description="Size of one SVG clip-art document.")
    max_svg_elements: int = Field(20_000, gt=0, description="Elements in one SVG document.")
    max_svg_depth: int = Field(
        48, gt=0, description="Element nesting depth of one SVG document (renderers draw recursively)."
    )
    max_svg_uses: int = Field(500, gt=0, description="<use> elements in one SVG document (no nesting).")
    max_svg_render_seconds: float = Field(
        10.0,
        gt=0,
        description=(
            "CPU time of one SVG render (librsvg / CairoSVG, in a helper process killed when it runs out, or after"
            " 6x this of wall time)."
        ),
    )
    max_svg_render_seconds_total: float = Field(
        30.0,
        gt=0,
        description=(
            "Helper CPU time all SVG renders of one output (a print file, a preview, a proof) may take together:"
            " many clip-art layers, or tiles of one, each within max_svg_render_seconds cannot add up to more."
        ),
    )
    max_dpi: int = Field(1200, gt=0, description="Highest output resolution accepted.")
    color_lut: bool = Field(
        True,
        description="Warm processes convert photos to CMYK through an exact table of littleCMS's results for all"
        " 2^24 sRGB colours (identical output, ~3x faster; 64 MB on disk, built once per profile pair).",
    )
    color_cache_dir: Path | None = Field(
        None,
        description="Where colour caches are kept: those tables and the compressed ICC profiles PDFs embed, each"
        " named by the SHA-256 of its inputs and checked on load (default: $XDG_CACHE_HOME/render-engine/color,"
        " else ~/.cache/render-engine/color).",
    )
    spelling_words: Path | None = Field(
        None,
        description="A shop's own words for the spelling check (brand and product names, local spellings): a UTF-8"
        " text file, one word per line, '#' starts a comment. Added to each design's meta.words.",
    )
    malloc_arena_max: int = Field(
        2,
        ge=0,
        le=64,
        description="glibc malloc arenas of a process that renders (0: glibc's default, up to 8 per core). Each"
        " thread's arena keeps what it freed: 2 took a warm mug render's peak RSS from ~340 to ~250 MB, no slower.",
    )
    vips_cache_mb: int = Field(
        16, ge=0, description="libvips' operation cache per process (MB; libvips' default 100): orders bring new files."
    )
    render_threads: int | None = Field(
        None,
        ge=0,
        le=256,
        description="Threads one render uses (libvips' thread pool and the page-image pool). Unset: 1 in render-farm"
        " processes (`render-engine worker`, its work horses and batch validator: one process per core keeps every"
        " core busy) unless VIPS_CONCURRENCY is set, libvips' default (one per core) elsewhere. 0: libvips' default"
        " everywhere. Outputs are the same bytes whatever the count (docs/farm.md, 'Threads and processes').",
    )

    @field_validator("spelling_words")
    @classmethod
    def _words_file(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(f"spelling_words: {v} is not a file")
        return v


def validated(factory: Callable[..., S], **overrides: Any) -> S:
    """``factory(**overrides)`` (:class:`Settings`, or the farm's settings) with a :class:`SettingsError` for every
    setting that does not validate, each named by its environment variable: the command line prints one line
    each (``error: RENDER_ENGINE_MAX_LAYERS: Input should be a valid integer…``) instead of a traceback that
    repeated the value, an API key included."""
    try:
        if factory is Settings:  # the same as Settings(**overrides), without its schema build (issue 22)
            from . import fast_validate

            return fast_validate.construct(Settings, **overrides)  # type: ignore[return-value]
        return factory(**overrides)
    except ValidationError as exc:
        problems: list[RenderError] = []
        for err in exc.errors(include_input=False, include_url=False, include_context=False):
            loc = [str(part) for part in err["loc"]]
            name = loc[0] if loc and loc[0].upper().startswith(ENV_PREFIX) else ENV_PREFIX + (loc[0] if loc else "")
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(SettingsError(message, field=".".join([name.upper(), *loc[1:]])))
        raise several(problems) from None


def default_settings() -> Settings:
    from . import fast_validate

    return fast_validate.construct(Settings)  # Settings(), without its schema build (issue 22)
