"""An S3 endpoint for tests: moto's S3 *server* (``ThreadedMotoServer``) on 127.0.0.1, spoken to over HTTP by
boto3 exactly as a farm speaks to S3 (no in-process mock, so worker subprocesses can use it too).

It is a test double: moto implements S3's HTTP protocol, not every AWS behaviour (it does not verify
``x-amz-checksum-sha256``, for one). Nothing here has run against AWS S3 or MinIO; ``TEST_S3_ENDPOINT_URL``
points the same tests at a real server.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.net_support import free_port

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "moto-test-key",
    "AWS_SECRET_ACCESS_KEY": "moto-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,  # never a developer's real profile or credentials
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@contextlib.contextmanager
def moto_s3() -> Iterator[str]:
    """Start the server, point boto3's standard credential chain at dummy keys; yields the endpoint URL.

    ``TEST_S3_ENDPOINT_URL`` set: use that server instead (e.g. a MinIO), with the credentials boto3 finds
    in the environment; the tests create their own buckets there (``render-test-*``) and leave them.
    """
    if real := os.environ.get("TEST_S3_ENDPOINT_URL"):
        yield real
        return
    server_mod = pytest.importorskip("moto.server", reason="moto[server] is in the dev extra")
    port = free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()


def new_bucket(endpoint: str) -> str:
    name = f"render-test-{uuid.uuid4().hex[:12]}"
    client(endpoint).create_bucket(Bucket=name)
    return name


def client(endpoint: str) -> Any:
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1")


def keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    pages = client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))
