"""The plugin test kit (R-P9): run every plugin's example tables and report.

Declarations are already checked when the registry loads (a bad one raises
:class:`~govhall.plugins.PluginError` naming plugin, item and field). This module
then proves the declared behaviour with the plugin's own examples: each form
sample is accepted or refused on the named fields, each fee example owes the
stated amounts, each discretion example selects the stated band and outcome.
``govhall plugin check`` prints the report; vendors call :func:`run_examples`
from their tests (see ``plugins/_template``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govhall.catalog.forms import strip_hidden, validate_form
from govhall.fees.services import assess_fees, total_fen
from govhall.plugins import InstalledItem, PluginFailed, PluginRegistry


@dataclass(frozen=True, slots=True)
class ExampleResult:
    plugin: str
    item: str
    kind: str
    """``form``, ``fee`` or ``discretion``."""
    name: str
    ok: bool
    detail: str


async def _form_examples(registry: PluginRegistry, item: InstalledItem) -> list[ExampleResult]:
    out = []
    for example in item.spec.form.examples:
        data = strip_hidden(item.spec.form, example.data)
        errors = validate_form(item.spec.form, data)
        if not errors:
            problems = await registry.validate_application(item, data)
            fields = {p.field.split(".")[0] for p in problems}
        else:
            fields = {e.field.split(".")[0] for e in errors}
        if example.valid:
            ok = not fields
            detail = "accepted" if ok else f"refused on {sorted(fields)}, expected accepted"
        else:
            missing = set(example.errors) - fields
            ok = bool(fields) and not missing
            detail = (
                f"refused on {sorted(fields)}"
                if ok
                else f"refused on {sorted(fields)}, expected errors on {sorted(example.errors)}"
            )
        out.append(ExampleResult(item.plugin, item.spec.code, "form", example.name, ok, detail))
    return out


async def _fee_examples(registry: PluginRegistry, item: InstalledItem) -> list[ExampleResult]:
    out = []
    for example in item.spec.fee_examples:
        form = dict(example.form)
        lines = await registry.adjust_fees(item, form, assess_fees(item.spec, form))
        total = total_fen(lines)
        by_code: dict[str, int] = {}
        for line in lines:
            by_code[line.code] = by_code.get(line.code, 0) + line.amount_fen
        wrong = {
            code: (by_code.get(code), expected)
            for code, expected in example.lines.items()
            if by_code.get(code) != expected
        }
        ok = total == example.total_fen and not wrong
        detail = f"total {total} fen" + ("" if ok else f", expected {example.total_fen}")
        if wrong:
            detail += "; lines (got, expected): " + ", ".join(f"{k} {v}" for k, v in wrong.items())
        out.append(ExampleResult(item.plugin, item.spec.code, "fee", example.name, ok, detail))
    return out


async def _discretion_examples(
    registry: PluginRegistry, item: InstalledItem
) -> list[ExampleResult]:
    out = []
    for standard in item.spec.discretion:
        for example in standard.examples:
            result = await registry.check_discretion(
                item, standard, dict(example.facts), example.proposed
            )
            ok = result.band == example.band and result.outcome == example.outcome
            detail = f"{result.band}/{result.outcome}: {result.explanation}"
            if not ok:
                detail += f" (expected {example.band}/{example.outcome})"
            out.append(
                ExampleResult(
                    item.plugin,
                    item.spec.code,
                    "discretion",
                    f"{standard.code}: {example.name}",
                    ok,
                    detail,
                )
            )
    return out


async def run_examples(
    registry: PluginRegistry, plugins: Iterable[str] | None = None
) -> list[ExampleResult]:
    """Every example of the named plugins (all when None), in item order."""
    wanted = set(plugins) if plugins is not None else set(registry.plugin_names())
    results: list[ExampleResult] = []
    for code in sorted(registry.items):
        item = registry.items[code]
        if item.plugin not in wanted:
            continue
        for run in (_form_examples, _fee_examples, _discretion_examples):
            try:
                results.extend(await run(registry, item))
            except PluginFailed as exc:
                results.append(
                    ExampleResult(
                        item.plugin, code, run.__name__.strip("_"), "hook", False, str(exc)
                    )
                )
    return results


def report(results: list[ExampleResult], registry: PluginRegistry, plugins: list[str]) -> str:
    """A readable report: per plugin its items, then one line per example."""
    lines: list[str] = []
    for plugin in plugins:
        items = [i for i in registry.items.values() if i.plugin == plugin]
        version = registry.plugin_version(plugin) or "(not installed as a distribution)"
        lines.append(f"{plugin} {version}: {len(items)} items, declarations valid")
        for item in sorted(items, key=lambda i: i.spec.code):
            lines.append(f"  {item.spec.code} {item.spec.name} (version {item.spec.version})")
            for result in results:
                if result.plugin == plugin and result.item == item.spec.code:
                    mark = "ok  " if result.ok else "FAIL"
                    lines.append(f"    {mark} {result.kind:<10} {result.name}: {result.detail}")
    failed = sum(1 for r in results if not r.ok)
    lines.append(f"{len(results)} examples, {failed} failed")
    return "\n".join(lines)
