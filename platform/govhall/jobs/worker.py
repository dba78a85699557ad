"""What ``govhall worker`` runs jobs with.

RQ runs an ``async`` job with ``asyncio.run``: a new event loop per job, and with it
no connection pool — every statement of every job opened its own PostgreSQL
connection. :class:`PooledJob` runs them instead on one event loop that lives as long
as the worker process, with the database pool opened on it once, so a job costs its
statements and nothing more. RQ has no hook for this, hence the subclass.

Only the non-forking worker (``--simple``) keeps the loop: the forking worker runs each
job in a fresh child, where a loop and pool inherited from the parent must not be used
(the child's connections would be the parent's sockets), so there each job gets its
own loop as before.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from rq.job import Job

from govhall import db

#: Connections a worker process keeps open (jobs run one at a time; the second is for
#: the rare job that fans out).
POOL_SIZE = 2

_loop: asyncio.AbstractEventLoop | None = None
_owner: int | None = None


def _worker_loop() -> asyncio.AbstractEventLoop | None:
    """This process's job loop, made (and the pool opened on it) on first use; None in a
    forked child."""
    global _loop, _owner
    if _owner is None:
        _owner = os.getpid()
        _loop = asyncio.new_event_loop()
        _loop.run_until_complete(db.open_pool(db.get_engine(), POOL_SIZE))
    return _loop if _owner == os.getpid() else None


def close_worker_loop() -> None:
    """Close the pool and the loop (the worker is stopping)."""
    global _loop, _owner
    if _loop is not None and _owner == os.getpid():
        _loop.run_until_complete(db.close_pool(db.get_engine()))
        _loop.close()
    _loop = _owner = None


class PooledJob(Job):
    """An RQ job whose coroutine runs on the worker's long-lived loop."""

    def _execute(self) -> Any:
        if not self.func:
            raise ValueError("Cannot execute job: function is None")
        result = self.func(*self.args, **self.kwargs)
        if not asyncio.iscoroutine(result):
            return result
        loop = _worker_loop()
        if loop is None:
            return asyncio.run(result)
        return loop.run_until_complete(result)
