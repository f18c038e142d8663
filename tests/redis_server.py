"""A throwaway Redis server for the tests that need one (the shared login throttle).

`redis_server()` yields the URL of a database the tests may empty at will: the one REDIS_URL
names when it is set (emptied first), otherwise that of a redis-server started here on a free
port, with nothing saved to disk, and stopped afterwards. A missing redis-server is an error,
not a skip: CI installs it (package `redis-server`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

START_TIMEOUT = 10.0


def flush(url: str) -> None:
    """Empty the Redis database `url` names."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log_path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                raise RuntimeError(f"redis-server exited with status {server.returncode}:\n{log.read()}")
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            pass
        finally:
            client.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not answer on {url} within {START_TIMEOUT:.0f}s")
        time.sleep(0.05)


@contextmanager
def redis_server() -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        flush(url)
        yield url
        return

    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(
            "redis-server is not installed: install Debian's `redis-server` package "
            "(.ci/run does), or set REDIS_URL to a Redis database the tests may empty"
        )
    with tempfile.TemporaryDirectory(prefix="orderdesk-redis-") as workdir:
        server, url = _start(executable, workdir)
        try:
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _start(executable: str, workdir: str, attempts: int = 3) -> tuple[subprocess.Popen[bytes], str]:
    """Start redis-server on a free port; on another port if a parallel test process took the
    one probed in between."""
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    log_path = os.path.join(workdir, "redis.log")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [executable, "--port", str(port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", workdir],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, server, log_path)
    except RuntimeError:
        server.kill()
        server.wait()
        if attempts == 1:
            raise
        return _start(executable, workdir, attempts - 1)
    return server, url
