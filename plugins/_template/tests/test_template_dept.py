"""The plugin's own tests: it registers, its declarations load, its examples hold."""

from __future__ import annotations

from govhall.sdk.testing import load_registry, run_examples


def test_entry_point_registers_the_plugin() -> None:
    registry = load_registry()
    assert "template_dept" in registry.plugin_names()
    assert registry.items["TEMPLATE-DEPT-0001"].plugin == "template_dept"


async def test_every_example_holds() -> None:
    results = await run_examples(["template_dept"])
    assert results, "declare form, fee or discretion examples"
    failed = [r for r in results if not r.ok]
    assert not failed, failed
