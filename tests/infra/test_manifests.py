"""The deployment files in ``infra/`` stay true to the code: every command they
run is a govhall command, every process has resources and health checks, every
secret comes from the environment, every setting the example names is one govhall
reads, and the backup scripts parse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from govhall.cli import main

INFRA = Path(__file__).resolve().parents[2] / "infra"
SETTINGS = (Path(__file__).resolve().parents[2] / "platform/govhall/settings.py").read_text()


def _documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((INFRA / "k8s" / name).read_text()) if d]


def _govhall_command(command: list[str]) -> None:
    """``command`` names a real govhall (sub)command with options it accepts."""
    assert command[0] == "govhall", command
    group: Any = main
    words = [w for w in command[1:] if not w.startswith("-")]
    for word in words[:2]:
        if not hasattr(group, "commands") or word not in group.commands:
            break
        group = group.commands[word]
    options = {o for p in group.params for o in getattr(p, "opts", [])}
    for word in command[1:]:
        if word.startswith("--"):
            assert word in options, (command, word)


def _containers(documents: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for doc in documents:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec", {})
        found += [(doc["metadata"]["name"], c) for c in pod.get("containers", [])]
    return found


def test_kubernetes_processes_run_govhall_with_resources_probes_and_secrets() -> None:
    documents = _documents("govhall.yaml") + _documents("migrate.yaml")
    containers = _containers(documents)
    assert {name for name, _ in containers} == {
        "govhall-web",
        "govhall-worker",
        "govhall-cron",
        "govhall-migrate",
    }
    for name, container in containers:
        _govhall_command(container["command"])
        assert container["envFrom"] == [{"secretRef": {"name": "govhall-env"}}], name
        assert "env" not in container, f"{name}: settings belong in the govhall-env Secret"
        resources = container["resources"]
        assert resources["requests"] and resources["limits"], name
    web = dict(containers)["govhall-web"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    scaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }
    assert scaled == {"govhall-web", "govhall-worker"}


def test_data_services_keep_their_data_and_their_secrets_out_of_the_files() -> None:
    documents = _documents("data.yaml")
    sets = {d["metadata"]["name"]: d for d in documents if d["kind"] == "StatefulSet"}
    assert set(sets) == {"postgres", "redis", "minio"}
    for name, stateful in sets.items():
        assert stateful["spec"]["volumeClaimTemplates"], name
        (container,) = stateful["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"] and container["resources"]["limits"], name
        for variable in container.get("env", []):
            if "PASSWORD" in variable["name"]:
                assert "secretKeyRef" in variable["valueFrom"], (name, variable)
    services = {d["metadata"]["name"] for d in documents if d["kind"] == "Service"}
    assert services == set(sets)


def test_compose_runs_govhall_commands_behind_a_proxy() -> None:
    compose = yaml.safe_load((INFRA / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "minio", "migrate", "web", "worker", "cron", "proxy"} <= set(services)
    for name in ("migrate", "web", "worker", "cron"):
        _govhall_command(services[name]["command"])
        assert services[name]["env_file"] == "govhall.env"
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "healthcheck" in services["web"] and "healthcheck" in services["db"]
    assert "proxy_pass http://govhall" in (INFRA / "nginx.conf").read_text()


def test_the_example_environment_names_only_settings_govhall_reads() -> None:
    names = [
        line.split("=", 1)[0]
        for line in (INFRA / "govhall.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    unknown = [n for n in names if n.startswith("GOVHALL_") and not re.search(rf'"{n}"', SETTINGS)]
    assert not unknown, unknown


@pytest.mark.parametrize("script", sorted((INFRA / "backup").glob("*.sh")))
def test_backup_scripts_parse_and_refuse_to_run_without_their_settings(script: Path) -> None:
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    bare = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert bare.returncode != 0 and ("usage" in bare.stderr or "set " in bare.stderr)
