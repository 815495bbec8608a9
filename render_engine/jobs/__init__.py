"""The render farm around the engine: durable job store, storage, RQ/embedded dispatch, worker, reconciler.

Used by the API (:mod:`api`) and by ``render-engine serve`` / ``render-engine worker``; importing it needs
neither Redis nor FastAPI.
"""
