"""Uploading and downloading material files through the API."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from govhall.settings import Settings
from govhall.storage.tables import BlobRecord
from tests.conftest import PDF_BYTES, Api

LIMIT = 4096


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return dataclasses.replace(base_settings, max_upload_bytes=LIMIT)


async def test_upload_reports_hash_size_and_sniffed_type(api: Api, demo: None) -> None:
    headers = await api.citizen()
    response = await api.client.post(
        api.t("/uploads"),
        headers=headers,
        files={"file": ("../../申请书.pdf", PDF_BYTES, "image/png")},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert body["size"] == len(PDF_BYTES)
    assert body["content_type"] == "application/pdf"  # the bytes decide, not the header
    assert body["filename"] == "申请书.pdf"


async def test_empty_wrong_type_and_oversized_uploads(api: Api, demo: None) -> None:
    headers = await api.citizen()
    empty = await api.client.post(
        api.t("/uploads"), headers=headers, files={"file": ("a.pdf", b"", "application/pdf")}
    )
    assert empty.status_code == 422 and empty.json()["detail"] == "上传的文件是空的"
    exe = await api.client.post(
        api.t("/uploads"),
        headers={**headers, "accept-language": "en"},
        files={"file": ("a.pdf", b"MZ\x90\x00binary", "application/pdf")},
    )
    assert exe.status_code == 422
    assert exe.json()["detail"] == "Only PDF, JPG or PNG files are accepted"
    over = await api.client.post(
        api.t("/uploads"),
        headers=headers,
        files={"file": ("a.pdf", b"%PDF-" + bytes(LIMIT), "application/pdf")},
    )
    assert over.status_code == 413
    assert over.json()["detail"] == "文件超过大小上限 4 KB"
    # Far over the limit, the framework refuses the body before it is read.
    huge = await api.client.post(
        api.t("/uploads"),
        headers={**headers, "accept-language": "en"},
        files={"file": ("a.pdf", b"%PDF-" + bytes(200_000), "application/pdf")},
    )
    assert huge.status_code == 413
    assert huge.json()["detail"] == "The request body is too large"
    assert await BlobRecord.count() == 0


async def test_upload_needs_login(api: Api, demo: None) -> None:
    response = await api.client.post(
        api.t("/uploads"), files={"file": ("a.pdf", PDF_BYTES, "application/pdf")}
    )
    assert response.status_code == 401


async def test_download_by_owner_and_staff_only(api: Api, demo: None) -> None:
    owner = await api.citizen()
    blob = await api.upload(owner)
    path = api.t(f"/uploads/{blob['blob_id']}")
    mine = await api.client.get(path, headers=owner)
    assert mine.status_code == 200 and mine.content == PDF_BYTES
    assert "attachment" in mine.headers["content-disposition"]
    stranger = await api.citizen("lisi")
    assert (await api.client.get(path, headers=stranger)).status_code == 403
    clerk = await api.staff("clerk")
    assert (await api.client.get(path, headers=clerk)).status_code == 200
    other_tenant = await api.client.get(
        f"/t/demo-city/api/v1/uploads/{blob['blob_id']}", headers=owner
    )
    assert other_tenant.status_code == 404
