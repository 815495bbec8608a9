"""One exception hierarchy for everything a caller can get wrong.

Every error carries the metadata a front end needs: a stable ``code``, the HTTP status an API should
answer with, a ``field`` path into the design (``layers[2].box.width``) where one applies, and a message
that is safe to show (it never echoes raw invalid input back).
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar


class RenderError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "render_error"
    http_status = 500

    def __init__(self, message: str, *, field: str | None = None, local_detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # for the person at this machine (the command line prints it): e.g. the file path that was tried.
        # Never part of ``message`` / ``to_dict``, so the API does not send server paths or echo input.
        self.local_detail = local_detail
        #: every problem when one error reports several (:func:`several`); empty for a single problem
        self.problems: tuple[RenderError, ...] = ()

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text} ({self.local_detail})" if self.local_detail else text

    def lines(self) -> list[str]:
        """One line per problem (``field: reason``): what a command line prints."""
        return [str(p) for p in self.problems] if self.problems else [str(self)]

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message, "field": self.field}
        if self.problems:
            out["problems"] = [{"code": p.code, "message": p.message, "field": p.field} for p in self.problems]
        return out


class DesignError(RenderError):
    """The design document is malformed or asks for something impossible."""

    code = "invalid_design"
    http_status = 422


class TemplateError(RenderError):
    """Unknown product template, or a template file that does not validate."""

    code = "invalid_template"
    http_status = 422


class FontError(DesignError):
    """Unknown font, or characters that no bundled font can print."""

    code = "font_error"


class AssetError(RenderError):
    """An image/SVG asset is missing, unreadable or not decodable."""

    code = "invalid_asset"
    http_status = 422


class InvalidFont(AssetError):
    """An uploaded font is not a sound TTF/OTF/WOFF2 (the OpenType Sanitizer refused it), or its licence
    (OS/2 fsType) forbids embedding it in a print file."""

    code = "invalid_font"


class LimitExceeded(RenderError):
    """A hard safety limit (pixels, bytes, layers, text length...) was exceeded."""

    code = "limit_exceeded"
    http_status = 413


class OutputError(RenderError):
    """The output could not be written (disk full, read-only, bad path)."""

    code = "output_error"
    http_status = 500


class SettingsError(RenderError):
    """A setting (``RENDER_ENGINE_*`` in the environment, or an option standing for one) that does not validate:
    the operator's to fix, named by its variable; its value is never repeated (API keys are settings)."""

    code = "invalid_settings"
    http_status = 500


class Transient(Exception):
    """A fault of the machine, not of the job, which a retry can outlive: an object store unreachable or
    throttled past its own retries (``farm.storage.StorageError``, which is an ``OSError`` too). The farm's
    workers retry it (:func:`transient`); the API answers 503/507, never 4xx."""


#: ``OSError`` numbers a retry can outlive: the disk or network failing, full or busy for now. Others
#: (``ENOENT``, ``EACCES``, ``EISDIR``, ``EINVAL``...) are a missing file or a wrong setting: the same job
#: fails the same way again, so it fails at once.
_TRANSIENT_NAMES = (
    "EIO ENOSPC EDQUOT EFBIG EROFS EAGAIN EBUSY EINTR ENOMEM EMFILE ENFILE ETIMEDOUT ESTALE ENOLCK EPIPE "
    "ECONNRESET ECONNREFUSED ECONNABORTED EHOSTUNREACH ENETUNREACH ENETDOWN"
)
TRANSIENT_ERRNOS = frozenset(getattr(errno, n) for n in _TRANSIENT_NAMES.split() if hasattr(errno, n))


def transient(exc: BaseException) -> bool:
    """Whether a retry can outlive ``exc``: a :class:`Transient`, a connection or timeout error, memory, or
    an ``OSError`` whose number is in :data:`TRANSIENT_ERRNOS` (or that has none: a library's own I/O
    failure, kept retried as before). Never by message text."""
    if isinstance(exc, Transient | MemoryError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, OSError) and (exc.errno is None or exc.errno in TRANSIENT_ERRNOS)


_E = TypeVar("_E", bound=RenderError)


def several(problems: Sequence[_E]) -> _E | DesignError:
    """One :class:`DesignError` reporting every problem in ``problems`` (at least one): its field is the first
    problem's, its message counts them, ``problems`` lists them all, each with its own code (the API answers
    them in one 422); a single problem is itself."""
    if len(problems) == 1:
        return problems[0]
    err = DesignError(
        f"{len(problems)} problems: "
        + "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems[:3])
        + ("; …" if len(problems) > 3 else ""),
        field=problems[0].field,
    )
    err.problems = tuple(problems)
    return err


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean mug-11oz?)"`` for the closest known name (difflib, case-insensitive), else ``""``.
    Only a known name is quoted back, never the input."""
    by_fold = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(name.casefold()[:200], list(by_fold), n=1, cutoff=0.6)
    return f" (did you mean {by_fold[close[0]]}?)" if close else ""


@contextmanager
def asset_errors(field: str, what: str) -> Iterator[None]:
    """Convert third-party decoder failures into :class:`AssetError` at the boundary.

    The original exception's class name is kept for operators; its text (which may quote file
    contents or paths) is not shown.
    """
    try:
        yield
    except RenderError:
        raise
    except Exception as exc:  # decoders raise anything: pyvips.Error, OSError, ValueError...
        raise AssetError(
            f"{what} could not be decoded: the file is damaged, cut short or not the format its first bytes claim "
            f"({type(exc).__name__})",
            field=field,
        ) from exc
