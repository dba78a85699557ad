"""The audit log: sign-ins recorded, hash chain verified, tampering detected."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from govhall import db
from govhall.audit.services import PLATFORM, Actor, record, verify
from govhall.audit.tables import AuditChain, AuditEntry
from govhall.settings import Settings
from tests.conftest import Api


async def test_sign_ins_and_failures_are_recorded_in_the_right_chain(api: Api, demo: None) -> None:
    await api.citizen()
    bad = await api.client.post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": "wrong-pass-1"}
    )
    assert bad.status_code == 401
    await api.staff("clerk")
    entries = await AuditEntry.select().order_by(AuditEntry.at)
    platform = [(e["action"], e["target"]) for e in entries if e["chain"] == PLATFORM]
    assert platform == [("login", "zhangsan"), ("login_failed", "zhangsan")]
    staff = [e for e in entries if e["chain"] != PLATFORM]
    assert [(e["action"], e["actor_name"], e["actor_kind"]) for e in staff] == [
        ("login", "王受理", "staff")
    ]
    assert all(e["ip"] for e in entries)
    assert all(not r.problems for r in await verify())


async def test_tenant_admins_read_their_own_log(api: Api, demo: None) -> None:
    await api.staff("clerk")
    admin = await api.staff("tenantadmin")
    response = await api.client.get(api.t("/audit"), headers=admin, params={"action": "login"})
    assert response.status_code == 200, response.text
    names = [e["actor_name"] for e in response.json()["items"]]
    assert names == ["陈管理", "王受理"]  # newest first, this tenant only
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/audit"), headers=clerk)).status_code == 403
    other = await api.client.get("/t/demo-city/api/v1/audit", headers=admin)
    assert other.status_code == 403


async def test_concurrent_appends_never_fork_the_chain(client: object) -> None:
    actor = Actor(kind="system", name="test")
    await asyncio.gather(*[record(None, actor, "ping", target=str(i)) for i in range(12)])
    rows = await AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq)
    assert [r["seq"] for r in rows] == list(range(1, 13))
    assert [r.problems for r in await verify()] == [[]]


async def test_entries_cannot_be_changed_and_tampering_is_detected(
    client: object, settings: Settings
) -> None:
    actor = Actor(kind="system", name="test")
    for i in range(3):
        await record(None, actor, "role_granted", target=f"staff-{i}", detail={"role": "clerk"})
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.target: "someone-else"}).where(AuditEntry.seq == 2)
    # An attacker with the database owner's rights switches the guard off…
    postgres = db.is_postgres()
    if postgres:
        # …which the app's own role has not: it owns no table.
        with pytest.raises(Exception, match="owner"):
            await AuditEntry.raw("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        await _as_owner(settings, "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    else:
        await AuditEntry.raw("DROP TRIGGER audit_entry_append_only")
    try:
        await AuditEntry.update({AuditEntry.target: "someone-else"}).where(AuditEntry.seq == 2)
        reports = await verify()
        assert reports[0].problems == ["entry 2 was changed after it was written"]
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "govhall", "audit", "verify"],
            env={**os.environ, **_env(settings)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1 and "TAMPERED platform" in result.stdout, result.stderr
        await AuditEntry.delete().where(AuditEntry.seq >= 2)
        reports = await verify()
        assert "removed" in reports[0].problems[0]
    finally:
        if postgres:
            await _as_owner(
                settings, "ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"
            )
        else:
            await AuditEntry.raw(
                "CREATE TRIGGER IF NOT EXISTS audit_entry_append_only BEFORE UPDATE ON audit_entry "
                "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
            )
    assert await AuditChain.count() == 1


async def _as_owner(settings: Settings, statement: str) -> None:
    import asyncpg

    owner = await asyncpg.connect(settings.for_migrations().database_url)
    try:
        await owner.execute(statement)
    finally:
        await owner.close()


def _env(settings: Settings) -> dict[str, str]:
    return {
        "GOVHALL_DATABASE_URL": settings.database_url,
        "GOVHALL_SECRET_KEY": settings.secret_key,
    }
