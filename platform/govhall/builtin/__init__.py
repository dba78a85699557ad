"""Built-in behaviour, written as plugins registered with ``trylast``."""

from types import ModuleType

from govhall.builtin import flow

#: Built-in plugin modules, registered before entry-point plugins.
BUILTIN_PLUGINS: tuple[tuple[str, ModuleType], ...] = (("builtin_flow", flow),)
