"""The health plugin registers through its entry point and its example tables hold."""

from __future__ import annotations

from govhall.sdk.testing import load_registry, run_examples


def test_entry_point_registers_the_plugin() -> None:
    registry = load_registry()
    assert "health" in registry.plugin_names()
    assert any(item.plugin == "health" for item in registry.items.values())


async def test_every_example_holds() -> None:
    results = await run_examples(["health"])
    assert results
    failed = [r for r in results if not r.ok]
    assert not failed, failed


async def test_batch_fee_gives_one_receipt_line_per_worker() -> None:
    from govhall.fees.services import assess_fees, total_fen

    registry = load_registry()
    item = registry.items["WJ-JKZM-0001"]
    workers = [
        {"name": "孙八", "id_number": "11010519491231002X"},
        {"name": "周九", "id_number": "110105194912310038"},
    ]
    form = {"workers": workers}
    lines = await registry.adjust_fees(item, form, assess_fees(item.spec, form))
    assert [line.amount_fen for line in lines] == [4500, 4500]
    assert total_fen(lines) == 9000
    assert "110105********002X" in lines[0].name
    assert all(line.basis for line in lines)


async def test_repeated_worker_is_refused() -> None:
    registry = load_registry()
    item = registry.items["WJ-JKZM-0001"]
    worker = {"name": "孙八", "id_number": "11010519491231002X"}
    problems = await registry.validate_application(item, {"workers": [worker, worker]})
    assert [p.field for p in problems] == ["workers.1.id_number"]
