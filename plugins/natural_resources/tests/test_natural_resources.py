"""The natural_resources plugin registers through its entry point and its example tables hold."""

from __future__ import annotations

from govhall.sdk.testing import load_registry, run_examples


def test_entry_point_registers_the_plugin() -> None:
    registry = load_registry()
    assert "natural_resources" in registry.plugin_names()
    assert any(item.plugin == "natural_resources" for item in registry.items.values())


async def test_every_example_holds() -> None:
    results = await run_examples(["natural_resources"])
    assert results
    failed = [r for r in results if not r.ok]
    assert not failed, failed


def test_homestead_is_handled_by_towns_and_limits_area_by_household() -> None:
    from govhall_natural_resources.plugin import homestead_limit

    registry = load_registry()
    assert registry.items["NR-ZJD-0001"].spec.handling_level == "town"
    assert (homestead_limit(3), homestead_limit(4)) == (120, 150)


def test_sample_file_ships_with_the_plugin() -> None:
    registry = load_registry()
    sample = registry.resource("natural_resources", "samples/application_form.pdf")
    assert sample is not None and sample.startswith(b"%PDF-")
