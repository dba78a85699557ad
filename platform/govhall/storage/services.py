"""Receiving uploads: size limits, content sniffing, hashing, storing, access checks."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from litestar import Response
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Stream

from govhall.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.storage.blobstore import CHUNK, BlobStore
from govhall.storage.schemas import UploadOut
from govhall.storage.tables import BlobRecord

#: Leading bytes of each accepted file type. The declared content type is not
#: trusted: a file is what its first bytes say it is.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def format_size(size: int) -> str:
    """``20971520`` → ``20 MB``; ``4096`` → ``4 KB``."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} B"


def clean_filename(name: str | None) -> str:
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    return base or "upload"


async def store_upload(
    *,
    chunks: AsyncIterator[bytes],
    filename: str | None,
    tenant_id: uuid.UUID,
    owner: Principal,
    store: BlobStore,
    max_bytes: int,
) -> UploadOut:
    """Spool the upload to a temporary file while hashing, check it, then store it."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.NamedTemporaryFile(prefix="govhall-upload-", delete=True) as spool:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(
                    N_("文件超过大小上限 {limit}"),
                    code="upload_too_large",
                    limit=format_size(max_bytes),
                )
            if len(head) < 16:
                head += chunk[: 16 - len(head)]
            digest.update(chunk)
            await anyio.to_thread.run_sync(spool.write, chunk)
        if size == 0:
            raise InvalidInput(N_("上传的文件是空的"), code="upload_empty")
        content_type = sniff_content_type(head)
        if content_type is None:
            raise InvalidInput(N_("只接受 PDF、JPG 或 PNG 文件"), code="upload_type")
        spool.flush()
        sha256 = digest.hexdigest()
        key = f"{tenant_id}/{sha256}"
        if not await store.exists(key):
            await store.put_file(key, Path(spool.name), content_type)
    row = BlobRecord(
        tenant=tenant_id,
        owner_kind=owner.kind,
        owner_id=owner.id,
        sha256=sha256,
        size=size,
        content_type=content_type,
        filename=clean_filename(filename),
        storage_key=key,
    )
    await row.save()
    return UploadOut(
        blob_id=row.id, sha256=sha256, size=size, content_type=content_type, filename=row.filename
    )


async def get_readable_blob(
    blob_id: uuid.UUID, tenant_id: uuid.UUID, reader: Principal
) -> BlobRecord:
    """The blob if ``reader`` may read it: its uploader, or staff of the same tenant."""
    blob = (
        await BlobRecord.objects()
        .where((BlobRecord.id == blob_id) & (BlobRecord.tenant == tenant_id))
        .first()
    )
    if blob is None:
        raise NotFound(N_("找不到该文件"), code="blob_not_found")
    if reader.kind == "staff":
        if reader.tenant_id != tenant_id:
            raise Forbidden(N_("无权查看该文件"), code="blob_forbidden")
    elif blob.owner_kind != "account" or blob.owner_id != reader.id:
        # Applicants see only their own uploads (materials of their cases included).
        raise Forbidden(N_("无权查看该文件"), code="blob_forbidden")
    return blob


async def store_upload_file(
    upload: UploadFile,
    *,
    tenant_id: uuid.UUID,
    owner: Principal,
    store: BlobStore,
    max_bytes: int,
) -> UploadOut:
    """:func:`store_upload` for a file of a multipart request (API or page form)."""

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(CHUNK):
            yield chunk

    try:
        return await store_upload(
            chunks=chunks(),
            filename=upload.filename,
            tenant_id=tenant_id,
            owner=owner,
            store=store,
            max_bytes=max_bytes,
        )
    finally:
        await upload.close()


async def download_response(
    store: BlobStore, blob: BlobRecord, *, inline: bool = False
) -> Response[Any]:
    """The file itself: a redirect to a presigned URL where the store has them (S3),
    else streamed by govhall, as an attachment that browsers do not sniff. ``inline``
    (a preview on a staff screen) always streams from govhall's own address, which
    the pages' Content-Security-Policy allows; uploads are only ever PDF, JPG or PNG
    (checked by their bytes), so showing them in place runs nothing."""
    if not inline:
        url = await store.presigned_url(blob.storage_key, blob.filename, blob.content_type)
        if url:
            return Redirect(url, status_code=307)
    disposition = "inline" if inline else "attachment"
    return Stream(
        store.stream(blob.storage_key),
        media_type=blob.content_type,
        headers={
            "content-disposition": f"{disposition}; filename*=UTF-8''{quote(blob.filename)}",
            "content-length": str(blob.size),
            "x-content-type-options": "nosniff",
        },
    )
