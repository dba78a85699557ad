"""Values kept per process under a tenant's ``catalog_version``.

Database triggers raise ``tenancy_tenant.catalog_version`` on every change to a
tenant's units, plugins, item settings, flows, roles and grants, and every request
starts from the tenant row (read, or kept until PostgreSQL notifies a change:
:mod:`govhall.tenancy.directory`): a value kept under an older version is not handed
out, in any process, so nothing here expires by time. Written here
because the stores that need it (the flow a new case starts on, a staff member's
grants) share this one rule; a plain LRU cache cannot compare versions.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

#: Marks "nothing kept" (a kept value may itself be None).
MISSING = object()


class KeptByVersion(Generic[V]):
    """``key → value`` under a version; at most ``size`` keys, least recently used
    dropped first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, tuple[int, V]] = OrderedDict()

    def get(self, key: Hashable, version: int | None) -> V | object:
        """The value kept for ``key`` under ``version``, else :data:`MISSING`
        (always for an unknown version)."""
        kept = self._kept.get(key) if version is not None else None
        if kept is None or kept[0] != version:
            return MISSING
        self._kept.move_to_end(key)
        return kept[1]

    def put(self, key: Hashable, version: int | None, value: V) -> None:
        """Keep ``value`` under ``version``; an unknown version keeps nothing."""
        if version is None:
            return
        self._kept[key] = (version, value)
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()
