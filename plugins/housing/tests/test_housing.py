"""The housing plugin registers through its entry point and its example tables hold."""

from __future__ import annotations

from govhall.sdk.testing import load_registry, run_examples


def test_entry_point_registers_the_plugin() -> None:
    registry = load_registry()
    assert "housing" in registry.plugin_names()
    assert any(item.plugin == "housing" for item in registry.items.values())


async def test_every_example_holds() -> None:
    results = await run_examples(["housing"])
    assert results
    failed = [r for r in results if not r.ok]
    assert not failed, failed
