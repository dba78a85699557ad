"""Discretionary standards enforced at the step where the decision is made (R-W6,
R-P5): the step names the item's standards (``FlowStep.discretion``); the deciding
action must propose a value for each (``data[standard.field]``), which the
``govhall_check_discretion`` hook places in the band the case's facts select —
within the band it passes, outside the band but within the law it needs a written
reason, outside the law it is refused. The results go into the event's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import msgspec

from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_, Localized
from govhall.plugins import InstalledItem
from govhall.sdk import DiscretionStandard
from govhall.sdk.discretion import select_band
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.engine import ActionRequest, case_context, load_case
from govhall.workflow.machine import CaseState

if TYPE_CHECKING:
    from govhall.services import Services

#: Actions that make (or carry) the decision at a step with standards.
DECIDING = frozenset({"approve", "agree", "pass"})


class BandView(msgspec.Struct, kw_only=True):
    """What the case screen shows at the deciding step."""

    code: str
    name: str
    field: str
    unit: str
    band: str
    band_name: str
    low: int | None
    high: int | None
    circumstances: list[str]
    basis: str


async def _standards_at(
    services: Services, tenant: TenantInfo, serial_number: str, step: str
) -> tuple[list[DiscretionStandard], dict[str, Any], InstalledItem | None, str]:
    case = await load_case(tenant, serial_number)
    ctx = await case_context(case, tenant)
    state = CaseState.from_builtins(cast(dict[str, Any], case.state))
    active = [a.step for a in state.active]
    chosen = step if step in active else (active[0] if len(active) == 1 else "")
    placed = ctx.places.get(chosen)
    installed = services.registry.items.get(case.item_code)
    if placed is None or not placed.step.discretion or installed is None:
        return [], {}, None, chosen
    spec = await services.catalog.spec_of_version(case.item_version)
    standards = [s for s in spec.discretion if s.code in placed.step.discretion]
    form = cast(dict[str, Any], case.form or {})
    return standards, form, InstalledItem(plugin=installed.plugin, spec=spec), chosen


async def bands_for(
    services: Services, tenant: TenantInfo, serial_number: str, locale: str
) -> list[BandView]:
    standards, facts, _, _ = await _standards_at(services, tenant, serial_number, "")
    views = []
    for standard in standards:
        band = select_band(standard, facts)
        views.append(
            BandView(
                code=standard.code,
                name=Localized(standard.name, standard.name_en).pick(locale),
                field=standard.field,
                unit=standard.unit,
                band=band.key,
                band_name=Localized(band.name, band.name_en).pick(locale),
                low=band.low,
                high=band.high,
                circumstances=list(band.circumstances),
                basis=standard.basis,
            )
        )
    return views


async def enforce(
    services: Services, tenant: TenantInfo, serial_number: str, request: ActionRequest
) -> ActionRequest:
    """The request, with the discretion results in its data; or 422 naming why."""
    if request.action not in DECIDING:
        return request
    standards, facts, installed, _ = await _standards_at(
        services, tenant, serial_number, request.step
    )
    if not standards or installed is None:
        return request
    results = []
    for standard in standards:
        proposed = request.data.get(standard.field)
        name = Localized(standard.name, standard.name_en)
        if proposed is None or proposed == "":
            problem = N_("请按“{standard}”填写裁量结果")
            raise InvalidInput(
                problem,
                code="discretion_value_required",
                errors=[FieldError(standard.field, problem, standard=name)],
                standard=name,
            )
        if standard.subject != "decision":
            try:
                proposed = int(proposed)
            except (TypeError, ValueError):
                problem = N_("“{standard}”的裁量结果须为整数")
                raise InvalidInput(
                    problem,
                    code="discretion_value_invalid",
                    errors=[FieldError(standard.field, problem, standard=name)],
                    standard=name,
                ) from None
        result = await services.registry.check_discretion(
            installed, standard, {**facts, **request.data}, proposed
        )
        explanation = Localized(result.explanation, result.explanation_en)
        if result.outcome == "blocked":
            problem = N_("不能作出该裁量：{explanation}")
            raise InvalidInput(
                problem,
                code="discretion_blocked",
                errors=[FieldError(standard.field, problem, explanation=explanation)],
                explanation=explanation,
            )
        if result.outcome == "needs_reason" and not request.opinion.strip():
            problem = N_("{explanation}；超出基准须在意见中说明理由")
            raise InvalidInput(
                problem,
                code="discretion_reason_required",
                errors=[FieldError("opinion", problem, explanation=explanation)],
                explanation=explanation,
            )
        results.append(
            {
                "standard": standard.code,
                "proposed": proposed,
                "band": result.band,
                "outcome": result.outcome,
            }
        )
    return msgspec.structs.replace(request, data={**request.data, "discretion": results})
