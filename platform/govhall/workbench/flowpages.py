"""The flow editor (R-F1) in the admin console: an item's flow in use — the
plugin's default, or the tenant's (or one department's) latest version — as TOML
to copy and change (steps, roles, positions, limits, actions and their
conditions, parallel branches), saved as the next version after the same checks a
plugin's flow passes (every problem listed next to the text, which stays as
typed), with the versions listed and a line-by-line diff between any two.

Two ways to edit, both publishing through the same checks: a table of the steps
(name, role, position, time limit, handling unit; reorder, copy, remove) for the
everyday changes, and the TOML text for everything (actions and their conditions,
routes, parallel branches). TOML rather than a drag-and-drop canvas because a flow
is a tree of steps, actions and rules: the text shows all of it, diffs cleanly and
is what ``tenant export`` and plugin authors write. ``difflib`` makes the diff.
"""

from __future__ import annotations

import copy
import difflib
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.errors import FieldError, GovhallError, InvalidInput
from govhall.i18n import N_
from govhall.identity.services import require_admin_scope, tenant_wide
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.services import Services
from govhall.tenancy.export import toml_text
from govhall.tenancy.orgtree import org_tree
from govhall.workbench.pages import _login, signed_in_staff
from govhall.workflow.flows import STEP_ROLES, FlowSave, flow_overview, flow_version, save_flow
from govhall.workflow.labels import ROLE_LABELS

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def diff_lines(older: str, newer: str, older_name: str, newer_name: str) -> list[tuple[str, str]]:
    """(kind, line) of a unified diff: kind is ``add``, ``remove``, ``hunk`` or ``same``."""
    out = []
    for line in difflib.unified_diff(
        older.splitlines(), newer.splitlines(), older_name, newer_name, lineterm="", n=2
    ):
        if line.startswith(("+++", "---")):
            continue
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "same")
        out.append((kind, line))
    return out


#: The step fields the table edits (everything else is kept as it was).
TABLE_FIELDS = ("name", "role", "position", "limit_days", "org_unit")


def decode_flow(text: str) -> dict[str, Any]:
    try:
        flow = msgspec.toml.decode(text.encode("utf-8"))
    except msgspec.DecodeError as exc:
        raise InvalidInput(
            N_("流程定义格式有误：{reason}"), code="invalid_flow", reason=str(exc)
        ) from exc
    if not isinstance(flow, dict):
        raise InvalidInput(N_("流程定义格式有误：{reason}"), code="invalid_flow", reason="")
    return flow


def edit_steps(flow: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """``flow`` with the table's changes: per step ``i`` the fields ``name-i``,
    ``role-i``, ``position-i``, ``limit_days-i``, ``org_unit-i``, its place ``order-i``,
    ``remove-i`` and ``copy-i`` (a copy right after it, under a new key). Branch steps,
    actions and routes are kept as they are (the text edits those)."""
    steps = [dict(step) for step in flow.get("steps") or [] if isinstance(step, dict)]
    errors: list[FieldError] = []
    placed: list[tuple[float, float, dict[str, Any]]] = []
    keys = {str(step.get("key")) for step in steps}
    for i, step in enumerate(steps):
        if data.get(f"remove-{i}"):
            continue
        for name in TABLE_FIELDS:
            if f"{name}-{i}" not in data:
                continue
            value = str(data.get(f"{name}-{i}") or "").strip()
            if name == "limit_days":
                if not value:
                    step.pop(name, None)
                elif value.isdigit():
                    step[name] = int(value)
                else:
                    errors.append(
                        FieldError(f"steps[{i}].limit_days", N_("时限须为工作日天数（整数）"))
                    )
            elif value or name == "name":
                step[name] = value
            else:
                step.pop(name, None)
        order_text = str(data.get(f"order-{i}") or "").strip()
        try:
            order = float(order_text) if order_text else float(i + 1)
        except ValueError:
            errors.append(FieldError(f"steps[{i}].order", N_("顺序须为数字")))
            order = float(i + 1)
        placed.append((order, i, step))
        if data.get(f"copy-{i}"):
            twin = copy.deepcopy(step)
            key, n = f"{step.get('key')}-2", 2
            while key in keys:
                n += 1
                key = f"{step.get('key')}-{n}"
            keys.add(key)
            twin["key"] = key
            placed.append((order, i + 0.5, twin))
    if errors:
        raise InvalidInput(N_("环节表格有误"), code="invalid_flow", errors=errors)
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    return {**flow, "steps": [step for _, _, step in placed]}


class FlowPages(Controller):
    path = "/work/admin/flows"
    tags = ("workbench",)
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        await require_admin_scope(portal.tenant, staff)
        items = await services.catalog.tenant_items(portal.tenant)
        return render(
            request, "work/flows.html", portal=portal, staff=staff, items=items, editing=None
        )

    async def _editor(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        staff: Principal,
        item_code: str,
        *,
        status: int = 200,
        text: str | None = None,
        errors: dict[str, str] | None = None,
        problems: list[dict[str, str]] | None = None,
    ) -> Response[Any]:
        scope = await require_admin_scope(portal.tenant, staff)
        params = request.query_params
        department = params.get("department") or None
        if department is None and not tenant_wide(scope):
            # A department's administrator edits their department's own version (the
            # unit's code is the last segment of its path).
            department = scope[0].path.rstrip("/").rsplit("/", 1)[-1]
        installed = (await services.catalog.tenant_item(portal.tenant, item_code)).installed
        overview = await flow_overview(portal.tenant, installed, department, services.registry)
        diff: list[tuple[str, str]] = []
        older, newer = params.get("from", ""), params.get("to", "")
        if older.isdigit() and newer.isdigit():
            texts = []
            for number in (int(older), int(newer)):
                version = await flow_version(
                    portal.tenant, installed, number, department, services.registry
                )
                texts.append(toml_text(version.flow))
            diff = diff_lines(texts[0], texts[1], f"v{older}", f"v{newer}")
        shown = toml_text(overview.effective.flow) if text is None else text
        try:
            table = decode_flow(shown)
        except InvalidInput:
            table = msgspec.to_builtins(overview.effective.flow)
        locale = request_locale(request)
        return render(
            request,
            "work/flows.html",
            status=status,
            portal=portal,
            staff=staff,
            steps=[s for s in table.get("steps") or [] if isinstance(s, dict)],
            table_base=toml_text(table),
            step_roles=[(r, ROLE_LABELS[r].pick(locale)) for r in STEP_ROLES],
            units=await org_tree(portal.tenant, staff, locale),
            editing=installed.spec,
            overview=overview,
            department=department or "",
            text=shown,
            diff=diff,
            diff_from=older,
            diff_to=newer,
            errors=errors or {},
            problems=problems or [],
            saved=params.get("saved", ""),
        )

    @get("/{item_code:str}")
    async def editor(
        self,
        request: Request[Any, Any, Any],
        item_code: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._editor(request, portal, services, staff, item_code)

    @post("/{item_code:str}")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        item_code: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Publish the edited flow text as the next version (new cases start on it)."""
        text = str(data.get("flow") or "")
        return await self._publish(request, portal, services, item_code, data, text, None)

    @post("/{item_code:str}/steps")
    async def publish_table(
        self,
        request: Request[Any, Any, Any],
        item_code: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Publish the flow the step table shows, with its changes, as the next version."""
        text = str(data.get("base") or "")
        return await self._publish(request, portal, services, item_code, data, text, data)

    async def _publish(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        item_code: str,
        data: dict[str, Any],
        text: str,
        table: dict[str, Any] | None,
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        department = str(data.get("department") or "") or None
        try:
            installed = (await services.catalog.tenant_item(portal.tenant, item_code)).installed
            flow = decode_flow(text)
            if table is not None:
                flow = edit_steps(flow, table)
                # Shown again as typed if the checks refuse it, in both views.
                text = toml_text(flow)
            saved = await save_flow(
                tenant=portal.tenant,
                staff=staff,
                installed=installed,
                data=FlowSave(flow=flow, department=department, note=str(data.get("note") or "")),
            )
        except GovhallError as error:
            locale = request_locale(request)
            problems = [e.render(locale) for e in error.errors]
            return await self._editor(
                request,
                portal,
                services,
                staff,
                item_code,
                status=error.status_code,
                text=text,
                errors=error_messages(error, locale),
                problems=problems,
            )
        query = f"saved={saved.version}" + (f"&department={department}" if department else "")
        return Redirect(f"{portal.base}/work/admin/flows/{item_code}?{query}", status_code=303)
