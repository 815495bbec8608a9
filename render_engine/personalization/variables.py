"""Text variables of a design template: ``{{name}}``, ``{{name|upper}}``, ``{{date|date:%d %B %Y}}``.

A variable names a slot; filters apply left to right. Substitution is one pass over the template text, so a
customer's value that itself contains ``{{...}}`` is printed as typed, never expanded. Case filters use ICU
with the template's language (Turkish dotted i, Greek final sigma are ICU's business, not ours); the date
filter formats an ISO date (``YYYY-MM-DD``) with month and weekday names in the template's language, never
the process locale, so the same order prints the same text on every machine.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..model.date_names import MONTHS, WEEKDAYS

#: ``{{ slot | filter | filter:argument }}``
VARIABLE = re.compile(r"\{\{\s*([a-z][a-z0-9_]{0,31})\s*((?:\|\s*[a-z]+(?::[^|}]*)?\s*)*)\}\}")
FILTER = re.compile(r"\|\s*([a-z]+)(?::([^|}]*))?")
CASE_FILTERS = ("upper", "lower", "title")
FILTERS = (*CASE_FILTERS, "date")
DATE_TOKENS = re.compile(r"%(-?[a-zA-Z%])")
DATE_CODES = frozenset({"d", "-d", "m", "-m", "B", "b", "Y", "y", "A", "a", "%"})

@dataclass(frozen=True)
class Variable:
    """One ``{{...}}`` occurrence: the slot it names and its filters ``(name, argument or None)``."""

    slot: str
    filters: tuple[tuple[str, str | None], ...]


def variables(text: str) -> list[Variable]:
    """Every variable in ``text``, in order. Raises ValueError for a malformed one (a ``{{`` that is not a
    variable, an unknown filter, a bad date format) — the template's author sees it when the file loads."""
    out: list[Variable] = []
    for m in VARIABLE.finditer(text):
        filters = tuple((f.group(1), f.group(2)) for f in FILTER.finditer(m.group(2)))
        for name, arg in filters:
            if name not in FILTERS:
                raise ValueError(f"unknown filter '{name}' (filters: {', '.join(FILTERS)})")
            if name == "date":
                check_date_format(arg)
            elif arg is not None:
                raise ValueError(f"filter '{name}' takes no argument")
        out.append(Variable(m.group(1), filters))
    rest = VARIABLE.sub("", text)
    if "{{" in rest or "}}" in rest:
        raise ValueError("'{{' or '}}' outside a variable: write variables as {{slot}} or {{slot|filter}}")
    return out


def check_date_format(fmt: str | None) -> None:
    if not fmt:
        raise ValueError("the date filter needs a format, e.g. date:%d %B %Y")
    for code in DATE_TOKENS.findall(fmt):
        if code not in DATE_CODES:
            raise ValueError(f"date format code %{code} is not supported (use %d %-d %m %-m %B %b %Y %y %A %a %%)")


def format_date(value: dt.date, fmt: str, language: str) -> str:
    """``value`` formatted with strftime-like codes, names in ``language`` (English when we have none)."""
    lang = language.split("-")[0]
    months = MONTHS.get(lang, MONTHS["en"])
    days = WEEKDAYS.get(lang, WEEKDAYS["en"])

    def code(m: re.Match[str]) -> str:
        c = m.group(1)
        return {
            "d": f"{value.day:02d}", "-d": str(value.day), "m": f"{value.month:02d}", "-m": str(value.month),
            "B": months[value.month - 1], "b": months[value.month - 1][:3] if lang == "en" else months[value.month - 1],
            "Y": f"{value.year:04d}", "y": f"{value.year % 100:02d}", "A": days[value.weekday()],
            "a": days[value.weekday()][:3] if lang == "en" else days[value.weekday()], "%": "%",
        }[c]  # fmt: skip

    return DATE_TOKENS.sub(code, fmt)


def change_case(text: str, how: str, language: str) -> str:
    import icu

    locale = icu.Locale(language.replace("-", "_"))
    s = icu.UnicodeString(text)
    if how == "upper":
        return str(s.toUpper(locale))
    if how == "lower":
        return str(s.toLower(locale))
    words = icu.BreakIterator.createWordInstance(locale)
    return str(s.toTitle(words, locale))  # word-wise (ICU word breaks: "o'brien" -> "O'brien", not "O'Brien")


def apply(var: Variable, value: str | dt.date, language: str) -> str:
    """The text ``var`` prints for ``value`` (a string, or a date for date slots)."""
    out: str | dt.date = value
    for name, arg in var.filters:
        if name == "date":
            if isinstance(out, dt.date):
                out = format_date(out, arg or "%Y-%m-%d", language)
            continue  # a text slot: the date filter leaves it alone
        out = change_case(out if isinstance(out, str) else out.isoformat(), name, language)
    return out if isinstance(out, str) else format_date(out, "%d %B %Y", language)


def substitute(text: str, values: dict[str, str | dt.date], language: str) -> str:
    """``text`` with every variable replaced by its slot's value (one pass: values are never re-expanded)."""

    def one(m: re.Match[str]) -> str:
        filters = tuple((f.group(1), f.group(2)) for f in FILTER.finditer(m.group(2)))
        return apply(Variable(m.group(1), filters), values[m.group(1)], language)

    return VARIABLE.sub(one, text)
