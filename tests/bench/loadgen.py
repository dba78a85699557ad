"""``wrk`` as the benchmarks' load generator, for GETs and for POSTs with a body.

A Python client spends more CPU per request than the server it measures (httpx
≈ 1 ms per request here): on a 2-core machine it takes a core from the server and
its figures are the client's. wrk, in C, costs a few per cent of one. It has no
option for a request body, so a POST goes through a Lua script setting
``wrk.method`` and ``wrk.body``, written per run. Bounded in time: ``-d`` seconds,
and a subprocess timeout past that.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def process_tree(pid: int) -> dict[int, float]:
    """The process and its live descendants (a server's worker processes), each with
    the user + system CPU seconds it has used so far."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return {member: times[member] for member in tree if member in times}


def cpu_seconds(pid: int) -> float:
    """CPU time of the process and its workers so far. On a shared VM, time the
    hypervisor steals stretches wall-clock figures but not this one."""
    return sum(process_tree(pid).values())


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


@dataclass(frozen=True)
class Figures:
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU per request
    failures: int


def show(label: str, figures: Figures) -> Figures:
    """Print the figures as one line of a benchmark's output; return them."""
    print(
        f"{label:<36}{figures.rate:>8,.0f}/s   p50 {figures.p50_ms:>6.1f} ms"
        f"   p99 {figures.p99_ms:>7.1f} ms   server CPU {figures.cpu_ms:>5.2f} ms/request"
        f"   failed {figures.failures}"
    )
    return figures


def measured(
    label: str, elapsed: float, latencies: list[float], failures: int, cpu: float
) -> Figures:
    """The figures of a run of this process's own client (every latency, the run's
    length, the server's CPU seconds over it), printed."""
    ordered = sorted(latencies)
    count = max(1, len(ordered))
    return show(
        label,
        Figures(
            rate=len(ordered) / elapsed,
            p50_ms=ordered[len(ordered) // 2] * 1000 if ordered else 0.0,
            p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
            if ordered
            else 0.0,
            cpu_ms=cpu * 1000 / count,
            failures=failures,
        ),
    )


def _script(method: str, body: Any) -> str:
    # ASCII JSON in a Lua long string: no escaping to get wrong, whatever the body holds.
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return (
        f'wrk.method = "{method}"\n'
        f"wrk.body = [==[{text}]==]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def wrk(
    label: str,
    url: str,
    pid: int,
    *,
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: Any = None,
) -> Figures:
    """Load ``url`` for ``seconds`` with ``connections`` open; print one line and
    return the figures, server CPU counted over every process under ``pid``."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="govhall-wrk-") as folder:
        if method != "GET" or body is not None:
            script = Path(folder) / "request.lua"
            script.write_text(_script(method, body))
            command += ["-s", str(script)]
        cpu = cpu_seconds(pid)
        output = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
        cpu = cpu_seconds(pid) - cpu
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    percent = {
        p: float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    return show(
        label,
        Figures(
            rate=rate,
            p50_ms=percent["50"],
            p99_ms=percent["99"],
            cpu_ms=cpu * 1000 / max(1, total),
            failures=int(errors.group(1)) if errors else 0,
        ),
    )
