"""The tenant administrator's console (R-T3, R-T5): the portal's branding with a live
preview, the org tree (add, rename, move with its subtree, remove), staff and their
roles within the administrator's scope (分级授权), and the working-day calendar's
local days. Each form calls the same service as the API; a refusal is shown next to
the form it came from and nothing already saved is touched."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, cast, get_args
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.calendar.services import (
    clear_day,
    require_calendar_admin,
    set_day,
    tenant_calendar,
    year_days,
)
from govhall.cases.numbering import SerialFormatIn, describe_format, set_serial_format
from govhall.errors import FieldError, GovhallError, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.roles import FUNCTIONS, RoleIn, define_role, delete_role, list_roles
from govhall.identity.services import require_admin_scope
from govhall.identity.staffadmin import GrantIn, StaffIn, change_grant, create_staff, list_staff
from govhall.identity.tokens import Principal
from govhall.notify import outbound
from govhall.notify.deliveries import (
    ChannelsIn,
    TemplateIn,
    save_template,
    set_tenant_channels,
    templates_of,
)
from govhall.notify.tables import TenantChannels
from govhall.portal.articles import ArticleIn, all_for_admin, delete_article, save_article
from govhall.portal.branding import BrandingIn, branding_of, set_branding
from govhall.portal.rendering import render, request_locale
from govhall.portal.scenarios import ScenarioEntry, replace_tree, tenant_entries
from govhall.portal.search import TermIn, add_term, list_terms, remove_term
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.services import Services
from govhall.tenancy.enablement import (
    EnablementIn,
    ItemSettingIn,
    set_enablement,
    set_item_setting,
    unit_enablement,
)
from govhall.tenancy.orgtree import (
    MoveIn,
    UnitIn,
    UnitUpdate,
    create_unit,
    delete_unit,
    move_unit,
    org_tree,
    update_unit,
)
from govhall.tenancy.schemas import UnitKind
from govhall.tenancy.services import HANDLING_UNIT_KINDS, enabled_items, item_settings
from govhall.tenancy.tables import OrgUnit
from govhall.web.deps import client_ip
from govhall.workbench.pages import _login, signed_in_staff
from govhall.workflow.clockjobs import recompute_open_cases, tenant_warning

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
UNIT_KINDS = get_args(UnitKind)
SETTING_TEXTS = ("window", "place", "hours", "consultation_phone", "complaint_phone", "notes")


class AdminPages(Controller):
    path = "/work/admin"
    tags = ("workbench",)
    include_in_schema = False

    async def _console(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        staff: Principal,
        *,
        status: int = 200,
        section: str = "",
        errors: dict[str, str] | None = None,
        typed: dict[str, Any] | None = None,
        problems: list[dict[str, str]] | None = None,
    ) -> Response[Any]:
        locale = request_locale(request)
        await require_admin_scope(portal.tenant, staff)
        year = date.today().year
        units = await org_tree(portal.tenant, staff, locale)
        handling = [u for u in units if u.kind in HANDLING_UNIT_KINDS]
        ids = {
            r["code"]: r["id"]
            for r in await OrgUnit.select(OrgUnit.code, OrgUnit.id).where(
                OrgUnit.tenant == portal.tenant.id
            )
        }
        offered = await enabled_items(portal.tenant.id, services.registry)
        return render(
            request,
            "work/admin.html",
            status=status,
            calendar_warning=await tenant_warning(portal.tenant),
            portal=portal,
            staff=staff,
            branding=await branding_of(portal.tenant),
            units=units,
            handling=[
                (u, await unit_enablement(portal.tenant, ids[u.code], u.code)) for u in handling
            ],
            plugins=[
                (name, [i.spec.code for i in services.registry.items_of({name})])
                for name in services.registry.plugin_names()
            ],
            offered=sorted(
                (code, services.registry.items[code].spec.name)
                for code in offered
                if code in services.registry.items
            ),
            settings=await item_settings(portal.tenant.id),
            windows=[u for u in units if u.kind == "window"],
            terms=await list_terms(portal.tenant, staff),
            scenario_text="\n".join(
                " | ".join(filter(None, (e.path, " ".join(e.items), e.audience)))
                for e in await tenant_entries(portal.tenant)
            ),
            problems=problems or [],
            templates=await templates_of(portal.tenant, staff),
            channel_names=sorted((c.kind, name) for name, c in outbound.channels().items()),
            channels=await TenantChannels.select(TenantChannels.sms, TenantChannels.email)
            .where(TenantChannels.tenant == portal.tenant.id)
            .first(),
            articles=await all_for_admin(portal.tenant, staff),
            kinds=UNIT_KINDS,
            people=await list_staff(portal.tenant, staff, locale),
            functions=[(k, v.pick(locale)) for k, v in FUNCTIONS.items()],
            roles=await list_roles(portal.tenant, staff, locale),
            serial=describe_format(portal.tenant),
            days=[d for d in await year_days(portal.tenant.id, year) if d[3] == "tenant"],
            national_years=[
                (y, (await tenant_calendar(portal.tenant.id)).national.provisional(y))
                for y in (year, year + 1)
            ],
            year=year,
            section=section,
            errors=errors or {},
            typed=typed or {},
            done=request.query_params.get("done", ""),
        )

    async def _do(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        section: str,
        data: dict[str, Any],
        work: Any,
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        try:
            await work(staff)
        except GovhallError as error:
            typed = {k: v for k, v in data.items() if k not in ("password", "_csrf_token")}
            locale = request_locale(request)
            return await self._console(
                request,
                portal,
                services,
                staff,
                status=error.status_code,
                section=section,
                errors=error_messages(error, locale),
                typed=typed,
                problems=[e.render(locale) for e in error.errors],
            )
        return Redirect(f"{portal.base}/work/admin/?done={section}#{section}", status_code=303)

    @get("/")
    async def console(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._console(request, portal, services, staff)

    @post("/branding")
    async def branding(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        async def work(staff: Principal) -> None:
            phones = [p.strip() for p in str(data.get("phones") or "").splitlines() if p.strip()]
            branding = BrandingIn(
                portal_name=str(data.get("portal_name") or ""),
                portal_name_en=str(data.get("portal_name_en") or ""),
                primary_color=str(data.get("primary_color") or ""),
                footer=str(data.get("footer") or ""),
                phones=phones,
            )
            await set_branding(portal.tenant, staff, branding, services.blobs)

        return await self._do(request, portal, services, "branding", data, work)

    @post("/units")
    async def add_unit(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        async def work(staff: Principal) -> None:
            kind = str(data.get("kind") or "")
            if kind not in UNIT_KINDS:
                raise InvalidInput(N_("请选择机构类型"), code="unit_kind_required")
            unit = UnitIn(
                code=str(data.get("code") or "").strip(),
                name=str(data.get("name") or "").strip(),
                name_en=str(data.get("name_en") or "").strip(),
                kind=cast(UnitKind, kind),
                parent=str(data.get("parent") or ""),
            )
            await create_unit(portal.tenant, staff, unit, client_ip(request))

        return await self._do(request, portal, services, "units", data, work)

    @post("/units/change")
    async def change_unit(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """The unit ``target``: ``action`` ``rename`` (name), ``move`` (new parent, with
        the subtree) or ``remove`` (refused while anything refers to the unit)."""
        code = str(data.get("target") or "")
        action = str(data.get("action") or "")

        async def work(staff: Principal) -> None:
            ip = client_ip(request)
            if action == "rename":
                change = UnitUpdate(
                    name=str(data.get("name") or "").strip() or None,
                    name_en=str(data.get("name_en") or "").strip() or None,
                )
                await update_unit(portal.tenant, staff, code, change, ip)
            elif action == "move":
                await move_unit(
                    portal.tenant, staff, code, MoveIn(parent=str(data.get("parent") or "")), ip
                )
            elif action == "remove":
                await delete_unit(portal.tenant, staff, code, ip)
            else:
                raise NotFound(N_("未知的操作“{action}”"), code="unknown_action", action=action)

        return await self._do(request, portal, services, "units", data, work)

    @post("/staff")
    async def add_staff(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        async def work(staff: Principal) -> None:
            grants = []
            if data.get("role") and data.get("org_unit"):
                grants.append(GrantIn(role=str(data["role"]), org_unit=str(data["org_unit"])))
            person = StaffIn(
                username=str(data.get("username") or "").strip(),
                name=str(data.get("name") or "").strip(),
                password=str(data.get("password") or ""),
                grants=grants,
            )
            await create_staff(
                portal.tenant, staff, person, request_locale(request), client_ip(request)
            )

        return await self._do(request, portal, services, "staff", data, work)

    @post("/roles")
    async def role(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Define a tenant role (a set of functions) at a unit within the admin's scope."""
        ticked = data.get("functions") or []
        functions = [str(f) for f in (ticked if isinstance(ticked, list) else [ticked])]

        async def work(staff: Principal) -> None:
            role = RoleIn(
                code=str(data.get("code") or "").strip(),
                name=str(data.get("name") or "").strip(),
                name_en=str(data.get("name_en") or "").strip(),
                org_unit=str(data.get("org_unit") or ""),
                functions=[
                    str(f) for f in (functions if isinstance(functions, list) else [functions])
                ],
            )
            await define_role(
                portal.tenant, staff, role, request_locale(request), client_ip(request)
            )

        return await self._do(request, portal, services, "roles", data, work)

    @post("/roles/{code:str}/remove")
    async def remove_role(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        async def work(staff: Principal) -> None:
            await delete_role(portal.tenant, staff, code, client_ip(request))

        return await self._do(request, portal, services, "roles", {}, work)

    @post("/serial-format")
    async def serial_format(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        async def work(staff: Principal) -> None:
            format_in = SerialFormatIn(format=str(data.get("format") or ""))
            await set_serial_format(portal.tenant, staff, format_in, client_ip(request))

        return await self._do(request, portal, services, "serial", data, work)

    @post("/staff/grants")
    async def grant(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """``grant`` or ``revoke`` a role on a unit (within the administrator's scope)."""
        username = str(data.get("username") or "")
        action = str(data.get("action") or "")

        async def work(staff: Principal) -> None:
            if action not in ("grant", "revoke"):
                raise NotFound(N_("未知的操作“{action}”"), code="unknown_action", action=action)
            grant = GrantIn(
                role=str(data.get("role") or ""),
                org_unit=str(data.get("org_unit") or ""),
                position=str(data.get("position") or ""),
            )
            await change_grant(
                portal.tenant,
                staff,
                username,
                grant,
                revoke=action == "revoke",
                locale=request_locale(request),
                ip=client_ip(request),
            )

        return await self._do(request, portal, services, "staff", data, work)

    @post("/enablement")
    async def enablement(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """What one department, town or village offers: whole plugins and single items."""

        async def work(staff: Principal) -> None:
            plugins = data.get("plugins") or []
            plugins = plugins if isinstance(plugins, list) else [plugins]
            items = [i.strip() for i in str(data.get("items") or "").replace("，", ",").split(",")]
            await set_enablement(
                portal.tenant,
                staff,
                str(data.get("unit") or ""),
                EnablementIn(plugins=[str(p) for p in plugins], items=[i for i in items if i]),
                services.registry,
                client_ip(request),
            )

        return await self._do(request, portal, services, "enablement", data, work)

    @post("/item-settings")
    async def item_setting(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """An item's local settings: promised limit, window, place, hours, phones, notes."""

        async def work(staff: Principal) -> None:
            days = str(data.get("promised_days") or "").strip()
            if days and not days.isdigit():
                raise InvalidInput(
                    N_("承诺时限须为整数个工作日"),
                    code="promised_days_format",
                    errors=[FieldError("promised_days", N_("承诺时限须为整数个工作日"))],
                )
            setting = ItemSettingIn(
                promised_days=int(days) if days else None,
                **{
                    k: str(data.get(k) or "").strip()
                    for k in (
                        "window",
                        "place",
                        "hours",
                        "consultation_phone",
                        "complaint_phone",
                        "notes",
                    )
                },
            )
            await set_item_setting(
                portal.tenant,
                staff,
                str(data.get("item") or ""),
                setting,
                services.registry,
                client_ip(request),
            )

        return await self._do(request, portal, services, "enablement", data, work)

    @post("/terms")
    async def term(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """A search synonym, keyword or blocked word; ``remove`` = a term's id."""

        async def work(staff: Principal) -> None:
            if data.get("remove"):
                await remove_term(portal.tenant, staff, uuid.UUID(str(data["remove"])))
                return
            kind = str(data.get("kind") or "")
            if kind not in ("synonym", "keyword", "blocked"):
                raise InvalidInput(N_("请选择词的类型"), code="term_kind_required")
            term = TermIn(
                kind=cast(Any, kind),
                term=str(data.get("term") or ""),
                target=str(data.get("target") or ""),
            )
            await add_term(portal.tenant, staff, term, client_ip(request))

        return await self._do(request, portal, services, "terms", data, work)

    @post("/articles")
    async def article(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """News and announcements: published today, or kept as a draft; ``remove`` = id."""

        async def work(staff: Principal) -> None:
            if data.get("remove"):
                await delete_article(portal.tenant, staff, uuid.UUID(str(data["remove"])))
                return
            published = (
                datetime.now(ZoneInfo(portal.tenant.time_zone)).date()
                if data.get("publish") == "1"
                else None
            )
            piece = ArticleIn(
                kind=str(data.get("kind") or ""),
                title=str(data.get("title") or ""),
                body=str(data.get("body") or ""),
                pinned=data.get("pinned") == "1",
                published_on=published,
            )
            await save_article(portal.tenant, staff, piece)

        return await self._do(request, portal, services, "articles", data, work)

    @post("/notifications")
    async def notifications(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """The SMS and e-mail channel plugins, or one message's wording in a language
        (only the built-in placeholders; empty text = the built-in wording)."""

        async def work(staff: Principal) -> None:
            if data.get("template"):
                template = TemplateIn(
                    key=str(data["template"]),
                    locale=str(data.get("locale") or "zh-CN"),
                    text=str(data.get("text") or ""),
                )
                await save_template(portal.tenant, staff, template)
                return
            channels = ChannelsIn(
                sms=str(data.get("sms") or ""), email=str(data.get("email") or "")
            )
            await set_tenant_channels(portal.tenant, staff, channels)

        return await self._do(request, portal, services, "notifications", data, work)

    @post("/scenarios")
    async def scenarios(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """The scenario tree (场景式服务), one entry a line: ``我要开店/餐馆 | codes |
        audience``; empty goes back to the items' declared scenarios."""

        async def work(staff: Principal) -> None:
            entries = []
            for line in str(data.get("tree") or "").splitlines():
                if not line.strip():
                    continue
                parts = [p.strip() for p in line.split("|")]
                codes = (
                    parts[1].replace(",", " ").replace("，", " ").split() if len(parts) > 1 else []
                )
                audience = parts[2] if len(parts) > 2 else ""
                entries.append(ScenarioEntry(path=parts[0], items=codes, audience=audience))
            offered = set(await enabled_items(portal.tenant.id, services.registry))
            await replace_tree(portal.tenant, staff, entries, offered)

        return await self._do(request, portal, services, "scenarios", data, work)

    @post("/calendar")
    async def calendar_day(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """A local day off (or a working day) for this government."""

        async def work(staff: Principal) -> None:
            await require_calendar_admin(staff, portal.tenant)
            try:
                day = date.fromisoformat(str(data.get("day") or ""))
            except ValueError:
                raise InvalidInput(
                    N_("请填写日期，例如 2026-12-26"), code="calendar_day_required"
                ) from None
            name = str(data.get("name") or "").strip()[:50]
            await set_day(portal.tenant.id, day, data.get("working") == "1", name)
            await recompute_open_cases(day, [portal.tenant.id])

        return await self._do(request, portal, services, "calendar", data, work)

    @post("/calendar/{day:date}/remove")
    async def remove_day(
        self,
        request: Request[Any, Any, Any],
        day: FromPath[date],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        async def work(staff: Principal) -> None:
            await require_calendar_admin(staff, portal.tenant)
            await clear_day(portal.tenant.id, day)
            await recompute_open_cases(day, [portal.tenant.id])

        return await self._do(request, portal, services, "calendar", data, work)
