"""Scale-out on one machine: two app processes (one under uvicorn, one under granian)
and two RQ workers against one PostgreSQL, Redis and S3-compatible store, behind a
round-robin proxy on loopback.
A load of citizens' applications and staff decisions goes through both app
processes; afterwards no case is lost or duplicated, every case went through its
steps exactly once, and every notification reached the applicant's inbox exactly
once, however the two workers shared the jobs."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import (
    BACKEND,
    GOOD_FORM,
    ID_NUMBER,
    ITEM_CODE,
    PDF_BYTES,
    PNG_BYTES,
    REDIS_URL,
    database_env,
    free_port,
    worker_index,
)
from tests.e2e.processes import clean_env, start, stop, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]
DEMO_PASSWORD = "e2e-demo-pass-9"
#: Applications submitted, and how many requests are in flight at once.
CASES = 24
CONCURRENCY = 8
STEPS = [("clerk", "accept"), ("handler", "pass"), ("approver", "approve"), ("handler", "conclude")]
#: The applicant's inbox messages per case: submitted, accepted, approved, concluded.
MESSAGES = ["case_accept", "case_approve", "case_conclude", "case_submitted"]


@dataclass
class Proxy:
    """A TCP proxy handing each new connection to the next backend in turn: the
    local stand-in for the load balancer in front of the app processes."""

    backends: list[int]
    port: int = field(default_factory=free_port)
    served: Counter[int] = field(default_factory=Counter)

    async def start(self) -> asyncio.Server:
        turn = itertools.cycle(self.backends)

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while chunk := await reader.read(65536):
                    writer.write(chunk)
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()

        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            backend = next(turn)
            self.served[backend] += 1
            server_r, server_w = await asyncio.open_connection("127.0.0.1", backend)
            await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

        return await asyncio.start_server(handle, "127.0.0.1", self.port)


@pytest.fixture
def fleet_env(tmp_path: Path) -> dict[str, str]:
    """The processes' environment on a fresh database (created outside the test's
    event loop)."""
    if BACKEND != "postgres" or not REDIS_URL:
        pytest.skip("needs PostgreSQL, Redis and S3")
    env = clean_env()
    env.update(database_env(tmp_path, "fleet"))
    return env


@pytest.fixture
async def fleet(
    tmp_path: Path, fleet_env: dict[str, str]
) -> AsyncIterator[tuple[str, Proxy, str, list[Path]]]:
    """Two app processes (the first seeds the demo), two workers, a proxy; yields the
    proxy's URL, the proxy, the database owner's URL and the workers' logs."""
    import redis

    env = dict(fleet_env)
    env["GOVHALL_DEMO_PASSWORD"] = DEMO_PASSWORD
    env["GOVHALL_REDIS_URL"] = f"{REDIS_URL}/{12 + worker_index()}"
    env["GOVHALL_QUEUE"] = f"govhall-fleet-{worker_index()}"
    s3 = "127.0.0.1:" + str(free_port())
    from moto.server import ThreadedMotoServer

    host, port = s3.split(":")
    moto = ThreadedMotoServer(ip_address=host, port=int(port), verbose=False)
    moto.start()
    env["GOVHALL_STORAGE_URL"] = f"s3://fleetkey:fleetsecret@{s3}/govhall-fleet"
    redis.Redis.from_url(env["GOVHALL_REDIS_URL"]).flushdb()
    ports = [free_port(), free_port()]
    processes = []
    workers = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    server = None
    try:
        # The first seeds the demo tenants, then the second joins the same database.
        first = start(["demo", "--port", str(ports[0])], env, tmp_path, tmp_path / "app-1.log")
        processes.append(first)
        wait_ready(f"http://127.0.0.1:{ports[0]}", first, tmp_path / "app-1.log")
        # The second runs under granian, the other server `govhall serve` offers.
        serve = ["serve", "--port", str(ports[1]), "--server", "granian"]
        second = start(serve, env, tmp_path, tmp_path / "app-2.log")
        processes.append(second)
        wait_ready(f"http://127.0.0.1:{ports[1]}", second, tmp_path / "app-2.log")
        for log in workers:
            processes.append(start(["worker", "--simple"], env, tmp_path, log))
        proxy = Proxy(ports)
        server = await proxy.start()
        owner = env.get("GOVHALL_MIGRATE_DATABASE_URL", env["GOVHALL_DATABASE_URL"])
        yield f"http://127.0.0.1:{proxy.port}", proxy, owner, workers
    finally:
        if server is not None:
            server.close()
        for process in processes:
            stop(process)
        moto.stop()


async def _token(http: httpx.AsyncClient, body: dict[str, str]) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def test_two_apps_and_two_workers_lose_and_duplicate_nothing(
    fleet: tuple[str, Proxy, str, list[Path]],
) -> None:
    base, proxy, owner, worker_logs = fleet
    t = "/t/demo-county/api/v1"
    # No keep-alive: every request is a new connection, so the proxy alternates.
    limits = httpx.Limits(max_keepalive_connections=0, max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        registered = await http.post(
            "/api/v1/accounts",
            json={
                "username": "fleet-citizen",
                "password": "abc12345x",
                "kind": "individual",
                "name": "张三",
                "id_number": ID_NUMBER,
            },
        )
        assert registered.status_code == 201, registered.text
        citizen = await _token(http, {"username": "fleet-citizen", "password": "abc12345x"})
        staff = {
            name: await _token(
                http, {"username": name, "password": DEMO_PASSWORD, "tenant": "demo-county"}
            )
            for name in ("clerk", "handler", "approver")
        }
        gate = asyncio.Semaphore(CONCURRENCY)

        async def apply() -> str:
            async with gate:
                blobs = []
                for content, name in ((PDF_BYTES, "申请书.pdf"), (PNG_BYTES, "身份证.png")):
                    uploaded = await http.post(
                        f"{t}/uploads",
                        headers=citizen,
                        files={"file": (name, content, "application/octet-stream")},
                    )
                    assert uploaded.status_code == 201, uploaded.text
                    blobs.append(uploaded.json()["blob_id"])
                submitted = await http.post(
                    f"{t}/applications",
                    headers=citizen,
                    json={
                        "item_code": ITEM_CODE,
                        "form": GOOD_FORM,
                        "materials": [
                            {"material_code": code, "blob_id": blob}
                            for code, blob in zip(
                                ("application_form", "identity_proof"), blobs, strict=True
                            )
                        ],
                    },
                )
                assert submitted.status_code == 201, submitted.text
                return str(submitted.json()["serial_number"])

        async def handle(serial: str) -> None:
            for who, action in STEPS:
                async with gate:
                    response = await http.post(
                        f"{t}/cases/{serial}/actions",
                        headers=staff[who],
                        json={"action": action, "opinion": "同意"},
                    )
                assert response.status_code == 200, (serial, action, response.text)

        started = time.monotonic()
        serials = await asyncio.gather(*(apply() for _ in range(CASES)))
        await asyncio.gather(*(handle(s) for s in serials))
        elapsed = time.monotonic() - started
        print(f"{CASES} cases submitted and concluded in {elapsed:.1f} s; proxy {proxy.served}")

    # Both app processes served a fair share.
    assert len(proxy.served) == 2 and min(proxy.served.values()) > CASES
    connection = await asyncpg.connect(owner)
    try:
        # No case lost or duplicated; each went through its steps exactly once.
        rows = await connection.fetch(
            "SELECT serial_number, status FROM cases_case WHERE applicant = "
            "(SELECT id FROM identity_account WHERE username = 'fleet-citizen')"
        )
        assert sorted(r["serial_number"] for r in rows) == sorted(serials)
        assert len(set(serials)) == CASES and {r["status"] for r in rows} == {"concluded"}
        trails = await connection.fetch(
            "SELECT c.serial_number, array_agg(e.action ORDER BY e.seq) AS actions "
            'FROM cases_case_event e JOIN cases_case c ON c.id = e."case" '
            "WHERE c.serial_number = ANY($1::text[]) GROUP BY c.serial_number",
            serials,
        )
        expected = ["submit", *(action for _, action in STEPS)]
        assert {r["serial_number"]: list(r["actions"]) for r in trails} == {
            s: expected for s in serials
        }
        # Every notification in the inbox exactly once, whichever worker ran it.
        deadline = time.monotonic() + 90
        while True:
            messages: list[Any] = await connection.fetch(
                "SELECT c.serial_number, m.template FROM notify_inbox_message m JOIN cases_case c "
                "ON c.id = m.\"case\" WHERE m.recipient_kind = 'account' "
                "AND c.serial_number = ANY($1::text[])",
                serials,
            )
            if len(messages) >= CASES * len(MESSAGES) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await connection.close()
    per_case: dict[str, list[str]] = {}
    for message in messages:
        per_case.setdefault(message["serial_number"], []).append(message["template"])
    assert {s: sorted(templates) for s, templates in per_case.items()} == {
        s: MESSAGES for s in serials
    }
    # The two workers shared the jobs.
    ran = [log.read_text(errors="replace").count("Job OK") for log in worker_logs]
    # Fewer jobs than messages is right: the deliveries one Redis write carries are
    # merged into one batch job.
    assert all(ran), ran
