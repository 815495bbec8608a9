"""Spelling of message text (``text.spelling``, a warning, never a blocker): hunspell's en_US dictionary
(``dictionaries/``, from Debian's hunspell-en-us) read by spylls, a pure-Python port of hunspell.

Conservative, because names are what gifts are made of: ALL-CAPS words, words with digits, and words of one
or two letters are left alone; an unknown capitalised word (a name such as "Aarav", wherever it stands) is
flagged only when swapping two neighbouring letters gives a dictionary word ("Brithday" → "Birthday"), the
typo that is almost never a name. Unknown lower-case words are flagged with suggestions.

A shop's own words (``Settings.spelling_words``, a file) and a design's ``meta.words`` (spellings the customer
confirmed) are accepted in any case.

Suggestions are the dictionary words one edit away (a swap of neighbours first, then a missing, an extra
and a changed letter), found by ~50 dictionary look-ups per letter (~50-80 ms a word) rather than spylls'
``suggest()`` (~0.5 s a word, which made every preview with a name slow). The dictionary is loaded once per
process (~2-3 s): the API and the farm workers load it at start (:func:`load_dictionary`), the render CLI's
quick warnings skip this check (``preflight(..., spelling=False)``), ``render-engine preflight`` runs it.
"""

from __future__ import annotations

import re
import string
import threading
import unicodedata
from functools import lru_cache
from itertools import islice
from typing import Any

from ..layout.plan import TextItem
from ..model.design import TextLayer
from ..model.settings import bundled_dir
from .messages import Msg
from .report import CheckContext, Finding

_WORD = re.compile(r"(?<![\w@.#/])[A-Za-z]+(?:'[A-Za-z]+)*(?![\w@/])")
_MAX_WORDS = 8  # at most this many unknown words per design are looked into (~50-80 ms each)
MAX_WORD_LETTERS = 45
"""No dictionary word is longer (pneumonoultramicroscopicsilicovolcanoconiosis): a longer run of letters is
flagged without a look-up. Suggestions are quadratic in the length (a 4999-letter word took minutes of CPU and
its candidates ~650 MB), so only words of at most :data:`MAX_SUGGESTED_LETTERS` get them."""
MAX_SUGGESTED_LETTERS = 30
_lock = threading.Lock()
_dictionary: Any = None


def load_dictionary() -> Any:
    """The en_US dictionary, loaded on first call (~2-3 s) and shared by every later check in the process."""
    global _dictionary
    with _lock:
        if _dictionary is None:
            from spylls.hunspell import Dictionary

            _dictionary = Dictionary.from_files(str(bundled_dir("dictionaries") / "en_US"))
        return _dictionary


def _one_edit_away(word: str) -> list[str]:
    """Candidates one edit from ``word``, most likely typo first: neighbours swapped, a letter missing, a
    letter too many, a letter changed (Damerau's four single-error kinds); duplicates dropped, order kept."""
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1 and b[0] != b[1]]
    changes = [a + c + b[1:] for a, b in splits if b for c in letters if c != b[0].lower()]
    deletes = [a + b[1:] for a, b in splits if b]
    inserts = [a + c + b for a, b in splits for c in letters]
    return list(dict.fromkeys(c for c in swaps + inserts + deletes + changes if c and c != word))


def _suggest(word: str, limit: int = 5) -> tuple[str, ...]:
    d = load_dictionary()
    return tuple(islice((c for c in _one_edit_away(word) if d.lookup(c)), limit))


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
    if len(word) > MAX_WORD_LETTERS:
        return ()
    d = load_dictionary()
    if d.lookup(word):
        return None
    if len(word) > MAX_SUGGESTED_LETTERS:
        return None if word[0].isupper() else ()  # a long capitalised word: a name (only swaps counted)
    if word[0].isupper():  # may be a name: only a swap of two neighbouring letters counts as a typo
        swapped = tuple(c for c in _one_edit_away(word) if _swapped_neighbours(word, c) and d.lookup(c))
        return swapped or None
    return _suggest(word)


def check_spelling(ctx: CheckContext) -> list[Finding]:
    if not ctx.spelling:
        return []
    out: list[Finding] = []
    budget = _MAX_WORDS
    own = ctx.engine.spelling_words | {w.casefold() for w in ctx.prepared.design.meta.words}
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
            if len(word) < 3 or word.isupper() or word.casefold() in own:
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
                    Msg("Please check the spelling of: {words}", words=[
                        Msg("{word} (did you mean {suggestions}?)", word=w, suggestions=", ".join(s[:3])) if s
                        else Msg("{word}", word=w) for w, s in bad]),
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


__all__ = ["check_spelling", "load_dictionary", "spelling_suggestions"]
