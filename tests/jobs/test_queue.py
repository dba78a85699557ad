"""The job queues: inline retries and failures, and RQ with a real worker process."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from govhall.jobs.queue import InlineJobQueue, RQJobQueue, resolve_job
from govhall.notify.tables import InboxMessage
from govhall.settings import Settings
from tests.conftest import run_worker_burst

CALLS: list[str] = []


async def flaky_job(*, key: str, failures: int) -> None:
    CALLS.append(key)
    if CALLS.count(key) <= failures:
        raise RuntimeError(f"failure {CALLS.count(key)} of {key}")


def sync_job(*, key: str) -> None:
    CALLS.append(key)


async def test_inline_queue_retries_until_success() -> None:
    queue = InlineJobQueue(retry_intervals=(0, 0, 0))
    await queue.enqueue("tests.jobs.test_queue.flaky_job", key="a", failures=2)
    await queue.enqueue("tests.jobs.test_queue.sync_job", key="b")
    await queue.drain()
    assert CALLS.count("a") == 3 and "b" in CALLS
    assert queue.failures == []


async def test_inline_queue_keeps_final_failures_visible() -> None:
    queue = InlineJobQueue(retry_intervals=(0, 0))
    await queue.enqueue("tests.jobs.test_queue.flaky_job", key="c", failures=99)
    await queue.enqueue("tests.jobs.test_queue.sync_job", key="d")  # not blocked by "c"
    await queue.drain()
    assert CALLS.count("c") == 3
    assert len(queue.failures) == 1 and "failure 3 of c" in queue.failures[0].error
    assert "d" in CALLS


async def test_unknown_job_path_fails_at_enqueue() -> None:
    with pytest.raises(AttributeError):
        await InlineJobQueue().enqueue("govhall.notify.jobs.no_such_job")
    with pytest.raises(ModuleNotFoundError):
        resolve_job("govhall.no_such_module.job")


@pytest.mark.redis
async def test_rq_worker_process_runs_notification_jobs(settings: Settings, demo: None) -> None:
    from govhall.tenancy.tables import Tenant

    assert settings.redis_url
    tenant = await Tenant.objects().where(Tenant.slug == "demo-county").first()
    assert tenant is not None
    queue = RQJobQueue(settings.redis_url, settings.queue_name)
    recipient = uuid.uuid4()
    jobs = [
        (
            "govhall.notify.jobs.deliver_inbox",
            {
                "dedupe_key": f"test:{n}",
                "tenant_id": str(tenant.id),
                "recipient_kind": "account",
                "recipient_id": str(recipient),
                "template": "case_accept",
                "params": {"serial_number": str(n), "item": {"zh-CN": "事项", "en": "item"}},
            },
        )
        for n in range(5)
    ]
    await queue.enqueue_many(jobs)
    await queue.enqueue(jobs[0][0], **jobs[0][1])  # a retried delivery stores nothing twice
    # The five written together became one batch job; the retry, written alone, stays one.
    assert [job.func_name for job in queue.queue.get_jobs()] == [
        "govhall.notify.jobs.deliver_inbox_many",
        "govhall.notify.jobs.deliver_inbox",
    ]
    assert queue.queue.count == 2
    await asyncio.to_thread(run_worker_burst, settings)
    assert await InboxMessage.count().where(InboxMessage.recipient_id == recipient) == 5
    assert queue.queue.count == 0
    await queue.close()


@pytest.mark.redis
async def test_rq_queue_writes_concurrent_enqueues_together(settings: Settings) -> None:
    """Requests enqueuing at once share Redis writes; each returns once its own job is
    in Redis; a Redis failure reaches every caller of that write."""
    assert settings.redis_url
    queue = RQJobQueue(settings.redis_url, settings.queue_name)
    writes: list[int] = []
    original = queue.queue.enqueue_many

    def counting(data: Any, *args: Any, **kwargs: Any) -> Any:
        writes.append(len(data))
        return original(data, *args, **kwargs)

    queue.queue.enqueue_many = counting  # type: ignore[method-assign,assignment]
    await asyncio.gather(
        *(queue.enqueue("tests.jobs.test_queue.sync_job", key=f"k{n}") for n in range(40))
    )
    assert queue.queue.count == 40
    assert sum(writes) == 40
    assert len(writes) < 40, writes  # coalesced: fewer writes than jobs
    keys = sorted(job.kwargs["key"] for job in queue.queue.get_jobs())
    assert keys == sorted(f"k{n}" for n in range(40))
    await queue.close()

    broken = RQJobQueue("redis://127.0.0.1:1/0", settings.queue_name)
    results = await asyncio.gather(
        *(broken.enqueue("tests.jobs.test_queue.sync_job", key=f"x{n}") for n in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(r, Exception) for r in results), results
    # The queue recovers for later callers: nothing is left waiting.
    assert not broken._waiting


@pytest.mark.redis
async def test_rq_queue_recovers_from_a_writer_left_on_a_closed_loop(settings: Settings) -> None:
    """A write cut short by its event loop closing (a test, a worker's job) must not
    leave later callers, on a new loop, waiting for a writer that never runs."""
    assert settings.redis_url
    queue = RQJobQueue(settings.redis_url, settings.queue_name)
    other = asyncio.new_event_loop()
    stranded: asyncio.Future[None] = other.create_future()
    queue._waiting.append(([("tests.jobs.test_queue.sync_job", {"key": "lost"})], stranded))
    queue._writer = other.create_future()  # type: ignore[assignment]  # pending forever
    other.close()
    await asyncio.wait_for(queue.enqueue("tests.jobs.test_queue.sync_job", key="next"), 10)
    assert [job.kwargs["key"] for job in queue.queue.get_jobs()] == ["next"]
    await queue.close()
