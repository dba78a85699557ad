"""Running the web app under an ASGI server: uvicorn (the default) or granian.

Chosen on measurement (``tests/bench/bench_server.py``; figures in
docs/performance.md): on govhall's own requests the two serve the same within the
machine's noise (granian ÷ uvicorn 0.92–1.10 for the progress query and the work
list, one and two processes) — the time is the application's, not the server's —
and granian's edge on a bare endpoint is 4 % at most here; start-up (1.5 s) and
memory per process (118 vs 124 MB) are the same too. uvicorn stays the default as
the server with fewer moving parts for the same figures — one process serves the app
the command already built, and it has ``--reload``. granian is one flag away
(``govhall serve --server granian``) for operators who want its worker supervision (a
crashed worker is respawned).

Both honour ``X-Forwarded-For``/``-Proto`` only from the addresses in
``FORWARDED_ALLOW_IPS`` (uvicorn's own variable; default ``127.0.0.1``), so the
caller's address in audit entries and rate limits is the citizen's, not the proxy's.

Every server path runs the app :func:`served`: once it has started, what start-up
built (Litestar's ~440 routes, the plugins, the compiled templates and schemas —
most of the process's objects) is frozen out of the garbage collector's view. A
busy server's in-flight requests keep promoting objects to the oldest generation,
which set off a full collection about once a second that scanned that whole heap:
~70 ms, the event loop and every request in flight stopped, for nothing collected
(measured under ``tests/bench/bench_reads.py``; docs/performance.md).
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from litestar import Litestar

    from govhall.plugins import PluginRegistry
    from govhall.settings import Settings

Server = Literal["granian", "uvicorn"]
SERVERS: tuple[Server, ...] = ("uvicorn", "granian")
DEFAULT_SERVER: Server = "uvicorn"


def served(app: Litestar) -> Litestar:
    """``app`` as a server runs it: its start-up heap frozen once it has started
    (see the module's docstring). Tests build apps without it: a frozen heap is never
    collected, and a test process builds hundreds."""
    app.on_startup.append(freeze_heap)
    return app


def freeze_heap() -> None:
    """Collect once, then move every object left to the collector's permanent
    generation: later full collections scan only what came after."""
    gc.collect()
    gc.freeze()


def trusted_proxies() -> list[str]:
    """The proxies whose forwarded headers are believed (``FORWARDED_ALLOW_IPS``)."""
    value = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    return [part.strip() for part in value.split(",") if part.strip()]


def granian_app() -> Any:
    """Factory granian's workers call: the app from the environment, behind the
    proxy-header middleware (granian itself does not read forwarded headers)."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    from govhall.app import create_app_from_env

    return wrap_asgi_with_proxy_headers(create_app_from_env(), trusted_hosts=trusted_proxies())


def run(
    settings: Settings,
    registry: PluginRegistry,
    *,
    server: Server,
    host: str,
    port: int,
    workers: int = 1,
    reload: bool = False,
    access_log: bool = False,
) -> None:
    """Serve until stopped. ``registry`` is the plugins the caller has already
    loaded and checked; a single in-process uvicorn reuses it. The access log is off
    unless asked for: the reverse proxy in front logs every request already, and
    formatting a log line per request cost ~6 % of a small request's CPU."""
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        # granian runs the app in worker processes it spawns, each building its own
        # app from the environment, so the settings must be there for them.
        os.environ.setdefault("GOVHALL_DATABASE_URL", settings.database_url)
        Granian(
            "govhall.serving:granian_app",
            factory=True,
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            reload=reload,
            # A worker that dies (out of memory, a crashed extension) is replaced
            # instead of leaving the node serving with one process fewer.
            respawn_failed_workers=True,
            log_access=access_log,
        ).serve()
        return
    import uvicorn

    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": trusted_proxies(),
        "log_level": "info",
        "access_log": access_log,
    }
    if workers == 1 and not reload:
        # One process: serve the app built here, with the registry just checked,
        # instead of letting uvicorn import the factory and load every plugin again.
        from govhall.app import create_app

        uvicorn.run(served(create_app(settings, registry=registry)), **common)
        return
    uvicorn.run(
        "govhall.app:create_app_from_env", factory=True, workers=workers, reload=reload, **common
    )
