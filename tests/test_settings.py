"""Settings from the environment and the prod safety checks."""

from __future__ import annotations

import pytest

from govhall.settings import Settings, SettingsError


def test_embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVHALL_DATABASE_URL", "GOVHALL_REDIS_URL", "GOVHALL_STORAGE_URL", "GOVHALL_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.database_url == "sqlite:///var/govhall.sqlite3"
    assert settings.redis_url is None and settings.storage_url == "var/blobs"


def test_prod_refuses_demo_secrets_and_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHALL_ENV", "prod")
    with pytest.raises(SettingsError) as error:
        Settings.from_env()
    for needle in ("GOVHALL_SECRET_KEY", "GOVHALL_DEMO_PASSWORD", "SQLite"):
        assert needle in str(error.value)
    monkeypatch.setenv("GOVHALL_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("GOVHALL_DEMO_PASSWORD", "a-real-one-2026")
    monkeypatch.setenv("GOVHALL_ALLOW_SQLITE_IN_PROD", "1")
    assert Settings.from_env().env == "prod"


def test_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHALL_TOKEN_TTL", "soon")
    with pytest.raises(SettingsError, match="GOVHALL_TOKEN_TTL"):
        Settings.from_env()
    monkeypatch.delenv("GOVHALL_TOKEN_TTL")
    monkeypatch.setenv("GOVHALL_DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError, match="GOVHALL_DATABASE_URL"):
        Settings.from_env()


def test_describe_masks_secrets() -> None:
    settings = Settings(
        database_url="postgresql://app:hunter2@db:5432/govhall",
        storage_url="s3://key:topsecret@minio:9000/b",
        secret_key="s" * 40,
    )
    text = str(settings.describe())
    assert "hunter2" not in text and "topsecret" not in text and "s" * 40 not in text


def test_migrations_run_as_the_tables_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHALL_DATABASE_URL", "postgresql://govhall_app:pw1@db/govhall")
    monkeypatch.setenv("GOVHALL_MIGRATE_DATABASE_URL", "postgresql://govhall_owner:pw2@db/govhall")
    settings = Settings.from_env()
    owner = settings.for_migrations()
    assert owner.database_url == "postgresql://govhall_owner:pw2@db/govhall"
    assert owner.migrate_database_url is None and owner.secret_key == settings.secret_key
    assert "pw2" not in str(settings.describe())
    monkeypatch.delenv("GOVHALL_MIGRATE_DATABASE_URL")
    assert Settings.from_env().for_migrations() == Settings.from_env()  # one URL for both
    monkeypatch.setenv("GOVHALL_DATABASE_URL", "sqlite:///var/x.sqlite3")
    monkeypatch.setenv("GOVHALL_MIGRATE_DATABASE_URL", "postgresql://govhall_owner@db/govhall")
    with pytest.raises(SettingsError, match="GOVHALL_MIGRATE_DATABASE_URL"):
        Settings.from_env()
