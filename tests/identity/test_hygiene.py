"""Account hygiene (R-I3) and the platform operator: disabling, deleting, forced
resets, purging never-used accounts on a schedule, all audited."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from govhall.audit.tables import AuditEntry
from govhall.cases.tables import Case
from govhall.identity.hygiene import purge_inactive_accounts
from govhall.identity.tables import Account
from govhall.jobs.queue import InlineJobQueue
from govhall.jobs.schedule import SCHEDULE, InlineScheduler, rq_cron
from govhall.settings import Settings
from tests.conftest import Api, settings_env

PASSWORD = "abc12345x"


async def _login_status(api: Api, username: str) -> tuple[int, str]:
    response = await api.client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    return response.status_code, response.json().get("code", "")


async def test_a_tenant_admin_looks_after_accounts_registered_on_the_portal(
    api: Api, demo: None
) -> None:
    await api.register("local-user", tenant="demo-county")
    await api.register("elsewhere", tenant="demo-city")
    admin = await api.staff("tenantadmin")
    listed = await api.client.get(api.t("/accounts"), headers=admin)
    assert [a["username"] for a in listed.json()] == ["local-user"]
    assert listed.json()[0]["id_number_masked"].count("*") == 8
    # Another tenant's account is not this admin's to touch.
    other = await api.client.post(api.t("/accounts/elsewhere/disable"), headers=admin)
    assert other.status_code == 404
    forced = await api.client.post(api.t("/accounts/local-user/force-reset"), headers=admin)
    assert forced.status_code == 200 and forced.json()["must_reset_password"] is True
    assert await _login_status(api, "local-user") == (403, "password_reset_required")
    await Account.update({Account.must_reset_password: False}).where(
        Account.username == "local-user"
    )
    applicant = await api.login("local-user")
    serial = (await api.submit(applicant))["serial_number"]
    assert (await api.client.post(api.t("/accounts/local-user/disable"), headers=admin)).json()[
        "status"
    ] == "disabled"
    assert await _login_status(api, "local-user") == (401, "account_disabled")
    assert (await api.client.post(api.t("/accounts/local-user/enable"), headers=admin)).json()[
        "status"
    ] == "active"
    deleted = await api.client.post(api.t("/accounts/local-user/delete"), headers=admin)
    assert deleted.status_code == 200
    assert await _login_status(api, "local-user") == (401, "bad_credentials")
    # The case stays; the account's personal data is gone.
    case = await Case.objects().where(Case.serial_number == serial).first()
    assert case is not None
    account = await Account.objects().where(Account.id == case.applicant).first()
    assert account is not None and account.status == "deleted"
    assert account.id_number_sealed is None and account.name == "已注销用户"
    actions = [
        r["action"]
        for r in await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.action.like("account_%"))
        .order_by(AuditEntry.seq)
    ]
    assert actions == ["account_force_reset", "account_disable", "account_enable", "account_delete"]
    # Only an admin of the whole tenant manages public accounts.
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/accounts"), headers=clerk)).status_code == 403


async def test_never_used_accounts_are_purged_by_the_scheduled_job(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    bad = await api.client.put(api.t("/accounts/policy"), headers=admin, json={"inactive_days": -1})
    assert bad.status_code == 422
    policy = await api.client.put(
        api.t("/accounts/policy"), headers=admin, json={"inactive_days": 30}
    )
    assert policy.status_code == 200
    for username in ("never-used", "used-once", "new-user"):
        await api.register(username, tenant="demo-county")
    await api.login("used-once")
    old = datetime.now(UTC) - timedelta(days=40)
    await Account.update({Account.created_at: old}).where(
        Account.username.is_in(["never-used", "used-once"])
    )
    assert await purge_inactive_accounts() == 1
    remaining = {r["username"] for r in await Account.select(Account.username)}
    assert {"used-once", "new-user"} <= remaining and "never-used" not in remaining
    entry = await AuditEntry.objects().where(AuditEntry.action == "account_purged_inactive").first()
    assert entry is not None and entry.actor_kind == "system"
    assert await purge_inactive_accounts() == 0  # nothing left to do


async def test_the_schedule_runs_in_process_and_under_rq_cron() -> None:
    ran: list[str] = []

    class Spy(InlineJobQueue):
        async def enqueue(self, job: str, **kwargs: Any) -> None:
            ran.append(job)

    scheduler = InlineScheduler(Spy(), first_delay=0)
    scheduler.start()
    for _ in range(100):
        if len(ran) >= len(SCHEDULE):
            break
        await asyncio.sleep(0.01)
    await scheduler.stop()
    assert sorted(ran) == sorted(entry.job for entry in SCHEDULE)
    assert "govhall.supervision.sweep.sweep_signals" in ran
    cron = rq_cron(connection=None, queue_name="govhall")
    assert [job.name for job in cron.get_jobs()] == [entry.job for entry in SCHEDULE]


async def test_the_platform_operator_is_separate_and_audited(
    api: Api, demo: None, settings: Settings
) -> None:
    created = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "govhall", "operator", "create", "ops-li", "--name", "运营李工"],
        env={**os.environ, **settings_env(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    password = re.search(r"\(shown once\): (\S+)", created.stdout)
    assert password
    token = await api.client.post(
        "/api/v1/auth/token",
        json={"username": "ops-li", "password": password.group(1), "operator": True},
    )
    assert token.status_code == 200, token.text
    ops = {"authorization": f"Bearer {token.json()['access_token']}"}
    tenants = await api.client.get("/api/v1/operator/tenants", headers=ops)
    assert "demo-county" in {t["slug"] for t in tenants.json()}
    # An operator is no tenant's staff: tenant work is closed to them.
    assert (await api.client.get(api.t("/worklist"), headers=ops)).status_code == 403
    # Nor can anyone else use the operator API.
    admin = await api.staff("tenantadmin")
    assert (await api.client.get("/api/v1/operator/tenants", headers=admin)).status_code == 403
    suspended = await api.client.post("/api/v1/operator/tenants/demo-county/suspend", headers=ops)
    assert suspended.status_code == 204
    assert (await api.client.get(api.t("/items"))).status_code == 503
    await api.client.post("/api/v1/operator/tenants/demo-county/resume", headers=ops)
    assert (await api.client.get(api.t("/items"))).status_code == 200
    await api.register("troll")
    disabled = await api.client.post("/api/v1/operator/accounts/troll/disable", headers=ops)
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    log = (await api.client.get("/api/v1/operator/audit", headers=ops)).json()
    actions = {e["action"] for e in log["items"]}
    assert {"operator_created", "tenant_suspended", "tenant_resumed", "account_disable"} <= actions
