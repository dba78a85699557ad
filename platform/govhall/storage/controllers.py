"""Material uploads and downloads: ``/t/{tenant}/api/v1/uploads``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody

from govhall.identity.access import require_party_of
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.storage.schemas import UploadOut
from govhall.storage.services import download_response, get_readable_blob, store_upload_file
from govhall.tenancy.schemas import TenantInfo


@dataclass
class UploadForm:
    file: UploadFile


class UploadController(Controller):
    path = "/uploads"
    tags = ("storage",)

    @post("/", status_code=201, summary="Upload a material file (PDF, JPG or PNG)")
    async def upload(
        self,
        data: MultipartBody[UploadForm],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> UploadOut:
        require_party_of(principal, tenant)
        return await store_upload_file(
            data.file,
            tenant_id=tenant.id,
            owner=principal,
            store=services.blobs,
            max_bytes=services.settings.max_upload_bytes,
        )

    @get("/{blob_id:uuid}", summary="Download an uploaded file (its uploader or staff)")
    async def download(
        self,
        blob_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        blob = await get_readable_blob(blob_id, tenant.id, require_party_of(principal, tenant))
        return await download_response(services.blobs, blob)
