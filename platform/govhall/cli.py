"""The ``govhall`` command: serve, worker, migrate, tenant apply, demo."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from govhall.settings import REPO_ROOT, Settings, SettingsError

#: The demo tenants, parents first.
DEMO_TENANTS = ("demo-province", "demo-city", "demo-county")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """govhall — 网上审批 / online administrative approval platform.

    Configuration comes from GOVHALL_* environment variables (see
    docs/operator/settings.md); with none set, govhall runs on SQLite under
    ./var with local files and in-process jobs.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    help="Worker processes (stateless: scale freely on PostgreSQL + Redis).",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the web app and API with uvicorn."""
    import uvicorn

    settings = _settings()
    if workers > 1 and settings.uses_sqlite and not settings.redis_url:
        click.echo(
            "note: several workers on the embedded default share no in-process jobs "
            "or memory stores; use PostgreSQL + Redis for multi-process serving.",
            err=True,
        )
    uvicorn.run(
        "govhall.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )


@main.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option(
    "--simple",
    is_flag=True,
    help="Run jobs in this process instead of a fork per job (faster, less isolated).",
)
def worker(burst: bool, simple: bool) -> None:
    """Run background jobs from Redis (RQ). Needs GOVHALL_REDIS_URL."""
    import redis
    from rq import SimpleWorker, Worker

    from govhall import db
    from govhall.observability import init_sentry

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException(
            "GOVHALL_REDIS_URL is not set: without Redis, jobs run inside `govhall serve`."
        )
    init_sentry(settings, component="worker")
    db.configure_database(settings)
    connection = redis.Redis.from_url(settings.redis_url)
    worker_class = SimpleWorker if simple else Worker
    rq_worker = worker_class([settings.queue_name], connection=connection)
    rq_worker.work(burst=burst, with_scheduler=True)


@main.command()
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 if the tables in code differ from the migrations (for CI).",
)
def migrate(check: bool) -> None:
    """Create or upgrade the database schema."""
    from govhall import schema

    settings = _settings()
    if check:
        from govhall.db import configure_database

        configure_database(settings)
        pending = asyncio.run(schema.pending_changes())
        if pending:
            for app_name, statements in pending.items():
                click.echo(f"{app_name}: tables and migrations disagree:", err=True)
                for statement in statements:
                    click.echo(f"  {statement}", err=True)
            sys.exit(1)
        click.echo("migrations match the tables")
        return
    asyncio.run(schema.migrate(settings))
    click.echo("database is up to date")


@main.group()
def tenant() -> None:
    """Onboard and update tenants from manifests (tenants/<slug>/tenant.toml)."""


async def _apply(settings: Settings, paths: list[Path]) -> list[str]:
    from govhall import db
    from govhall.plugins import PluginRegistry, get_plugin_manager
    from govhall.tenancy.services import apply_manifest, load_manifest

    engine = db.configure_database(settings)
    registry = PluginRegistry(get_plugin_manager())
    lines = []
    await db.open_pool(engine, 2)
    try:
        for path in paths:
            result = await apply_manifest(load_manifest(path), registry, settings.demo_password)
            lines.append(f"{result.tenant}: " + ("; ".join(result.changes) or "no change"))
            for username, password in result.new_passwords.items():
                lines.append(f"  new staff {username} initial password: {password}")
    finally:
        await db.close_pool(engine)
    return lines


@tenant.command("apply")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def tenant_apply(paths: tuple[Path, ...]) -> None:
    """Create or update tenants so they match their manifests (idempotent).

    Give parents before children, e.g. a city before its counties.
    """
    from govhall.errors import GovhallError

    try:
        for line in asyncio.run(_apply(_settings(), list(paths))):
            click.echo(line)
    except GovhallError as exc:
        from govhall.i18n import translate

        raise click.ClickException(translate(exc.message, "zh-CN", **exc.params)) from exc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def demo(host: str, port: int) -> None:
    """Migrate, load the demo province/city/county, and serve, printing URLs and logins."""
    import uvicorn

    from govhall import schema

    settings = _settings()
    asyncio.run(schema.migrate(settings))
    tenants_dir = REPO_ROOT / "tenants"
    for line in asyncio.run(_apply(settings, [tenants_dir / slug for slug in DEMO_TENANTS])):
        click.echo(line)
    base = f"http://{host}:{port}"
    click.echo(f"""
govhall demo is starting on {base}
  health:    {base}/healthz   readiness: {base}/readyz
  API docs:  {base}/schema/swagger
  items:     {base}/t/demo-county/api/v1/items
  staff logins (tenant demo-county, password {settings.demo_password!r}):
    clerk (受理), handler (承办/办结), approver (批准), supervisor (监察), tenantadmin (管理)
  citizens register with POST {base}/api/v1/accounts
""")
    os.environ.setdefault("GOVHALL_DATABASE_URL", settings.database_url)
    uvicorn.run(
        "govhall.app:create_app_from_env", factory=True, host=host, port=port, log_level="info"
    )


if __name__ == "__main__":
    main()
