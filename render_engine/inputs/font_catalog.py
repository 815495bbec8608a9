"""The bundled font catalog (``fonts/catalog.json``) and loaded font faces.

Fonts are referenced by catalog id or family name only — never by a path from a request. A face is
loaded once per process (HarfBuzz face + font at units-per-em scale, so shaping results are in font units
and independent of the size they are drawn at).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import uharfbuzz as hb

from ..model.design import FontRef
from ..model.errors import FontError, TemplateError, did_you_mean
from ..model.geometry import Path as OutlinePath
from .font_embolden import EMBOLDEN_EM, embolden
from .font_folder import family_key, scan_font_folder


@dataclass(frozen=True)
class StyleEntry:
    weight: int
    style: str
    file: str


@dataclass(frozen=True)
class FamilyEntry:
    id: str
    family: str
    category: str
    scripts: tuple[str, ...]
    license: str
    license_file: str
    source: str
    styles: tuple[StyleEntry, ...]


@dataclass(eq=False)
class FontFace:
    """One font file, ready to shape and draw."""

    face_id: str  # "<family-id>:<weight>:<style>"
    family_id: str
    family: str
    weight: int
    style: str
    path: Path
    emoji: bool = False  # an emoji face by catalogue category (colour or monochrome)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _outlines: dict[int, OutlinePath] = field(default_factory=dict, repr=False)
    _bold_outlines: dict[int, OutlinePath] = field(default_factory=dict, repr=False)

    @cached_property
    def blob(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def hb_face(self) -> hb.Face:
        return hb.Face(self.blob)

    @cached_property
    def hb_font(self) -> hb.Font:
        return hb.Font(self.hb_face)  # scale = upem: positions come back in font units

    @cached_property
    def upem(self) -> int:
        return int(self.hb_face.upem)

    @cached_property
    def extents(self) -> tuple[float, float, float]:
        """(ascender, descender as a positive number, line gap) in font units."""
        ext = self.hb_font.get_font_extents("ltr")
        return float(ext.ascender), float(-ext.descender), float(ext.line_gap)

    @cached_property
    def has_color(self) -> bool:
        """Does the face paint glyphs in colour (COLRv0 layers with a CPAL palette)?"""
        return bool(self.hb_face.has_color_layers)

    @cached_property
    def palette(self) -> tuple[str, ...]:
        """The first CPAL palette as ``#rrggbb`` (read with fontTools: only the CPAL table is parsed)."""
        from fontTools.ttLib import TTFont

        font = TTFont(self.path, lazy=True)
        return tuple(c.hex()[:7].lower() for c in font["CPAL"].palettes[0])

    def color_layers(self, gid: int) -> tuple[tuple[int, str | None], ...]:
        """A colour glyph's layers bottom to top: (glyph id, ``#rrggbb``, or None for the text colour).
        Empty for a glyph (or face) without colour layers."""
        if not self.has_color:
            return ()
        layers = self.hb_face.get_glyph_color_layers(gid)
        pal = self.palette
        return tuple(
            (int(lay.glyph), None if lay.color_index == 0xFFFF or lay.color_index >= len(pal) else pal[lay.color_index])
            for lay in layers
        )

    def has_char(self, cp: int) -> bool:
        return self.hb_font.get_nominal_glyph(cp) is not None

    def outline(self, gid: int) -> OutlinePath:
        """Glyph outline in font units, y up (cached; HarfBuzz draws TrueType and CFF alike)."""
        path = self._outlines.get(gid)
        if path is None:
            with self._lock:
                path = OutlinePath.from_pen_drawing(lambda pen: self.hb_font.draw_glyph_with_pen(gid, pen))
                self._outlines[gid] = path
        return path

    def bold_outline(self, gid: int) -> OutlinePath:
        """The outline emboldened as a canvas synthesises bold for this face (``font_embolden``; cached)."""
        path = self._bold_outlines.get(gid)
        if path is None:
            path = embolden(self.outline(gid), self.upem * EMBOLDEN_EM)
            with self._lock:
                self._bold_outlines[gid] = path
        return path


class FontCatalog:
    """Families from ``catalog.json`` plus the declared fallback chain."""

    def __init__(self, directory: Path, extra_dir: Path | None = None) -> None:
        """The catalogue in ``directory``; ``extra_dir`` is a storefront fonts folder whose families are added
        (:mod:`render_engine.inputs.font_folder`; a family of the same name replaces the bundled one)."""
        self.directory = directory
        try:
            data: dict[str, Any] = json.loads((directory / "catalog.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TemplateError(f"font catalog unreadable ({type(exc).__name__})", field="fonts") from None
        self.families: dict[str, FamilyEntry] = {}
        entries = list(data["families"])
        if extra_dir is not None:
            extra = scan_font_folder(extra_dir)
            keys = {family_key(str(f["family"])) for f in extra.values()}
            entries = [f for f in entries if f["id"] not in extra and family_key(f["family"]) not in keys]
            entries += extra.values()
        for fam in entries:
            styles = tuple(StyleEntry(int(s["weight"]), s["style"], s["file"]) for s in fam["styles"])
            self.families[fam["id"]] = FamilyEntry(
                id=fam["id"],
                family=fam["family"],
                category=fam.get("category", ""),
                scripts=tuple(fam.get("scripts", ())),
                license=fam.get("license", ""),
                license_file=fam.get("license_file", ""),
                source=fam.get("source", ""),
                styles=styles,
            )
        self.fallback: tuple[str, ...] = tuple(data.get("fallback", ()))
        # the face that prints emoji in one colour (templates with ``text.emoji`` "monochrome"/"forbidden")
        mono = data.get("monochrome_emoji")
        self.monochrome_emoji: str | None = mono if mono in self.families else None
        self._by_name = {family_key(f.family): f.id for f in self.families.values()}
        self._faces: dict[str, FontFace] = {}
        self._lock = threading.Lock()

    def family_id(self, name: str, field: str = "font.family") -> str:
        if name in self.families:
            return name
        fid = self._by_name.get(family_key(name))
        if fid is None:
            known = ", ".join(sorted(self.families))
            hint = did_you_mean(name, [*self.families, *(f.family for f in self.families.values())])
            raise FontError(f"unknown font family{hint}; bundled families: {known}", field=field)
        return fid

    def face(self, ref: FontRef, field: str = "font") -> FontFace:
        fid = self.family_id(ref.family, field=f"{field}.family")
        return self.face_for(fid, ref.weight, ref.style)

    def face_for(self, family_id: str, weight: int, style: str) -> FontFace:
        """Closest style of a family: same slant preferred, then nearest weight (CSS-like)."""
        fam = self.families[family_id]
        best = min(fam.styles, key=lambda s: (s.style != style, abs(s.weight - weight), -s.weight))
        face_id = f"{family_id}:{best.weight}:{best.style}"
        with self._lock:
            face = self._faces.get(face_id)
            if face is None:
                face = FontFace(
                    face_id, family_id, fam.family, best.weight, best.style, self.directory / best.file,
                    emoji=fam.category.startswith("emoji"),
                )
                self._faces[face_id] = face
        return face

    def face_by_id(self, face_id: str) -> FontFace:
        family_id, weight, style = face_id.split(":")
        return self.face_for(family_id, int(weight), style)

    def chain(self, ref: FontRef, emoji: str = "color", field: str = "font") -> tuple[list[FontFace], list[FontFace]]:
        """The faces a character of ``ref`` is tried in, in order (:meth:`fallback_faces`), and the faces ``ref``
        names: its family, then its ``fallback`` families (a CSS font-family list), each once."""
        primary = self.face(ref, field=field)
        listed = [
            self.face_for(self.family_id(name, field=f"{field}.fallback[{j}]"), ref.weight, ref.style)
            for j, name in enumerate(ref.fallback)
        ]
        listed = [f for k, f in enumerate(listed) if f is not primary and f not in listed[:k]]
        return self.fallback_faces(primary, emoji, listed), [primary, *listed]

    def fallback_faces(
        self, primary: FontFace, emoji: str = "color", listed: Sequence[FontFace] = ()
    ) -> list[FontFace]:
        """The primary face, the ``listed`` faces (a font-family list's further families, each once, none the
        primary), then the catalogue's fallback chain. ``emoji`` is the template's emoji mode (``text.emoji``):
        for "monochrome" and "forbidden" the monochrome emoji face comes before every colour face the design did
        not list, which stay last (an emoji it lacks prints as its colour glyph's silhouette)."""
        faces = [primary, *listed]
        named = {f.family_id for f in faces}
        for fid in self.fallback:
            if fid not in named and fid in self.families:
                faces.append(self.face_for(fid, primary.weight, primary.style))
        if emoji != "color" and self.monochrome_emoji is not None:
            mono = self.face_for(self.monochrome_emoji, primary.weight, primary.style)
            asked = set(map(id, listed))  # listed faces keep their place, colour or not
            kept = [f for f in faces if id(f) in asked or (f is not mono and (f is primary or not f.has_color))]
            colour = [f for f in faces[1:] if f.has_color and id(f) not in asked]
            faces = kept + ([] if mono in kept else [mono]) + colour
        return faces

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "id": f.id,
                "family": f.family,
                "category": f.category,
                "scripts": list(f.scripts),
                "styles": [{"weight": s.weight, "style": s.style} for s in f.styles],
                "license": f.license,
            }
            for f in self.families.values()
        ]
