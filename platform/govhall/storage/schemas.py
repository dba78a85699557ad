"""Upload API shapes."""

from __future__ import annotations

import uuid

import msgspec


class UploadOut(msgspec.Struct, kw_only=True):
    blob_id: uuid.UUID
    sha256: str
    size: int
    content_type: str
    filename: str
