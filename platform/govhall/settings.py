"""Typed settings read from ``GOVHALL_*`` environment variables.

Every field documents itself; ``govhall --help`` and ``docs/operator`` point here.
The embedded default (no variables set) is a working demo: SQLite under ``./var``,
local blob files and in-process jobs.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

#: The secret key used when none is configured. ``prod`` refuses to start with it.
DEFAULT_SECRET_KEY = "govhall-dev-insecure-secret-key-change-me"  # noqa: S105
#: The demo staff password used when none is configured. ``prod`` refuses it.
DEFAULT_DEMO_PASSWORD = "demo12345"  # noqa: S105

#: Repository root when govhall runs from a checkout (the uv workspace).
REPO_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """A setting has a value the platform cannot run with."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {value!r}") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    """The platform's configuration. Build it with :meth:`from_env`."""

    env: str = "dev"
    """``GOVHALL_ENV``: ``dev`` or ``prod``. ``prod`` refuses demo passwords, the default
    secret key and SQLite (unless ``GOVHALL_ALLOW_SQLITE_IN_PROD`` is set)."""

    database_url: str = "sqlite:///var/govhall.sqlite3"
    """``GOVHALL_DATABASE_URL``: ``sqlite:///relative/or//absolute/path`` (embedded default)
    or ``postgresql://user@host:port/dbname`` (production)."""

    migrate_database_url: str | None = None
    """``GOVHALL_MIGRATE_DATABASE_URL``: the tables' owner, for ``govhall migrate`` (and
    ``govhall demo``'s migration) on PostgreSQL. Set it when ``GOVHALL_DATABASE_URL``
    names the app's own role, which must not own the tables for row-level security to
    bind it; migrations then grant that role what it needs. Unset: one URL for both."""

    redis_url: str | None = None
    """``GOVHALL_REDIS_URL``: ``redis://host:port/db``. When unset, jobs run in-process and
    stores/channels live in memory; when set, jobs go to RQ and stores/channels to Redis."""

    storage_url: str = "var/blobs"
    """``GOVHALL_STORAGE_URL``: a directory for local files (embedded default), or
    ``s3://ACCESS:SECRET@host:port/bucket`` / ``minio://…`` for an S3-compatible store
    (add ``?secure=true`` for TLS, ``&region=…`` for a region)."""

    secret_key: str = DEFAULT_SECRET_KEY
    """``GOVHALL_SECRET_KEY``: signs tokens and keys query-code hashes. At least 32 chars."""

    demo_password: str = DEFAULT_DEMO_PASSWORD
    """``GOVHALL_DEMO_PASSWORD``: password given to the demo staff accounts by
    ``govhall tenant apply`` for manifests that declare demo staff."""

    sentry_dsn: str | None = None
    """``SENTRY_DSN``: when set, errors and slow transactions go to Sentry."""

    sentry_traces_sample_rate: float = 0.0
    """``GOVHALL_SENTRY_TRACES_SAMPLE_RATE``: share of requests traced (0.0 to 1.0)."""

    allow_sqlite_in_prod: bool = False
    """``GOVHALL_ALLOW_SQLITE_IN_PROD``: let ``prod`` run on SQLite (a single small site)."""

    token_ttl_seconds: int = 900
    """``GOVHALL_TOKEN_TTL``: lifetime of bearer access tokens, in seconds (refresh
    tokens, valid 14 days and usable once, get new ones)."""

    max_upload_bytes: int = 20 * 1024 * 1024
    """``GOVHALL_MAX_UPLOAD_BYTES``: largest accepted material upload (default 20 MiB)."""

    db_pool_max_size: int = 10
    """``GOVHALL_DB_POOL_MAX``: connections per process in the PostgreSQL pool."""

    queue_name: str = "govhall"
    """``GOVHALL_QUEUE``: the RQ queue that app processes enqueue to and workers read."""

    frontend_dir: Path = field(default=REPO_ROOT / "frontend")
    """``GOVHALL_FRONTEND_DIR``: templates, static assets and message catalogs."""

    field_keys: str | None = None
    """``GOVHALL_FIELD_KEYS``: keys that encrypt personal fields (ID numbers), as
    ``id:base64url-32-bytes`` separated by commas, the current key first. Older
    keys stay to read old values until ``govhall keys rotate`` re-encrypts them.
    Unset: one key (id ``s0``) derived from the secret key, which stays readable
    after keys are configured."""

    public_url: str = "http://127.0.0.1:8000"
    """``GOVHALL_PUBLIC_URL``: the address users reach govhall at (no trailing slash). The
    OpenID issuer is ``{public_url}/oidc``; an ``https`` address makes cookies Secure."""

    smtp_url: str | None = None
    """``GOVHALL_SMTP_URL``: where e-mail (verification codes, notices) goes, as
    ``smtp://user:password@host:port?from=noreply@example.gov.cn`` (``smtps://`` for
    TLS, ``&starttls=true`` to upgrade). Unset in ``dev``: messages are logged."""

    sms_gateway_url: str | None = None
    """``GOVHALL_SMS_GATEWAY_URL``: an HTTP endpoint of the government SMS platform that
    takes ``POST {"to": "1380000…", "text": "…"}`` (JSON); any 2xx is accepted.
    Unset in ``dev``: messages are logged."""

    @classmethod
    def from_env(cls) -> Settings:
        """Read settings from the process environment."""
        default = cls()
        traces = _env("GOVHALL_SENTRY_TRACES_SAMPLE_RATE")
        try:
            traces_rate = float(traces) if traces is not None else 0.0
        except ValueError as exc:
            raise SettingsError("GOVHALL_SENTRY_TRACES_SAMPLE_RATE must be a number") from exc
        settings = cls(
            env=_env("GOVHALL_ENV", default.env) or default.env,
            database_url=_env("GOVHALL_DATABASE_URL", default.database_url) or default.database_url,
            migrate_database_url=_env("GOVHALL_MIGRATE_DATABASE_URL"),
            redis_url=_env("GOVHALL_REDIS_URL"),
            storage_url=_env("GOVHALL_STORAGE_URL", default.storage_url) or default.storage_url,
            secret_key=_env("GOVHALL_SECRET_KEY", default.secret_key) or default.secret_key,
            demo_password=_env("GOVHALL_DEMO_PASSWORD", default.demo_password)
            or default.demo_password,
            sentry_dsn=_env("SENTRY_DSN"),
            sentry_traces_sample_rate=traces_rate,
            allow_sqlite_in_prod=_env_bool("GOVHALL_ALLOW_SQLITE_IN_PROD"),
            token_ttl_seconds=_env_int("GOVHALL_TOKEN_TTL", default.token_ttl_seconds),
            max_upload_bytes=_env_int("GOVHALL_MAX_UPLOAD_BYTES", default.max_upload_bytes),
            db_pool_max_size=_env_int("GOVHALL_DB_POOL_MAX", default.db_pool_max_size),
            queue_name=_env("GOVHALL_QUEUE", default.queue_name) or default.queue_name,
            frontend_dir=Path(_env("GOVHALL_FRONTEND_DIR", str(default.frontend_dir)) or "."),
            field_keys=_env("GOVHALL_FIELD_KEYS"),
            public_url=(_env("GOVHALL_PUBLIC_URL", default.public_url) or "").rstrip("/"),
            smtp_url=_env("GOVHALL_SMTP_URL"),
            sms_gateway_url=_env("GOVHALL_SMS_GATEWAY_URL"),
        )
        settings.check()
        return settings

    def for_migrations(self) -> Settings:
        """These settings with the tables' owner as the database (see
        :attr:`migrate_database_url`)."""
        if not self.migrate_database_url:
            return self
        return dataclasses.replace(
            self, database_url=self.migrate_database_url, migrate_database_url=None
        )

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    def check(self) -> None:
        """Refuse values the platform cannot run with; stricter in ``prod``."""
        if self.env not in {"dev", "prod"}:
            raise SettingsError(f"GOVHALL_ENV must be 'dev' or 'prod', got {self.env!r}")
        if not (self.uses_sqlite or self.database_url.startswith(("postgres://", "postgresql://"))):
            raise SettingsError(
                "GOVHALL_DATABASE_URL must start with sqlite:/// or postgresql://, "
                f"got {self.database_url!r}"
            )
        if self.migrate_database_url and (
            self.uses_sqlite
            or not self.migrate_database_url.startswith(("postgres://", "postgresql://"))
        ):
            raise SettingsError(
                "GOVHALL_MIGRATE_DATABASE_URL is for PostgreSQL: a postgresql:// URL of the "
                "tables' owner, beside a postgresql:// GOVHALL_DATABASE_URL"
            )
        if self.max_upload_bytes <= 0:
            raise SettingsError("GOVHALL_MAX_UPLOAD_BYTES must be positive")
        if self.env != "prod":
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("GOVHALL_SECRET_KEY is the default or shorter than 32 characters")
        if self.demo_password == DEFAULT_DEMO_PASSWORD:
            problems.append("GOVHALL_DEMO_PASSWORD is the demo default")
        if self.uses_sqlite and not self.allow_sqlite_in_prod:
            problems.append(
                "GOVHALL_DATABASE_URL is SQLite (set GOVHALL_ALLOW_SQLITE_IN_PROD=1 to allow)"
            )
        if problems:
            raise SettingsError("refusing to start in prod: " + "; ".join(problems))

    def describe(self) -> dict[str, str]:
        """Settings as printable strings, with secrets masked (for logs and the CLI)."""
        masked = {"secret_key", "demo_password", "sentry_dsn", "field_keys"}
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            text = "***" if f.name in masked and value else str(value)
            # URLs may carry credentials (postgresql://u:pw@…, s3://key:secret@…).
            out[f.name] = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", text)
        return out
