"""Tenant isolation in the database (R-T4): on PostgreSQL every tenant-owned table
(one with a ``tenant`` column) gets a row-level security policy, so a query that
forgets its ``WHERE tenant = …`` still sees only the current tenant's rows.

The current tenant is the ``govhall.tenant`` setting, which :mod:`govhall.db` sets
on every pooled connection checkout from the request's scope (the API's and the
portal's tenant dependencies enter it). Empty means no tenant — platform work,
the operator console, jobs and migrations — and then the policy lets rows
through, as the code's own tenant checks do today. Policies bind only roles that
neither own the tables nor bypass RLS: run the app as such a role (see
docs/operator) and migrations as the owner.

Written here because Piccolo has no notion of row-level security; the SQL is the
documented ``CREATE POLICY``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from piccolo.table import Table

from govhall.db import all_tables, get_engine, is_postgres

#: Tables with no tenant, or whose rows every tenant reads by design.
PLATFORM_WIDE = frozenset(
    {
        "tenancy_tenant",
        "catalog_item_version",
        # Audit rows are scoped by their chain: the tenant's id, or "platform".
        "audit_chain",
        "audit_entry",
        # Public accounts are platform-wide (``tenant`` is only their home portal), and
        # so is what hangs off them alone; operators belong to no tenant.
        "identity_account",
        "identity_enterprise_member",
        "identity_one_time_code",
        "identity_operator",
        # How an account wants to be notified holds on every portal.
        "notify_preference",
        # The platform's document signing keys (public halves), for every tenant.
        "documents_signing_key",
        # Payment providers' notice ids, unique across the platform (replay protection).
        "fees_used_notice",
        # Scoped through its upstream provider, which names the tenant.
        "identity_federated_identity",
        # E-certificates from every government serve applications to every other (R-L3).
        "cases_certificate",
        # The State Council's holiday notices hold for every government.
        "calendar_national_notice",
        "calendar_national_day",
    }
)

POLICY = "govhall_tenant_isolation"


def tenant_tables() -> list[str]:
    """Every table whose rows belong to one tenant."""
    return sorted(
        table._meta.tablename
        for table in all_tables()
        if table._meta.tablename not in PLATFORM_WIDE
        and any(column._meta.name == "tenant" for column in table._meta.columns)
    )


class _Raw(Table):
    """A handle for raw statements (policies are not Piccolo's business)."""


async def ensure_row_security() -> list[str]:
    """Enable RLS and the isolation policy on every tenant table (idempotent; run by
    ``govhall migrate``). Returns the tables that had no policy yet."""
    if not is_postgres():
        return []
    _Raw._meta.db = get_engine()
    rows = await _Raw.raw("SELECT tablename FROM pg_policies WHERE policyname = {}", POLICY)
    existing = {row["tablename"] for row in rows}
    setting = "current_setting('govhall.tenant', true)"
    # NULLIF, not a bare cast: PostgreSQL may evaluate either side of an OR first, and
    # ''::uuid would fail for platform work (no tenant).
    current = f"nullif({setting}, '')::uuid"
    rule = f"(coalesce({setting}, '') = '' OR tenant IS NULL OR tenant = {current})"
    changed = []
    for table in tenant_tables():
        if table in existing:
            # The rule may have changed since the policy was made: keep it current.
            await _Raw.raw(f"ALTER POLICY {POLICY} ON {table} USING {rule} WITH CHECK {rule}")
            continue
        await _Raw.raw(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        await _Raw.raw(f"CREATE POLICY {POLICY} ON {table} USING {rule} WITH CHECK {rule}")
        changed.append(table)
    return changed


#: A role name govhall will put into GRANT statements (no quoting games).
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def role_of(database_url: str) -> str:
    """The role a PostgreSQL URL connects as (``postgresql://govhall_app:…@db/x``)."""
    return unquote(urlsplit(database_url).username or "")


async def grant_app_role(database_url: str) -> str:
    """As the tables' owner: give the app's role (the one ``database_url`` connects as)
    the data privileges it needs on every table — and nothing more: no ownership, no
    DDL, no TRUNCATE — so the row-level security policies bind it. Idempotent; run by
    ``govhall migrate`` when ``GOVHALL_MIGRATE_DATABASE_URL`` is set. Returns the role."""
    role = role_of(database_url)
    if not _ROLE_NAME.match(role):
        raise ValueError(
            f"the app's database role {role!r} must be a plain lower-case name "
            "(letters, digits, underscores)"
        )
    _Raw._meta.db = get_engine()
    await _Raw.raw(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    await _Raw.raw(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return role


async def row_security_binds_app() -> bool | None:
    """Whether the policies bind the role the app is connected as: it is neither a
    superuser nor ``BYPASSRLS``, and owns no tenant table (without FORCE). None on
    SQLite, which has no row-level security (the code's own filters only)."""
    if not is_postgres():
        return None
    _Raw._meta.db = get_engine()
    rows = await _Raw.raw(
        "SELECT r.rolsuper OR r.rolbypassrls AS bypasses, "
        "(SELECT count(*) FROM pg_tables t WHERE t.tableowner = current_user "
        "AND t.rowsecurity AND NOT EXISTS (SELECT 1 FROM pg_class c "
        "WHERE c.relname = t.tablename AND c.relforcerowsecurity)) AS owned "
        "FROM pg_roles r WHERE r.rolname = current_user"
    )
    return bool(rows) and not rows[0]["bypasses"] and rows[0]["owned"] == 0
