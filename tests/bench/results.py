"""Each benchmark's figures as rows of the table ``python -m tests.bench`` prints.

A benchmark prints its own lines for a reader at the terminal, and also hands its
headline figures to :func:`record`; when it runs under the runner
(:mod:`tests.bench.__main__`), ``GOVHALL_BENCH_RESULTS`` names a file and each row is
appended to it as a JSON line, so benchmarks stay separate processes (each starts its
own servers and databases) and the runner still gets every figure in one table.
"""

from __future__ import annotations

import json
import os

RESULTS_ENV = "GOVHALL_BENCH_RESULTS"


def record(
    figure: str,
    govhall: str,
    *,
    floor: str = "—",
    ratio: float | None = None,
    target: str = "—",
    met: bool | None = None,
) -> None:
    """One row: what was measured, govhall's figure, the floor's in the same run,
    their ratio (above 1 is govhall faster), the target and whether it was met."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    row = {
        "figure": figure,
        "govhall": govhall,
        "floor": floor,
        "ratio": None if ratio is None else round(ratio, 2),
        "target": target,
        "met": met,
    }
    with open(path, "a", encoding="utf-8") as results:
        results.write(json.dumps(row, ensure_ascii=False) + "\n")
