"""Portal pages, at ``/t/{slug}/…`` and at the tenant's own domain (``/…``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from govhall.cases.services import progress
from govhall.catalog.schemas import ItemSummary
from govhall.engagement.services import published_consultations
from govhall.errors import GovhallError, NotFound
from govhall.i18n import N_, translate
from govhall.portal.articles import (
    NEWS_KINDS,
    article,
    articles,
    paragraphs,
    published_attachment,
)
from govhall.portal.rendering import render, request_locale
from govhall.portal.scenarios import effective_tree
from govhall.portal.search import search
from govhall.portal.services import (
    Portal,
    centre_directory,
    facets,
    filter_items,
    portal_by_host,
    portal_by_slug,
    tenants_for_landing,
)
from govhall.services import Services
from govhall.storage.services import download_response
from govhall.workflow.labels import STATUS_LABELS, label

Query = Annotated[str, QueryParameter()]


async def provide_portal_by_slug(
    tenant_slug: FromPath[str], services: NamedDependency[Services]
) -> Portal:
    return await portal_by_slug(tenant_slug, services.tenants)


async def provide_portal_by_host(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Portal | None:
    return await portal_by_host(request.headers.get("host", ""), services.tenants)


class PortalPages(Controller):
    """The same pages under both routers; ``portal`` is None only on the platform's
    own address, where the home page lists the governments."""

    tags = ("portal",)
    include_in_schema = False

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
    ) -> Response[str]:
        if portal is None:
            return render(request, "portal/landing.html", tenants=await tenants_for_landing())
        items = [
            services.catalog.summary(i) for i in await services.catalog.tenant_items(portal.tenant)
        ]
        return render(
            request,
            "portal/home.html",
            portal=portal,
            facets=facets(items),
            popular=items[:6],
            count=len(items),
            news=await articles(portal.tenant, NEWS_KINDS, limit=5),
        )

    @get("/items")
    async def catalogue(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
        department: Query = "",
        category: Query = "",
        audience: Query = "",
    ) -> Response[str]:
        portal = _required(portal)
        everything = [
            services.catalog.summary(i) for i in await services.catalog.tenant_items(portal.tenant)
        ]
        shown = filter_items(
            everything, department=department, category=category, audience=audience
        )
        return render(
            request,
            "portal/catalogue.html",
            portal=portal,
            items=shown,
            facets=facets(everything),
            chosen={"department": department, "category": category, "audience": audience},
        )

    @get("/items/{code:str}")
    async def guide(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
    ) -> Response[str]:
        portal = _required(portal)
        item = await services.catalog.tenant_item(portal.tenant, code)
        return render(
            request,
            "portal/guide.html",
            portal=portal,
            item=services.catalog.guide(item, portal.tenant),
            consultations=await published_consultations(portal.tenant, code),
        )

    @get("/news")
    async def news(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        kind: Query = "",
    ) -> Response[str]:
        """中心动态: news, bulletins, announcements and notices."""
        portal = _required(portal)
        kinds = (kind,) if kind in NEWS_KINDS else NEWS_KINDS
        return render(
            request,
            "portal/news.html",
            portal=portal,
            articles=await articles(portal.tenant, kinds),
            chosen=kind,
            kinds=NEWS_KINDS,
        )

    @get("/news/{article_id:uuid}")
    async def news_article(
        self,
        request: Request[Any, Any, Any],
        article_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal | None],
    ) -> Response[str]:
        portal = _required(portal)
        found = await article(portal.tenant, article_id)
        return render(
            request, "portal/article.html", portal=portal, article=found, paragraphs=paragraphs
        )

    @get("/articles/{article_id:uuid}/attachment")
    async def article_attachment(
        self,
        article_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        portal = _required(portal)
        blob = await published_attachment(portal.tenant, article_id)
        return await download_response(services.blobs, blob)

    @get("/centre")
    async def centre(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
    ) -> Response[str]:
        """中心信息: introduction and other pages, departments, windows with their
        services, places and phones."""
        portal = _required(portal)
        return render(
            request,
            "portal/centre.html",
            portal=portal,
            pages=await articles(portal.tenant, ("centre",)),
            paragraphs=paragraphs,
            **await centre_directory(portal.tenant, services.catalog),
        )

    @get("/policies")
    async def policies(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
        q: Query = "",
    ) -> Response[str]:
        """法律法规库: the tenant's policy documents and the laws its services rest on."""
        portal = _required(portal)
        words = q.split()
        laws = [
            law
            for law in services.catalog.regulations()
            if all(w in law.title or w in law.document_number or w in law.issuer for w in words)
        ]
        return render(
            request,
            "portal/policies.html",
            portal=portal,
            documents=await articles(portal.tenant, ("policy",), query=q),
            laws=laws,
            q=q,
        )

    @get("/scenarios")
    async def scenarios(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
        audience: Query = "",
    ) -> Response[str]:
        """场景式服务: services grouped by life event (我要开店 → …), for everyone or for
        individuals / enterprises."""
        portal = _required(portal)
        tenant_items = await services.catalog.tenant_items(portal.tenant)
        tree = await effective_tree(
            portal.tenant,
            [services.catalog.summary(i) for i in tenant_items],
            {i.installed.spec.code: i.installed.spec.scenarios for i in tenant_items},
            audience if audience in ("individual", "enterprise") else "",
        )
        return render(request, "portal/scenarios.html", portal=portal, tree=tree, audience=audience)

    @get("/search")
    async def search_page(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
        q: Query = "",
    ) -> Response[str]:
        portal = _required(portal)
        found = await search(portal.tenant, services.catalog, q, request_locale(request))
        return render(request, "portal/search.html", portal=portal, found=found)

    @get("/progress")
    async def progress_page(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal | None],
        services: NamedDependency[Services],
        serial_number: Query = "",
        query_code: Query = "",
    ) -> Response[str]:
        portal = _required(portal)
        locale = request_locale(request)
        result, error, status = None, "", 200
        if serial_number or query_code:
            try:
                result = await progress(
                    tenant=portal.tenant,
                    serial_number=serial_number.strip(),
                    query_code=query_code.strip().upper(),
                    secret_key=services.settings.secret_key,
                    catalog=services.catalog,
                    locale=locale,
                )
            except GovhallError as exc:
                error = translate(exc.message, locale, **exc.params)
                status = exc.status_code
        return render(
            request,
            "portal/progress.html",
            status=status,
            portal=portal,
            result=result,
            error=error,
            serial_number=serial_number,
            status_label=(lambda s: label(STATUS_LABELS, s).pick(locale)),
        )


async def _items(services: Services, portal: Portal) -> list[ItemSummary]:
    return [services.catalog.summary(i) for i in await services.catalog.tenant_items(portal.tenant)]


def _required(portal: Portal | None) -> Portal:
    if portal is None:
        raise NotFound(N_("找不到该网上办事大厅"), code="tenant_not_found")
    return portal


PORTAL_BY_SLUG = {"portal": Provide(provide_portal_by_slug)}
PORTAL_BY_HOST = {"portal": Provide(provide_portal_by_host)}


async def provide_required_portal_by_host(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Portal:
    return _required(await provide_portal_by_host(request, services))


PORTAL_REQUIRED_BY_HOST = {"portal": Provide(provide_required_portal_by_host)}
