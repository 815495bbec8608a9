"""The thin HTTP API (FastAPI): authenticates, validates, stores, enqueues and streams files.

Rendering lives in :mod:`render_engine`; the queue, storage and job store in :mod:`render_engine.farm`.
Build the app with :func:`api.app.create_app`; see docs/api.md.
"""
