"""Storefront fonts: a folder of font files added to the bundled catalogue (``--fonts-dir``,
``RENDER_ENGINE_EXTRA_FONTS_DIR``).

Each ``.ttf`` / ``.otf`` file in the folder (sub-folders included) is read with fontTools: its family name
(``name`` ID 16, the typographic family, else ID 1), its weight (``OS/2.usWeightClass``) and whether it is
italic (``OS/2.fsSelection`` bit 0, ``head.macStyle`` bit 1 or a non-zero ``post.italicAngle``). Files of
one family become one catalogue family whose id is the family name in lower case with hyphens for spaces
(``Great Vibes`` -> ``great-vibes``), so a design — or Fabric's ``fontFamily`` — names it by family as the
storefront's editor does. A file fontTools cannot read is an error naming it: a storefront font that
silently fails to load would print in another face.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..model.errors import TemplateError

FONT_SUFFIXES = (".ttf", ".otf")
MAX_FOLDER_ENTRIES = 20_000
"""Files and folders looked at under a storefront fonts folder before giving up: ``--fonts-dir /`` or a home
folder walked the whole disk (minutes) and died on the first file that vanished meanwhile (/proc)."""


def _font_files(directory: Path) -> list[Path]:
    """The .ttf/.otf files under ``directory`` (symlinked folders not followed), at most
    :data:`MAX_FOLDER_ENTRIES` entries looked at; :class:`TemplateError` naming the folder otherwise."""
    found: list[Path] = []
    seen = 0

    def refuse(exc: OSError) -> None:
        raise TemplateError(f"storefront fonts folder {directory} cannot be read ({exc.strerror or exc})",
                            field="fonts_dir") from None  # fmt: skip

    for root, dirs, files in os.walk(directory, onerror=refuse):
        seen += len(dirs) + len(files)
        if seen > MAX_FOLDER_ENTRIES:
            raise TemplateError(f"storefront fonts folder {directory} holds over {MAX_FOLDER_ENTRIES} files and "
                                "folders: point it at the folder of font files", field="fonts_dir")  # fmt: skip
        found += [Path(root) / f for f in files if Path(f).suffix.lower() in FONT_SUFFIXES]
    return sorted(p for p in found if p.is_file())


def family_key(name: str) -> str:
    """How family names are compared: case-, space-, hyphen- and underscore-insensitive
    (``"Great Vibes"``, ``"great-vibes"`` and ``"GreatVibes"`` are one family)."""
    return re.sub(r"[\s_-]+", "", name).casefold()


MAX_FAMILY_CHARS = 128  # FontRef.family's limit


def family_id_for(name: str) -> str:
    """A catalogue id for a family name: ``Great Vibes`` -> ``great-vibes`` (ASCII letters, digits, hyphens)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug or "font"


def read_font_file(path: Path) -> tuple[str, int, str]:
    """(family name, weight 100..900, "normal" | "italic") of one font file, read with fontTools."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1)
            os2 = font.get("OS/2", None)
            weight = int(os2.usWeightClass) if os2 is not None else 400
            italic = bool(os2 is not None and os2.fsSelection & 1)
            italic = italic or bool(font["head"].macStyle & 2)
            if "post" in font and font["post"].italicAngle:
                italic = True
    except (TTLibError, OSError, KeyError, AttributeError, ValueError, AssertionError) as exc:
        raise TemplateError(
            f"storefront font {path.name} is not a readable font ({type(exc).__name__})", field="fonts"
        ) from None
    # the name is the font's, i.e. the uploader's: control and format characters (a terminal escape, a bidi
    # override) are dropped, and it is cut to what a design's font.family can name (128 characters)
    family = "".join(c for c in family or "" if c.isprintable()).strip()[:MAX_FAMILY_CHARS].strip()
    if not family:
        raise TemplateError(f"storefront font {path.name} has no family name", field="fonts")
    weight = min(900, max(100, round(weight / 100) * 100)) if weight >= 1 else 400
    return family, weight, "italic" if italic else "normal"


def scan_font_folder(directory: Path) -> dict[str, dict[str, object]]:
    """Catalogue entries (``catalog.json`` shape, absolute file paths) for every font file under ``directory``."""
    if not directory.is_dir():
        raise TemplateError(f"storefront fonts folder {directory} does not exist", field="fonts")
    families: dict[str, dict[str, object]] = {}
    for path in _font_files(directory):
        family, weight, style = read_font_file(path)
        fid = family_id_for(family)
        entry = families.setdefault(
            fid,
            {
                "id": fid,
                "family": family,
                "category": "storefront",
                "scripts": [],
                "license": "storefront-supplied",
                "license_file": "",
                "source": f"storefront fonts folder {directory}",
                "styles": [],
            },
        )
        styles = entry["styles"]
        assert isinstance(styles, list)
        if not any(s["weight"] == weight and s["style"] == style for s in styles):
            styles.append({"weight": weight, "style": style, "file": str(path.resolve())})
    return families
