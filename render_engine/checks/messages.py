"""Customer-facing preflight messages in English, Hindi and Simplified Chinese (issue #21).

A check writes its message as ``Msg("This text is very small ({size} pt) ...", size=...)``: a ``str`` (the
English text, so everything that reads ``Finding.message`` is unchanged) that remembers its template and
values. :func:`translate` looks the template up in a gettext catalogue (``render_engine/locale/<lang>/
LC_MESSAGES/preflight.mo``, compiled from the ``.po`` next to it by ``scripts/compile_messages.py``) and fills
in the same values; a value that is itself a :class:`Msg` (or a list of them) is translated too. A message
without a translation stays English. Codes, fields, details and measures stay language-neutral.

The API picks the language from ``Accept-Language`` (:func:`negotiate`), the CLI from ``--lang``.
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

#: Languages with a catalogue ("en" is the source language).
LANGUAGES = ("en", "hi", "zh-Hans")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "preflight"
GETTEXT_LANG = {"hi": "hi", "zh-Hans": "zh_Hans"}  # language -> locale folder name
#: Words that reach messages as values (``Msg(name)`` with a computed name): colour names, product nouns,
#: fold and dieline kinds, edges, spacing problems. Listed so the catalogues have them (scripts/
#: compile_messages.py extracts every literal ``Msg("...")`` template and these).
VOCABULARY = (
    "white", "black", "grey", "light grey", "dark grey", "brown", "pink", "light pink", "red", "orange",
    "yellow", "green", "teal", "blue", "purple", "light {colour}", "dark {colour}",
    "background", "phone case", "garment", "book", "box", "calendar", "canvas", "card", "coaster", "cushion",
    "keychain", "mug", "notebook", "photo-print", "poster", "puzzle", "sticker",
    "fold", "gutter", "spine", "hinge", "binding", "crease",
    "left", "top", "right", "bottom",
    "leading space", "trailing space", "double space",
)  # fmt: skip


class Joined(tuple[Any, ...]):
    """Words joined by ``sep`` (", " for a list in a sentence); a plain list joins with "; "."""

    sep: str

    def __new__(cls, sep: str, items: Sequence[Any]) -> Joined:
        obj = super().__new__(cls, items)
        obj.sep = sep
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Joined, (self.sep, tuple(self)))


def _english(value: Any) -> Any:
    if isinstance(value, Joined):
        return value.sep.join(str(v) for v in value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def _rebuild(template: str, params: dict[str, Any], cap: bool = False) -> Msg:
    msg = Msg(template, **params)
    return msg.capitalized() if cap else msg


class Msg(str):
    """An English message that keeps its template and values for translation."""

    template: str
    params: dict[str, Any]
    cap: bool

    def __new__(cls, template: str, **params: Any) -> Msg:
        obj = super().__new__(cls, template.format(**{k: _english(v) for k, v in params.items()}))
        obj.template = template
        obj.params = params
        obj.cap = False
        return obj

    def capitalized(self) -> Msg:
        """The English capitalised ("White" at a sentence start); translated as the lower-case message."""
        obj = str.__new__(Msg, str(self)[:1].upper() + str(self)[1:])
        obj.template, obj.params, obj.cap = self.template, self.params, True
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (farm workers) keep the template and values
        return (_rebuild, (self.template, self.params, self.cap))


def joined(sep: str, items: Sequence[str]) -> Joined:
    """``items`` (each translated on its own) joined by ``sep`` in English, by the language's comma otherwise."""
    return Joined(sep, [v if isinstance(v, Msg) or "{" in v else Msg(v) for v in items])


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[GETTEXT_LANG[lang]], fallback=True)


def _param(value: Any, lang: str) -> Any:
    if isinstance(value, str):
        return translate(value, lang)
    if isinstance(value, Sequence):
        if isinstance(value, Joined):
            sep = ("、" if lang == "zh-Hans" else ", ") if value.sep.strip() == "," else value.sep
        else:
            sep = "；" if lang == "zh-Hans" else "; "
        return sep.join(str(translate(v, lang) if isinstance(v, str) else v) for v in value)
    return value


def translate(message: str, lang: str) -> str:
    """``message`` in ``lang`` (one of :data:`LANGUAGES`); English where the catalogue has no entry."""
    if lang == "en" or lang not in GETTEXT_LANG:
        return str(message)
    cat = _catalogue(lang)
    if not isinstance(message, Msg):
        return cat.gettext(str(message)) if message else str(message)
    template = cat.gettext(message.template)
    if template == message.template and not message.params:
        return str(message)
    try:
        return template.format(**{k: _param(v, lang) for k, v in message.params.items()})
    except (KeyError, IndexError, ValueError):  # a broken translation never breaks a report
        return str(message)


def negotiate(accept_language: str | None) -> str:
    """The best of :data:`LANGUAGES` for an HTTP ``Accept-Language`` header (RFC 9110 quality values; zh,
    zh-CN, zh-SG and zh-Hans take Simplified Chinese; zh-TW, zh-HK and zh-Hant are not offered). English
    when nothing matches."""
    if not accept_language:
        return "en"
    best, best_q = "en", -1.0
    for item in accept_language.split(",")[:32]:
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        lang = language_of(tag.strip())
        if lang is not None and q > 0 and q > best_q:
            best, best_q = lang, q
    return best


def language_of(tag: str) -> str | None:
    """One of :data:`LANGUAGES` for a BCP 47 tag, or None."""
    parts = [p.lower() for p in tag.replace("_", "-").split("-") if p]
    if not parts:
        return None
    if parts[0] == "en":
        return "en"
    if parts[0] == "hi":
        return "hi"
    if parts[0] == "zh":
        rest = set(parts[1:])
        if rest & {"hant", "tw", "hk", "mo"}:
            return None
        return "zh-Hans"
    return None
