"""Database schema management: run Piccolo migrations, and detect drift between the
tables in code and the migrations on disk (CI fails on drift)."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

from govhall.db import configure_database
from govhall.settings import Settings


async def migrate(settings: Settings) -> None:
    """Bring the database up to the latest migration (safe to run repeatedly), as the
    tables' owner (``GOVHALL_MIGRATE_DATABASE_URL`` when set), then leave the engine
    bound to the app's own URL."""
    owner = settings.for_migrations()
    # No pool is opened here: Piccolo connects per statement outside the app.
    configure_database(owner)
    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
    from govhall.tenancy.isolation import ensure_row_security, grant_app_role

    # Policies follow the tables: a table added by a later migration gets its own.
    await ensure_row_security()
    if owner is not settings:
        await grant_app_role(settings.database_url)
        configure_database(settings)


async def pending_changes() -> dict[str, list[str]]:
    """Per app, the statements a new auto migration would contain (empty: no drift)."""
    out: dict[str, list[str]] = {}
    for app_config in Finder().get_app_configs():
        # Piccolo prints a summary table per app; keep the caller's output clean.
        with contextlib.redirect_stdout(io.StringIO()):
            statements = await AutoMigrationManager(auto_input="y").get_alter_statements(
                app_config=app_config
            )
        flat = [line for group in statements for line in group.statements]
        if flat:
            out[app_config.app_name] = flat
    return out
