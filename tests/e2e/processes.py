"""Starting and stopping govhall processes for end-to-end and browser tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def start(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    log: Path,
    module: str = "govhall",
    under: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """``python -m module *args`` in its own session, its output in ``log``;
    ``under``: a command it runs under (``valgrind …``)."""
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*under, sys.executable, "-m", module, *args],
            env=env,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_ready(
    base: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60, poll: float = 0.3
) -> None:
    """Until ``/readyz`` answers 200, asking every ``poll`` seconds; the log's tail if
    the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(log.read_text(errors="replace")[-3000:])
        time.sleep(poll)


def clean_env() -> dict[str, str]:
    """The test runner's environment without its govhall settings."""
    return {key: value for key, value in os.environ.items() if not key.startswith("GOVHALL_")}
