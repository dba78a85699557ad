"""Run the benchmarks one after another and print one table of their figures.

    uv run python -m tests.bench                      # the quick ones (~5 minutes)
    uv run python -m tests.bench --all                # and those on 1,000,000 cases (~20 minutes)
    uv run python -m tests.bench --only submit jobs   # by name
    uv run python -m tests.bench --all --write docs/performance.md

Each benchmark runs as its own process (it starts its own servers and databases),
prints its own lines as it goes, and records its headline rows through
:mod:`tests.bench.results`; the runner then prints them as one Markdown table —
figure, govhall, floor, ratio, target, met — headed by the date and the machine.
``--write`` puts that table into the file between the ``bench-table`` markers (as
docs/performance.md keeps it). A benchmark that fails or overruns its time limit is
named under the table, and the runner exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from importlib.util import find_spec
from pathlib import Path

from tests.bench.results import RESULTS_ENV

REPO = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- bench-table -->", "<!-- /bench-table -->"


@dataclass(frozen=True)
class Bench:
    name: str
    module: str
    args: tuple[str, ...] = ()
    #: Generates 1,000,000 cases first: only with ``--all`` or ``--only``.
    large: bool = False
    #: Upper bound on the whole benchmark, set-up included.
    seconds: int = 900
    #: A module it needs that only an optional dependency group installs.
    needs: str | None = None


BENCHES = (
    Bench("submit", "tests.bench.bench_submit"),
    Bench("submit-workers", "tests.bench.bench_submit", ("--workers", "2")),
    Bench("submit-embedded", "tests.bench.bench_submit", ("--embedded",)),
    Bench("jobs", "tests.bench.bench_jobs"),
    Bench("import", "tests.bench.bench_import"),
    Bench("startup", "tests.bench.bench_startup"),
    Bench("workflow", "tests.bench.bench_workflow", needs="SpiffWorkflow"),
    Bench("reads", "tests.bench.bench_reads", large=True, seconds=1500),
    Bench("sweep", "tests.bench.bench_sweep", large=True, seconds=1800),
    Bench("reports", "tests.bench.bench_reports", large=True, seconds=1500),
)


def machine() -> str:
    """What the figures were measured on, as the table's heading says it."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1).strip() if found else model
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.system()}"
        f" {platform.release()}, Python {platform.python_version()}; PostgreSQL, Redis,"
        " the servers and the load generator on the same machine"
    )


def table(rows: list[dict[str, object]], how: str, failed: list[str]) -> str:
    def cell(value: object) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "**no**"
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value).replace("|", "\\|")

    lines = [
        f"Measured {date.today().isoformat()} by `python -m tests.bench {how}` on {machine()}.",
        "",
        "| figure | govhall | floor | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(
                cell(row[key]) for key in ("figure", "govhall", "floor", "ratio", "target", "met")
            )
            + " |"
        )
    if failed:
        lines += ["", "Did not finish: " + ", ".join(failed) + "."]
    return "\n".join(lines)


def write_into(path: Path, text: str) -> None:
    """Replace what stands between the markers in ``path`` with ``text``."""
    current = path.read_text(encoding="utf-8")
    begin, end = current.find(BEGIN), current.find(END)
    if begin < 0 or end < begin:
        raise SystemExit(f"{path} has no {BEGIN} … {END} markers to write between")
    path.write_text(
        current[: begin + len(BEGIN)] + "\n" + text + "\n" + current[end:], encoding="utf-8"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also the 1,000,000-case benchmarks")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], metavar="NAME")
    parser.add_argument("--write", type=Path, help="a Markdown file with bench-table markers")
    args = parser.parse_args()
    chosen = [
        b for b in BENCHES if (b.name in args.only if args.only else (args.all or not b.large))
    ]
    results = Path(tempfile.mkdtemp(prefix="govhall-bench-")) / "results.jsonl"
    results.touch()
    ran: list[str] = []
    failed: list[str] = []
    for bench in chosen:
        if bench.needs and find_spec(bench.needs) is None:
            print(
                f"\n== {bench.name}: skipped ({bench.needs} not installed: uv sync --group bench)"
            )
            continue
        print(f"\n== {bench.name}: python -m {bench.module} {' '.join(bench.args)}", flush=True)
        began = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", bench.module, *bench.args],
                cwd=REPO,
                env={**os.environ, RESULTS_ENV: str(results)},
                timeout=bench.seconds,
                check=False,
            )
            ok = done.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
        print(f"== {bench.name}: {'done' if ok else 'FAILED'} in {time.monotonic() - began:.0f} s")
        ran.append(bench.name)
        if not ok:
            failed.append(bench.name)
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    how = "--all" if args.all and not args.only else f"--only {' '.join(ran)}"
    text = table(rows, how, failed)
    print("\n" + text)
    if args.write:
        write_into(args.write, text)
        print(f"\nwritten into {args.write}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
