"""End to end: real server processes, a citizen's application from registration to
conclusion, on the embedded default and on PostgreSQL + Redis (RQ worker) + S3."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

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

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "e2e-demo-pass-9"


@pytest.fixture(params=["embedded", "full"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Start ``govhall demo`` (and, for the full stack, ``govhall worker``); yield its URL."""
    port = free_port()
    env = clean_env()
    env["GOVHALL_DEMO_PASSWORD"] = DEMO_PASSWORD
    processes = []
    if request.param == "full":
        if BACKEND != "postgres" or not REDIS_URL:
            pytest.skip("full stack runs in the PostgreSQL + Redis suite")
        s3 = request.getfixturevalue("s3_server")
        env.update(database_env(tmp_path, "e2e"))
        env["GOVHALL_REDIS_URL"] = f"{REDIS_URL}/{9 + worker_index()}"
        env["GOVHALL_QUEUE"] = f"govhall-e2e-{worker_index()}"
        env["GOVHALL_STORAGE_URL"] = f"s3://e2ekey:e2esecret@{s3}/govhall-e2e-{worker_index()}"
        import redis

        redis.Redis.from_url(env["GOVHALL_REDIS_URL"]).flushdb()
    processes.append(start(["demo", "--port", str(port)], env, tmp_path, tmp_path / "demo.log"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, processes[0], tmp_path / "demo.log")
        if request.param == "full":
            processes.append(start(["worker", "--simple"], env, tmp_path, tmp_path / "worker.log"))
        yield base
    finally:
        for process in processes:
            stop(process)


@pytest.fixture
async def http(deployment: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=deployment, timeout=30, follow_redirects=True) as client:
        yield client


async def _wait_for_inbox(
    http: httpx.AsyncClient, headers: dict[str, str], expected: int
) -> list[dict[str, str]]:
    deadline = time.monotonic() + 30
    while True:
        inbox = (await http.get("/t/demo-county/api/v1/inbox", headers=headers)).json()
        if len(inbox) >= expected or time.monotonic() > deadline:
            return list(inbox)
        await asyncio.sleep(0.2)


async def test_application_from_registration_to_conclusion(http: httpx.AsyncClient) -> None:
    t = "/t/demo-county/api/v1"
    registered = await http.post(
        "/api/v1/accounts",
        json={
            "username": "citizen1",
            "password": "abc12345x",
            "kind": "individual",
            "name": "张三",
            "id_number": ID_NUMBER,
            "phone": "13800138000",
        },
    )
    assert registered.status_code == 201, registered.text
    token = (
        await http.post(
            "/api/v1/auth/token", json={"username": "citizen1", "password": "abc12345x"}
        )
    ).json()["access_token"]
    citizen = {"authorization": f"Bearer {token}"}

    guide = (await http.get(f"{t}/items/{ITEM_CODE}")).json()
    required = [m["code"] for m in guide["materials"] if m["required"]]
    assert required == ["application_form", "identity_proof"]
    uploads = []
    for content, name in ((PDF_BYTES, "申请书.pdf"), (PNG_BYTES, "身份证.png")):
        response = await http.post(
            f"{t}/uploads",
            headers=citizen,
            files={"file": (name, content, "application/octet-stream")},
        )
        assert response.status_code == 201, response.text
        uploads.append(response.json())
    submitted = await http.post(
        f"{t}/applications",
        headers=citizen,
        json={
            "item_code": ITEM_CODE,
            "form": GOOD_FORM,
            "materials": [
                {"material_code": code, "blob_id": upload["blob_id"]}
                for code, upload in zip(required, uploads, strict=True)
            ],
        },
    )
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    serial, code = receipt["serial_number"], receipt["query_code"]
    assert receipt["fee_total_fen"] == 9000

    progress = (
        await http.get(f"{t}/progress", params={"serial_number": serial, "query_code": code})
    ).json()
    assert progress["status"] == "submitted"

    async def staff(username: str) -> dict[str, str]:
        response = await http.post(
            "/api/v1/auth/token",
            json={"username": username, "password": DEMO_PASSWORD, "tenant": "demo-county"},
        )
        assert response.status_code == 200, response.text
        return {"authorization": f"Bearer {response.json()['access_token']}"}

    clerk, handler, approver = [await staff(u) for u in ("clerk", "handler", "approver")]
    todo = (await http.get(f"{t}/worklist", headers=clerk)).json()
    assert [item["serial_number"] for item in todo["items"]] == [serial]
    # Staff can open the applicant's materials (through the blob store: S3 or local).
    material = await http.get(f"{t}/uploads/{uploads[0]['blob_id']}", headers=clerk)
    assert material.status_code == 200 and material.content == PDF_BYTES

    out_of_order = await http.post(
        f"{t}/cases/{serial}/actions", headers=approver, json={"action": "approve"}
    )
    assert out_of_order.status_code in (403, 409)
    for headers, action in (
        (clerk, "accept"),
        (handler, "pass"),
        (approver, "approve"),
        (handler, "conclude"),
    ):
        response = await http.post(
            f"{t}/cases/{serial}/actions",
            headers=headers,
            json={"action": action, "opinion": "同意"},
        )
        assert response.status_code == 200, response.text

    final = (
        await http.get(f"{t}/progress", params={"serial_number": serial, "query_code": code})
    ).json()
    assert final["status"] == "concluded" and final["decision"] == "approved"
    assert [e["action"] for e in final["timeline"]] == [
        "submit",
        "accept",
        "pass",
        "approve",
        "conclude",
    ]

    inbox = await _wait_for_inbox(http, citizen, 4)
    assert [m["template"] for m in inbox] == [
        "case_conclude",
        "case_approve",
        "case_accept",
        "case_submitted",
    ]
