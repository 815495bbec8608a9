"""What an order and a preview produce: the one place that composes render + preflight + proof + mockup.

The API (``POST /v1/jobs`` admission, ``/v1/previews``, ``/v1/preflight``) and the farm's job function call
these functions; neither composes the steps itself. Everything here is engine-side: a design, an
:class:`~render_engine.engine.Engine`, folders and asset loaders in; files, bytes and reports out — no job
store, no HTTP.

Where things happen:

- :mod:`.review` — :func:`~.review.review`: the preflight report of a whole design (every surface of a
  multi-surface one, plus a Fabric import's approximations) that the door, previews and ``/v1/preflight``
  judge; :func:`~.review.write_review_proof`: the numbered proof image (a contact sheet of every surface for a
  multi-surface design), the same image a job stores as ``proof.png``.
- :mod:`.preview` — :func:`~.preview.preview`: a storefront preview (the mockup of one surface and the review
  report of the whole design), with :class:`~.preview.PreviewSpec` for view, variant, width and format.
- :mod:`.order` — :func:`~.order.produce_order`: every artifact of a print order into a folder (print files
  per format or per part, ``preflight.json``, ``proof.png`` (and ``proof-<surface>.png``), ``mockup.jpg`` on
  request), each pipeline's step timings; :class:`~.order.OrderSpec` reads a job's ``outputs``.

The farm's job function (:func:`render_engine.farm.jobs.render_job`) adds what a farm needs around
:func:`~.order.produce_order`: the lease, hashing, staging and atomic publication, webhooks.
"""

from __future__ import annotations

from .order import OrderSpec, produce_order
from .preview import Preview, PreviewSpec, preview
from .review import Reviewed, review, write_review_proof

__all__ = [
    "OrderSpec",
    "Preview",
    "PreviewSpec",
    "Reviewed",
    "preview",
    "produce_order",
    "review",
    "write_review_proof",
]
