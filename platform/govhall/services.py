"""The process-wide service objects that handlers, CLI commands and jobs share."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from litestar.channels import ChannelsPlugin
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from govhall import db
from govhall.catalog.services import CatalogService
from govhall.identity import fieldcrypt
from govhall.identity.tokens import TokenService
from govhall.jobs.queue import JobQueue, make_job_queue
from govhall.jobs.schedule import InlineScheduler
from govhall.messaging.live import make_channels
from govhall.notify import outbound
from govhall.plugins import PluginRegistry, get_plugin_manager
from govhall.settings import Settings
from govhall.storage.blobstore import BlobStore, make_blob_store
from govhall.tenancy.directory import TenantDirectory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    registry: PluginRegistry
    catalog: CatalogService
    tokens: TokenService
    queue: JobQueue
    blobs: BlobStore
    revoked: Store
    """Ids of access tokens revoked before they expire (Redis, or memory)."""
    store: Store | None = None
    """The root of the app's named stores (web sessions): Redis, or None for memory."""
    scheduler: InlineScheduler | None = None
    """Scheduled jobs in-process (embedded default only; production runs ``govhall cron``)."""
    live: ChannelsPlugin | None = None
    """Live delivery to browsers (staff messages): Redis pub/sub, or memory."""
    tenants: TenantDirectory | None = None
    """Tenant rows kept between requests (PostgreSQL: dropped on its notifications)."""

    async def start(self) -> None:
        """Open what the process holds for its lifetime (the PostgreSQL pool)."""
        engine = db.get_engine()
        await db.open_pool(engine, self.settings.db_pool_max_size)
        if self.tenants is not None and db.is_postgres():
            await self.tenants.start(self.settings.database_url)
            db.on_tenant_rows_written.add(self.tenants.drop)
        if self.live is not None:
            await self.live.__aenter__()
        if self.scheduler is not None:
            self.scheduler.start()
        try:
            await self.catalog.publish_all()
        except Exception:
            log.warning("could not publish item versions at start-up", exc_info=True)
        await self._check_row_security()

    async def _check_row_security(self) -> None:
        from govhall.tenancy.isolation import row_security_binds_app

        try:
            binds = await row_security_binds_app()
        except Exception:
            log.warning("could not check row-level security at start-up", exc_info=True)
            return
        if binds is False:
            # The code's own tenant filters still hold; the database's net does not.
            log.warning(
                "row-level security does not bind the app's database role (superuser, "
                "BYPASSRLS or table owner): run the app as its own role, see docs/operator"
            )

    async def stop(self) -> None:
        """Finish in-process jobs, then close the Redis client and the pool."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.queue.close()
        if self.live is not None:
            await self.live.__aexit__(None, None, None)
        if self.settings.redis_url:  # both stores are Redis clients to close
            for store in (self.revoked, self.store):
                if store is not None:
                    await store.__aexit__(None, None, None)
        if self.tenants is not None:
            db.on_tenant_rows_written.discard(self.tenants.drop)
            await self.tenants.stop()
        await db.close_pool(db.get_engine())

    @classmethod
    def build(cls, settings: Settings, registry: PluginRegistry | None = None) -> Services:
        registry = registry or PluginRegistry(get_plugin_manager())
        fieldcrypt.configure(settings)
        outbound.configure(settings, registry.channels)
        queue = make_job_queue(settings.redis_url, settings.queue_name)
        store: Store | None = None
        revoked: Store = MemoryStore()
        if settings.redis_url:
            # redis-py on use: the embedded default never loads it (start-up).
            from litestar.stores.redis import RedisStore

            store = RedisStore.with_client(url=settings.redis_url, namespace="govhall")
            revoked = RedisStore.with_client(url=settings.redis_url, namespace="govhall-revoked")
        return cls(
            settings=settings,
            registry=registry,
            catalog=CatalogService(registry),
            tokens=TokenService(settings.secret_key, settings.token_ttl_seconds),
            queue=queue,
            scheduler=None if settings.redis_url else InlineScheduler(queue),
            store=store,
            blobs=make_blob_store(settings.storage_url),
            live=make_channels(settings.redis_url),
            revoked=revoked,
            tenants=TenantDirectory(),
        )
