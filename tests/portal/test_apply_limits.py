"""Uploads over the platform's size limit are refused on the page, in the page's
language, and the draft keeps what it had."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govhall.settings import Settings
from tests.conftest import GOOD_FORM, PDF_BYTES, Api
from tests.portal.test_apply import csrf, form_fields, start_draft, web_sign_in


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return replace(base_settings, max_upload_bytes=4096)


async def test_an_oversized_upload_is_refused_and_the_draft_kept(api: Api, demo: None) -> None:
    client = api.client
    await api.register("bigfile")
    await web_sign_in(client, "bigfile")
    draft = await start_draft(client)
    saved = await client.post(f"{draft}/form", data=form_fields(GOOD_FORM, csrf(client)))
    assert saved.status_code == 303
    big = PDF_BYTES + b"0" * 8192
    refused = await client.post(
        f"{draft}/materials",
        data={"material_code": "application_form", "_csrf_token": csrf(client)},
        files={"file": ("扫描件.pdf", big, "application/pdf")},
    )
    assert refused.status_code == 422 and "文件超过大小上限 4 KB" in refused.text
    english = await client.post(
        f"{draft}/materials?lang=en",
        data={"material_code": "application_form", "_csrf_token": csrf(client)},
        files={"file": ("scan.pdf", big, "application/pdf")},
    )
    assert "4 KB" in english.text and "文件超过" not in english.text
    kept = await client.get(f"{draft}?lang=zh-CN")
    assert 'value="城关镇解放路12号"' in kept.text
