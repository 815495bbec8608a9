"""The render farm around the engine: durable job store, storage, RQ/embedded dispatch, worker, reconciler.

Used by the API (:mod:`api`) and by ``render-engine serve`` / ``render-engine worker``; importing it needs
neither Redis nor FastAPI.

Where things happen:

- :mod:`.services` — :class:`~.services.Services` (settings, engine, storage, job store) and the
  :class:`~.services.Dispatcher` protocol.
- :mod:`.jobs` — :func:`~.jobs.render_job`: a job's artifacts (composed by
  :func:`render_engine.production.produce_order`) under a lease, hashed, published atomically; failure
  classes (what is retried).
- :mod:`.dispatch` — the RQ and the embedded (thread) dispatchers.
- :mod:`.maintenance` — the reconciler, job retention, asset collection.
- :mod:`.worker` — the RQ worker loop (``render-engine worker``): warm-up, fork guard, reconciler thread.
- :mod:`.imposition` — :func:`~.imposition.make_sheet`: gang sheets and DTF rolls from ready jobs (claim,
  impose with :mod:`.sheets` / :mod:`.pieces` / :mod:`.rolls`, publish; released if it cannot be made).
- :mod:`.store` — the durable job store (SQLite or PostgreSQL): a ``202`` means the record is committed.
- :mod:`.storage` — content-addressed assets and per-job artifacts (local folder or S3-compatible).
- :mod:`.webhooks` — signed completion webhooks.
- :mod:`.step_metrics` — render step timings as Prometheus histograms a whole farm shares (Redis).
- :mod:`.settings` — service settings (API and farm), separate from the engine's rendering settings.

The command-line entry points are in :mod:`render_engine.cli.farm`.
"""
