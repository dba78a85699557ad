"""Start-up and memory: seconds from launching ``govhall serve`` (every installed
plugin loaded, the app built, the database reached) to its first answer on
``/readyz``, and the resident memory of the serving process then and after a
burst of requests.

Run::

    uv run python -m tests.bench.bench_startup [--runs 3] [--server uvicorn|granian]

Floor: the same measure for ``python -c "import litestar"`` started the same way —
an interpreter with the web framework and nothing of govhall. Bytecode is compiled
first, as the container image does. Targets: start-up
under 2 s, under 250 MB resident per process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from govhall.serving import DEFAULT_SERVER, SERVERS
from tests.bench.loadgen import process_tree
from tests.bench.results import record
from tests.conftest import free_port
from tests.e2e.processes import clean_env, start, stop, wait_ready

REPO = Path(__file__).resolve().parents[2]


def _rss_mb(pid: int) -> float:
    """The resident memory of the largest process serving: the server itself, or the
    worker process it spawned (granian)."""
    largest = 0.0
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                largest = max(largest, int(line.split()[1]) / 1024)
    return largest


def _serve_once(env: dict[str, str], work: Path, server: str) -> tuple[float, float, float]:
    port = free_port()
    began = time.perf_counter()
    command = ["serve", "--port", str(port), "--server", server]
    process = start(command, env, work, work / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, work / "serve.log", poll=0.02)
        ready = time.perf_counter() - began
        at_start = _rss_mb(process.pid)
        with httpx.Client(base_url=base, timeout=30) as http:
            for path in ("/t/demo-county/", "/t/demo-county/api/v1/items", "/readyz") * 100:
                http.get(path)
        return ready, at_start, _rss_mb(process.pid)
    finally:
        stop(process)


def _floor_once() -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import litestar, uvicorn"], check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="govhall-bench-startup-"))
    env = clean_env()
    env["GOVHALL_DATABASE_URL"] = f"sqlite:///{work / 'govhall.sqlite3'}"
    env["GOVHALL_STORAGE_URL"] = str(work / "blobs")
    env["GOVHALL_DEMO_PASSWORD"] = "bench-startup-1"
    # Bytecode compiled ahead, as the container image does (UV_COMPILE_BYTECODE=1):
    # a machine with PYTHONDONTWRITEBYTECODE set would otherwise compile every module
    # from source at every start, which no deployment does.
    import sysconfig

    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            sysconfig.get_paths()["purelib"],
            str(REPO / "platform"),
            str(REPO / "plugins"),
        ],
        check=False,
        capture_output=True,
    )
    # Migrate and seed once (not timed): the demo's first start.
    subprocess.run(
        [sys.executable, "-m", "govhall", "migrate"], env=env, check=True, capture_output=True
    )
    runs = [_serve_once(env, work, args.server) for _ in range(args.runs)]
    floor = min(_floor_once() for _ in range(args.runs))
    ready = min(r[0] for r in runs)
    label = f"govhall serve --server {args.server} → /readyz"
    print(f"{label:<44}{ready:>8.2f} s   (best of runs; target < 2 s)")
    print(f"{'floor: python -c import litestar, uvicorn':<44}{floor:>8.2f} s")
    print(f"{'ratio floor / govhall':<44}{floor / ready:>8.2f}")
    print(f"{'resident memory at start':<44}{max(r[1] for r in runs):>8.0f} MB")
    print(
        f"{'resident memory after 300 requests':<44}{max(r[2] for r in runs):>8.0f} MB   (target < 250 MB)"
    )
    record(
        f"`govhall serve --server {args.server}` start-up to `/readyz`, all plugins (best of"
        f" {args.runs})",
        f"{ready:.2f} s",
        floor=f"{floor:.2f} s (`import litestar, uvicorn`)",
        ratio=floor / ready,
        target="< 2 s",
        met=ready < 2,
    )
    memory = max(r[2] for r in runs)
    record(
        "resident memory per server process, after 300 requests",
        f"{memory:.0f} MB",
        target="< 250 MB",
        met=memory < 250,
    )


if __name__ == "__main__":
    main()
