"""The test kit for plugin authors: load the installed plugins as the platform
does and run their example tables (see ``plugins/_template/tests``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govhall.plugincheck import ExampleResult
    from govhall.plugins import PluginRegistry


def load_registry() -> PluginRegistry:
    """Every installed plugin, checked; raises ``PluginError`` listing bad declarations."""
    from govhall.plugins import PluginRegistry, get_plugin_manager

    return PluginRegistry(get_plugin_manager())


async def run_examples(plugins: Iterable[str] | None = None) -> list[ExampleResult]:
    """Run the form, fee and discretion examples of ``plugins`` (all when None)."""
    from govhall.plugincheck import run_examples as run

    return await run(load_registry(), plugins)
