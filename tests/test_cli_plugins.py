"""The vendor kit on the command line: ``govhall plugin new``, ``check`` and ``list``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from click.testing import CliRunner

from govhall.cli import main
from govhall.plugincheck import run_examples
from govhall.plugins import PluginRegistry, get_plugin_manager


def test_plugin_check_passes_for_every_first_party_plugin() -> None:
    result = CliRunner().invoke(main, ["plugin", "check"])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    for name in ("civil_affairs", "health", "housing", "market_regulation", "urban_management"):
        assert f"{name} 0.1.0" in result.output
    unknown = CliRunner().invoke(main, ["plugin", "check", "nope"])
    assert unknown.exit_code != 0 and "not installed: nope" in unknown.output


def test_plugin_list_names_versions_and_items() -> None:
    result = CliRunner().invoke(main, ["plugin", "list"])
    assert result.exit_code == 0
    assert "urban_management 0.1.0: CG-CF-0001, CG-JZLJ-0001, CG-ZDXK-0001" in result.output


async def test_plugin_new_creates_a_working_plugin(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["plugin", "new", "water_resources", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "water_resources"
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert 'water_resources = "govhall_water_resources.plugin"' in pyproject
    assert 'name = "govhall-water-resources"' in pyproject
    assert (root / "tests" / "test_water_resources.py").exists()
    again = runner.invoke(main, ["plugin", "new", "water_resources", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "already exists" in again.output
    bad = runner.invoke(main, ["plugin", "new", "Water-Resources", "--dir", str(tmp_path)])
    assert bad.exit_code != 0 and "lowercase" in bad.output

    # Load it as the entry point would, and prove its declarations and examples hold.
    spec = importlib.util.spec_from_file_location(
        "govhall_water_resources.plugin", root / "govhall_water_resources" / "plugin.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        pm = get_plugin_manager(load_entry_points=False)
        pm.register(module, name="water_resources")
        registry = PluginRegistry(pm)
        assert registry.items["TEMPLATE-DEPT-0001"].spec.department_kind == "water_resources"
        results = await run_examples(registry, ["water_resources"])
        assert results and all(r.ok for r in results), results
    finally:
        del sys.modules[spec.name]
