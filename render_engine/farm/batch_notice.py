"""A batch's completion webhook: when the last of its jobs becomes final (ready or failed), POST a signed
summary to the ``webhook_url`` the batch was posted with — once per batch, whichever worker finishes last
(:meth:`~.store_batches.BatchStore.claim_batch_notice`), signed and retried like a job's
(:func:`.webhooks.deliver`). Body: ``{"batch_id", "state": ready | partial | failed, "counts", "rows", "url",
"files_url"}`` — ``files_url`` is the zip of every ready row's files (``GET /v1/batches/{id}/files.zip``).
"""

from __future__ import annotations

import logging

from .services import Services
from .store_batches import FINAL, batch_state

log = logging.getLogger(__name__)


def notify_batch(svc: Services, batch_id: str) -> bool:
    """Deliver the batch's webhook if it has one and every job is final; True when this call delivered it."""
    counts = svc.store.batch_counts(batch_id)  # cheap: every row's job calls this when it finishes
    if any(state not in FINAL for state in counts):
        return False
    batch = svc.store.get_batch(batch_id)
    url = batch.request.get("webhook_url") if batch is not None else None
    if batch is None or not url:
        return False
    if not svc.store.claim_batch_notice(batch_id):
        return False  # another worker saw the last row finish too, and sends it
    from .webhooks import deliver

    counts["skipped"] = len(batch.skipped)
    payload = {
        "batch_id": batch_id, "state": batch_state(counts), "counts": counts,
        "rows": int(batch.request.get("rows", len(batch.job_ids))), "url": f"/v1/batches/{batch_id}",
        "files_url": f"/v1/batches/{batch_id}/files.zip",
    }  # fmt: skip
    delivered = deliver(svc.settings, str(url), payload)
    log.info("batch webhook %s", "delivered" if delivered else "not delivered", extra={"batch_id": batch_id})
    return delivered
