"""The plugin contract: hooks documented and exercised, bad plugins stop start-up."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from govhall import hookspecs
from govhall.plugins import PluginError, PluginRegistry, get_plugin_manager
from govhall.sdk import FlowAction, FlowStep, FlowTemplate, ItemSpec, hookimpl
from govhall_natural_resources.plugin import FIRST_REGISTRATION

HOOK_NAMES = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("govhall_")
]


def test_every_hook_is_documented() -> None:
    for name in HOOK_NAMES:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 80, f"{name} needs a docstring saying who implements it and returns"


def test_every_hook_is_exercised_by_a_test() -> None:
    tests_text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in Path(__file__).parent.rglob("*.py")
        if p.name != "test_plugins.py"
    )
    tests_text += Path(__file__).read_text(encoding="utf-8").split("# -- hook tests --")[-1]
    for name in HOOK_NAMES:
        assert re.search(rf"\b{name}\b", tests_text), f"no test mentions {name}"


def test_entry_point_plugin_and_builtins_load() -> None:
    registry = PluginRegistry(get_plugin_manager())
    assert "natural_resources" in registry.plugin_names()
    assert "builtin_flow" not in registry.plugin_names()
    assert registry.items["NR-BDC-0001"].plugin == "natural_resources"


# -- hook tests --


def _registry_with(*plugins: Any) -> PluginRegistry:
    pm = get_plugin_manager(load_entry_points=False)
    for index, plugin in enumerate(plugins):
        pm.register(plugin, name=f"test_plugin_{index}")
    return PluginRegistry(pm)


class ItemsPlugin:
    def __init__(self, *items: ItemSpec) -> None:
        self.items = list(items)

    @hookimpl
    def govhall_items(self) -> list[ItemSpec]:
        return self.items


def test_govhall_items_declarations_are_checked_at_start() -> None:
    bad = ItemSpec(**{**_fields(FIRST_REGISTRATION), "code": "BAD-1", "promised_days": 99})
    with pytest.raises(PluginError, match="promised_days"):
        _registry_with(ItemsPlugin(bad))


def test_duplicate_item_codes_are_refused() -> None:
    with pytest.raises(PluginError, match="declared by both"):
        _registry_with(ItemsPlugin(FIRST_REGISTRATION), ItemsPlugin(FIRST_REGISTRATION))


def test_unknown_hook_is_refused_by_check_pending() -> None:
    class Typo:
        @hookimpl
        def govhall_itemz(self) -> list[ItemSpec]:
            return []

    with pytest.raises(PluginError, match="unknown hook"):
        _registry_with(Typo())


def test_govhall_flow_template_builtin_and_override() -> None:
    registry = _registry_with(ItemsPlugin(FIRST_REGISTRATION))
    installed = registry.items[FIRST_REGISTRATION.code]
    assert [s.key for s in registry.flow_for(installed).steps] == [
        "accept",
        "handle",
        "approve",
        "conclude",
    ]

    short = FlowTemplate(
        key="short",
        steps=(
            FlowStep(
                key="accept",
                name="受理并办结",
                role="clerk",
                actions=(FlowAction(name="conclude", goto="end", status="concluded"),),
            ),
        ),
    )

    class FlowPlugin(ItemsPlugin):
        @hookimpl
        def govhall_flow_template(self, item: ItemSpec) -> FlowTemplate | None:
            return short if item.code == FIRST_REGISTRATION.code else None

    registry = _registry_with(FlowPlugin(FIRST_REGISTRATION))
    assert registry.flow_for(registry.items[FIRST_REGISTRATION.code]) is short


def test_govhall_validate_application_goes_only_to_the_item_plugin() -> None:
    calls: list[str] = []
    other_item = ItemSpec(**{**_fields(FIRST_REGISTRATION), "code": "OTHER-1"})

    class Watcher(ItemsPlugin):
        @hookimpl
        def govhall_validate_application(self, item: ItemSpec, form: dict[str, Any]) -> list[Any]:
            calls.append(item.code)
            return []

    registry = _registry_with(ItemsPlugin(FIRST_REGISTRATION), Watcher(other_item))
    assert registry.validate_application(registry.items[FIRST_REGISTRATION.code], {}) == []
    assert calls == []
    registry.validate_application(registry.items["OTHER-1"], {})
    assert calls == ["OTHER-1"]


def test_plugin_items_must_be_itemspecs() -> None:
    class Wrong:
        @hookimpl
        def govhall_items(self) -> list[Any]:
            return [SimpleNamespace(code="x")]

    with pytest.raises(PluginError, match="not ItemSpec"):
        _registry_with(Wrong())


def _fields(item: ItemSpec) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__struct_fields__}
