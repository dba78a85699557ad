"""Smart search: word segmentation, synonyms, pinyin initials, blocked words, FAQs,
and the log of queries that found nothing."""

from __future__ import annotations

from govhall.portal.search import initials, words
from tests.conftest import Api


def test_words_and_initials() -> None:
    assert {"第二", "子女"} <= words("我要办第二个子女的登记")
    assert "我要" not in words("我要办第二个子女的登记")  # too common to mean anything
    assert initials("生育登记") == "sydj"


async def test_synonyms_pinyin_blocked_words_and_misses(api: Api, demo: None) -> None:
    url = api.t("/search")
    nothing = (await api.client.get(url, params={"q": "要宝宝"})).json()
    assert nothing["items"] == [] and nothing["faqs"] == []
    admin = await api.staff("tenantadmin")
    added = await api.client.post(
        api.t("/search-terms"),
        headers=admin,
        json={"kind": "synonym", "term": "要宝宝", "target": "生育登记"},
    )
    assert added.status_code == 201, added.text
    found = (await api.client.get(url, params={"q": "要宝宝"})).json()
    assert found["items"][0]["name"] == "生育登记"
    by_initials = (await api.client.get(url, params={"q": "sydj"})).json()
    assert by_initials["items"][0]["name"] == "生育登记"
    english = (
        await api.client.get(url, params={"q": "sydj"}, headers={"Accept-Language": "en"})
    ).json()
    assert english["items"][0]["name"] != "生育登记"  # the English name
    faq = (await api.client.get(url, params={"q": "施工许可证"})).json()
    assert faq["items"][0]["code"] == "ZJ-SGXK-0001"
    assert any("施工许可证" in f["question"] for f in faq["faqs"])
    await api.client.post(
        api.t("/search-terms"), headers=admin, json={"kind": "blocked", "term": "赌博"}
    )
    blocked = (await api.client.get(url, params={"q": "开设赌博场所许可"})).json()
    assert blocked["blocked"] is True and blocked["items"] == []
    misses = (await api.client.get(api.t("/search-misses"), headers=admin)).json()
    assert {(m["query"], m["blocked"]) for m in misses} == {
        ("要宝宝", ""),
        ("开设赌博场所许可", "赌博"),
    }
    # Only administrators tune the search, and bad terms are refused with reasons.
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/search-terms"), headers=clerk)).status_code == 403
    bad = await api.client.post(
        api.t("/search-terms"), headers=admin, json={"kind": "synonym", "term": "", "target": ""}
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {
        "term",
        "target",
    }
    terms = (await api.client.get(api.t("/search-terms"), headers=admin)).json()
    assert len(terms) == 2
    removed = await api.client.delete(api.t(f"/search-terms/{terms[0]['id']}"), headers=admin)
    assert removed.status_code == 204


async def test_the_search_page(api: Api, demo: None) -> None:
    page = await api.client.get("/t/demo-county/search", params={"q": "二胎"})
    assert page.status_code == 200
    assert 'href="/t/demo-county/items/' in page.text and "生育登记" in page.text
    empty = await api.client.get("/t/demo-county/search", params={"q": "<b>没有的事</b>"})
    assert "<b>没有的事</b>" not in empty.text and 'role="status"' in empty.text
