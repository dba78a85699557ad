"""Blob stores: the local directory and an S3-compatible server (moto, started here)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from govhall.storage.blobstore import BlobStore, LocalBlobStore, MinioBlobStore, make_blob_store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return make_blob_store(str(tmp_path / "blobs"))
    endpoint = request.getfixturevalue("s3_server")
    return make_blob_store(f"s3://testkey:testsecret@{endpoint}/govhall-{uuid.uuid4().hex[:12]}")


async def test_put_read_exists_delete(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "in.pdf"
    payload = b"%PDF-1.4\n" + bytes(range(256)) * 400  # > one chunk
    source.write_bytes(payload)
    await store.ping()
    assert not await store.exists("t1/abc")
    await store.put_file("t1/abc", source, "application/pdf")
    assert await store.exists("t1/abc")
    assert await store.read("t1/abc") == payload
    await store.delete("t1/abc")
    assert not await store.exists("t1/abc")


async def test_presigned_url_downloads_from_s3(s3_server: str, tmp_path: Path) -> None:
    store = make_blob_store(f"minio://k:s@{s3_server}/presign-bucket")
    assert isinstance(store, MinioBlobStore)
    source = tmp_path / "x.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"1" * 10)
    await store.put_file("t/x", source, "image/png")
    url = await store.presigned_url("t/x", "身份证.png", "image/png")
    assert url is not None
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200 and response.content == source.read_bytes()


def test_local_store_refuses_path_escape(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(ValueError, match="bad blob key"):
        store._path("../etc/passwd")


def test_storage_url_needs_bucket() -> None:
    with pytest.raises(ValueError, match="bucket"):
        make_blob_store("s3://k:s@127.0.0.1:9000/")
