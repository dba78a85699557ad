"""Built-in behaviour, written as plugins registered with ``trylast``."""

from types import ModuleType

from govhall.builtin import applications, channels, documents, flow, payments

#: Built-in plugin modules, registered before entry-point plugins.
BUILTIN_PLUGINS: tuple[tuple[str, ModuleType], ...] = (
    ("builtin_flow", flow),
    ("builtin_documents", documents),
    ("builtin_applications", applications),
    ("builtin_channels", channels),
    ("builtin_payments", payments),
)
