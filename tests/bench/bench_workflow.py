"""Workflow benchmark: persisted transitions per second, govhall vs SpiffWorkflow.

Run (PostgreSQL on 127.0.0.1:5432; installs SpiffWorkflow for the comparison only)::

    uv run --group bench python -m tests.bench.bench_workflow [--cases 800] [--clients 32]

govhall: each of ``--cases`` cases goes through a 5-step flow (受理 → 承办 → 审核 →
批准 → 办结) by calling the engine's service layer (``perform_action``: role and
claim checks, the state machine with the working-day clock, one transaction that
updates the case, its tasks and appends the event), ``--clients`` cases at a time.

Floor: SpiffWorkflow in the same process runs the same 5-step BPMN process, its
state serialised to JSON between steps (what a persisted BPMN engine must do at
least), without any database. The ratio is govhall ÷ SpiffWorkflow; the target is
≥ 1.5 while govhall also writes to PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from govhall import db, schema
from govhall.builtin.flow import STANDARD_FLOW
from govhall.cases.schemas import ApplicationCreate, MaterialRef
from govhall.cases.services import submit_application
from govhall.catalog.services import CatalogService
from govhall.identity.schemas import AccountCreate
from govhall.identity.services import register_account
from govhall.identity.tables import Staff
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry, get_plugin_manager
from govhall.sdk import FlowAction, FlowStep, FlowTemplate
from govhall.settings import Settings
from govhall.storage.tables import BlobRecord
from govhall.tenancy.services import apply_manifest, load_manifest, resolve_tenant
from govhall.workflow.engine import ActionRequest, perform_action
from govhall.workflow.tables import FlowDefinition
from tests.bench.results import record

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "bench-pass-1234"
ITEM = "NR-BDC-0001"
FORM = {
    "applicant_name": "张三",
    "property_location": "城关镇解放路12号",
    "property_use": "residential",
    "floor_area": 98.5,
    "extra_certificates": 0,
}
accept, handle, approve, conclude = STANDARD_FLOW.steps
FIVE_STEPS = FlowTemplate(
    key="five",
    steps=(
        accept,
        handle,
        FlowStep(key="review", name="审核", role="approver", actions=(FlowAction(name="agree"),)),
        approve,
        conclude,
    ),
)
PLAN = [
    ("clerk", "accept"),
    ("handler", "pass"),
    ("approver", "agree"),
    ("approver", "approve"),
    ("handler", "conclude"),
]


async def _database(url: str) -> str:
    base, _, name = url.rpartition("/")
    connection = await asyncpg.connect(f"{base}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url


async def _setup(settings: Settings, cases: int) -> tuple[Any, dict[str, Principal], list[str]]:
    await schema.migrate(settings)
    registry = PluginRegistry(get_plugin_manager())
    await db.open_pool(db.get_engine(), 32)
    for slug in ("demo-province", "demo-city", "demo-county"):
        await apply_manifest(load_manifest(REPO / "tenants" / slug), registry, PASSWORD)
    tenant = await resolve_tenant("demo-county")
    await FlowDefinition(
        tenant=tenant.id, item_code=ITEM, version=1, definition=_builtins(FIVE_STEPS)
    ).save()
    account = await register_account(
        AccountCreate(
            username="bench",
            password="abc12345x",
            kind="individual",
            name="张三",
            id_number="11010519491231002X",
        )
    )
    applicant = Principal(kind="account", id=account.id, username="bench", name="张三")
    catalog = CatalogService(registry)
    await catalog.publish_all()
    # The materials' files: records only (the benchmark is about the workflow).
    blobs = {}
    for code in ("application_form", "identity_proof"):
        blob = BlobRecord(
            tenant=tenant.id,
            owner_kind="account",
            owner_id=account.id,
            sha256="0" * 64,
            size=1000,
            content_type="application/pdf",
            filename=f"{code}.pdf",
            storage_key=f"bench/{code}",
        )
        await blob.save()
        blobs[code] = blob.id
    materials = [MaterialRef(material_code=c, blob_id=b) for c, b in blobs.items()]
    serials = []
    for _ in range(cases):
        receipt, *_ = await submit_application(
            tenant=tenant,
            applicant=applicant,
            data=ApplicationCreate(item_code=ITEM, form=FORM, materials=materials),
            catalog=catalog,
            registry=registry,
            secret_key=settings.secret_key,
        )
        serials.append(receipt.serial_number)
    staff = {}
    for name in ("clerk", "handler", "approver"):
        row = await Staff.objects().where(Staff.username == name).first()
        assert row is not None
        staff[name] = Principal(
            kind="staff", id=row.id, username=name, name=row.name, tenant_id=tenant.id
        )
    return tenant, staff, serials


def _builtins(flow: FlowTemplate) -> Any:
    import msgspec

    return msgspec.to_builtins(flow)


async def _govhall(
    tenant: Any, staff: dict[str, Principal], serials: list[str], clients: int
) -> float:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for serial in serials:
        queue.put_nowait(serial)

    async def client() -> None:
        while not queue.empty():
            serial = queue.get_nowait()
            for who, action in PLAN:
                await perform_action(tenant, staff[who], serial, ActionRequest(action=action))

    started = time.perf_counter()
    await asyncio.gather(*[client() for _ in range(clients)])
    return len(serials) * len(PLAN) / (time.perf_counter() - started)


def _spiff(cases: int) -> float:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    names = [step.key for step in FIVE_STEPS.steps]
    nodes = ['<bpmn:startEvent id="start"/>', '<bpmn:endEvent id="end"/>']
    flows = []
    previous = "start"
    for name in [*names, "end"]:
        if name != "end":
            nodes.append(f'<bpmn:userTask id="{name}" name="{name}"/>')
        flows.append(
            f'<bpmn:sequenceFlow id="to_{name}" sourceRef="{previous}" targetRef="{name}"/>'
        )
        previous = name
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="g">'
        f'<bpmn:process id="case" isExecutable="true">{"".join(nodes)}{"".join(flows)}'
        "</bpmn:process></bpmn:definitions>"
    )
    parser = BpmnParser()
    parser.add_bpmn_str(xml.encode())
    spec = parser.get_spec("case")
    serializer = BpmnWorkflowSerializer()
    started = time.perf_counter()
    for _ in range(cases):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        for _name in names:
            workflow = serializer.deserialize_json(state)
            workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
        assert workflow.is_completed()
    return cases * len(names) / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=800)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database",
        default="postgresql://postgres@127.0.0.1:5432/govhall_bench_workflow",
        help="a PostgreSQL database to (re)create",
    )
    args = parser.parse_args()
    url = await _database(args.database)
    settings = Settings(
        database_url=url,
        redis_url=None,
        storage_url=tempfile.mkdtemp(prefix="govhall-bench-"),
        secret_key=f"bench-{uuid.uuid4()}-secret-key-0123456789",
    )
    tenant, staff, serials = await _setup(settings, args.cases)
    # Alternate rounds of both so that machine noise hits both alike; report medians.
    rounds = max(1, args.rounds)
    size = len(serials) // (rounds + 1)
    await _govhall(tenant, staff, serials[:size], args.clients)  # warm-up
    _spiff(size)
    ours_runs, floor_runs = [], []
    for r in range(1, rounds + 1):
        ours_runs.append(
            await _govhall(tenant, staff, serials[r * size : (r + 1) * size], args.clients)
        )
        floor_runs.append(_spiff(size))
    await db.close_pool(db.get_engine())
    ours, floor = statistics.median(ours_runs), statistics.median(floor_runs)
    ratio = ours / floor
    print()
    print(f"{'benchmark':<44}{'per second':>12}")
    print(f"{'govhall: persisted transitions (PostgreSQL)':<44}{ours:>12,.0f}")
    print(f"{'SpiffWorkflow: transitions, JSON state':<44}{floor:>12,.0f}")
    print(f"{'ratio govhall / SpiffWorkflow':<44}{ratio:>12.2f}   (target ≥ 1.5)")
    print(
        f"rounds: govhall {[round(x) for x in ours_runs]}, floor {[round(x) for x in floor_runs]}"
    )
    record(
        f"workflow transitions, persisted on PostgreSQL ({args.clients} clients, median of"
        f" {rounds} rounds)",
        f"{ours:,.0f}/s",
        floor=f"{floor:,.0f}/s (SpiffWorkflow, JSON state)",
        ratio=ratio,
        target="≥ 1.5",
        met=ratio >= 1.5,
    )


if __name__ == "__main__":
    asyncio.run(main())
