"""Colour management: the ICC profile catalog and colour conversions (littleCMS through libvips/Pillow).

Rules (see docs/color.md): explicit CMYK values pass to CMYK output untouched; on screen and in RGB output
they are shown through the output profile (CMYK -> sRGB, relative colorimetric). sRGB colours go to CMYK
through the output profile.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pyvips

from ..model.design import CMYK, RGB
from ..model.errors import TemplateError
from ..model.units import mm_to_pt
from . import flat_colours
from .color_lut import ExactLut, LutPolicy, stored_deflate, table_key

Intent = Literal["perceptual", "relative", "saturation", "absolute"]
Role = Literal["text", "thin", "area"]
CMYKValue = tuple[float, float, float, float]  # 0..1 each


@dataclass(frozen=True)
class ColorRules:
    """How design colours become press colours (docs in README "Colour rules")."""

    photo_intent: Intent = "perceptual"
    flat_intent: Intent = "relative"  # with black-point compensation
    pure_black_text: bool = True  # "#000000" text and thin strokes -> 0/0/0/100
    thin_stroke_pt: float = 2.0  # strokes up to this width count as thin lines
    rich_black: tuple[float, float, float, float] = (60.0, 60.0, 60.0, 100.0)  # large #000000 areas


@dataclass(frozen=True)
class IccProfile:
    id: str
    path: Path
    colorspace: str  # "CMYK" | "RGB"
    description: str
    output_condition_identifier: str
    registry_name: str
    output_condition: str
    total_ink_limit: float | None
    disk_cache: bool = False  # keep the compressed profile in the colour cache folder (color_lut.py)
    cache_dir: Path | None = None

    @cached_property
    def data(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the profile's bytes: what caches of converted colours are keyed on."""
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def deflated(self) -> bytes:
        """The profile zlib-compressed once per process (an output intent embeds it in every PDF); with the disk
        cache, once per machine (~11 ms of every fresh process for FOGRA39, checked by inflating it back)."""
        if self.disk_cache:
            return stored_deflate(self.cache_dir, self.data, self.digest)
        return zlib.compress(self.data, 6)


class IccCatalog:
    """``icc_profiles/profiles.json`` plus an optional extra folder with its own ``profiles.json``
    (``RENDER_ENGINE_EXTRA_ICC_DIR``) for a vendor's profiles."""

    def __init__(
        self,
        directory: Path,
        extra: Path | None = None,
        *,
        lut: bool = False,
        cache_dir: Path | None = None,
        disk_cache: bool = False,
    ) -> None:
        self.directory = directory
        self.lut, self.cache_dir = lut, cache_dir  # exact sRGB -> CMYK tables for warm processes (color_lut.py)
        self.profiles: dict[str, IccProfile] = {}
        self.default_cmyk = "fogra39l-coated"
        self._lock = threading.Lock()
        self._rgb_cache: dict[tuple[str, tuple[float, ...]], tuple[int, int, int]] = {}
        self._converters: dict[tuple[str, ColorRules], ColorConverter] = {}
        dirs = [directory] + ([extra] if extra else [])
        for d in dirs:
            index = d / "profiles.json"
            if not index.is_file():
                continue
            try:
                data: dict[str, Any] = json.loads(index.read_text(encoding="utf-8"))
            except ValueError:
                raise TemplateError(f"{index} is not valid JSON", field="icc_profile") from None
            self.default_cmyk = data.get("default_cmyk", self.default_cmyk)
            for p in data.get("profiles", []):
                self.profiles[p["id"]] = IccProfile(
                    id=p["id"],
                    path=d / p["file"],
                    colorspace=p.get("colorspace", "CMYK"),
                    description=p.get("description", ""),
                    output_condition_identifier=p.get("output_condition_identifier", "Custom"),
                    registry_name=p.get("registry_name", ""),
                    output_condition=p.get("output_condition", p.get("description", "")),
                    total_ink_limit=p.get("total_ink_limit"),
                    disk_cache=disk_cache,
                    cache_dir=cache_dir,
                )

    def converter(self, profile_id: str | None, rules: ColorRules | None = None) -> ColorConverter:
        """The process-wide converter for a CMYK output profile and colour rules (its lcms transforms and
        colour caches are built once, not per render)."""
        prof = self.cmyk_profile(profile_id)
        key = (prof.id, rules or ColorRules())
        conv = self._converters.get(key)
        if conv is None:
            srgb = self.profiles.get("srgb")
            conv = ColorConverter(prof, srgb.path if srgb else None, key[1], lut=self.lut, cache_dir=self.cache_dir)
            with self._lock:
                conv = self._converters.setdefault(key, conv)
        return conv

    def get(self, profile_id: str, field: str = "icc_profile") -> IccProfile:
        try:
            return self.profiles[profile_id]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise TemplateError(f"unknown ICC profile; available: {known}", field=field) from None

    def cmyk_profile(self, profile_id: str | None) -> IccProfile:
        prof = self.get(profile_id or self.default_cmyk)
        if prof.colorspace != "CMYK":
            prof = self.get(self.default_cmyk)
        return prof

    def srgb_profile_data(self) -> bytes:
        prof = self.profiles.get("srgb")
        if prof is not None:
            return prof.data
        import pyvips

        img = pyvips.Image.black(1, 1).bandjoin([0, 0]).copy(interpretation="srgb").icc_transform("srgb")
        return bytes(img.get("icc-profile-data"))

    def cmyk_to_srgb(self, cmyk: tuple[float, ...], profile_id: str | None) -> tuple[int, int, int]:
        """Show a CMYK colour (percent) on screen through the output profile (relative colorimetric)."""
        prof = self.cmyk_profile(profile_id)
        key = (prof.id, tuple(cmyk))
        hit = self._rgb_cache.get(key)
        if hit is not None:
            return hit
        import pyvips

        px = [round(v * 2.55) for v in cmyk]
        img = (pyvips.Image.black(1, 1) + px).cast("uchar").copy(interpretation="cmyk")
        out = img.icc_transform("srgb", input_profile=str(prof.path), intent="relative", black_point_compensation=True)
        rgb = tuple(int(v) for v in out(0, 0)[:3])
        result = (rgb[0], rgb[1], rgb[2])
        with self._lock:
            self._rgb_cache[key] = result
        return result

    def to_srgb(self, color: RGB | CMYK, profile_id: str | None) -> tuple[int, int, int]:
        if isinstance(color, RGB):
            return color.rgb
        return self.cmyk_to_srgb(color.cmyk, profile_id)


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class ColorConverter:
    """sRGB -> CMYK through the output profile with the pure-black / rich-black rules, and the way back for
    soft proofs. The PDF backend prints what :meth:`flat` and :meth:`image` return; the raster backend's
    soft proof shows exactly those CMYK values on screen, so preview and print share one set of rules."""

    def __init__(
        self,
        profile: IccProfile,
        srgb_path: Path | None,
        rules: ColorRules,
        *,
        lut: bool = False,
        cache_dir: Path | None = None,
    ) -> None:
        self.profile = profile
        self.srgb = str(srgb_path) if srgb_path else "srgb"
        self.rules = rules
        key = ""
        if lut:
            bpc = rules.photo_intent == "relative"  # as image() decides it for photos
            srgb = srgb_path.read_bytes() if srgb_path else b"libvips built-in sRGB"
            key = table_key([profile.data, srgb, rules.photo_intent.encode(), str(bpc).encode()])
        self._lut = LutPolicy(lut, cache_dir, key)
        self._cache: dict[tuple[int, int, int], CMYKValue] = {}
        self._proof_cache: dict[CMYKValue, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def stroke_role(self, width_mm: float) -> Role:
        return "thin" if mm_to_pt(width_mm) <= self.rules.thin_stroke_pt else "area"

    def flat(self, color: RGB | CMYK, role: Role) -> CMYKValue:
        if isinstance(color, CMYK):
            c = color.cmyk
            return (c[0] / 100, c[1] / 100, c[2] / 100, c[3] / 100)
        rgb = color.rgb
        if rgb == (0, 0, 0):
            if role in ("text", "thin") and self.rules.pure_black_text:
                return (0.0, 0.0, 0.0, 1.0)
            if role == "area":
                rb = self.rules.rich_black
                return (rb[0] / 100, rb[1] / 100, rb[2] / 100, rb[3] / 100)
        return self.rgb(rgb)

    def rgb(self, rgb: tuple[int, int, int]) -> CMYKValue:
        hit = self._cache.get(rgb)
        if hit is None:
            conversion = (str(self.profile.path), self.srgb, self.rules.flat_intent, True)
            hit = flat_colours.take(conversion, rgb)  # a command line's early start may have converted it
            if hit is None:
                hit = flat_colours.convert(conversion, [rgb])[rgb]
            with self._lock:
                self._cache[rgb] = hit
        return hit

    def warm(self, colours: list[tuple[int, int, int]]) -> None:
        """Convert the uncached ``colours`` (as :meth:`rgb` would) in one transform: a gradient's many stops
        cost one littleCMS transform, not one each."""
        conversion = (str(self.profile.path), self.srgb, self.rules.flat_intent, True)
        done: dict[tuple[int, int, int], CMYKValue] = {}
        for c in sorted({c for c in colours if c not in self._cache}):
            hit = flat_colours.take(conversion, c)  # a command line's early start may have converted it
            if hit is not None:
                done[c] = hit
        todo = sorted({c for c in colours if c not in self._cache and c not in done})
        if len(todo) >= 2:
            done.update(flat_colours.convert(conversion, todo))
        if not done:
            return
        with self._lock:
            self._cache.update(done)

    def image(self, img: pyvips.Image, *, flat: bool = False) -> pyvips.Image:
        """sRGB uchar image -> CMYK uchar through the output profile (photo intent, or the flat intent)."""
        intent = self.rules.flat_intent if flat else self.rules.photo_intent
        return img.icc_transform(
            str(self.profile.path),
            input_profile=self.srgb,
            intent=intent,
            black_point_compensation=flat or intent == "relative",
        )

    def preload_table(self) -> bool:
        """Map the stored exact table, if there is one, so that every page (even a fresh work horse's first)
        uses it; runs no libvips operation."""
        return self._lut.preload()

    def check_preloaded_table(self) -> bool:
        """Spot-check the preloaded table against littleCMS (runs libvips: see ``LutPolicy.check_preloaded``)."""
        return self._lut.check_preloaded(self.image)

    def trust_preloaded_table(self) -> bool:
        """Use the preloaded table unchecked: a child of this process checked it (``LutPolicy.trust_preloaded``)."""
        return self._lut.trust_preloaded()

    def page_table(self, imgs: list[pyvips.Image], max_pixels: int | None = None) -> ExactLut | None:
        """The exact table (:mod:`.color_lut`) for a page's sRGB uchar images in the photo intent: its
        ``convert`` gives byte for byte what :meth:`image` gives, without building a littleCMS transform.
        None when this page goes through littleCMS (the process's first page, tables off, an image too
        large, or larger than ``max_pixels``: the table materialises an image twice, littleCMS streams)."""
        return self.page_table_for(max((i.width * i.height for i in imgs), default=0), max_pixels)

    def page_table_for(self, largest: int, max_pixels: int | None = None) -> ExactLut | None:
        """:meth:`page_table` for a page whose largest image has ``largest`` pixels (counts the page)."""
        if max_pixels is not None and largest > max_pixels:
            return None
        return self._lut.for_page(self.image, largest)

    # ------------------------------------------------------------------------------------ soft proof

    def proof_flat(self, color: RGB | CMYK, role: Role) -> tuple[int, int, int]:
        """The printed CMYK of a flat colour, shown in sRGB (relative colorimetric + BPC)."""
        cmyk = self.flat(color, role)
        hit = self._proof_cache.get(cmyk)
        if hit is None:
            px = [round(v * 255) for v in cmyk]
            img = (pyvips.Image.black(1, 1) + px).cast("uchar").copy(interpretation="cmyk")
            out = img.icc_transform(
                self.srgb, input_profile=str(self.profile.path), intent="relative", black_point_compensation=True
            )
            r, g, b = (int(v) for v in out(0, 0)[:3])
            hit = (r, g, b)
            with self._lock:
                self._proof_cache[cmyk] = hit
        return hit

    def proof_image(self, img: pyvips.Image, *, flat: bool = False) -> pyvips.Image:
        """An sRGB(A) uchar image as it will print: through CMYK and back (alpha kept)."""
        alpha = img[3] if img.bands == 4 else None
        rgb = (img.extract_band(0, n=3) if alpha is not None else img).copy(interpretation="srgb")
        back = self.image(rgb, flat=flat).icc_transform(
            self.srgb, input_profile=str(self.profile.path), intent="relative", black_point_compensation=True
        )
        back = back.cast("uchar")
        return (back.bandjoin(alpha) if alpha is not None else back).copy(interpretation="srgb")
