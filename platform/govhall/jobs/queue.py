"""The job queue: in-process (embedded default) or RQ on Redis (production).

A job is an importable module-level function (sync or async) given by its dotted
path, so the same job runs inline, in an RQ worker, or from the CLI. Both
implementations retry a failing job three times with growing pauses and keep
final failures visible (RQ's failed-job registry; the inline queue's ``failures``).
"""

from __future__ import annotations

import abc
import asyncio
import functools
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from rq import Retry

log = logging.getLogger(__name__)

#: Seconds to wait before each retry of a failing job.
RETRY_INTERVALS = (5, 30, 120)


def resolve_job(path: str) -> Callable[..., Any]:
    module_name, _, attribute = path.rpartition(".")
    function = getattr(importlib.import_module(module_name), attribute)
    if not callable(function):
        raise TypeError(f"{path} is not callable")
    return function  # type: ignore[no-any-return]


#: Attribute naming a job's batch form (set by :func:`batched_by`).
BATCH_ATTRIBUTE = "__govhall_batch__"


def batched_by(many: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a job whose runs may be merged: ``many`` (a dotted path) takes
    ``items=[kwargs, …]`` and must do what running the job once per item would.
    The RQ queue merges the runs enqueued in one Redis write, so a busy server sends
    the worker fewer, bigger jobs. Only for jobs safe to retry as a whole batch."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        setattr(function, BATCH_ATTRIBUTE, many)
        return function

    return mark


@dataclass(slots=True)
class JobFailure:
    job: str
    kwargs: dict[str, Any]
    error: str


class JobQueue(abc.ABC):
    @abc.abstractmethod
    async def enqueue(self, job: str, **kwargs: Any) -> None:
        """Run ``job`` (a dotted path) with ``kwargs`` in the background."""

    async def enqueue_many(self, jobs: list[tuple[str, dict[str, Any]]]) -> None:
        for job, kwargs in jobs:
            await self.enqueue(job, **kwargs)

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise when the queue cannot take jobs."""

    async def drain(self) -> None:  # noqa: B027 - optional hook; RQ has nothing to wait for
        """Wait until jobs enqueued by this process have run (inline only)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Finish or hand over pending work before the process exits."""


class InlineJobQueue(JobQueue):
    """Runs jobs as tasks on the app's event loop after the request that queued them."""

    def __init__(self, retry_intervals: tuple[float, ...] = RETRY_INTERVALS) -> None:
        self.retry_intervals = retry_intervals
        self._tasks: set[asyncio.Task[None]] = set()
        self.failures: list[JobFailure] = []

    async def enqueue(self, job: str, **kwargs: Any) -> None:
        resolve_job(job)  # fail now, in the caller, if the path is wrong
        task = asyncio.get_running_loop().create_task(self._run(job, kwargs))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: str, kwargs: dict[str, Any]) -> None:
        function = resolve_job(job)
        for attempt in range(len(self.retry_intervals) + 1):
            try:
                result = function(**kwargs)
                if inspect.isawaitable(result):
                    await result
                return
            except Exception as exc:
                if attempt < len(self.retry_intervals):
                    log.warning("job %s failed (attempt %d), retrying: %s", job, attempt + 1, exc)
                    await asyncio.sleep(self.retry_intervals[attempt])
                    continue
                log.exception("job %s failed for good", job)
                import sentry_sdk  # on use: ~0.3 s of every process start otherwise

                sentry_sdk.capture_exception(exc)
                self.failures.append(JobFailure(job=job, kwargs=kwargs, error=repr(exc)))

    async def ping(self) -> None:
        return None

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()


class RQJobQueue(JobQueue):
    """Jobs go to an RQ queue on Redis; ``govhall worker`` runs them.

    redis-py and RQ are synchronous, so the Redis writes run in a worker thread. A
    busy server would pay a thread hop and a round trip per job; instead the jobs
    that requests enqueue while a write is under way wait for the next one, and each
    write sends everything waiting in one pipeline (``Queue.enqueue_many``). Every
    caller still returns only once its jobs are in Redis, or with Redis's error."""

    def __init__(self, redis_url: str, queue_name: str) -> None:
        # redis-py and RQ on use: the embedded default never loads them (start-up).
        import redis
        from rq import Queue

        self.connection = redis.Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)
        self._waiting: list[tuple[list[tuple[str, dict[str, Any]]], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def _retry(self) -> Retry:
        from rq import Retry

        return Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS))

    async def enqueue(self, job: str, **kwargs: Any) -> None:
        await self.enqueue_many([(job, kwargs)])

    async def enqueue_many(self, jobs: list[tuple[str, dict[str, Any]]]) -> None:
        for job, _ in jobs:
            resolve_job(job)  # fail now, in the caller, if the path is wrong
        if not jobs:
            return
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()
        self._waiting.append((jobs, written))
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            # A writer left on another event loop (one that closed mid-write: a test,
            # a worker's job) would never run again; neither would its callers.
            self._waiting = [entry for entry in self._waiting if entry[1].get_loop() is loop]
            self._writer = loop.create_task(self._write())
        # Shielded: a caller that gives up must not cancel the others' write.
        await asyncio.shield(written)

    def _prepared(self, jobs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
        """RQ's job data for one write; runs of a :func:`batched_by` job merged."""
        merged: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        single: list[tuple[str, dict[str, Any]]] = []
        for job, kwargs in jobs:
            many = getattr(resolve_job(job), BATCH_ATTRIBUTE, None)
            if many is None:
                single.append((job, kwargs))
            else:
                merged.setdefault(many, []).append((job, kwargs))
        for many, runs in merged.items():
            # One run alone stays itself: easier to read in RQ's registries.
            single.extend(runs if len(runs) == 1 else [(many, {"items": [k for _, k in runs]})])
        return [
            self.queue.prepare_data(job, kwargs=kwargs, retry=self._retry())
            for job, kwargs in single
        ]

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                everything = self._prepared([job for jobs, _ in batch for job in jobs])
                write = functools.partial(self.queue.enqueue_many, everything)
                await anyio.to_thread.run_sync(write)
            except Exception as exc:  # every caller of this batch sees Redis's error
                for _, written in batch:
                    if not written.done():
                        written.set_exception(exc)
            except BaseException:  # the loop is going away: no caller may hang
                for _, written in batch + self._waiting:
                    written.cancel()
                raise
            else:
                for _, written in batch:
                    if not written.done():
                        written.set_result(None)

    async def ping(self) -> None:
        await anyio.to_thread.run_sync(self.connection.ping)

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self.connection.close)


def make_job_queue(redis_url: str | None, queue_name: str) -> JobQueue:
    return RQJobQueue(redis_url, queue_name) if redis_url else InlineJobQueue()
