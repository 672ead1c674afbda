"""A real S3-compatible server for the tests: moto's S3 (``python -m moto.server``) in a
process of its own on a free loopback port, spoken to over HTTP by boto3 exactly as the
portal speaks to Aliyun OSS, Tencent COS, Huawei OBS or MinIO in production.

Why moto: it installs from PyPI with the rest of the test tools (MinIO is a Go binary that
neither PyPI nor Debian carries), starts in about a second, and answers an anonymous GET
of a private object with 403 as S3 does: it applies object ACLs to requests that carry no
signature. It does not check signatures (an expired or forged signed URL is accepted),
so nothing in the portal relies on signed URLs: private files are streamed by its views.

``tests/conftest.py`` starts one server per test session (per xdist worker) and gives
each test that asks for ``object_storage`` a bucket of its own. A test that starts portal
processes (web servers, workers) hands them ``S3Server.env(bucket)``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from portal import objectstorage

ACCESS_KEY = "portal-test-access-key"
SECRET_KEY = "portal-test-secret-key"  # noqa: S105 - the test server accepts any key
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """``with S3Server(log=path) as server: server.bucket_new()``."""

    def __init__(self, *, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 30) -> None:
        # Another process may take the free port before the server binds it: try again.
        for _attempt in range(3):
            self.port = _free_port()
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            if self._wait_until_answering(timeout=timeout):
                return
            self.stop()
        raise RuntimeError(f"the S3 test server did not start:\n{self.log.read_text()[-2000:]}")

    def _wait_until_answering(self, *, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                requests.get(f"{self.url}/moto-api/", timeout=2)
                return True
            except requests.ConnectionError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> S3Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def client(self):
        """A boto3 S3 client with the test credentials (signed requests)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def bucket_new(self) -> str:
        """A new, empty bucket with a unique name."""
        name = f"portal-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
        return [entry["Key"] for entry in listing.get("Contents", [])]

    def storages(self, bucket: str) -> dict[str, dict]:
        """``STORAGES["default"]`` and ``["private"]`` as the settings build them from
        ``env(bucket)``."""
        return objectstorage.object_storages(
            bucket=bucket,
            endpoint_url=self.url,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
        )

    def env(self, bucket: str) -> dict[str, str]:
        """The variables that put a portal process (web server, worker) on this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }
