"""Smart search over a tenant's items and their FAQs (R-A5).

Queries and item texts are cut into words with jieba (search mode, so 第二个子女
also yields 第二 and 子女); a query in Latin letters is also matched against the
pinyin initials of item names (pypinyin: "bdcdj" finds 不动产登记). The tenant's
administrators add synonyms (二胎 → 第二个子女), extra keywords for an item, and
blocked words; a query that finds nothing, or contains a blocked word, is logged
for them. Ranking is a weighted word overlap — the item name counts most, then
keywords, topics and scenarios, then FAQs — which is what a catalogue of a few
hundred items needs; no search engine is worth running for it.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.catalog.services import CatalogService, TenantItem
from govhall.errors import FieldError, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import require_admin_scope
from govhall.identity.tokens import Principal
from govhall.portal.tables import SearchMiss, SearchTerm
from govhall.tenancy.schemas import TenantInfo

#: Words too common to say anything about what someone is looking for.
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "我",
        "要",
        "我要",
        "办",
        "办理",
        "怎么",
        "如何",
        "去",
        "在",
        "哪里",
        "哪",
        "吗",
        "呢",
        "和",
        "与",
        "及",
        "个",
        "想",
        "需要",
        "申请",
    ]
)
WEIGHTS = {"name": 5.0, "keyword": 4.0, "topic": 2.0, "faq": 1.0}
_LATIN = re.compile(r"^[a-zA-Z]+$")


class SearchHit(msgspec.Struct, kw_only=True):
    code: str
    name: str
    score: float


class FaqHit(msgspec.Struct, kw_only=True):
    item_code: str
    question: str
    answer: str


class SearchOut(msgspec.Struct, kw_only=True):
    query: str
    items: list[SearchHit]
    faqs: list[FaqHit]
    blocked: bool = False


class TermIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["synonym", "keyword", "blocked"]
    term: str
    target: str = ""


class TermOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    term: str
    target: str


class MissOut(msgspec.Struct, kw_only=True):
    query: str
    blocked: str
    at: datetime


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=4096)
def words(text: str) -> frozenset[str]:
    lowered = text.lower()
    return frozenset(
        w.strip() for w in _jieba().cut_for_search(lowered) if w.strip() and w not in STOP_WORDS
    )


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def _item_fields(item: TenantItem, keywords: list[str]) -> dict[str, frozenset[str]]:
    spec = item.installed.spec
    return {
        "name": words(f"{spec.name} {spec.name_en}"),
        "keyword": words(" ".join([*spec.keywords, *keywords])),
        "topic": words(" ".join([*spec.categories, *spec.scenarios])),
        "faq": words(" ".join(f"{f.question} {f.answer}" for f in spec.faqs)),
    }


async def _terms(tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    return await SearchTerm.select(
        SearchTerm.id, SearchTerm.kind, SearchTerm.term, SearchTerm.target
    ).where(SearchTerm.tenant == tenant_id)


async def search(
    tenant: TenantInfo, catalog: CatalogService, query: str, locale: str, limit: int = 20
) -> SearchOut:
    query = query.strip()[:200]
    if not query:
        return SearchOut(query="", items=[], faqs=[])
    terms = await _terms(tenant.id)
    lowered = query.lower()
    blocked = next(
        (t["term"] for t in terms if t["kind"] == "blocked" and t["term"] in lowered), ""
    )
    if blocked:
        await SearchMiss(tenant=tenant.id, query=query, blocked=blocked).save()
        return SearchOut(query=query, items=[], faqs=[], blocked=True)
    wanted = set(words(query))
    for term in terms:
        if term["kind"] == "synonym" and term["term"].lower() in lowered:
            wanted |= words(term["target"])
    extra: dict[str, list[str]] = {}
    for term in terms:
        if term["kind"] == "keyword":
            extra.setdefault(term["target"], []).append(term["term"])
    latin = lowered if _LATIN.match(lowered) and len(lowered) >= 2 else ""
    hits: list[SearchHit] = []
    faqs: list[FaqHit] = []
    for item in await catalog.tenant_items(tenant):
        spec = item.installed.spec
        fields = _item_fields(item, extra.get(spec.code, []))
        score = sum(WEIGHTS[f] * len(wanted & fields[f]) for f in WEIGHTS)
        if query in spec.name:
            score += 10
        if latin and latin in initials(spec.name):
            score += 6
        if score > 0:
            hits.append(
                SearchHit(
                    code=spec.code,
                    name=Localized(spec.name, spec.name_en).pick(locale),
                    score=score,
                )
            )
        for faq in spec.faqs:
            if wanted & words(faq.question):
                faqs.append(
                    FaqHit(
                        item_code=spec.code,
                        question=Localized(faq.question, faq.question_en).pick(locale),
                        answer=Localized(faq.answer, faq.answer_en).pick(locale),
                    )
                )
    hits.sort(key=lambda h: (-h.score, h.code))
    if not hits and not faqs:
        await SearchMiss(tenant=tenant.id, query=query).save()
    return SearchOut(query=query, items=hits[:limit], faqs=faqs[:5])


async def list_terms(tenant: TenantInfo, admin: Principal) -> list[TermOut]:
    await require_admin_scope(tenant, admin)
    return [TermOut(**row) for row in await _terms(tenant.id)]


async def add_term(tenant: TenantInfo, admin: Principal, data: TermIn, ip: str) -> TermOut:
    await require_admin_scope(tenant, admin)
    term, target = data.term.strip(), data.target.strip()
    errors = []
    if not 1 <= len(term) <= 64:
        errors.append(FieldError("term", N_("请填写 1 到 64 个字的词语")))
    if data.kind in ("synonym", "keyword") and not target:
        errors.append(FieldError("target", N_("同义词须填写对应的标准说法，关键词须填写事项编码")))
    if errors:
        raise InvalidInput(
            N_("搜索词设置有误，请按提示修改"), code="invalid_search_term", errors=errors
        )
    row = SearchTerm(tenant=tenant.id, kind=data.kind, term=term.lower(), target=target)
    async with db.transaction():
        await row.save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "search_term_added",
            target=term,
            detail={"kind": data.kind, "target": target},
        )
    return TermOut(id=row.id, kind=row.kind, term=row.term, target=row.target)


async def remove_term(tenant: TenantInfo, admin: Principal, term_id: uuid.UUID) -> None:
    await require_admin_scope(tenant, admin)
    gone = (
        await SearchTerm.delete()
        .where((SearchTerm.tenant == tenant.id) & (SearchTerm.id == term_id))
        .returning(SearchTerm.id)
    )
    if not gone:
        raise NotFound(N_("找不到该搜索词"), code="search_term_not_found")


async def list_misses(tenant: TenantInfo, admin: Principal, limit: int = 100) -> list[MissOut]:
    await require_admin_scope(tenant, admin)
    rows = (
        await SearchMiss.select(SearchMiss.query, SearchMiss.blocked, SearchMiss.at)
        .where(SearchMiss.tenant == tenant.id)
        .order_by(SearchMiss.at, ascending=False)
        .limit(limit)
    )
    return [MissOut(**row) for row in rows]
