"""Services: what the API and the workers share — settings, the warm engine, storage and the job store —
and the artifact names and content types of a job's files."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ..engine import Engine
from ..model.settings import Settings
from .settings import ServiceSettings
from .step_metrics import Histograms
from .storage import Storage, make_storage
from .store import JobRecord, JobStore, open_job_store

log = logging.getLogger(__name__)

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "json": "application/json", "jpg": "image/jpeg"}


MAX_STOREFRONT_ENGINES = 16
"""Storefront engines (font catalogues with uploaded fonts) kept per process; templates and ICC are shared."""
_ENGINES: dict[tuple[str, str], Engine] = {}
_ENGINES_LOCK = threading.Lock()


@dataclass
class Services:
    """What the API and the workers share: settings, the warm engine, storage and the job store."""

    settings: ServiceSettings
    engine: Engine
    storage: Storage
    store: JobStore
    # called with (pipeline, {step: seconds}) after each job render in this process (the API's /metrics
    # sets it for the embedded worker); every job also logs its step timings (``render steps``)
    on_steps: Callable[[str, Mapping[str, float]], None] | None = None

    @classmethod
    def build(cls, settings: ServiceSettings, engine: Engine | None = None) -> Services:
        store = open_job_store(
            settings.job_store_url,
            settings.storage_root,
            pool_size=settings.job_store_pool_size,
            timeout=settings.job_store_timeout,
        )
        return cls(settings, engine or Engine(Settings()), make_storage(settings), store)

    def storefront_fonts_dir(self, owner: str) -> Path:
        """The fonts folder of the storefront whose keys are named ``owner`` (``POST /v1/fonts``)."""
        slug = re.sub(r"[^a-z0-9-]+", "-", owner.casefold()).strip("-") or "storefront"
        return self.settings.storage_root / "fonts" / slug

    def fonts_fingerprint(self, owner: str) -> str:
        """The names of the storefront's stored fonts (content hashes): "" without any. Part of cache keys."""
        folder = self.storefront_fonts_dir(owner)
        if not folder.is_dir():
            return ""
        return ",".join(sorted(p.name for p in folder.iterdir() if p.suffix in (".ttf", ".otf")))

    def for_storefront(self, owner: str | None) -> Services:
        """These services with the engine that also knows the storefront's uploaded fonts (the same services
        when it has none): a design of that storefront names them by family; no other storefront's can."""
        prints = self.fonts_fingerprint(owner) if owner else ""
        if not prints or owner is None:
            return self
        cache_key = (str(self.storefront_fonts_dir(owner)), prints)
        with _ENGINES_LOCK:
            engine = _ENGINES.get(cache_key)
            if engine is None:
                engine = self.engine.with_extra_fonts(self.storefront_fonts_dir(owner))
                for old in [k for k in _ENGINES if k[0] == cache_key[0]]:  # that storefront's older font set
                    del _ENGINES[old]
                while len(_ENGINES) >= MAX_STOREFRONT_ENGINES:
                    del _ENGINES[next(iter(_ENGINES))]  # the longest unused
                _ENGINES[cache_key] = engine
            else:
                _ENGINES[cache_key] = _ENGINES.pop(cache_key)  # most recently used last
        return replace(self, engine=engine)

    def empty_dir(self) -> Path:
        """Base folder for API designs: relative ``asset`` paths resolve to nothing (use ``asset_id``)."""
        d = self.settings.storage_root / "empty"
        d.mkdir(exist_ok=True)
        return d


class Dispatcher(Protocol):
    """Where accepted jobs go: :class:`~.dispatch.RqDispatcher` or :class:`~.dispatch.LocalDispatcher`."""

    def enqueue(self, rec: JobRecord) -> bool: ...
    def rq_status(self, rq_id: str) -> str | None: ...
    def ping(self) -> bool: ...
    def depth(self) -> dict[str, int]: ...
    def farm_steps(self) -> Histograms: ...
