"""``create_app(settings)``: the one place that assembles govhall's Litestar app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.stores.base import NamespacedStore
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry

from govhall import db, i18n
from govhall.audit.controllers import AuditController
from govhall.calendar.controllers import CalendarController, NationalNoticeController
from govhall.cases.batchcontrollers import BatchController
from govhall.cases.controllers import (
    AgentController,
    CaseController,
    CaseSearchController,
    ECertificateController,
    ProjectController,
)
from govhall.catalog.controllers import ItemController, LibraryController
from govhall.documents.controllers import DocumentController, VerificationPages
from govhall.engagement.controllers import (
    ComplaintController,
    ConsultationController,
    RatingController,
)
from govhall.fees.controllers import PaymentController, simbank_page, simbank_pay
from govhall.identity.admincontrollers import OperatorController, TenantAccountController
from govhall.identity.certcontrollers import CertificateController
from govhall.identity.controllers import (
    AccountController,
    EnterpriseController,
    VerificationController,
)
from govhall.identity.oidc import Provider
from govhall.identity.ssocontrollers import (
    FederationController,
    OidcController,
    SsoAdminController,
)
from govhall.identity.staffcontrollers import RoleController, StaffController
from govhall.messaging.controllers import MessagingController
from govhall.notify.controllers import (
    InboxController,
    NotifyAdminController,
    PreferenceController,
)
from govhall.observability import init_sentry
from govhall.plugins import PluginRegistry
from govhall.portal.applypages import ApplicantPages
from govhall.portal.articlecontrollers import ArticleController
from govhall.portal.assets import static_routers
from govhall.portal.controllers import BrandingController, ScenarioController, SearchController
from govhall.portal.engagepages import EngagementPages
from govhall.portal.pages import (
    PORTAL_BY_HOST,
    PORTAL_BY_SLUG,
    PORTAL_REQUIRED_BY_HOST,
    PortalPages,
)
from govhall.reports.controllers import ReportController
from govhall.services import Services
from govhall.serving import served
from govhall.settings import Settings
from govhall.storage.controllers import UploadController
from govhall.supervision.controllers import (
    LeaderController,
    MonitoringController,
    ScoreController,
    ScoreWeightsController,
    SignalController,
    SupervisionSettingsController,
    TerminationController,
    TicketController,
)
from govhall.tenancy.controllers import (
    ItemSettingController,
    OrgUnitController,
    SerialFormatController,
)
from govhall.tenancy.operatorpages import OperatorPages
from govhall.web.deps import (
    connection_per_request,
    provide_locale,
    provide_principal,
    provide_services,
    provide_tenant,
    resolve_dependencies_in_turn,
    tenant_scope_middleware,
)
from govhall.web.errors import EXCEPTION_HANDLERS
from govhall.web.health import healthz, readyz
from govhall.web.websession import (
    SESSION_COOKIE,
    SESSION_STORE,
    SessionConfig,
    login_form,
    login_submit,
    logout_submit,
    register_form,
    register_submit,
    whoami,
)
from govhall.workbench.adminpages import AdminPages
from govhall.workbench.agentpages import AgentPages
from govhall.workbench.batchpages import BatchPages
from govhall.workbench.flowpages import FlowPages
from govhall.workbench.messagepages import MessagePages, live_socket
from govhall.workbench.pages import WorkbenchPages
from govhall.workbench.reportpages import ReportPages
from govhall.workbench.supervisionpages import (
    ComplaintPages,
    MonitorPages,
    ScorePages,
    StaffInboxPages,
    SupervisionPages,
    TerminationPages,
)
from govhall.workbench.ticketpages import TicketPages
from govhall.workflow.controllers import FlowController, WorklistController

log = logging.getLogger("govhall")

#: Room for multipart framing around the largest allowed file.
MULTIPART_OVERHEAD = 64 * 1024


def _stores(services: Services) -> StoreRegistry:
    """Named stores (web sessions …) over one Redis client the services close at stop."""
    root = services.store
    if isinstance(root, NamespacedStore):  # Redis (None without: sessions in memory)
        return StoreRegistry(default_factory=lambda name: root.with_namespace(name))
    return StoreRegistry(default_factory=lambda name: MemoryStore())


#: Paths authenticated by bearer tokens (or client credentials), not by the session.
API_PATHS = ["^/api/", "^/t/[^/]+/api/", "^/oidc/token", "^/oidc/userinfo", "^/healthz", "^/readyz"]


def _session_config(settings: Settings) -> SessionConfig:
    return SessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        max_age=8 * 3600,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=API_PATHS,
    )


def create_app(
    settings: Settings | None = None, *, registry: PluginRegistry | None = None
) -> Litestar:
    settings = settings or Settings.from_env()
    settings.check()
    resolve_dependencies_in_turn()
    i18n.configure(settings.frontend_dir / "locales")
    init_sentry(settings)
    db.configure_database(settings)
    services = Services.build(settings, registry)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.stop()

    tenant_pages = Router(
        path="/t/{tenant_slug:str}",
        route_handlers=[FederationController],
        dependencies={"tenant": Provide(provide_tenant)},
    )
    portal_by_path = Router(
        path="/t/{tenant_slug:str}",
        route_handlers=[
            PortalPages,
            ApplicantPages,
            EngagementPages,
            VerificationPages,
            WorkbenchPages,
            BatchPages,
            MessagePages,
            AgentPages,
            AdminPages,
            FlowPages,
            SupervisionPages,
            TicketPages,
            ReportPages,
            ScorePages,
            MonitorPages,
            ComplaintPages,
            TerminationPages,
            StaffInboxPages,
            live_socket,
        ],
        dependencies=PORTAL_BY_SLUG,
    )
    portal_by_domain = Router(path="/", route_handlers=[PortalPages], dependencies=PORTAL_BY_HOST)
    applicant_by_domain = Router(
        path="/",
        route_handlers=[
            ApplicantPages,
            EngagementPages,
            VerificationPages,
            WorkbenchPages,
            BatchPages,
            MessagePages,
            AgentPages,
            AdminPages,
            FlowPages,
            SupervisionPages,
            TicketPages,
            ReportPages,
            ScorePages,
            MonitorPages,
            ComplaintPages,
            TerminationPages,
            StaffInboxPages,
        ],
        dependencies=PORTAL_REQUIRED_BY_HOST,
    )
    tenant_api = Router(
        path="/t/{tenant_slug:str}/api/v1",
        route_handlers=[
            ItemController,
            UploadController,
            CaseController,
            CaseSearchController,
            AgentController,
            BatchController,
            ProjectController,
            ConsultationController,
            ComplaintController,
            RatingController,
            WorklistController,
            FlowController,
            CalendarController,
            InboxController,
            NotifyAdminController,
            AuditController,
            StaffController,
            RoleController,
            OrgUnitController,
            ItemSettingController,
            SerialFormatController,
            SignalController,
            SupervisionSettingsController,
            LeaderController,
            TicketController,
            ReportController,
            ScoreController,
            ScoreWeightsController,
            MonitoringController,
            TerminationController,
            TenantAccountController,
            CertificateController,
            SsoAdminController,
            SearchController,
            ScenarioController,
            BrandingController,
            ArticleController,
            DocumentController,
            PaymentController,
            MessagingController,
        ],
        dependencies={"tenant": Provide(provide_tenant)},
    )
    config = AppConfig(
        route_handlers=[
            healthz,
            readyz,
            AccountController,
            EnterpriseController,
            VerificationController,
            PreferenceController,
            ECertificateController,
            OperatorController,
            NationalNoticeController,
            OperatorPages,
            LibraryController,
            OidcController,
            login_form,
            login_submit,
            register_form,
            register_submit,
            logout_submit,
            simbank_page,
            simbank_pay,
            whoami,
            tenant_api,
            tenant_pages,
            portal_by_path,
            portal_by_domain,
            applicant_by_domain,
            *static_routers(settings),
        ],
        middleware=[
            tenant_scope_middleware,
            connection_per_request,
            _session_config(settings).middleware,
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="govhall_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            # Bearer-token APIs and the client-authenticated token endpoint carry no
            # ambient credentials: CSRF guards the cookie-session forms.
            exclude=API_PATHS,
        ),
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "locale": Provide(provide_locale, sync_to_thread=False),
            "principal": Provide(provide_principal),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="govhall API",
            version="1.0.0",
            path="/schema",
            description="网上审批 / online administrative approval. Errors are JSON "
            "{status_code, code, detail, errors?} in the Accept-Language language.",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        stores=_stores(services),
        request_max_body_size=settings.max_upload_bytes + MULTIPART_OVERHEAD,
        debug=False,
    )
    app = Litestar.from_config(config)
    app.state.services = services
    app.state.oidc = Provider(settings, services.tokens)
    return app


def create_app_from_env() -> Litestar:
    """Factory for ASGI servers (``uvicorn --factory govhall.app:create_app_from_env``)."""
    return served(create_app(Settings.from_env()))
