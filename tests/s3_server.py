"""An S3 stand-in for the tests: moto's standalone server, speaking the S3 protocol over HTTP on
a free port of 127.0.0.1, as any S3-compatible store does (OrderDesk reaches it through
ORDERDESK_S3_ENDPOINT_URL, as it would reach MinIO or a cloud's S3).

`s3_server()` sets the AWS_* variables the stand-in accepts for the time it runs, and yields
its endpoint URL; `make_bucket()` makes a bucket of a new name there.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "orderdesk-test",
    "AWS_SECRET_ACCESS_KEY": "orderdesk-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def s3_server() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with pytest.MonkeyPatch.context() as env:
        for name, value in CREDENTIALS.items():
            env.setenv(name, value)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


def s3_client(endpoint: str) -> Any:
    """A plain S3 client of the stand-in, to look at buckets without OrderDesk's code."""
    return boto3.client("s3", endpoint_url=endpoint)


def make_bucket(endpoint: str) -> str:
    name = f"orderdesk-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name
