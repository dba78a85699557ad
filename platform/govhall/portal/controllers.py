"""Search API and its administration (``/t/{tenant}/api/v1/search…``), and the
scenario tree's (``…/scenarios``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from govhall.identity.tokens import Principal
from govhall.portal.branding import BrandingIn, BrandingOut, branding_of, set_branding
from govhall.portal.scenarios import ScenarioEntry, replace_tree, tenant_entries
from govhall.portal.search import (
    MissOut,
    SearchOut,
    TermIn,
    TermOut,
    add_term,
    list_misses,
    list_terms,
    remove_term,
    search,
)
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip


class SearchController(Controller):
    tags = ("portal",)

    @get("/search", summary="Search items and FAQs (word segmentation, synonyms, pinyin)")
    async def search(
        self,
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
    ) -> SearchOut:
        return await search(tenant, services.catalog, q, locale)

    @get("/search-terms", summary="Synonyms, keywords and blocked words (tenant admin)")
    async def terms(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[TermOut]:
        return await list_terms(tenant, principal)

    @post("/search-terms", status_code=201, summary="Add a synonym, keyword or blocked word")
    async def add(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TermIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> TermOut:
        return await add_term(tenant, principal, data, client_ip(request))

    @delete("/search-terms/{term_id:uuid}", status_code=204, summary="Remove a search term")
    async def remove(
        self,
        term_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await remove_term(tenant, principal, term_id)

    @get("/search-misses", summary="Queries that found nothing (tenant admin)")
    async def misses(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[MissOut]:
        return await list_misses(tenant, principal)


class ScenarioController(Controller):
    path = "/scenarios"
    tags = ("portal",)

    @get("/", summary="The tenant's scenario tree as entries (empty: the items' own)")
    async def entries(self, tenant: NamedDependency[TenantInfo]) -> list[ScenarioEntry]:
        return await tenant_entries(tenant)

    @put("/", summary="Replace the scenario tree (tenant administrators; [] = the items' own)")
    async def replace(
        self,
        data: JSONBody[list[ScenarioEntry]],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> list[ScenarioEntry]:
        offered = {i.installed.spec.code for i in await services.catalog.tenant_items(tenant)}
        return await replace_tree(tenant, principal, data, offered)


class BrandingController(Controller):
    path = "/branding"
    tags = ("portal",)

    @get("/", summary="The portal's branding")
    async def show(self, tenant: NamedDependency[TenantInfo]) -> BrandingOut:
        return await branding_of(tenant)

    @put("/", summary="Change the portal's branding (tenant-wide administrators)")
    async def change(
        self,
        data: JSONBody[BrandingIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> BrandingOut:
        return await set_branding(tenant, principal, data, services.blobs)
