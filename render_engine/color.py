"""Colour management: the ICC profile catalog and colour conversions (littleCMS through libvips/Pillow).

Rules (see docs/color.md): explicit CMYK values pass to CMYK output untouched; on screen and in RGB output
they are shown through the output profile (CMYK -> sRGB, relative colorimetric). sRGB colours go to CMYK
through the output profile.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .design import CMYK, RGB
from .errors import TemplateError


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

    @cached_property
    def data(self) -> bytes:
        return self.path.read_bytes()


class IccCatalog:
    """``icc_profiles/profiles.json`` plus an optional extra folder with its own ``profiles.json``
    (``RENDER_ENGINE_EXTRA_ICC_DIR``) for a vendor's profiles."""

    def __init__(self, directory: Path, extra: Path | None = None) -> None:
        self.directory = directory
        self.profiles: dict[str, IccProfile] = {}
        self.default_cmyk = "fogra39l-coated"
        self._lock = threading.Lock()
        self._rgb_cache: dict[tuple[str, tuple[float, ...]], tuple[int, int, int]] = {}
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
                )

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
