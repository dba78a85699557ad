"""Every API route × every kind of caller: who gets through the route's guard.

"Refused" is 401 or 403; anything else (200, 404 for a missing object, 409, 422 …)
means the guard let the caller through to the route's own checks. Object-level
rules (which step a role may act on, which case an applicant may see) are tested
with their domains; this test pins who may reach each route at all, so a route
added without a row here — or a guard that loosens — fails.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar

from govhall.identity.services import provision_staff
from govhall.tenancy.tables import OrgUnit, Tenant
from tests.conftest import CREDIT_CODE, Api

ROLES = (
    "anonymous",
    "individual",
    "enterprise",
    "ent_operator",
    "ent_reviewer",
    "clerk",
    "handler",
    "approver",
    "supervisor",
    "tenant_admin",
    "other_staff",
    "operator",
)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ACCOUNTS = frozenset({"individual", "enterprise", "ent_operator", "ent_reviewer"})
STAFF = frozenset({"clerk", "handler", "approver", "supervisor", "tenant_admin"})
ADMIN = frozenset({"tenant_admin"})
SUPERVISING = frozenset({"supervisor", "tenant_admin"})
OPERATOR = frozenset({"operator"})
NOBODY: frozenset[str] = frozenset()

#: Browser pages on the web session (tested in tests/identity/test_oidc.py), and the
#: generated API documentation; not bearer-token API routes.
PAGES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/register"),
    # The simulated bank's own page (tests/fees): it stands for the bank's site.
    ("GET", "/simbank/pay"),
    ("POST", "/simbank/pay"),
    ("POST", "/register"),
    ("GET", "/session"),
    # The platform operator's console (tests/tenancy/test_operations.py).
    ("GET", "/operator"),
    ("POST", "/operator/tenants"),
    ("POST", "/operator/tenants/form"),
    ("POST", "/operator/tenants/{slug:str}/{action:str}"),
    ("POST", "/operator/calendar/notices"),
    ("GET", "/t/{tenant_slug:str}/sso/{key:str}/login"),
    ("GET", "/t/{tenant_slug:str}/sso/{key:str}/callback"),
    ("GET", "/schema"),
    ("GET", "/schema/swagger"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/oauth2-redirect.html"),
    # The public portal (tests/portal), by path and on a tenant's own domain.
    ("GET", "/t/{tenant_slug:str}"),
    ("GET", "/t/{tenant_slug:str}/items"),
    ("GET", "/t/{tenant_slug:str}/items/{code:str}"),
    ("GET", "/t/{tenant_slug:str}/progress"),
    ("GET", "/t/{tenant_slug:str}/search"),
    ("GET", "/t/{tenant_slug:str}/scenarios"),
    ("GET", "/scenarios"),
    ("GET", "/search"),
    ("GET", "/"),
    ("GET", "/items"),
    ("GET", "/items/{code:str}"),
    ("GET", "/progress"),
    # The applicant's pages (session sign-in; tests/portal/test_apply.py checks who
    # may open a draft or a case there).
    *{
        (method, prefix + path)
        for prefix in ("", "/t/{tenant_slug:str}")
        for method, path in (
            ("POST", "/items/{code:str}/apply"),
            ("GET", "/items/{code:str}/form.xlsx"),
            ("GET", "/items/{code:str}/form.pdf"),
            ("POST", "/items/{code:str}/offline"),
            ("GET", "/drafts/{draft_id:uuid}/form.xlsx"),
            ("GET", "/drafts/{draft_id:uuid}"),
            ("POST", "/drafts/{draft_id:uuid}/form"),
            ("POST", "/drafts/{draft_id:uuid}/materials"),
            ("POST", "/drafts/{draft_id:uuid}/materials/reuse"),
            ("POST", "/drafts/{draft_id:uuid}/materials/{blob_id:uuid}/remove"),
            ("POST", "/drafts/{draft_id:uuid}/submit"),
            ("GET", "/drafts/{draft_id:uuid}/receipt"),
            ("POST", "/drafts/{draft_id:uuid}/discard"),
            ("GET", "/me"),
            ("GET", "/me/cases/{serial_number:str}"),
            ("POST", "/me/cases/{serial_number:str}/correction"),
            ("POST", "/me/cases/{serial_number:str}/rating"),
            ("GET", "/me/inbox"),
            ("GET", "/me/certificates"),
            ("GET", "/me/cases/{serial_number:str}/documents/{document_id:uuid}"),
            ("GET", "/verify/{code:str}"),
            # The staff workbench (tests/workbench): this tenant's staff only.
            ("GET", "/work"),
            ("GET", "/work/cases/{serial_number:str}"),
            ("GET", "/work/done"),
            ("GET", "/work/search"),
            ("GET", "/work/exports/{fmt:str}"),
            ("POST", "/work/cases/{serial_number:str}/act"),
            ("POST", "/work/cases/{serial_number:str}/materials/{material_id:uuid}/checked"),
            ("GET", "/work/files/{blob_id:uuid}"),
            ("GET", "/work/documents/{document_id:uuid}"),
            ("GET", "/work/batches"),
            ("GET", "/work/admin"),
            ("POST", "/work/admin/branding"),
            ("POST", "/work/admin/units"),
            ("POST", "/work/admin/units/change"),
            ("POST", "/work/admin/staff"),
            ("POST", "/work/admin/staff/grants"),
            ("POST", "/work/admin/calendar"),
            ("POST", "/work/admin/enablement"),
            ("POST", "/work/admin/terms"),
            ("POST", "/work/admin/scenarios"),
            ("POST", "/work/admin/notifications"),
            ("POST", "/work/admin/articles"),
            ("GET", "/work/admin/flows"),
            ("GET", "/work/admin/flows/{item_code:str}"),
            ("POST", "/work/admin/flows/{item_code:str}"),
            ("POST", "/work/admin/flows/{item_code:str}/steps"),
            ("POST", "/work/admin/item-settings"),
            ("POST", "/work/admin/roles"),
            ("POST", "/work/admin/roles/{code:str}/remove"),
            ("POST", "/work/admin/serial-format"),
            ("GET", "/work/supervision"),
            ("POST", "/work/supervision/sweep"),
            ("POST", "/work/supervision/thresholds"),
            ("POST", "/work/supervision/leaders"),
            ("POST", "/work/supervision/leaders/{leader_id:uuid}/remove"),
            ("POST", "/work/supervision/signals/{signal_id:uuid}/review"),
            ("GET", "/work/supervision/tickets"),
            ("POST", "/work/supervision/tickets"),
            ("GET", "/work/supervision/tickets/{number:str}"),
            ("POST", "/work/supervision/tickets/{number:str}/{verb:str}"),
            ("GET", "/work/supervision/scores"),
            ("GET", "/work/supervision/monitor"),
            ("GET", "/work/supervision/complaints"),
            ("GET", "/work/supervision/terminations"),
            ("GET", "/work/inbox"),
            ("POST", "/work/inbox/read"),
            ("POST", "/work/supervision/terminations/{request_id:uuid}/review"),
            ("POST", "/work/cases/{serial_number:str}/termination"),
            ("POST", "/work/supervision/complaints/{complaint_id:uuid}/handle"),
            ("GET", "/work/supervision/scores/export"),
            ("POST", "/work/supervision/scores/weights"),
            ("GET", "/work/reports"),
            ("GET", "/work/reports/builder"),
            ("POST", "/work/reports/refresh"),
            ("GET", "/work/reports/export"),
            ("POST", "/work/reports/saved"),
            ("GET", "/work/reports/saved/{report_id:uuid}"),
            ("POST", "/work/reports/saved/{report_id:uuid}/remove"),
            ("POST", "/work/admin/calendar/{day:date}/remove"),
            ("GET", "/work/entered"),
            ("GET", "/work/agent"),
            ("POST", "/work/agent"),
            ("GET", "/work/messages"),
            ("POST", "/work/messages"),
            ("GET", "/work/messages/unread"),
            ("GET", "/work/messages/{conversation_id:uuid}"),
            ("POST", "/work/messages/{conversation_id:uuid}"),
            ("POST", "/work/cases/{serial_number:str}/comments"),
            ("POST", "/work/cases/{serial_number:str}/fees/notice"),
            ("POST", "/work/cases/{serial_number:str}/fees/correct"),
            ("POST", "/work/payments/{order_no:str}/counter-paid"),
            ("POST", "/work/payments/{order_no:str}/refund"),
            ("GET", "/work/payments/{order_no:str}/receipt"),
            ("GET", "/me/payments/{order_no:str}/receipt"),
            ("POST", "/me/cases/{serial_number:str}/payments/{order_no:str}"),
            ("POST", "/work/batches"),
            ("GET", "/work/batches/template/{item_code:str}"),
            ("GET", "/work/batches/{batch_id:uuid}"),
            ("POST", "/work/batches/{batch_id:uuid}/removals"),
            ("POST", "/work/batches/{batch_id:uuid}/acceptance"),
            ("GET", "/work/batches/{batch_id:uuid}/receipts"),
            ("POST", "/verify/{code:str}"),
            ("GET", "/me/reviews"),
            ("POST", "/me/reviews/{submission_id:uuid}"),
            ("GET", "/me/notifications"),
            ("POST", "/me/notifications"),
            ("GET", "/news"),
            ("GET", "/news/{article_id:uuid}"),
            ("GET", "/articles/{article_id:uuid}/attachment"),
            ("GET", "/centre"),
            ("GET", "/policies"),
            ("GET", "/consult"),
            ("POST", "/consult"),
            ("GET", "/complaints"),
            ("POST", "/complaints"),
            ("GET", "/mailbox"),
            ("POST", "/mailbox"),
        )
    },
    ("GET", "/static/{file_path:path}"),
    ("GET", "/static/vendor/htmx/{file_path:path}"),
}

T = "/t/{tenant_slug:str}/api/v1"
NONE_ID = str(uuid.UUID(int=1))

#: (method, path) -> (who gets through, request body).
MATRIX: dict[tuple[str, str], tuple[frozenset[str], Any]] = {
    ("GET", "/healthz"): (EVERYONE, None),
    ("GET", "/readyz"): (EVERYONE, None),
    # Registration and sign-in are open; refresh needs a refresh token, not a role.
    ("POST", "/api/v1/accounts"): (
        EVERYONE,
        {"username": "x", "password": "x", "kind": "individual", "name": "x"},
    ),
    ("POST", "/api/v1/auth/token"): (
        EVERYONE,
        {"username": "matrix-citizen", "password": "abc12345x"},
    ),
    ("POST", "/api/v1/auth/refresh"): (NOBODY, {"refresh_token": "junk"}),
    ("POST", "/api/v1/auth/logout"): (SIGNED_IN, {}),
    ("POST", "/api/v1/auth/password-reset"): (EVERYONE, {"username": "nobody-here"}),
    ("POST", "/api/v1/auth/password-reset/confirm"): (
        EVERYONE,
        {"username": "nobody-here", "code": "000000", "new_password": "x"},
    ),
    ("POST", "/api/v1/me/verify/{channel:str}"): (ACCOUNTS, None),
    ("POST", "/api/v1/me/verify/{channel:str}/confirm"): (ACCOUNTS, {"code": "000000"}),
    ("GET", "/api/v1/me/enterprises"): (ACCOUNTS, None),
    ("POST", "/api/v1/me/enterprises/{enterprise:str}/accept"): (ACCOUNTS, None),
    ("GET", "/api/v1/enterprise/members"): (frozenset({"enterprise"}), None),
    ("POST", "/api/v1/enterprise/members"): (
        frozenset({"enterprise"}),
        {"username": "nobody-here", "role": "operator"},
    ),
    ("POST", "/api/v1/enterprise/members/{username:str}/remove"): (frozenset({"enterprise"}), None),
    ("GET", "/api/v1/operator/tenants"): (OPERATOR, None),
    ("POST", "/api/v1/operator/tenants"): (OPERATOR, None),
    ("GET", "/api/v1/operator/health"): (OPERATOR, None),
    ("GET", "/api/v1/operator/plugins"): (OPERATOR, None),
    ("GET", "/api/v1/operator/calendar/notices"): (OPERATOR, None),
    ("POST", "/api/v1/operator/calendar/notices"): (OPERATOR, {"year": 2027, "title": ""}),
    ("DELETE", "/api/v1/operator/calendar/notices/{year:int}"): (OPERATOR, None),
    ("POST", "/api/v1/operator/tenants/{slug:str}/suspend"): (OPERATOR, None),
    ("POST", "/api/v1/operator/tenants/{slug:str}/resume"): (OPERATOR, None),
    ("GET", "/api/v1/operator/accounts"): (OPERATOR, None),
    ("POST", "/api/v1/operator/accounts/{username:str}/{action:str}"): (OPERATOR, None),
    ("GET", "/api/v1/operator/audit"): (OPERATOR, None),
    ("GET", "/api/v1/operator/oidc-clients"): (OPERATOR, None),
    ("POST", "/api/v1/operator/oidc-clients"): (OPERATOR, {"name": "", "redirect_uris": []}),
    ("GET", "/api/v1/library/items"): (EVERYONE, None),
    ("GET", "/api/v1/library/regulations"): (EVERYONE, None),
    # The OpenID provider: metadata and keys are public; the token endpoint takes
    # client credentials (none here); userinfo takes any govhall bearer token.
    ("GET", "/oidc/.well-known/openid-configuration"): (EVERYONE, None),
    ("GET", "/oidc/jwks"): (EVERYONE, None),
    ("GET", "/oidc/authorize"): (EVERYONE, None),
    ("POST", "/oidc/token"): (NOBODY, ("form", {"grant_type": "authorization_code", "code": "x"})),
    ("GET", "/oidc/userinfo"): (SIGNED_IN, None),
    # The public catalogue and guides.
    ("GET", f"{T}/items"): (EVERYONE, None),
    ("GET", f"{T}/items/{{code:str}}"): (EVERYONE, None),
    ("GET", f"{T}/items/{{code:str}}/versions"): (EVERYONE, None),
    ("GET", f"{T}/items/{{code:str}}/samples/{{material:str}}"): (EVERYONE, None),
    ("GET", f"{T}/items/{{code:str}}/result-sample"): (EVERYONE, None),
    ("GET", f"{T}/items/{{code:str}}/prefill"): (ACCOUNTS, None),
    ("GET", f"{T}/progress"): (EVERYONE, None),
    ("GET", f"{T}/calendar"): (EVERYONE, None),
    ("GET", f"{T}/search"): (EVERYONE, None),
    ("GET", f"{T}/search-terms"): (ADMIN, None),
    ("POST", f"{T}/search-terms"): (ADMIN, {"kind": "blocked", "term": ""}),
    ("DELETE", f"{T}/search-terms/{{term_id:uuid}}"): (ADMIN, None),
    ("GET", f"{T}/search-misses"): (ADMIN, None),
    ("GET", f"{T}/calendar/working-days"): (EVERYONE, None),
    ("POST", f"{T}/auth/certificate/challenge"): (EVERYONE, None),
    ("POST", f"{T}/auth/certificate"): (
        EVERYONE,  # a sign-in route: its own checks refuse (422 here)
        {"challenge": "junk", "certificate": "junk", "signature": ""},
    ),
    # Applicants.
    ("POST", f"{T}/uploads"): (ACCOUNTS | STAFF, ("file", b"%PDF-1.4 matrix")),
    ("GET", f"{T}/uploads/{{blob_id:uuid}}"): (ACCOUNTS | STAFF, None),
    ("POST", f"{T}/applications"): (ACCOUNTS, {"item_code": "NO-SUCH-ITEM", "form": {}}),
    ("POST", f"{T}/applications/{{serial_number:str}}/withdraw"): (
        frozenset({"individual"}),
        {"reason": "x"},
    ),
    ("POST", f"{T}/applications/{{serial_number:str}}/correction"): (
        frozenset({"individual"}),
        {"materials": []},
    ),
    # Engagement: public answers and disclosed outcomes, accounts ask and complain,
    # staff answer, supervisors and admins handle complaints; applicants rate.
    # Notifications: the inbox for parties, channels for accounts, the rest for admins.
    ("POST", f"{T}/inbox/{{message_id:uuid}}/read"): (ACCOUNTS | STAFF, None),
    ("GET", "/api/v1/me/notification-preferences"): (ACCOUNTS, None),
    ("GET", "/api/v1/me/certificates"): (ACCOUNTS, None),
    ("PUT", "/api/v1/me/notification-preferences"): (ACCOUNTS, {"channels": []}),
    ("GET", f"{T}/notification-failures"): (ADMIN, None),
    ("POST", f"{T}/notification-failures/{{delivery_id:uuid}}/retry"): (ADMIN, None),
    ("GET", f"{T}/notification-templates"): (ADMIN, None),
    ("PUT", f"{T}/notification-templates"): (
        ADMIN,
        {"key": "case_submitted", "locale": "en", "text": ""},
    ),
    ("PUT", f"{T}/notification-channels"): (ADMIN, {"sms": "log_sms"}),
    # The centre's publications: read by anyone, written by tenant administrators.
    # Documents: the case's applicant and the tenant's staff; verification is public.
    ("GET", f"{T}/cases/{{serial_number:str}}/documents"): (
        frozenset({"individual"}) | STAFF,
        None,
    ),
    ("GET", f"{T}/documents/{{document_id:uuid}}/file"): (ACCOUNTS | STAFF, None),
    ("GET", f"{T}/verify/{{code:str}}"): (EVERYONE, None),
    ("GET", f"{T}/cases"): (STAFF, None),
    ("POST", f"{T}/agent-applications"): (
        frozenset({"clerk"}),
        {"applicant": {"name": "x"}, "item_code": "NO-SUCH", "form": {}},
    ),
    ("GET", f"{T}/case-exports/{{fmt:str}}"): (STAFF, None),
    # Staff messages (any staff of the tenant) and case comments (staff handling it).
    ("GET", f"{T}/messages/conversations"): (STAFF, None),
    ("POST", f"{T}/messages/conversations"): (STAFF, {"members": ["nobody-here"]}),
    ("GET", f"{T}/messages/conversations/{{conversation_id:uuid}}/messages"): (STAFF, None),
    ("POST", f"{T}/messages/conversations/{{conversation_id:uuid}}/messages"): (
        STAFF,
        {"body": "x"},
    ),
    ("GET", f"{T}/cases/{{serial_number:str}}/comments"): (
        frozenset({"clerk", "handler", "approver", "supervisor"}),
        None,
    ),
    ("POST", f"{T}/cases/{{serial_number:str}}/comments"): (
        frozenset({"clerk", "handler", "approver", "supervisor"}),
        {"body": "x"},
    ),
    ("POST", f"{T}/cases/{{serial_number:str}}/fee-corrections"): (
        frozenset({"clerk", "handler"}),
        {"amounts": {}, "reason": "x"},
    ),
    ("POST", f"{T}/payments/{{order_no:str}}/refunds"): (STAFF, {"reason": "x"}),
    # Batch cases: the window's clerks enter and accept them.
    ("GET", f"{T}/batches/template/{{item_code:str}}"): (STAFF, None),
    ("POST", f"{T}/batches"): (
        frozenset({"clerk"}),
        {"applicant": {"name": "x"}, "item_code": "NO-SUCH"},
    ),
    ("POST", f"{T}/batches/xlsx"): (frozenset({"clerk"}), None),
    ("GET", f"{T}/batches/{{batch_id:uuid}}"): (frozenset({"clerk"}), None),
    ("GET", f"{T}/batches/{{batch_id:uuid}}/rows"): (frozenset({"clerk"}), None),
    ("POST", f"{T}/batches/{{batch_id:uuid}}/removals"): (frozenset({"clerk"}), {"rows": [1]}),
    ("POST", f"{T}/batches/{{batch_id:uuid}}/acceptance"): (frozenset({"clerk"}), {}),
    ("GET", f"{T}/batches/{{batch_id:uuid}}/receipts"): (frozenset({"clerk"}), None),
    ("GET", f"{T}/worklist/done"): (STAFF, None),
    ("GET", f"{T}/worklist/entered"): (STAFF, None),
    # Fees: staff of the case's unit issue notices and confirm window payments; the
    # payer pays; providers call back with a signature, not a login.
    ("POST", f"{T}/cases/{{serial_number:str}}/payment-notice"): (
        frozenset({"clerk", "handler"}),
        None,
    ),
    ("GET", f"{T}/cases/{{serial_number:str}}/payments"): (frozenset({"individual"}) | STAFF, None),
    ("POST", f"{T}/payments/{{order_no:str}}/pay"): (ACCOUNTS, {"provider": "simbank"}),
    ("POST", f"{T}/payments/{{order_no:str}}/counter-paid"): (STAFF, None),
    ("POST", f"{T}/payments/callback/{{provider:str}}"): (NOBODY, None),
    ("POST", f"{T}/cases/{{serial_number:str}}/materials/{{material_id:uuid}}/original-checked"): (
        frozenset({"clerk"}),
        None,
    ),
    ("GET", f"{T}/branding"): (EVERYONE, None),
    ("PUT", f"{T}/branding"): (ADMIN, {"portal_name": "x"}),
    ("GET", f"{T}/scenarios"): (EVERYONE, None),
    ("PUT", f"{T}/scenarios"): (ADMIN, []),
    ("GET", f"{T}/articles"): (EVERYONE, None),
    ("GET", f"{T}/articles/all"): (ADMIN, None),
    ("GET", f"{T}/articles/{{article_id:uuid}}"): (EVERYONE, None),
    ("GET", f"{T}/articles/{{article_id:uuid}}/attachment"): (EVERYONE, None),
    ("POST", f"{T}/articles"): (ADMIN, {"kind": "news", "title": "x"}),
    ("PUT", f"{T}/articles/{{article_id:uuid}}"): (ADMIN, {"kind": "news", "title": "x"}),
    ("DELETE", f"{T}/articles/{{article_id:uuid}}"): (ADMIN, None),
    ("GET", f"{T}/consultations"): (EVERYONE, None),
    ("POST", f"{T}/consultations"): (ACCOUNTS, {"question": "x"}),
    ("GET", f"{T}/consultations/mine"): (ACCOUNTS, None),
    ("GET", f"{T}/consultations/open"): (STAFF, None),
    ("POST", f"{T}/consultations/{{consultation_id:uuid}}/answer"): (STAFF, {"answer": "x"}),
    ("POST", f"{T}/complaints"): (ACCOUNTS, {"subject": "x", "body": "x"}),
    ("GET", f"{T}/complaints"): (frozenset({"supervisor", "tenant_admin"}), None),
    ("GET", f"{T}/complaints/mine"): (ACCOUNTS, None),
    ("GET", f"{T}/complaints/disclosed"): (EVERYONE, None),
    ("POST", f"{T}/complaints/{{complaint_id:uuid}}/handle"): (
        frozenset({"supervisor", "tenant_admin"}),
        {"decision": "accepted", "outcome": "x"},
    ),
    ("POST", f"{T}/cases/{{serial_number:str}}/rating"): (frozenset({"individual"}), {"level": 5}),
    ("GET", f"{T}/enterprise-submissions"): (
        frozenset({"enterprise", "ent_operator", "ent_reviewer"}),
        None,
    ),
    ("POST", f"{T}/enterprise-submissions/{{submission_id:uuid}}/confirm"): (ACCOUNTS, None),
    ("POST", f"{T}/enterprise-submissions/{{submission_id:uuid}}/decline"): (
        ACCOUNTS,
        {"opinion": "x"},
    ),
    ("GET", f"{T}/inbox"): (ACCOUNTS | STAFF, None),
    ("POST", f"{T}/projects"): (ACCOUNTS, {"name": "x", "items": [], "form": {}}),
    ("GET", f"{T}/projects/{{number:str}}"): (ACCOUNTS | STAFF, None),
    ("POST", f"{T}/projects/{{number:str}}/parts"): (STAFF, {"item_code": "x"}),
    ("POST", f"{T}/projects/{{number:str}}/parts/{{item_code:str}}/remove"): (
        STAFF,
        {"reason": "x"},
    ),
    # Staff of this tenant.
    ("GET", f"{T}/worklist"): (STAFF, None),
    ("GET", f"{T}/cases/{{serial_number:str}}"): (STAFF, None),
    ("GET", f"{T}/cases/{{serial_number:str}}/history"): (STAFF, None),
    ("GET", f"{T}/cases/{{serial_number:str}}/applicant"): (STAFF, None),
    ("POST", f"{T}/cases/{{serial_number:str}}/actions"): (
        STAFF,
        {"action": "accept", "step": "no-such-step"},
    ),
    ("GET", f"{T}/flows/{{item_code:str}}"): (STAFF, None),
    ("GET", f"{T}/flows/{{item_code:str}}/versions/{{version:int}}"): (STAFF, None),
    ("GET", f"{T}/roles"): (STAFF, None),
    ("GET", f"{T}/org-units"): (STAFF, None),
    ("GET", f"{T}/serial-format"): (STAFF, None),
    # Administrators of this tenant.
    ("POST", f"{T}/flows/{{item_code:str}}"): (ADMIN, {"flow": {"key": "x", "steps": []}}),
    ("PUT", f"{T}/calendar/{{day:date}}"): (ADMIN, {"working": True}),
    ("DELETE", f"{T}/calendar/{{day:date}}"): (ADMIN, None),
    ("PUT", f"{T}/org-units/{{code:str}}/enablement"): (ADMIN, {}),
    ("PUT", f"{T}/item-settings/{{item_code:str}}"): (ADMIN, {}),
    ("PUT", f"{T}/serial-format"): (ADMIN, {"format": "{nonsense}"}),
    ("GET", f"{T}/signals"): (SUPERVISING, None),
    ("POST", f"{T}/signals/sweep"): (SUPERVISING, None),
    ("POST", f"{T}/signals/{{signal_id:uuid}}/review"): (SUPERVISING, {"comment": "x"}),
    ("GET", f"{T}/supervision-settings"): (SUPERVISING, None),
    ("PUT", f"{T}/supervision-settings"): (
        SUPERVISING,
        {"warning_days": 99, "yellow_days": 1, "red_days": 2},
    ),
    ("GET", f"{T}/supervision-leaders"): (SUPERVISING, None),
    ("POST", f"{T}/supervision-leaders"): (SUPERVISING, {"username": "", "org_unit": ""}),
    ("DELETE", f"{T}/supervision-leaders/{{leader_id:uuid}}"): (SUPERVISING, None),
    # Any staff member of the tenant reaches the tickets (the department answers);
    # only supervisors open and review them.
    ("GET", f"{T}/tickets"): (STAFF, None),
    ("POST", f"{T}/tickets"): (SUPERVISING, {"subject": "", "instruction": "", "limit_days": 0}),
    ("GET", f"{T}/tickets/{{number:str}}"): (STAFF, None),
    ("POST", f"{T}/tickets/{{number:str}}/answer"): (STAFF, {"result": "", "explanation": ""}),
    ("POST", f"{T}/tickets/{{number:str}}/appeal"): (STAFF, {"reason": ""}),
    ("POST", f"{T}/tickets/{{number:str}}/review"): (SUPERVISING, {"decision": "close"}),
    # Reports: statisticians, supervisors and administrators.
    ("POST", f"{T}/reports/run"): (SUPERVISING, {"measures": ["x"]}),
    ("POST", f"{T}/reports/export"): (SUPERVISING, {"measures": ["x"]}),
    ("GET", f"{T}/reports/dashboard"): (SUPERVISING, None),
    ("POST", f"{T}/reports/refresh"): (SUPERVISING, None),
    ("GET", f"{T}/reports/saved"): (SUPERVISING, None),
    ("POST", f"{T}/reports/saved"): (SUPERVISING, {"name": "", "spec": {}}),
    ("GET", f"{T}/reports/saved/{{report_id:uuid}}/export"): (SUPERVISING, None),
    ("DELETE", f"{T}/reports/saved/{{report_id:uuid}}"): (SUPERVISING, None),
    ("GET", f"{T}/scores"): (SUPERVISING, None),
    ("GET", f"{T}/monitoring/process"): (SUPERVISING, None),
    ("POST", f"{T}/termination-requests"): (STAFF, {"serial_number": "NONE", "reason": ""}),
    ("GET", f"{T}/termination-requests"): (SUPERVISING, None),
    ("POST", f"{T}/termination-requests/{{request_id:uuid}}/review"): (
        SUPERVISING,
        {"decision": "approve"},
    ),
    ("GET", f"{T}/monitoring/logic"): (SUPERVISING, None),
    ("GET", f"{T}/monitoring/anomalies"): (SUPERVISING, None),
    ("GET", f"{T}/scores/export"): (SUPERVISING, None),
    ("GET", f"{T}/score-weights"): (SUPERVISING, None),
    ("PUT", f"{T}/score-weights"): (SUPERVISING, {"base": 0}),
    ("GET", f"{T}/audit"): (ADMIN, None),
    ("GET", f"{T}/staff"): (ADMIN, None),
    ("POST", f"{T}/staff"): (ADMIN, {"username": "x", "name": "", "password": "x"}),
    ("POST", f"{T}/staff/{{username:str}}/grants"): (
        ADMIN,
        {"role": "clerk", "org_unit": "no-unit"},
    ),
    ("POST", f"{T}/staff/{{username:str}}/grants/revoke"): (
        ADMIN,
        {"role": "clerk", "org_unit": "no-unit"},
    ),
    ("POST", f"{T}/roles"): (
        ADMIN,
        {"code": "x", "name": "", "functions": [], "org_unit": "no-unit"},
    ),
    ("PATCH", f"{T}/roles/{{code:str}}"): (ADMIN, {}),
    ("DELETE", f"{T}/roles/{{code:str}}"): (ADMIN, None),
    ("POST", f"{T}/org-units"): (
        ADMIN,
        {"code": "x", "name": "", "kind": "village", "parent": "no-unit"},
    ),
    ("PATCH", f"{T}/org-units/{{code:str}}"): (ADMIN, {}),
    ("POST", f"{T}/org-units/{{code:str}}/move"): (ADMIN, {"parent": "no-unit"}),
    ("DELETE", f"{T}/org-units/{{code:str}}"): (ADMIN, None),
    ("GET", f"{T}/accounts"): (ADMIN, None),
    ("PUT", f"{T}/accounts/policy"): (ADMIN, {"inactive_days": -1}),
    ("POST", f"{T}/accounts/{{username:str}}/{{action:str}}"): (ADMIN, None),
    ("GET", f"{T}/trusted-cas"): (ADMIN, None),
    ("POST", f"{T}/trusted-cas"): (ADMIN, {"name": "x", "certificate": "junk"}),
    ("PUT", f"{T}/trusted-cas/{{ca_id:uuid}}/crl"): (ADMIN, {"crl": "junk"}),
    ("DELETE", f"{T}/trusted-cas/{{ca_id:uuid}}"): (ADMIN, None),
    ("GET", f"{T}/oidc-clients"): (ADMIN, None),
    ("POST", f"{T}/oidc-clients"): (ADMIN, {"name": "", "redirect_uris": []}),
    ("DELETE", f"{T}/oidc-clients/{{client_id:str}}"): (ADMIN, None),
    ("GET", f"{T}/sso-providers"): (ADMIN, None),
    ("POST", f"{T}/sso-providers"): (
        ADMIN,
        {
            "key": "bad key",
            "name": "x",
            "audience": "x",
            "issuer": "x",
            "client_id": "x",
            "client_secret": "x",
        },
    ),
}

#: Routes whose own answer to the sample request is 400 (OAuth errors).
ANSWERS_400 = {("GET", "/oidc/authorize")}

#: Values for path parameters: real objects where the guard needs one, else a
#: name that does not exist, so that callers who get through change nothing.
PARAMS = {
    "tenant_slug": "demo-county",
    "code": "NR-BDC-0001",
    "material": "application_form",
    "blob_id": NONE_ID,
    "submission_id": NONE_ID,
    "number": "XM-NONE",
    "item_code": "NR-BDC-0001",
    "version": "9",
    "day": "2026-12-26",
    "year": "2031",
    "username": "nobody-here",
    "enterprise": "no-enterprise",
    "channel": "sms",
    "slug": "no-such-tenant",
    "action": "disable",
    "ca_id": NONE_ID,
    "client_id": "none",
    "key": "none",
    "term_id": NONE_ID,
    "consultation_id": NONE_ID,
    "message_id": NONE_ID,
    "article_id": NONE_ID,
    "document_id": NONE_ID,
    "material_id": NONE_ID,
    "order_no": "P-NONE",
    "provider": "simbank",
    "fmt": "csv",
    "delivery_id": NONE_ID,
    "complaint_id": NONE_ID,
    "batch_id": NONE_ID,
    "conversation_id": NONE_ID,
    "report_id": NONE_ID,
    "request_id": NONE_ID,
    "signal_id": NONE_ID,
    "leader_id": NONE_ID,
}


def _routes(app: Litestar) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        for method in route.methods - {"OPTIONS", "HEAD"}
    }


def _url(path: str, serial: str) -> str:
    url = path
    for name, value in {**PARAMS, "serial_number": serial}.items():
        for kind in ("str", "uuid", "int", "date"):
            url = url.replace(f"{{{name}:{kind}}}", value)
    if url.endswith("/working-days"):
        url += "?start=2026-12-01&days=3"
    if url.endswith("/progress"):
        url += "?serial_number=X&query_code=Y"
    if url.endswith("/calendar"):
        url += "?year=2026"
    if url.endswith("/history"):
        url += "?at=2026-11-01T00:00:00Z"
    if url.endswith("/enterprise-submissions"):
        url += "?enterprise=matrix-company"
    if url.endswith("/oidc/authorize"):
        url += "?response_type=code&client_id=none&redirect_uri=https://x.example/cb"
    return url


def test_every_route_has_a_row(app: Litestar) -> None:
    routes = _routes(app)
    missing = routes - set(MATRIX) - PAGES
    assert not missing, f"add these routes to the authorization matrix: {sorted(missing)}"
    stale = (set(MATRIX) | PAGES) - routes
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
async def callers(api: Api, demo: None) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    await api.register("matrix-citizen")
    headers["individual"] = await api.login("matrix-citizen")
    await api.register(
        "matrix-company",
        kind="enterprise",
        name="示范建工集团有限公司",
        credit_code=CREDIT_CODE,
        id_number=None,
    )
    headers["enterprise"] = await api.login("matrix-company")
    for role in ("operator", "reviewer"):
        await api.register(f"matrix-{role}")
        headers[f"ent_{role}"] = await api.login(f"matrix-{role}")
        await api.client.post(
            "/api/v1/enterprise/members",
            headers=headers["enterprise"],
            json={"username": f"matrix-{role}", "role": role},
        )
        await api.client.post(
            "/api/v1/me/enterprises/matrix-company/accept", headers=headers[f"ent_{role}"]
        )
    for role, username in (
        ("clerk", "clerk"),
        ("handler", "handler"),
        ("approver", "approver"),
        ("supervisor", "supervisor"),
        ("tenant_admin", "tenantadmin"),
    ):
        headers[role] = await api.staff(username)
    city = await Tenant.select(Tenant.id).where(Tenant.slug == "demo-city").first()
    root = (
        await OrgUnit.select(OrgUnit.id)
        .where((OrgUnit.tenant == city["id"]) & (OrgUnit.code == "centre"))
        .first()
    )
    await provision_staff(
        city["id"], "city-admin", "市管理员", "City-admin-2026", [("tenant_admin", root["id"])]
    )
    headers["other_staff"] = await api.login("city-admin", "City-admin-2026", tenant="demo-city")
    from govhall.identity.operators import create_operator

    await create_operator("matrix-ops", "运营", "Ops-pass-2026")
    token = await api.client.post(
        "/api/v1/auth/token",
        json={"username": "matrix-ops", "password": "Ops-pass-2026", "operator": True},
    )
    headers["operator"] = {"authorization": f"Bearer {token.json()['access_token']}"}
    return headers


async def test_who_gets_through_every_route(
    api: Api, app: Litestar, callers: dict[str, dict[str, str]]
) -> None:
    serial = (await api.submit(callers["individual"]))["serial_number"]
    fresh = {"POST /api/v1/auth/logout"}  # revokes the caller's token: sign in again after
    wrong: list[str] = []
    for (method, path), (allowed, body) in sorted(MATRIX.items()):
        url = _url(path, serial)
        through = set()
        for role in ROLES:
            kwargs: dict[str, Any] = {"headers": callers[role]}
            if isinstance(body, tuple) and body[0] == "form":
                kwargs["data"] = body[1]
            elif isinstance(body, tuple) and body[0] == "file":
                kwargs["files"] = {"file": ("m.pdf", body[1], "application/pdf")}
            elif body is not None:
                kwargs["json"] = body
            response = await api.client.request(method, url, **kwargs)
            if response.status_code == 400 and (method, path) not in ANSWERS_400:
                wrong.append(
                    f"{method} {path} as {role}: 400 {response.text[:200]} (fix the sample body)"
                )
            if response.status_code not in (401, 403):
                through.add(role)
            if f"{method} {path}" in fresh and role != "anonymous":
                callers[role] = await _relogin(api, role, callers)
        if through != set(allowed):
            wrong.append(
                f"{method} {path}: let through {sorted(through)}; expected {sorted(allowed)}"
            )
    assert not wrong, "\n".join(wrong)


async def _relogin(api: Api, role: str, callers: dict[str, dict[str, str]]) -> dict[str, str]:
    from tests.conftest import DEMO_PASSWORD

    staff = {
        "clerk": "clerk",
        "handler": "handler",
        "approver": "approver",
        "supervisor": "supervisor",
        "tenant_admin": "tenantadmin",
    }
    if role in staff:
        return await api.login(staff[role], DEMO_PASSWORD, tenant="demo-county")
    if role == "other_staff":
        return await api.login("city-admin", "City-admin-2026", tenant="demo-city")
    if role == "operator":
        token = await api.client.post(
            "/api/v1/auth/token",
            json={"username": "matrix-ops", "password": "Ops-pass-2026", "operator": True},
        )
        return {"authorization": f"Bearer {token.json()['access_token']}"}
    names = {
        "individual": "matrix-citizen",
        "enterprise": "matrix-company",
        "ent_operator": "matrix-operator",
        "ent_reviewer": "matrix-reviewer",
    }
    return await api.login(names[role])
