"""Documents over the API (the case's documents, their files, verification by code)
and the public verification page ``/t/{slug}/verify/{code}``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from govhall.documents.services import (
    DocumentOut,
    VerificationOut,
    compare_copy,
    document_file,
    documents_of_case,
    verify_code,
)
from govhall.i18n import N_, translate
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.services import Services
from govhall.storage.services import download_response
from govhall.tenancy.schemas import TenantInfo

MAX_COPY = 20 * 1024 * 1024


class DocumentController(Controller):
    tags = ("documents",)

    @get("/cases/{serial_number:str}/documents", summary="The case's issued documents")
    async def of_case(
        self,
        serial_number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> list[DocumentOut]:
        return await documents_of_case(tenant, principal, serial_number)

    @get("/documents/{document_id:uuid}/file", summary="A document's PDF (applicant, staff)")
    async def file(
        self,
        document_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        blob = await document_file(tenant, principal, document_id)
        return await download_response(services.blobs, blob)

    @get("/verify/{code:str}", summary="Verify a document by its code (no login)")
    async def verify(
        self, code: FromPath[str], tenant: NamedDependency[TenantInfo]
    ) -> VerificationOut:
        return await verify_code(tenant, code)


class VerificationPages(Controller):
    tags = ("portal",)
    include_in_schema = False

    @get("/verify/{code:str}")
    async def page(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        portal: NamedDependency[Portal],
    ) -> Response[str]:
        """Anyone holding a document (or a photo of it) checks it here."""
        found = await verify_code(portal.tenant, code)
        return render(request, "portal/verify.html", portal=portal, found=found, compared=None)

    @post("/verify/{code:str}")
    async def compare(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        portal: NamedDependency[Portal],
    ) -> Response[str]:
        """Upload an electronic copy: it must be the issued file, byte for byte."""
        found = await verify_code(portal.tenant, code)
        upload = data.get("file")
        error = ""
        compared = None
        if isinstance(upload, UploadFile):
            try:
                content = await upload.read(MAX_COPY + 1)
            finally:
                await upload.close()
            compared = len(content) <= MAX_COPY and await compare_copy(portal.tenant, code, content)
        else:
            error = translate(N_("请选择要上传的文件"), request_locale(request))
        return render(
            request,
            "portal/verify.html",
            status=200 if compared is not None else 422,
            portal=portal,
            found=found,
            compared=compared,
            error=error,
        )
