"""Jobs that run on a timetable.

In production ``govhall cron`` runs RQ's cron scheduler, which enqueues each job
to the RQ queue on its interval (several ``cron`` processes are safe: RQ
records each run). In the embedded default (no Redis) the app process runs
:class:`InlineScheduler`, which enqueues to the in-process queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from govhall.jobs.queue import JobQueue, resolve_job

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scheduled:
    job: str
    interval_seconds: int


DAY = 86400
#: How often the supervision sweep classifies every open case (R-S5).
SWEEP_SECONDS = 300
#: How often the reports' case facts are rebuilt (R-S8).
REFRESH_SECONDS = 600
#: How often the leaders' card texts queued by the sweep are sent (and retried).
ALERT_SECONDS = 60

SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled("govhall.identity.hygiene.purge_inactive_accounts", DAY),
    Scheduled("govhall.supervision.sweep.sweep_signals", SWEEP_SECONDS),
    Scheduled("govhall.reports.facts.refresh_facts", REFRESH_SECONDS),
    Scheduled("govhall.supervision.leaders.send_leader_alerts", ALERT_SECONDS),
    Scheduled("govhall.supervision.leaders.prune_leader_alerts", DAY),
)


class InlineScheduler:
    """Enqueue each scheduled job a minute after start, then on its interval."""

    def __init__(self, queue: JobQueue, first_delay: float = 60.0) -> None:
        self.queue = queue
        self.first_delay = first_delay
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for entry in SCHEDULE:
            resolve_job(entry.job)
            self._tasks.append(asyncio.get_running_loop().create_task(self._loop(entry)))

    async def _loop(self, entry: Scheduled) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                await self.queue.enqueue(entry.job)
            except Exception:
                log.exception("could not enqueue scheduled job %s", entry.job)
            await asyncio.sleep(entry.interval_seconds)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


def rq_cron(connection: Any, queue_name: str) -> Any:
    """RQ's cron scheduler with every scheduled job registered (``govhall cron``)."""
    from rq.cron import CronScheduler

    cron = CronScheduler(connection=connection, name=f"govhall-{queue_name}")
    for entry in SCHEDULE:
        cron.register(
            resolve_job(entry.job),
            queue_name=queue_name,
            interval=entry.interval_seconds,
            name=entry.job,
        )
    return cron
