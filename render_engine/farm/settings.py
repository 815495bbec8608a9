"""Service settings for the API and the render farm: defaults -> environment -> validated.

Separate from the engine's :class:`~render_engine.model.settings.Settings` (which is about rendering) and built
the same way: by an entry point (``render-engine serve``/``worker``, :func:`api.app.create_app`), then
passed down. Nothing reads the environment at import time.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SCOPES = ("storefront", "print-unit")
UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HOLD_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")  # a preflight finding code, e.g. text.spelling


@dataclass(frozen=True)
class ApiKey:
    """One configured key: a name for logs (never the key itself) and the scopes it grants."""

    name: str
    key: str
    scopes: frozenset[str]
    print_unit: str | None = None  # a print-unit key bound to one unit sees and changes only that unit's jobs
    hold_codes: tuple[str, ...] | None = None  # a storefront's own held preflight codes (None: the deployment's)


def parse_api_keys(raw: str) -> tuple[ApiKey, ...]:
    """``'storefront:KEY1,print-unit:KEY2'`` or JSON ``[{"name": .., "key": .., "scopes": [..]}]`` (a print-unit
    key may add ``"print_unit": "<unit id>"``: it then sees and reports only that unit's jobs; a storefront key
    may add ``"hold_codes": [...]``: the preflight codes that hold that storefront's jobs for review, instead
    of the deployment's ``hold_codes``).

    In the short form the scope doubles as the name (``storefront#2`` style names are not needed: several
    keys may share a scope).
    """
    raw = raw.strip()
    if not raw:
        return ()
    keys: list[ApiKey] = []
    if raw.startswith("["):
        for n, item in enumerate(json.loads(raw)):
            scopes = frozenset(item["scopes"])
            unit = item.get("print_unit")
            if unit is not None and (not isinstance(unit, str) or not UNIT_ID.match(unit)):
                raise ValueError(f"API key {item.get('name', n)!r}: print_unit must be a print unit id")
            holds = item.get("hold_codes")
            if holds is not None and (
                not isinstance(holds, list) or not all(isinstance(c, str) and HOLD_CODE.match(c) for c in holds)
            ):
                raise ValueError(f"API key {item.get('name', n)!r}: hold_codes must be a list of preflight codes")
            if holds is not None and "storefront" not in scopes:
                raise ValueError(f"API key {item.get('name', n)!r}: hold_codes are for storefront keys")
            keys.append(ApiKey(str(item.get("name", f"key{n}")), str(item["key"]), scopes, unit,
                               tuple(holds) if holds is not None else None))  # fmt: skip
    else:
        for n, part in enumerate(p.strip() for p in raw.split(",") if p.strip()):
            scope, sep, key = part.partition(":")
            if not sep or not key:
                raise ValueError("API keys are 'scope:key' pairs separated by commas")
            keys.append(ApiKey(f"{scope}-{n}", key, frozenset({scope})))
    for k in keys:
        unknown = k.scopes - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown API key scope(s) {sorted(unknown)}; known: {', '.join(SCOPES)}")
        if len(k.key) < 16:
            raise ValueError(f"API key {k.name!r} is shorter than 16 characters")
    return tuple(keys)


def user_data_dir() -> Path:
    """The per-user data folder (XDG base directories): the same wherever ``render-engine serve`` is started,
    never inside a checkout."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "render-engine"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENDER_ENGINE_", frozen=True, populate_by_name=True)

    storage_root: Path = Field(
        default_factory=user_data_dir,
        description=(
            "Local folder: scratch space always; the job store (jobs.sqlite3) unless job_store_url is set;"
            " assets and job artifacts with storage=local (docs/farm.md). Default: a per-user data folder,"
            " $XDG_DATA_HOME/render-engine (~/.local/share/render-engine), not the current directory."
        ),
    )
    storage: Literal["local", "s3"] = Field(
        "local", description="Where assets and artifacts live: 'local' (storage_root) or 's3' (a bucket)."
    )
    s3_bucket: str = Field(
        "", pattern=r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$", description="Bucket of storage=s3 (required there)."
    )
    s3_prefix: str = Field(
        "",
        pattern=r"^([A-Za-z0-9!_.*'()-]+/)*$",
        description="Key prefix inside the bucket, ending in '/' (e.g. 'render/'); several farms can share a bucket.",
    )
    s3_endpoint_url: str | None = Field(
        None,
        description=(
            "S3-compatible endpoint (MinIO, Ceph, R2...), e.g. 'http://minio.internal:9000'. Unset: boto3's own"
            " (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS S3). Credentials always come from boto3's standard"
            " chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance role), never from here."
        ),
    )
    s3_region: str | None = Field(None, description="Region; unset: boto3's (AWS_REGION / AWS_DEFAULT_REGION).")
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        "auto", description="Bucket in the path or in the host name ('path' for most self-hosted servers)."
    )
    s3_checksums: bool = Field(
        True,
        description=(
            "Send each upload's SHA-256 (x-amz-checksum-sha256) so the server rejects corrupted bytes; turn off only"
            " for an S3-compatible server that refuses the header."
        ),
    )
    s3_cache_mb: int = Field(2048, ge=0, description="Local cache of assets fetched from S3 for rendering (MB).")
    job_store_url: str | None = Field(
        None,
        pattern=r"^postgres(ql)?://",
        description=(
            "PostgreSQL job store shared by every API and worker machine, e.g."
            " 'postgresql://render@db.internal/render' (libpq URL; password from PGPASSWORD or ~/.pgpass)."
            " Unset: SQLite in storage_root, which all processes must share on one host (docs/farm.md)."
        ),
    )
    job_store_pool_size: int = Field(8, ge=1, le=100, description="PostgreSQL connections per process (at most).")
    job_store_timeout: float = Field(
        5.0,
        gt=0,
        le=60,
        description="Seconds to wait for a PostgreSQL connection (connect, or a free pooled one) before a 503.",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=AliasChoices("REDIS_URL", "RENDER_ENGINE_REDIS_URL", "redis_url"),
        description="Redis for the RQ farm; unset means the embedded in-process worker.",
    )
    webhook_secret: str = Field("", description="HMAC-SHA256 key that signs completion webhooks (required for them).")
    webhook_attempts: int = Field(4, ge=1, le=20, description="Delivery attempts per webhook.")
    webhook_backoff: float = Field(1.0, ge=0, description="Seconds before the first retry; doubles each time.")
    webhook_timeout: float = Field(5.0, gt=0, description="Seconds one delivery attempt may take.")
    webhook_allow_private: bool = Field(
        False, description="Allow webhook URLs on loopback/private addresses (tests, closed networks only)."
    )
    api_keys: str = Field(
        "",
        validation_alias=AliasChoices("RENDER_ENGINE_API_KEYS", "api_keys"),
        description="'storefront:KEY1,print-unit:KEY2' or a JSON list of {name, key, scopes}.",
    )
    demo_key: str | None = Field(
        None,
        min_length=16,
        description=(
            "Storefront-scoped key embedded in the /demo page (docs/demo.md). Unset: the API makes a random one"
            " per process when API_KEYS is empty, and there is no /demo otherwise. Anyone who can open /demo can"
            " use it: never set it on a public server."
        ),
    )
    queue_prefix: str = Field(
        "render-",
        pattern=r"^[A-Za-z0-9_-]{0,40}$",
        description="Prefix of RQ queue names (<prefix>express, <prefix>standard), job ids and locks.",
    )
    max_body_bytes: int = Field(60_000_000, gt=0, description="Largest request body (413 above).")
    max_asset_bytes: int = Field(50_000_000, gt=0, description="Largest uploaded asset (413 above).")
    max_design_bytes: int = Field(2_000_000, gt=0, description="Largest JSON body of a job/preview/preflight.")
    max_json_depth: int = Field(64, gt=0, description="Deepest nesting of a JSON body's arrays/objects (413 above).")
    job_timeout: int = Field(
        600, gt=0, description="Seconds one job (every artifact) may render: RQ job_timeout, and the embedded worker's."
    )
    max_concurrent_previews: int = Field(
        4, gt=0, description="Previews/preflights rendered at once per API process; excess gets 429 + Retry-After."
    )
    preview_timeout: float = Field(30.0, gt=0, description="Seconds one preview/preflight may take (503 after).")
    max_batch_rows: int = Field(
        10_000,
        gt=0,
        le=10_000,
        description="Rows one POST /v1/batches(/upload) may carry (413 limit_exceeded above, before any row is "
        "checked).",
    )
    batch_sync_rows: int = Field(
        100,
        ge=0,
        le=10_000,
        description="Batches of at most this many rows are checked inside the request (a 422 lists every problem "
        "at once); larger ones are stored and answered 202 'validating', their rows checked off the request by "
        "the API processes' batch validator (~15 ms a row on an idle core; GET /v1/batches/{id} follows it).",
    )
    batch_timeout: float = Field(
        60.0,
        gt=0,
        description="Seconds the rows of one batch checked inside the request (batch_sync_rows) may take (413 "
        "limit_exceeded naming rows after, nothing accepted); one such batch is checked at a time per API process, "
        "the next waits up to 10 s (then 429).",
    )
    body_idle_timeout: float = Field(
        15.0,
        gt=0,
        description="Seconds a request body may stall between two pieces (a truncated chunked body, a "
        "Content-Length larger than what is sent) before the request gets 408; downloads are not affected. "
        "Also the most a request's line and headers may take in all under `render-engine serve` (a head "
        "trickled in byte by byte: 408 and the connection closed).",
    )
    retry_intervals: tuple[int, ...] = Field((5, 30, 120), description="Backoff between RQ retries (transient errors).")
    result_ttl: int = Field(3600, ge=0, description="Seconds RQ keeps a finished job hash (the job store keeps state).")
    lease_seconds: float = Field(60.0, gt=0, description="A rendering job whose lease is this old is re-run.")
    max_attempts: int = Field(5, gt=0, description="Re-enqueues by the reconciler before a job is failed.")
    reconcile_interval: float = Field(30.0, gt=0, description="Seconds between reconciler passes.")
    asset_retention_days: float = Field(
        30.0,
        ge=0,
        description=(
            "Days after its last upload that an uploaded asset (a customer's photo, clip-art) is deleted,"
            " unless a job in the store uses it. 0: keep all."
        ),
    )
    retention_days: float = Field(
        30.0,
        ge=0,
        description=(
            "Days a job's files and record are kept after a print unit acknowledged it (or after it failed);"
            " then the maintenance pass deletes both. Ready jobs nobody picked up are never deleted. 0: keep all."
        ),
    )
    job_monitoring_interval: int = Field(10, gt=0, description="rq worker --job-monitoring-interval.")
    maintenance_interval: int = Field(30, gt=0, description="rq worker --maintenance-interval.")
    worker_fork: bool = Field(
        True,
        description=(
            "Render each job in a forked RQ work horse (isolation: a crash or a hard timeout kills only the horse)."
            " False: render in the worker process itself (RQ's SimpleWorker; caches stay warm between jobs, a crash"
            " takes the worker down and the reconciler re-runs its job). `render-engine worker --no-fork`."
        ),
    )
    worker_batch_validator: bool = Field(
        True,
        description=(
            "`render-engine worker` also runs a batch validator (a child process, `render-engine batch-validator`):"
            " it claims large batches stored 'validating' under the same lease as the API's, so batches progress"
            " while API processes are busy or restarting. False: only API processes validate."
        ),
    )
    embedded_workers: int = Field(1, ge=0, description="In-process render threads of `serve` without Redis.")
    print_queue_page: int = Field(50, gt=0, le=500, description="Default page size of /v1/print-queue.")
    hold_codes: tuple[str, ...] = Field(
        (),
        description=(
            'Preflight codes (usually warnings, e.g. ["text.spelling"]) that hold a job for manual review'
            " (state 'held': POST /v1/jobs/{id}/approve or /reject) unless the request accepts them. The default of"
            ' every storefront; a storefront key\'s own "hold_codes" (JSON api_keys) replaces it for that shop.'
        ),
    )
    require_approval: bool = Field(
        False,
        description="Refuse jobs whose design has text but no approval.text_hash (the customer confirmed no text).",
    )
    print_units: Path | None = Field(
        None,
        description=(
            "Print-unit registry (JSON: units, calendar, production days; print_units/example.json). Set: jobs are"
            " routed to units and get due dates from it. Unset: print_unit is whatever the storefront sends."
        ),
    )
    at_risk_hours: float = Field(
        4.0, gt=0, description="A job not shipped within this many hours of its due_by counts as at risk (/metrics)."
    )

    @field_validator("api_keys")
    @classmethod
    def _keys_parse(cls, v: str) -> str:
        parse_api_keys(v)
        return v

    @field_validator("demo_key")
    @classmethod
    def _demo_key_distinct(cls, v: str | None, info: ValidationInfo) -> str | None:
        configured = parse_api_keys(info.data.get("api_keys", ""))
        if v is not None and any(k.key == v for k in configured):
            raise ValueError("the demo key must differ from every configured API key (it is storefront-only)")
        if v is not None and any(k.name == "demo" for k in configured):
            raise ValueError("the key name 'demo' is the demo key's (job ownership is by key name); rename that key")
        return v

    @model_validator(mode="after")
    def _s3_needs_bucket(self) -> ServiceSettings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("storage=s3 needs s3_bucket (RENDER_ENGINE_S3_BUCKET)")
        return self

    def keys(self) -> tuple[ApiKey, ...]:
        return parse_api_keys(self.api_keys)

    @property
    def queue_names(self) -> tuple[str, str, str]:
        """Highest priority first: an RQ worker listening on all three always drains ``same_day``, then
        ``express``, before ``standard``."""
        return (f"{self.queue_prefix}same_day", f"{self.queue_prefix}express", f"{self.queue_prefix}standard")
