"""Where uploaded files live: a local directory or an S3-compatible store (MinIO SDK).

Code above this interface never asks which one is in use. Keys are chosen by
the caller (``{tenant_id}/{sha256}``), so equal files of one tenant are stored once.
The MinIO SDK is synchronous; its calls run in a worker thread. It is imported
only when an S3 store is configured (~0.2 s of every process start otherwise).
"""

from __future__ import annotations

import abc
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlparse

import anyio

if TYPE_CHECKING:
    from minio import Minio

CHUNK = 64 * 1024


class BlobStore(abc.ABC):
    @abc.abstractmethod
    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Store the file at ``source`` under ``key`` (overwriting is harmless: keys are
        content hashes)."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, in chunks."""

    @abc.abstractmethod
    async def presigned_url(self, key: str, filename: str, content_type: str) -> str | None:
        """A time-limited direct download URL, or None when downloads go through govhall."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise when the store does not answer."""

    async def read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.stream(key)])


class LocalBlobStore(BlobStore):
    """Files under a directory (embedded default), sharded by the key's first characters."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"bad blob key {key!r}")
        return self.root / key

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        target = self._path(key)

        def copy() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".part")
            shutil.copyfile(source, temporary)
            temporary.replace(target)  # atomic: readers never see half a file

        await anyio.to_thread.run_sync(copy)

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self._path(key), "rb") as handle:
            while chunk := await handle.read(CHUNK):
                yield chunk

    async def presigned_url(self, key: str, filename: str, content_type: str) -> str | None:
        return None

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def ping(self) -> None:
        def check() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".ping"
            probe.write_bytes(b"ok")
            probe.unlink()

        await anyio.to_thread.run_sync(check)


class MinioBlobStore(BlobStore):
    """An S3-compatible bucket through the MinIO SDK."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self._bucket_checked = False

    @classmethod
    def from_url(cls, url: str) -> MinioBlobStore:
        """``s3://ACCESS:SECRET@host:port/bucket?secure=true&region=cn-north-1``."""
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        bucket = parsed.path.strip("/")
        if not (parsed.hostname and bucket):
            raise ValueError("storage URL needs a host and a bucket: s3://KEY:SECRET@host/bucket")
        endpoint = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        from minio import Minio

        client = Minio(
            endpoint,
            access_key=unquote(parsed.username or ""),
            secret_key=unquote(parsed.password or ""),
            secure=query.get("secure", ["false"])[0].lower() == "true",
            region=query.get("region", [None])[0],
        )
        return cls(client, bucket)

    async def _ensure_bucket(self) -> None:
        if self._bucket_checked:
            return

        from minio.error import S3Error

        def ensure() -> None:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:  # another process created it first
                    if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise

        await anyio.to_thread.run_sync(ensure)
        self._bucket_checked = True

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        await self._ensure_bucket()
        await anyio.to_thread.run_sync(
            lambda: self.client.fput_object(
                self.bucket, key, str(source), content_type=content_type
            )
        )

    async def exists(self, key: str) -> bool:
        from minio.error import S3Error

        def stat() -> bool:
            try:
                self.client.stat_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in {"NoSuchKey", "NoSuchBucket", "NoSuchObject"}:
                    return False
                raise
            return True

        return await anyio.to_thread.run_sync(stat)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        response = await anyio.to_thread.run_sync(lambda: self.client.get_object(self.bucket, key))
        try:
            while chunk := await anyio.to_thread.run_sync(response.read, CHUNK):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def presigned_url(self, key: str, filename: str, content_type: str) -> str | None:
        from urllib.parse import quote

        headers: dict[str, str | list[str] | tuple[str]] = {
            "response-content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "response-content-type": content_type,
        }
        return await anyio.to_thread.run_sync(
            lambda: self.client.presigned_get_object(
                self.bucket, key, expires=timedelta(minutes=10), response_headers=headers
            )
        )

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.client.remove_object(self.bucket, key))

    async def ping(self) -> None:
        await self._ensure_bucket()


def make_blob_store(storage_url: str) -> BlobStore:
    if storage_url.startswith(("s3://", "minio://")):
        return MinioBlobStore.from_url(storage_url)
    return LocalBlobStore(Path(storage_url.removeprefix("file://")))
