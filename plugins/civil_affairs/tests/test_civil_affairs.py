"""The civil_affairs plugin registers through its entry point and its example tables hold."""

from __future__ import annotations

from govhall.sdk.testing import load_registry, run_examples


def test_entry_point_registers_the_plugin() -> None:
    registry = load_registry()
    assert "civil_affairs" in registry.plugin_names()
    assert any(item.plugin == "civil_affairs" for item in registry.items.values())


async def test_every_example_holds() -> None:
    results = await run_examples(["civil_affairs"])
    assert results
    failed = [r for r in results if not r.ok]
    assert not failed, failed


def test_age_is_read_from_the_id_number() -> None:
    from datetime import date

    from govhall_civil_affairs.plugin import age_on

    assert age_on("110105194005010015", date(2026, 11, 22)) == 86
    assert age_on("110105194005010015", date(2020, 4, 30)) == 79
    assert age_on("110105194005010015", date(2020, 5, 1)) == 80


def test_second_child_is_found_by_its_popular_name() -> None:
    registry = load_registry()
    assert "二胎" in registry.items["MZ-SYDJ-0001"].spec.keywords
