"""The plugin manager: hook specs, built-ins, entry-point plugins and their items.

:func:`get_plugin_manager` is a factory (each test gets a fresh manager).
:class:`PluginRegistry` collects every item declaration once at start-up, checks
them, and routes per-item hook calls only to the plugin that declared the item
(plus the built-ins) through pluggy's ``subset_hook_caller``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pluggy

from govhall import hookspecs
from govhall.builtin import BUILTIN_PLUGINS
from govhall.sdk import FlowTemplate, ItemSpec, Problem, check_item

ENTRY_POINT_GROUP = "govhall"


class PluginError(RuntimeError):
    """A plugin is broken; the message names the plugin and what is wrong."""


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name, module in BUILTIN_PLUGINS:
        pm.register(module, name=name)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    return pm


@dataclass(frozen=True, slots=True)
class InstalledItem:
    plugin: str
    spec: ItemSpec


class PluginRegistry:
    """The items of every loaded plugin, checked, and per-item hook routing."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from exc
        self.builtin_names = {name for name, _ in BUILTIN_PLUGINS}
        self.items: dict[str, InstalledItem] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        problems: list[str] = []
        for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
            if plugin is None:
                continue
            declared = self._call_only(name, "govhall_items")()
            for spec_list in declared:
                for spec in spec_list:
                    if not isinstance(spec, ItemSpec):
                        problems.append(
                            f"plugin {name!r} returned {type(spec).__name__}, "
                            "not ItemSpec, from govhall_items"
                        )
                        continue
                    if spec.code in self.items:
                        other = self.items[spec.code].plugin
                        problems.append(
                            f"item {spec.code!r} is declared by both {other!r} and {name!r}"
                        )
                        continue
                    problems.extend(f"plugin {name!r}: {p}" for p in check_item(spec))
                    self.items[spec.code] = InstalledItem(plugin=name, spec=spec)
        if problems:
            raise PluginError("invalid plugin declarations:\n- " + "\n- ".join(problems))

    def plugin_names(self) -> list[str]:
        """Loaded plugins other than the built-ins (what a tenant can enable)."""
        return sorted(
            name
            for name, plugin in self.pm.list_name_plugin()
            if plugin is not None and name not in self.builtin_names
        )

    def _call_only(self, plugin_name: str, hook: str, *, with_builtins: bool = False) -> Any:
        key = (plugin_name if not with_builtins else f"{plugin_name}+builtins", hook)
        caller = self._callers.get(key)
        if caller is None:
            keep = {plugin_name} | (self.builtin_names if with_builtins else set())
            remove = [p for n, p in self.pm.list_name_plugin() if n not in keep and p is not None]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=remove)
            self._callers[key] = caller
        return caller

    def items_of(self, plugins: set[str]) -> list[InstalledItem]:
        return [item for item in self.items.values() if item.plugin in plugins]

    def flow_for(self, item: InstalledItem) -> FlowTemplate:
        caller = self._call_only(item.plugin, "govhall_flow_template", with_builtins=True)
        flow: FlowTemplate | None = caller(item=item.spec)
        if flow is None:  # only if a plugin unregistered the built-in
            raise PluginError(f"no flow template for item {item.spec.code!r}")
        return flow

    def validate_application(self, item: InstalledItem, form: dict[str, Any]) -> list[Problem]:
        caller = self._call_only(item.plugin, "govhall_validate_application", with_builtins=True)
        results: list[list[Problem]] = caller(item=item.spec, form=form)
        return [problem for problems in results for problem in problems]
