"""The centre's publications (R-A1) and policy library (R-A4): written by tenant
administrators through the API or declared in the tenant manifest (``[[articles]]``,
matched by ``key`` so applying twice changes nothing), shown on the portal once
their publication day has come, searchable, with an attached file to download.
"""

from __future__ import annotations

import functools
import operator
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from govhall import db
from govhall.errors import FieldError, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.services import require_admin_scope
from govhall.identity.tokens import Principal
from govhall.portal.tables import Article
from govhall.storage.tables import BlobRecord
from govhall.tenancy.schemas import ArticleDecl, TenantInfo

KINDS = ("news", "bulletin", "announcement", "notice", "centre", "policy")
#: The kinds listed together as the centre's news (中心动态).
NEWS_KINDS = ("news", "bulletin", "announcement", "notice")


class ArticleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str
    title: str
    title_en: str = ""
    body: str = ""
    body_en: str = ""
    issuer: str = ""
    document_number: str = ""
    attachment: uuid.UUID | None = None
    """An upload (``POST /uploads``) by the administrator: a PDF, JPG or PNG."""
    pinned: bool = False
    published_on: date | None = None
    """None keeps it a draft; a future day publishes it then."""
    key: str = ""
    """Stable name; given by manifests, made up when empty."""


class ArticleOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    key: str
    kind: str
    title: str
    title_en: str
    body: str
    body_en: str
    issuer: str
    document_number: str
    attachment: uuid.UUID | None
    attachment_name: str
    pinned: bool
    published_on: date | None


_COLUMNS = (
    Article.id,
    Article.key,
    Article.kind,
    Article.title,
    Article.title_en,
    Article.body,
    Article.body_en,
    Article.issuer,
    Article.document_number,
    Article.attachment,
    Article.attachment.filename,
    Article.pinned,
    Article.published_on,
)


def _out(row: dict[str, Any]) -> ArticleOut:
    return ArticleOut(
        **{k: v for k, v in row.items() if k != "attachment.filename"},
        attachment_name=row.get("attachment.filename") or "",
    )


def today_in(tenant: TenantInfo) -> date:
    return datetime.now(ZoneInfo(tenant.time_zone)).date()


def _check(data: ArticleIn) -> list[FieldError]:
    errors = []
    if data.kind not in KINDS:
        errors.append(FieldError("kind", N_("类别只能是：{kinds}"), kinds="、".join(KINDS)))
    if not data.title.strip():
        errors.append(FieldError("title", N_("请填写标题")))
    if len(data.title) > 200 or len(data.title_en) > 200:
        errors.append(FieldError("title", N_("内容不能超过 {limit} 个字"), limit=200))
    if len(data.body) > 50_000 or len(data.body_en) > 50_000:
        errors.append(FieldError("body", N_("内容不能超过 {limit} 个字"), limit=50_000))
    if data.key and not data.key.replace("-", "").replace("_", "").isalnum():
        errors.append(FieldError("key", N_("标识只能包含字母、数字、- 和 _")))
    return errors


async def _check_attachment(tenant: TenantInfo, attachment: uuid.UUID | None) -> list[FieldError]:
    if attachment is None:
        return []
    found = await BlobRecord.exists().where(
        (BlobRecord.id == attachment) & (BlobRecord.tenant == tenant.id)
    )
    return [] if found else [FieldError("attachment", N_("附件不存在，请重新上传"))]


async def save_article(
    tenant: TenantInfo, principal: Principal, data: ArticleIn, article_id: uuid.UUID | None = None
) -> ArticleOut:
    await require_admin_scope(tenant, principal)
    errors = _check(data) + await _check_attachment(tenant, data.attachment)
    if errors:
        raise InvalidInput(N_("文章内容有误"), code="invalid_article", errors=errors)
    values = msgspec.structs.asdict(data)
    values["title"] = data.title.strip()
    key = values.pop("key") or uuid.uuid4().hex[:12]
    if article_id is None:
        taken = await Article.exists().where((Article.tenant == tenant.id) & (Article.key == key))
        if taken:
            problem = N_("标识“{key}”已被使用")
            raise InvalidInput(
                problem,
                code="article_key_taken",
                errors=[FieldError("key", problem, key=key)],
                key=key,
            )
        row = Article(tenant=tenant.id, key=key, **values)
        await row.save()
        article_id = row.id
    else:
        updated = (
            await Article.update({getattr(Article, k): v for k, v in values.items()})
            .where((Article.id == article_id) & (Article.tenant == tenant.id))
            .returning(Article.id)
        )
        if not updated:
            raise NotFound(N_("找不到该文章"), code="article_not_found")
    return await article(tenant, article_id, drafts=True)


async def delete_article(tenant: TenantInfo, principal: Principal, article_id: uuid.UUID) -> None:
    await require_admin_scope(tenant, principal)
    gone = (
        await Article.delete()
        .where((Article.id == article_id) & (Article.tenant == tenant.id))
        .returning(Article.id)
    )
    if not gone:
        raise NotFound(N_("找不到该文章"), code="article_not_found")


async def article(tenant: TenantInfo, article_id: uuid.UUID, *, drafts: bool = False) -> ArticleOut:
    query = Article.select(*_COLUMNS).where(
        (Article.id == article_id) & (Article.tenant == tenant.id)
    )
    if not drafts:
        query = query.where(Article.published_on <= today_in(tenant))
    row = await query.first()
    if row is None:
        raise NotFound(N_("找不到该文章"), code="article_not_found")
    return _out(row)


async def articles(
    tenant: TenantInfo,
    kinds: tuple[str, ...] | list[str] = KINDS,
    *,
    query: str = "",
    drafts: bool = False,
    limit: int = 50,
) -> list[ArticleOut]:
    """Published articles of these kinds, pinned first then newest; ``query`` words
    must each appear in the title, 文号, issuer or text."""
    select = Article.select(*_COLUMNS).where(
        (Article.tenant == tenant.id) & Article.kind.is_in(list(kinds))
    )
    if not drafts:
        select = select.where(Article.published_on <= today_in(tenant))
    for word in query.split()[:8]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        # SQLite's LIKE already ignores ASCII case (and Piccolo warns on its ILIKE).
        matches = [
            column.ilike(pattern) if db.is_postgres() else column.like(pattern)
            for column in (
                Article.title,
                Article.title_en,
                Article.document_number,
                Article.issuer,
                Article.body,
            )
        ]
        select = select.where(functools.reduce(operator.or_, matches))
    rows = await select.order_by(Article.pinned, Article.published_on, ascending=False).limit(limit)
    return [_out(r) for r in rows]


async def all_for_admin(tenant: TenantInfo, principal: Principal) -> list[ArticleOut]:
    await require_admin_scope(tenant, principal)
    return await articles(tenant, drafts=True, limit=500)


def check_declarations(decls: list[ArticleDecl]) -> list[str]:
    problems = []
    seen: set[str] = set()
    for index, decl in enumerate(decls):
        where = f"articles[{index}] ({decl.key})"
        for error in _check(ArticleIn(**msgspec.structs.asdict(decl))):
            problems.append(f"{where}: {error.field}: {error.message.format(**_plain(error))}")
        if decl.key in seen:
            problems.append(f"{where}: duplicate key")
        seen.add(decl.key)
    return problems


def _plain(error: FieldError) -> dict[str, Any]:
    return {k: str(v) for k, v in error.params.items()}


async def apply_declarations(tenant_id: uuid.UUID, decls: list[ArticleDecl]) -> list[str]:
    """Make the manifest's articles so; articles written in the console are left alone."""
    changes = []
    stored = {
        r["key"]: r
        for r in await Article.select().where(
            (Article.tenant == tenant_id) & Article.key.is_in([d.key for d in decls] or [""])
        )
    }
    for decl in decls:
        wanted = msgspec.structs.asdict(decl)
        row = stored.get(decl.key)
        if row is None:
            await Article(tenant=tenant_id, **wanted).save()
            changes.append(f"create article {decl.key}")
            continue
        differing = [k for k, v in wanted.items() if row[k] != v]
        if differing:
            await Article.update({getattr(Article, k): wanted[k] for k in differing}).where(
                Article.id == row["id"]
            )
            changes.append(f"update article {decl.key}: {', '.join(differing)}")
    return changes


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs at blank lines (templates escape each)."""
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


async def published_attachment(tenant: TenantInfo, article_id: uuid.UUID) -> BlobRecord:
    """The file attached to a published article (anyone may download it)."""
    found = await article(tenant, article_id)
    blob = None
    if found.attachment:
        blob = await BlobRecord.objects().where(BlobRecord.id == found.attachment).first()
    if blob is None:
        raise NotFound(N_("该文章没有附件"), code="attachment_not_found")
    return blob
