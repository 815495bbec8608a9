"""Spelling of message text (``text.spelling``, a warning, never a blocker): hunspell's en_US dictionary
(``dictionaries/``, from Debian's hunspell-en-us) read by spylls, a pure-Python port of hunspell.

Conservative, because names are what gifts are made of: ALL-CAPS words, words with digits, and words of one
or two letters are left alone; an unknown capitalised word (a name such as "Aarav", wherever it stands) is
flagged only when a suggestion is the same word with two neighbouring letters swapped ("Brithday" →
"Birthday"), the typo that is almost never a name. Unknown lower-case words are flagged with suggestions.
The dictionary is loaded once per process, and only when some text has a word the quick checks keep.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from itertools import islice
from typing import Any

from ..layout.plan import TextItem
from ..model.design import TextLayer
from ..model.settings import bundled_dir
from .report import CheckContext, Finding

_WORD = re.compile(r"(?<![\w@.#/])[A-Za-z]+(?:'[A-Za-z]+)*(?![\w@/])")
_MAX_WORDS = 8  # suggestions cost ~0.5 s a word in spylls: at most this many unknown words per design
_lock = threading.Lock()
_dictionary: Any = None


def _dict() -> Any:
    global _dictionary
    with _lock:
        if _dictionary is None:
            from spylls.hunspell import Dictionary

            _dictionary = Dictionary.from_files(str(bundled_dir("dictionaries") / "en_US"))
        return _dictionary


def _swapped_neighbours(a: str, b: str) -> bool:
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _touches_format_control(text: str, start: int, end: int) -> bool:
    return (start > 0 and unicodedata.category(text[start - 1]) == "Cf") or (
        end < len(text) and unicodedata.category(text[end]) == "Cf"
    )


@lru_cache(maxsize=4096)
def spelling_suggestions(word: str) -> tuple[str, ...] | None:
    """None when ``word`` is fine (or left alone); else the dictionary's suggestions (maybe none)."""
    if len(word) < 3 or word.isupper():
        return None
    d = _dict()
    if d.lookup(word):
        return None
    suggestions = tuple(islice(d.suggest(word), 5))
    # a capitalised word may be a name: only a swap of two neighbouring letters counts as a typo
    if word[0].isupper() and not any(_swapped_neighbours(word.lower(), s.lower()) for s in suggestions):
        return None
    return suggestions


def check_spelling(ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    budget = _MAX_WORDS
    for it in ctx.layout.items:
        if not isinstance(it, TextItem):
            continue
        layer = ctx.prepared.design.layers[it.layer]
        if not isinstance(layer, TextLayer):
            continue
        bad: list[tuple[str, tuple[str, ...]]] = []
        text = layer.text
        words = (
            m.group(0)
            for m in _WORD.finditer(text)  # a word touching a format control is text.invisible_characters' case
            if not _touches_format_control(text, m.start(), m.end())
        )
        for word in dict.fromkeys(words):
            if budget <= 0:
                break
            if len(word) < 3 or word.isupper():
                continue
            found = spelling_suggestions(word)
            if found is not None:
                bad.append((word, found))
                budget -= 1
        if bad:
            out.append(
                Finding(
                    "text.spelling",
                    "warning",
                    "Please check the spelling of: "
                    + "; ".join(f"{w}" + (f" (did you mean {', '.join(s[:3])}?)" if s else "") for w, s in bad),
                    "not in the en_US dictionary: " + ", ".join(w for w, _ in bad),
                    it.layer,
                    it.block.bounds or it.box,
                    [w for w, _ in bad],
                    "words in the dictionary (names and ALL-CAPS are not checked)",
                    None,
                    {"words": [{"word": w, "suggestions": list(s)} for w, s in bad]},
                )
            )
    return out


__all__ = ["check_spelling", "spelling_suggestions"]
