"""Choosing the ASGI server on measurement: granian against uvicorn, one run.

Run (PostgreSQL on 127.0.0.1:5432; the database of ``bench_reads``)::

    uv run python -m tests.bench.bench_server [--reuse] [--workers 1 2] [--seconds 15]

For each server and process count: govhall's progress query and work list, and the
floor app's same reads under the same server (see :mod:`tests.bench.bench_reads`).
The last lines print granian ÷ uvicorn for each figure: above 1, granian serves more
of the same requests on the same machine in the same minutes.
"""

from __future__ import annotations

import argparse
import asyncio

from govhall.serving import SERVERS
from tests.bench.bench_reads import (
    add_arguments,
    describe,
    floor_reads,
    govhall_reads,
    prepare_reads,
)

FIGURES = ("govhall progress", "govhall work list", "floor progress", "floor work list")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    reads = await prepare_reads(args)
    describe(reads, args)
    rates: dict[tuple[str, int], tuple[float, ...]] = {}
    for workers in args.workers:
        for server in SERVERS:
            ours = await govhall_reads(reads, args, server, workers)
            bare = await floor_reads(reads, args, server, workers)
            rates[server, workers] = tuple(f.rate for f in (*ours, *bare))
    for workers in args.workers:
        granian, uvicorn = rates["granian", workers], rates["uvicorn", workers]
        for name, fast, slow in zip(FIGURES, granian, uvicorn, strict=True):
            print(f"{'granian / uvicorn, ' + name + f' ×{workers}':<44}{fast / slow:>6.2f}")
    print("start-up and memory per server: bench_startup --server granian|uvicorn")


if __name__ == "__main__":
    asyncio.run(main())
