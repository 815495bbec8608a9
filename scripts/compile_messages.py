"""Preflight message catalogues (issue #21): extract, check and compile.

    python scripts/compile_messages.py            # write render_engine/locale/<lang>/LC_MESSAGES/preflight.mo
    python scripts/compile_messages.py --check    # exit 1 if a .po misses a message or a .mo is stale
    python scripts/compile_messages.py --missing  # print the English templates a catalogue lacks

The English templates are every literal ``Msg("...")`` in render_engine/checks/ plus ``messages.VOCABULARY``.
Translations live in ``render_engine/locale/<lang>/LC_MESSAGES/preflight.po`` (hand-written, UTF-8); the
``.mo`` next to each is compiled by Babel (a dev dependency; the engine reads .mo with the standard library's
gettext). Compilation is deterministic, so tests compare the committed .mo with a fresh compile.
"""

from __future__ import annotations

import argparse
import ast
import io
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from render_engine.checks.messages import DOMAIN, GETTEXT_LANG, LOCALE_DIR, VOCABULARY  # noqa: E402


def templates() -> list[str]:
    """Every English template, in source order, without duplicates."""
    out: dict[str, None] = {}
    for path in sorted((ROOT / "render_engine" / "checks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Msg" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                out[node.args[0].value] = None
    for word in VOCABULARY:
        out[word] = None
    return list(out)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / GETTEXT_LANG[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str):
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=GETTEXT_LANG[lang])


def compiled(lang: str) -> bytes:
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, read(lang), use_fuzzy=False)
    return buf.getvalue()


#: values a translation may leave out (the English article "a"/"an")
OPTIONAL_FIELDS = {"a"}


def problems(lang: str) -> list[str]:
    """Missing or empty translations, and translations whose {fields} differ from the English (a translation
    may leave out only :data:`OPTIONAL_FIELDS`)."""
    cat = read(lang)
    out = []
    for t in templates():
        msg = cat.get(t)
        if msg is None or not msg.string:
            out.append(f"{lang}: missing {t!r}")
        elif not fields(t) - OPTIONAL_FIELDS <= fields(msg.string) <= fields(t):
            out.append(f"{lang}: fields {sorted(fields(msg.string))} != {sorted(fields(t))} in {t!r}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--missing", action="store_true")
    args = ap.parse_args()
    bad: list[str] = []
    for lang in GETTEXT_LANG:
        bad += problems(lang)
        mo = po_path(lang).with_suffix(".mo")
        data = compiled(lang)
        if args.check or args.missing:
            if not mo.exists() or mo.read_bytes() != data:
                bad.append(f"{lang}: {mo.relative_to(ROOT)} is stale (run scripts/compile_messages.py)")
        else:
            mo.write_bytes(data)
    for line in bad:
        print(line)
    return 1 if bad and (args.check or args.missing) else 0


if __name__ == "__main__":
    sys.exit(main())
