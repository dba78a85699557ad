"""The channels plugin that carries live events to browsers' WebSockets."""

from __future__ import annotations

from typing import Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend


def make_channels(redis_url: str | None) -> ChannelsPlugin:
    """Redis pub/sub when there is Redis (every app process hears every event), else
    in memory (the embedded default's single process)."""
    if redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        class ClosingPubSubBackend(RedisChannelsPubSubBackend):
            """Closes its Redis client at shutdown (the backend leaves it open)."""

            async def on_shutdown(self) -> None:
                await super().on_shutdown()
                await self._redis.aclose()

        backend: Any = ClosingPubSubBackend(
            redis=Redis.from_url(redis_url), key_prefix="govhall-live"
        )
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(
        backend=backend,
        arbitrary_channels_allowed=True,
        # A slow browser must not hold up everyone else's messages.
        subscriber_max_backlog=1000,
        subscriber_backlog_strategy="dropleft",
    )
