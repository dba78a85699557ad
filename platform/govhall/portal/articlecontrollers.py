"""The centre's publications and policy library over the API: read by anyone,
written by the tenant's administrators."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.identity.tokens import Principal
from govhall.portal import articles
from govhall.portal.articles import KINDS, ArticleIn, ArticleOut
from govhall.services import Services
from govhall.storage.services import download_response
from govhall.tenancy.schemas import TenantInfo


class ArticleController(Controller):
    path = "/articles"
    tags = ("portal",)

    @get("/", summary="Published news, announcements, centre pages and policies (no login)")
    async def published(
        self, tenant: NamedDependency[TenantInfo], kind: FromQuery[str] = "", q: FromQuery[str] = ""
    ) -> list[ArticleOut]:
        kinds = tuple(k for k in kind.split(",") if k in KINDS) or KINDS
        return await articles.articles(tenant, kinds, query=q)

    @get("/all", summary="Every article, drafts included (tenant administrators)")
    async def everything(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ArticleOut]:
        return await articles.all_for_admin(tenant, principal)

    @get("/{article_id:uuid}", summary="One published article")
    async def show(
        self, article_id: FromPath[uuid.UUID], tenant: NamedDependency[TenantInfo]
    ) -> ArticleOut:
        return await articles.article(tenant, article_id)

    @get("/{article_id:uuid}/attachment", summary="Download a published article's file")
    async def attachment(
        self,
        article_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        blob = await articles.published_attachment(tenant, article_id)
        return await download_response(services.blobs, blob)

    @post("/", status_code=201, summary="Write an article (tenant administrators)")
    async def create(
        self,
        data: JSONBody[ArticleIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ArticleOut:
        return await articles.save_article(tenant, principal, data)

    @put("/{article_id:uuid}", summary="Change an article (tenant administrators)")
    async def change(
        self,
        article_id: FromPath[uuid.UUID],
        data: JSONBody[ArticleIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ArticleOut:
        return await articles.save_article(tenant, principal, data, article_id)

    @delete("/{article_id:uuid}", status_code=204, summary="Delete an article")
    async def remove(
        self,
        article_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await articles.delete_article(tenant, principal, article_id)
