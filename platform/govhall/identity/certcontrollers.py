"""Certificate sign-in and the CAs a tenant trusts: ``/t/{tenant}/api/v1``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from govhall.identity.certlogin import (
    CertificateLogin,
    Challenge,
    CrlIn,
    TrustedCAIn,
    TrustedCAOut,
    add_ca,
    certificate_login,
    list_cas,
    new_challenge,
    remove_ca,
    update_crl,
)
from govhall.identity.schemas import TokenOut
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip


class CertificateController(Controller):
    tags = ("identity",)

    @post("/auth/certificate/challenge", status_code=200, summary="A challenge to sign (2 min)")
    async def challenge(
        self, tenant: NamedDependency[TenantInfo], services: NamedDependency[Services]
    ) -> Challenge:
        return await new_challenge(tenant, services.revoked)

    @post("/auth/certificate", status_code=200, summary="Sign in with an X.509 certificate")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CertificateLogin],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> TokenOut:
        return await certificate_login(
            tenant, data, services.revoked, services.tokens, client_ip(request)
        )

    @get("/trusted-cas", summary="The CAs whose certificates this tenant accepts")
    async def cas(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[TrustedCAOut]:
        return await list_cas(tenant, principal)

    @post("/trusted-cas", status_code=201, summary="Trust a CA (tenant admin)")
    async def add(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TrustedCAIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> TrustedCAOut:
        return await add_ca(tenant, principal, data, client_ip(request))

    @put("/trusted-cas/{ca_id:uuid}/crl", status_code=200, summary="Install the CA's latest CRL")
    async def crl(
        self,
        request: Request[Any, Any, Any],
        ca_id: FromPath[uuid.UUID],
        data: JSONBody[CrlIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> TrustedCAOut:
        return await update_crl(tenant, principal, ca_id, data, client_ip(request))

    @delete("/trusted-cas/{ca_id:uuid}", status_code=204, summary="Stop trusting a CA")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        ca_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await remove_ca(tenant, principal, ca_id, client_ip(request))
