"""The ``govhall`` command: serve, worker, migrate, tenant, plugin, demo, supervise …"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govhall.serving import DEFAULT_SERVER, SERVERS, Server
from govhall.settings import REPO_ROOT, Settings, SettingsError

if TYPE_CHECKING:
    from govhall.plugins import PluginRegistry

#: The demo tenants, parents first.
DEMO_TENANTS = ("demo-province", "demo-city", "demo-county", "sample-county")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _registry() -> PluginRegistry:
    """Load and check every plugin; a bad declaration ends the command with the
    plugin's problems listed, never a traceback."""
    from govhall.plugins import PluginError, PluginRegistry, get_plugin_manager

    try:
        return PluginRegistry(get_plugin_manager())
    except PluginError as exc:
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
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default=DEFAULT_SERVER,
    show_default=True,
    help="ASGI server (measured equal on govhall; see docs/performance.md).",
)
@click.option(
    "--access-log", is_flag=True, help="Log every request (the reverse proxy usually does)."
)
def serve(
    host: str, port: int, workers: int, reload: bool, server: Server, access_log: bool
) -> None:
    """Serve the web app and API."""
    from govhall import serving

    settings = _settings()
    registry = _registry()  # a bad plugin stops here with its problems listed
    if workers > 1 and settings.uses_sqlite and not settings.redis_url:
        click.echo(
            "note: several workers on the embedded default share no in-process jobs "
            "or memory stores; use PostgreSQL + Redis for multi-process serving.",
            err=True,
        )
    serving.run(
        settings,
        registry,
        server=server,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        access_log=access_log,
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
    from govhall.identity import fieldcrypt
    from govhall.notify import outbound
    from govhall.observability import init_sentry

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException(
            "GOVHALL_REDIS_URL is not set: without Redis, jobs run inside `govhall serve`."
        )
    init_sentry(settings, component="worker")
    db.configure_database(settings)
    fieldcrypt.configure(settings)
    outbound.configure(settings)
    connection = redis.Redis.from_url(settings.redis_url)
    if simple:
        from govhall.jobs.worker import PooledJob, close_worker_loop

        simple_worker = SimpleWorker(
            [settings.queue_name], connection=connection, job_class=PooledJob
        )
        try:
            simple_worker.work(burst=burst, with_scheduler=True)
        finally:
            close_worker_loop()
        return
    rq_worker = Worker([settings.queue_name], connection=connection)
    rq_worker.work(burst=burst, with_scheduler=True)


@main.command()
def cron() -> None:
    """Enqueue scheduled jobs (account hygiene …) to RQ on their timetable. Needs Redis."""
    import redis

    from govhall.jobs.schedule import rq_cron

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException(
            "GOVHALL_REDIS_URL is not set: without Redis, `govhall serve` runs the schedule."
        )
    rq_cron(redis.Redis.from_url(settings.redis_url), settings.queue_name).start()


@main.group()
def operator() -> None:
    """Platform operators (运营人员): they run the service and belong to no tenant."""


@operator.command("create")
@click.argument("username")
@click.option("--name", required=True, help="The operator's real name.")
def operator_create(username: str, name: str) -> None:
    """Create an operator and print a one-time password (audited)."""

    from govhall import db
    from govhall.identity.operators import create_operator
    from govhall.identity.passwords import initial_password

    settings = _settings()
    password = initial_password()

    async def run() -> None:
        db.configure_database(settings)
        await create_operator(username, name, password)

    asyncio.run(run())
    click.echo(f"operator {username} created; password (shown once): {password}")


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


async def _apply(settings: Settings, paths: list[Path], dry_run: bool = False) -> list[str]:
    from govhall import db
    from govhall.tenancy.services import apply_manifest, load_manifest, plan_manifests

    engine = db.configure_database(settings)
    registry = _registry()
    lines = []
    await db.open_pool(engine, 2)
    try:
        if dry_run:
            manifests = [load_manifest(path) for path in paths]
            for planned in await plan_manifests(manifests, registry, settings.demo_password):
                count = len(planned.changes)
                lines.append(f"{planned.tenant}: {count} change(s) planned (dry run, nothing done)")
                lines += [f"  - {change}" for change in planned.changes]
            return lines
        for path in paths:
            result = await apply_manifest(load_manifest(path), registry, settings.demo_password)
            lines.append(f"{result.tenant}: " + ("; ".join(result.changes) or "no change"))
            for username, password in result.new_passwords.items():
                lines.append(f"  new staff {username} initial password: {password}")
    finally:
        await db.close_pool(engine)
    return lines


def _fail_in_chinese(exc: Exception) -> click.ClickException:
    from govhall.errors import GovhallError
    from govhall.i18n import translate

    assert isinstance(exc, GovhallError)
    return click.ClickException(translate(exc.message, "zh-CN", **exc.params))


@tenant.command("apply")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def tenant_apply(paths: tuple[Path, ...], dry_run: bool) -> None:
    """Create or update tenants so they match their manifests (idempotent; each
    manifest is one transaction, so a refused one leaves nothing half-applied).

    Give parents before children, e.g. a city before its counties.
    """
    from govhall.errors import GovhallError

    try:
        for line in asyncio.run(_apply(_settings(), list(paths), dry_run)):
            click.echo(line)
    except GovhallError as exc:
        raise _fail_in_chinese(exc) from exc


async def _export(settings: Settings, slug: str, folder: Path) -> Path:
    from datetime import UTC, datetime

    from govhall import db
    from govhall.tenancy.export import export_manifest, write_manifest

    engine = db.configure_database(settings)
    await db.open_pool(engine, 2)
    try:
        manifest, files = await export_manifest(slug)
    finally:
        await db.close_pool(engine)
    now = datetime.now(UTC)
    header = f"Exported by `govhall tenant export {slug}` at {now:%Y-%m-%d %H:%M} UTC"
    return write_manifest(folder, manifest, files, header)


@tenant.command("export")
@click.argument("slug")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write tenant.toml (and the logo) into; default tenants/<slug>.",
)
def tenant_export(slug: str, out: Path | None) -> None:
    """Write a tenant's live configuration back to a manifest (R-T2)."""
    from govhall.errors import GovhallError

    try:
        path = asyncio.run(_export(_settings(), slug, out or Path("tenants") / slug))
    except GovhallError as exc:
        raise _fail_in_chinese(exc) from exc
    click.echo(f"wrote {path}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--server", type=click.Choice(SERVERS), default=DEFAULT_SERVER, show_default=True)
@click.option("--workers", default=1, show_default=True, help="Processes (PostgreSQL + Redis).")
def demo(host: str, port: int, server: Server, workers: int) -> None:
    """Migrate, load the demo province/city/county, and serve, printing URLs and logins."""
    from govhall import schema, serving

    settings = _settings()
    registry = _registry()
    asyncio.run(schema.migrate(settings))
    tenants_dir = REPO_ROOT / "tenants"
    for line in asyncio.run(_apply(settings, [tenants_dir / slug for slug in DEMO_TENANTS])):
        click.echo(line)
    base = f"http://{host}:{port}"
    click.echo(f"""
govhall demo is starting on {base}
  portal:    {base}/t/demo-county/
  health:    {base}/healthz   readiness: {base}/readyz
  API docs:  {base}/schema/swagger
  items:     {base}/t/demo-county/api/v1/items
  staff logins (tenant demo-county, password {settings.demo_password!r}):
    clerk (受理, all units), handler / approver (自然资源局),
    dept-handler / dept-approver (市场监管、卫健、住建、民政、城管),
    town-handler / town-approver (城关镇、河西乡), supervisor (监察), tenantadmin (管理)
  second county: {base}/t/sample-county/ (样板县; clerk, handler, approver, town-handler,
    town-approver, supervisor, tenantadmin with the same password)
  citizens register with POST {base}/api/v1/accounts
  web sign-in: {base}/login      OpenID provider: {base}/oidc/.well-known/openid-configuration
""")
    os.environ.setdefault("GOVHALL_DATABASE_URL", settings.database_url)
    # The OpenID issuer and redirects name the address the demo actually serves on.
    os.environ.setdefault("GOVHALL_PUBLIC_URL", base)
    serving.run(_settings(), registry, server=server, host=host, port=port, workers=workers)


@main.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option("--chain", default=None, help="One chain (a tenant id, or 'platform').")
def audit_verify(chain: str | None) -> None:
    """Recompute every audit chain; exit 1 if any entry was changed or removed."""
    from govhall import db
    from govhall.audit.services import verify

    settings = _settings()

    async def run() -> list[Any]:
        db.configure_database(settings)
        return await verify(chain)

    reports = asyncio.run(run())
    broken = 0
    for report in reports:
        if report.problems:
            broken += 1
            click.echo(f"TAMPERED {report.chain}: {'; '.join(report.problems)}")
        else:
            click.echo(f"ok       {report.chain}: {report.entries} entries")
    if broken:
        raise SystemExit(1)


@main.group()
def calendar() -> None:
    """The national holiday calendar: load each year's State Council notice."""


async def _with_database(work: Any) -> Any:
    from govhall import db

    engine = db.configure_database(_settings())
    await db.open_pool(engine, 2)
    try:
        return await work()
    finally:
        await db.close_pool(engine)


@calendar.command("load-notice")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "loaded_by", default="", help="Who loads it (kept with the notice).")
def calendar_load_notice(path: Path, loaded_by: str) -> None:
    """Load (or replace) a year's holiday notice from a TOML or JSON file, then
    recompute the open cases whose deadlines its changed days reach."""
    from govhall.calendar.controllers import load_and_recompute
    from govhall.calendar.notices import parse_file
    from govhall.errors import GovhallError

    try:
        notice = parse_file(path.read_text(encoding="utf-8"), path.name)
        result = asyncio.run(_with_database(lambda: load_and_recompute(notice, loaded_by)))
    except GovhallError as exc:
        raise _fail_in_chinese(exc) from exc
    click.echo(
        f"{result.year} 年节假日通知已载入：{len(result.changed_days)} 天变化，"
        f"重新计算在办件 {result.cases_recomputed} 件，期限变化 {result.deadlines_moved} 项"
    )
    if result.needs_review:
        click.echo("以下办件需人工核查（新日历下无法重算）：" + "、".join(result.needs_review))


@calendar.command("recompute")
@click.option(
    "--since",
    "since",
    default="",
    help="First changed day (YYYY-MM-DD); default: 1 January of this year.",
)
def calendar_recompute(since: str) -> None:
    """Recompute every open case's deadlines against today's calendars — run it after
    upgrading the holiday library (a new release knows a new year's notice)."""
    from datetime import date as day_type

    from govhall.workflow.clockjobs import recompute_open_cases

    try:
        first = day_type.fromisoformat(since) if since else day_type(day_type.today().year, 1, 1)
    except ValueError as exc:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--since") from exc
    result = asyncio.run(_with_database(lambda: recompute_open_cases(first)))
    click.echo(f"重新计算在办件 {result.cases} 件，期限变化 {len(result.moved)} 项")
    if result.refused:
        click.echo("以下办件需人工核查（新日历下无法重算）：" + "、".join(result.refused))


@calendar.command("notices")
def calendar_notices() -> None:
    """List the notices operators loaded, and each year's source."""
    from govhall.calendar.notices import loaded_notices

    for notice in asyncio.run(_with_database(loaded_notices)):
        click.echo(
            f"{notice.year}\t{notice.title}\t{notice.document_number or '—'}\t"
            f"放假 {notice.days_off} 天，调休上班 {notice.working_days} 天"
        )


@main.group()
def supervise() -> None:
    """Electronic supervision (电子监察)."""


@supervise.command("sweep")
def supervise_sweep() -> None:
    """Classify every open case and step now: raise and clear warnings and cards
    (the scheduler does this every 5 minutes)."""
    import time

    from govhall import db
    from govhall.supervision.sweep import sweep

    settings = _settings()

    async def run() -> Any:
        db.configure_database(settings)
        return await sweep()

    started = time.perf_counter()
    result = asyncio.run(run())
    click.echo(
        f"swept {result.tenants} tenants in {time.perf_counter() - started:.2f} s: "
        f"{result.raised} signals raised, {result.cleared} cleared"
    )


@main.group()
def keys() -> None:
    """Keys that encrypt personal fields (GOVHALL_FIELD_KEYS)."""


@keys.command("new")
def keys_new() -> None:
    """Print a new random key to put first in GOVHALL_FIELD_KEYS."""
    from govhall.identity.fieldcrypt import FieldCipher

    click.echo(FieldCipher.new_key())


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every sealed field with the current (first) key."""
    from govhall import db
    from govhall.cases.sealing import rotate_case_fields
    from govhall.identity import fieldcrypt
    from govhall.identity.services import rotate_field_keys

    settings = _settings()

    async def run() -> int:
        db.configure_database(settings)
        fieldcrypt.configure(settings)
        return await rotate_field_keys() + await rotate_case_fields()

    click.echo(f"re-encrypted {asyncio.run(run())} values with key {fieldcrypt.cipher().current!r}")


@main.group()
def plugin() -> None:
    """Department plugins: list them, check them, start a new one."""


@plugin.command("list")
def plugin_list() -> None:
    """Installed plugins with their versions and items."""
    registry = _registry()
    for name in registry.plugin_names():
        items = sorted(i.spec.code for i in registry.items.values() if i.plugin == name)
        version = registry.plugin_version(name) or "-"
        click.echo(f"{name} {version}: {', '.join(items) or 'no items'}")


@plugin.command("check")
@click.argument("names", nargs=-1)
def plugin_check(names: tuple[str, ...]) -> None:
    """Validate every declaration and run the plugins' example tables (form samples,
    fee cases, discretion cases). Exits non-zero on any problem."""
    from govhall.plugincheck import report, run_examples

    registry = _registry()
    unknown = set(names) - set(registry.plugin_names())
    if unknown:
        raise click.ClickException(
            f"not installed: {', '.join(sorted(unknown))} "
            f"(installed: {', '.join(registry.plugin_names())})"
        )
    chosen = list(names) or registry.plugin_names()
    results = asyncio.run(run_examples(registry, chosen))
    click.echo(report(results, registry, chosen))
    if any(not r.ok for r in results):
        sys.exit(1)


_PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
#: The placeholder the template uses for the plugin's name.
TEMPLATE_TOKEN = "template_dept"  # noqa: S105 - a placeholder name, not a secret


def template_dir() -> Path:
    """The vendor template: shipped inside the package, or in a source checkout."""
    packaged = Path(__file__).parent / "_template"
    return packaged if packaged.is_dir() else REPO_ROOT / "plugins" / "_template"


@plugin.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=REPO_ROOT / "plugins",
    show_default=True,
    help="Where to create the plugin's folder.",
)
def plugin_new(name: str, parent: Path) -> None:
    """Create a department plugin NAME (lowercase, e.g. water_resources) from the template."""
    if not _PLUGIN_NAME.match(name):
        raise click.ClickException(
            f"{name!r}: use lowercase letters, digits and '_', starting with a letter"
        )
    source, target = template_dir(), parent / name
    if not source.is_dir():
        raise click.ClickException(f"the plugin template is missing ({source})")
    if target.exists():
        raise click.ClickException(f"{target} already exists; choose another name")
    dashed = name.replace("_", "-")
    for path in sorted(source.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        relative = Path(str(path.relative_to(source)).replace(TEMPLATE_TOKEN, name))
        destination = target / relative
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8")
        text = text.replace(TEMPLATE_TOKEN, name).replace(TEMPLATE_TOKEN.replace("_", "-"), dashed)
        destination.write_text(text, encoding="utf-8")
        shutil.copymode(path, destination)
    click.echo(f"created {target}")
    click.echo("next: uv sync --all-packages   (installs it; its entry point registers it)")
    click.echo(f"then: govhall plugin check {name}   and   uv run pytest {target}/tests")


if __name__ == "__main__":
    main()
