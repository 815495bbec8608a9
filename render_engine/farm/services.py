"""Services: what the API and the workers share — settings, the warm engine, storage and the job store —
and the artifact names and content types of a job's files."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

    def empty_dir(self) -> Path:
        """Base folder for API designs: relative ``asset`` paths resolve to nothing (use ``asset_id``)."""
        d = self.settings.storage_root / "empty"
        d.mkdir(exist_ok=True)
        return d


def artifact_name(fmt: str) -> str:
    return f"print.{fmt}"


class Dispatcher(Protocol):
    """Where accepted jobs go: :class:`~.dispatch.RqDispatcher` or :class:`~.dispatch.LocalDispatcher`."""

    def enqueue(self, rec: JobRecord) -> bool: ...
    def rq_status(self, rq_id: str) -> str | None: ...
    def ping(self) -> bool: ...
    def depth(self) -> dict[str, int]: ...
    def farm_steps(self) -> Histograms: ...
