"""Strict JSON for every design that comes in (API bodies, design files, the public API): what Python's
``json`` accepts but a design must not contain is refused with the reason and the position — the API
answers ``422 invalid_json`` before FastAPI parses the body (``api/limits.py``), the CLI prints one line.

Python's ``json.loads`` (which FastAPI uses) accepts ``NaN``/``Infinity`` and ``1e999`` (→ ``inf``), keeps the
last of duplicate keys silently (other parsers keep the first: a storefront and the engine could read two
different designs from one body), and raises a bare ``ValueError`` for integers over 4300 digits or for
bytes that are not UTF-8/16/32 — which FastAPI answered with an untyped ``400 "There was an error parsing
the body"`` and the CLI with a traceback. Here every one of those is a typed error with the line and column.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from .errors import DesignError, RenderError

MAX_INPUT_FILE_BYTES = 512 * 1024 * 1024
"""The largest design / rows file a command reads (a Fabric canvas can carry its photos as data URLs)."""

MAX_NUMBER_CHARS = 100
"""Digits in one JSON number: a design needs a handful; Python's own limit (4300 digits for integers) is
about CPU (int parsing is quadratic), not meaning."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
"""A JSON string, or an unterminated one up to the end of the input. The closing quote is optional on purpose:
with it required, every quote after an unterminated string's opening one (``"\\"\\"\\"…``) started another
scan to the end of the body — quadratic: 40 KB of ``\\"`` held the event loop ~50 s. Now one linear pass."""
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER_CHARS + 1))
_NON_FINITE = re.compile(rb"\b(?:NaN|-?Infinity)\b")


class JsonRefused(RenderError, ValueError):
    """A body that is not strict JSON; ``message`` says why and where. In the one error tree (the API answers
    ``422 invalid_json`` on ``body`` from ``code`` / ``http_status``); still a ``ValueError`` for callers that
    catch that."""

    code = "invalid_json"
    http_status = 422


def _where(raw: bytes, offset: int) -> str:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line} column {col}"


def _blank_strings(raw: bytes) -> bytes:
    """``raw`` with the content of every string replaced by spaces (same length: offsets stay valid)."""
    return _STRING.sub(lambda m: b'"' + b" " * (len(m.group()) - 1), raw)


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")
_NUMPY_FROM = 20_000  # brackets; below this the loop takes < 2 ms


def nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether ``raw`` nests arrays/objects deeper than ``limit`` anywhere, found without parsing (a parser is
    what a deep document attacks: recursion in the decoder, then in every validator that walks the result).

    Strings are blanked, every other byte but brackets dropped, and the running depth is a cumulative sum
    (numpy): linear, a few milliseconds for a 2 MB body whatever its shape. An unbalanced body that still goes
    deeper than ``limit`` counts as too deep; one that does not is left to the parser."""
    brackets = _STRING.sub(b'""', raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    if len(brackets) < _NUMPY_FROM:  # an ordinary design: plain Python, so a cold render need not load numpy
        depth = 0
        for b in brackets:
            depth += 1 if b in _OPENING else -1
            if depth > limit:
                return True
        return False
    import numpy as np

    arr = np.frombuffer(brackets, dtype=np.uint8)
    step = np.where((arr == ord("[")) | (arr == ord("{")), 1, -1).astype(np.int32)
    return bool(np.cumsum(step, dtype=np.int32).max() > limit)


_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:  # messages never echo input: the key is not quoted back
            raise JsonRefused("an object has the same key twice")
        out[key] = value
    return out


class _OutOfRange(JsonRefused):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfRange("a number is out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise JsonRefused("a non-finite number is not JSON")


_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (b"\x00\x00\xfe\xff", "UTF-32 big-endian, with a byte-order mark"),
    (b"\xff\xfe\x00\x00", "UTF-32 little-endian, with a byte-order mark"),
    (b"\xfe\xff", "UTF-16 big-endian, with a byte-order mark"),
    (b"\xff\xfe", "UTF-16 little-endian, with a byte-order mark"),
)


def wide_encoding(raw: bytes) -> str | None:
    """The UTF-16 / UTF-32 encoding ``raw`` is in (RFC 4627 section 3: a byte-order mark, or where the zero
    bytes of the first ASCII characters fall), else None. JSON text has no raw zero byte, so one near the start
    means a wide encoding: without a mark, ASCII JSON in UTF-16 is even valid UTF-8 (``{\\0"\\0…``) and failed
    as "expecting a property name at column 2"."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:4]
    if len(head) < 4 or 0 not in head:
        return None
    if head[:3] == b"\x00\x00\x00":
        return "UTF-32 big-endian, without a byte-order mark"
    if head[1:] == b"\x00\x00\x00":
        return "UTF-32 little-endian, without a byte-order mark"
    if head[0] == 0 and head[2] == 0:
        return "UTF-16 big-endian, without a byte-order mark"
    if head[1] == 0 and head[3] == 0:
        return "UTF-16 little-endian, without a byte-order mark"
    return None


def check_json(raw: bytes | str) -> Any:
    """The value of ``raw`` if it is strict JSON (UTF-8, finite numbers of at most :data:`MAX_NUMBER_CHARS`
    characters, no duplicate keys), else :class:`JsonRefused`. Cheap checks first: the long-number and NaN
    scans are C-level regexes over the body with its strings blanked."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if (wide := wide_encoding(raw)) is not None:
        raise JsonRefused(f"not UTF-8 text: it is {wide}; send JSON as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonRefused(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at {_where(raw, exc.start)})"
        ) from None
    # the scans run over the raw bytes first (strings can only add false hits); only a hit pays for blanking
    # the strings to confirm it and find its position
    blank = raw
    if _LONG_NUMBER.search(raw) or _NON_FINITE.search(raw):
        blank = _blank_strings(raw)
        if m := _LONG_NUMBER.search(blank):
            raise JsonRefused(f"a number longer than {MAX_NUMBER_CHARS} characters at {_where(raw, m.start())}")
        if m := _NON_FINITE.search(blank):
            raise JsonRefused(f"a non-finite number is not JSON (at {_where(raw, m.start())})")
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant, parse_float=_finite
        )
    except _OutOfRange:
        blank = _blank_strings(raw) if blank is raw else blank
        where = next((_where(raw, n.start()) for n in _NUMBER.finditer(blank) if math.isinf(float(n.group()))), "")
        raise JsonRefused(f"a number is out of range (at {where})" if where else "a number is out of range") from None
    except JsonRefused as exc:
        raise JsonRefused(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise JsonRefused("JSON nested too deeply") from None
    except ValueError as exc:  # anything else json refuses: still the client's body
        raise JsonRefused(f"not valid JSON ({type(exc).__name__})") from None


def load_json(raw: bytes | str, field: str = "design") -> Any:
    """:func:`check_json` for design input: a :class:`DesignError` on ``field`` naming reason and position."""
    try:
        return check_json(raw)
    except JsonRefused as exc:
        message = str(exc)
        raise DesignError(message if message.startswith("not valid JSON") else f"not valid JSON: {message}",
                          field=field) from None


def read_input_file(path: Path, what: str = "design file", field: str = "design") -> bytes:
    """The bytes of an input file the user named, or :class:`DesignError` on ``field``: a directory, a named
    pipe, a device (``/dev/zero``: reading it never ends) or a socket is refused before it is opened, as is a
    file over :data:`MAX_INPUT_FILE_BYTES`; an unreadable one names the OS's reason."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file (a pipe, device or socket)"
            raise DesignError(f"cannot read {what}: it is {kind}", field=field)
        if st.st_size > MAX_INPUT_FILE_BYTES:
            raise DesignError(f"{what} is over {MAX_INPUT_FILE_BYTES // 2**20} MB", field=field)
        with open(path, "rb") as fh:
            return fh.read(MAX_INPUT_FILE_BYTES + 1)
    except OSError as exc:
        raise DesignError(f"cannot read {what} ({exc.strerror})", field=field) from None
