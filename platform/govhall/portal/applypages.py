"""The applicant's pages: apply online step by step (form → materials → review →
receipt), drafts, "my cases" with the flow's steps and correction uploads.

Pages work without JavaScript (every step is a plain form post); with it, HTMX
checks the form against the server's rules as fields change and a small script
shows upload progress. A signed-out visitor is sent to sign in and back; what
they had just typed when the session ran out is kept in the (anonymous) session
and put into the draft once they are back.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

from govhall.cases.applying import CorrectionIn, receipt_for, supply_correction
from govhall.cases.certificates import certificates_of, usable_for
from govhall.cases.enterprise import (
    DeclineIn,
    confirm_submission,
    decline_submission,
    list_submissions,
)
from govhall.cases.services import case_progress
from govhall.cases.tables import Case
from govhall.catalog.forms import strip_hidden, validate_form
from govhall.catalog.services import TenantItem
from govhall.documents.services import document_file, documents_of_case
from govhall.engagement.services import ENDED_STATUSES, rating_of
from govhall.engagement.tags import BAD_RATING_TAGS
from govhall.errors import GovhallError, InvalidInput, NotFound
from govhall.fees.payments import PayIn, orders_of_case, receipt_of, start_payment
from govhall.i18n import N_, translate
from govhall.identity.enterprise import my_memberships
from govhall.identity.tables import Account
from govhall.identity.tokens import Principal
from govhall.notify.deliveries import PreferenceIn, preference_of, set_preference
from govhall.notify.services import inbox, mark_read
from govhall.portal import drafts, offline
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import (
    error_messages,
    field_messages,
    posted_materials,
    signed_in_account,
)
from govhall.services import Services
from govhall.storage.services import download_response, store_upload_file
from govhall.web.websession import CARRIED_OVER, login_redirect
from govhall.workflow.labels import STATUS_LABELS, label

PENDING_FORM = CARRIED_OVER[0]
"""Session key: {draft id: posted fields} kept when a post arrived signed out."""

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


class ApplicantPages(Controller):
    tags = ("portal",)
    include_in_schema = False

    # -- starting and resuming -------------------------------------------------------

    @post("/items/{code:str}/apply")
    async def start(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Redirect:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        item = await services.catalog.tenant_item(portal.tenant, code)
        draft_id = await drafts.start_draft(services, portal.tenant, applicant, item)
        return Redirect(f"{portal.base}/drafts/{draft_id}", status_code=303)

    @get("/items/{code:str}/form.xlsx")
    async def blank_spreadsheet(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[bytes]:
        """离线申请表: the item's form to fill in a spreadsheet program and upload."""
        item = await services.catalog.tenant_item(portal.tenant, code)
        content = offline.blank_workbook(item.installed.spec, locale=request_locale(request))
        return _download(content, offline.XLSX_TYPE, f"{code}.xlsx")

    @get("/items/{code:str}/form.pdf")
    async def blank_pdf(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[bytes]:
        """The item's form to print and fill in by hand, with the materials checklist."""
        item = await services.catalog.tenant_item(portal.tenant, code)
        content = offline.blank_pdf(item.installed.spec, locale=request_locale(request))
        return _download(content, "application/pdf", f"{code}.pdf")

    @post("/items/{code:str}/offline")
    async def upload_offline(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: Multipart,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """A filled-in spreadsheet becomes a draft, checked, to finish and submit online."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request, next_path=f"{portal.base}/items/{code}")
        item = await services.catalog.tenant_item(portal.tenant, code)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput(N_("请选择要上传的文件"), code="upload_missing")
        try:
            content = await upload.read(offline.MAX_UPLOAD + 1)
        finally:
            await upload.close()
        form = offline.read_workbook(item.installed.spec, content)
        draft_id = await drafts.start_draft(services, portal.tenant, applicant, item)
        await drafts.save_form(portal.tenant, applicant, draft_id, item, form)
        return Redirect(f"{portal.base}/drafts/{draft_id}?step=form&check=1", status_code=303)

    @get("/drafts/{draft_id:uuid}/form.xlsx")
    async def draft_spreadsheet(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """The draft as a pre-filled spreadsheet, to finish offline."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        draft, item = await drafts.draft_with_item(services, portal.tenant, applicant, draft_id)
        content = offline.blank_workbook(
            item.installed.spec, draft.form, locale=request_locale(request)
        )
        return _download(content, offline.XLSX_TYPE, f"{draft.item_code}.xlsx")

    @get("/drafts/{draft_id:uuid}")
    async def wizard(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
        step: FromQuery[str] = "form",
        check: FromQuery[bool] = False,
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        draft = await drafts.load_draft(portal.tenant, applicant, draft_id)
        if draft.status != "draft":
            return Redirect(f"{portal.base}/drafts/{draft_id}/receipt", status_code=303)
        item = await services.catalog.tenant_item(portal.tenant, draft.item_code)
        errors: dict[str, str] = {}
        pending = (
            (request.session or {}).get(PENDING_FORM, {}) if "session" in request.scope else {}
        )
        if str(draft_id) in pending:
            # Typed before the session ran out: keep it now the applicant is back.
            posted = pending.pop(str(draft_id))
            request.set_session({**request.session, PENDING_FORM: pending})
            form = drafts.read_posted_form(item.installed.spec.form, posted)
            await drafts.save_form(portal.tenant, applicant, draft_id, item, form)
            draft = await drafts.load_draft(portal.tenant, applicant, draft_id)
            step = "form"
        if step not in ("form", "materials", "review"):
            step = "form"
        if check and step == "form":
            # Arrived from an offline file: say at once what still needs changing.
            spec = item.installed.spec
            problems = validate_form(spec.form, strip_hidden(spec.form, draft.form))
            errors = field_messages(problems, request_locale(request))
        return await self._page(request, portal, services, item, draft, step, errors)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        services: Services,
        item: TenantItem,
        draft: drafts.DraftView,
        step: str,
        errors: dict[str, str],
        status: int = 200,
    ) -> Response[str]:
        spec = item.installed.spec
        applicant = signed_in_account(request)
        memberships = [
            m
            for m in (await my_memberships(applicant) if applicant else [])
            if m.status == "active"
        ]
        context: dict[str, Any] = {}
        if step == "materials" and applicant is not None:
            context["earlier"] = await drafts.earlier_uploads(portal.tenant, applicant)
        if applicant is not None:
            context["certificates"] = await usable_for(applicant.id, spec)
        if step == "review":
            context["fees"] = await drafts.fee_preview(services, item, draft.form)
            context["problems"] = errors
        return render(
            request,
            "portal/apply.html",
            status=status,
            portal=portal,
            item=services.catalog.guide(item, portal.tenant),
            units=item.units,
            draft=draft,
            step=step,
            fields=drafts.visible_fields(spec.form, draft.form),
            errors=errors,
            memberships=memberships,
            reviewed=bool(spec.enterprise_review),
            max_upload=services.settings.max_upload_bytes,
            attached={m.material_code for m in draft.materials},
            **context,
        )

    # -- the form --------------------------------------------------------------------

    @post("/drafts/{draft_id:uuid}/form")
    async def save_form(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            pending = dict(request.session.get(PENDING_FORM, {})) if request.session else {}
            pending[str(draft_id)] = {k: v for k, v in data.items() if k.startswith("f.")}
            request.set_session({**(request.session or {}), PENDING_FORM: pending})
            back = login_redirect(request, next_path=f"{portal.base}/drafts/{draft_id}")
            if request.headers.get("hx-request"):
                # A check while typing: have HTMX go to sign in, not swap the login page in.
                return Response(b"", status_code=204, headers={"HX-Redirect": back.url})
            return back
        draft, item = await drafts.draft_with_item(services, portal.tenant, applicant, draft_id)
        form = drafts.read_posted_form(item.installed.spec.form, data)
        problems = await drafts.save_form(
            portal.tenant,
            applicant,
            draft_id,
            item,
            form,
            handling_unit=str(data.get("handling_unit", draft.handling_unit)),
            on_behalf_of=str(data.get("on_behalf_of", draft.on_behalf_of)),
        )
        draft = await drafts.load_draft(portal.tenant, applicant, draft_id)
        locale = request_locale(request)
        if request.headers.get("hx-request"):
            # Checking as the applicant types: only fields they have filled in.
            shown = [e for e in problems if e.field.split(".")[0] in form]
            errors = field_messages(shown, locale)
            return await self._page(request, portal, services, item, draft, "form", errors)
        if problems:
            errors = field_messages(problems, locale)
            return await self._page(request, portal, services, item, draft, "form", errors, 422)
        target = "review" if data.get("then") == "review" else "materials"
        return Redirect(f"{portal.base}/drafts/{draft_id}?step={target}", status_code=303)

    # -- materials -------------------------------------------------------------------

    @post("/drafts/{draft_id:uuid}/materials")
    async def upload(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        data: Multipart,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(
                request, next_path=f"{portal.base}/drafts/{draft_id}?step=materials"
            )
        draft, item = await drafts.draft_with_item(services, portal.tenant, applicant, draft_id)
        code = str(data.get("material_code", ""))
        uploads = data.get("file")
        files = [
            f
            for f in (uploads if isinstance(uploads, list) else [uploads])
            if isinstance(f, UploadFile)
        ]
        errors: dict[str, str] = {}
        locale = request_locale(request)
        try:
            if not files:
                raise NotFound(N_("请选择要上传的文件"), code="upload_missing")
            for file in files:
                stored = await store_upload_file(
                    file,
                    tenant_id=portal.tenant.id,
                    owner=applicant,
                    store=services.blobs,
                    max_bytes=services.settings.max_upload_bytes,
                )
                await drafts.attach_material(
                    portal.tenant, applicant, draft_id, item, code, stored.blob_id
                )
        except GovhallError as error:
            errors[f"materials.{code}"] = translate(error.message, locale, **error.params)
            draft = await drafts.load_draft(portal.tenant, applicant, draft_id)
            return await self._page(
                request, portal, services, item, draft, "materials", errors, 422
            )
        return Redirect(f"{portal.base}/drafts/{draft_id}?step=materials", status_code=303)

    @post("/drafts/{draft_id:uuid}/materials/reuse")
    async def reuse_material(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Attach a file the applicant uploaded before (材料复用), without uploading again."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        draft, item = await drafts.draft_with_item(services, portal.tenant, applicant, draft_id)
        code = str(data.get("material_code", ""))
        try:
            blob_id = uuid.UUID(str(data.get("blob_id", "")))
            await drafts.attach_material(portal.tenant, applicant, draft_id, item, code, blob_id)
        except ValueError:
            errors = {
                f"materials.{code}": translate(N_("请选择要上传的文件"), request_locale(request))
            }
            return await self._page(
                request, portal, services, item, draft, "materials", errors, 422
            )
        except GovhallError as error:
            locale = request_locale(request)
            errors = {f"materials.{code}": translate(error.message, locale, **error.params)}
            return await self._page(
                request, portal, services, item, draft, "materials", errors, 422
            )
        return Redirect(f"{portal.base}/drafts/{draft_id}?step=materials", status_code=303)

    @post("/drafts/{draft_id:uuid}/materials/{blob_id:uuid}/remove")
    async def remove_material(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        blob_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
    ) -> Redirect:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        await drafts.detach_material(portal.tenant, applicant, draft_id, blob_id)
        return Redirect(f"{portal.base}/drafts/{draft_id}?step=materials", status_code=303)

    # -- submitting ------------------------------------------------------------------

    @post("/drafts/{draft_id:uuid}/submit")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request, next_path=f"{portal.base}/drafts/{draft_id}?step=review")
        locale = request_locale(request)
        try:
            await drafts.submit_draft(services, portal.tenant, applicant, draft_id, locale)
        except GovhallError as error:
            if error.code == "draft_submitting":
                # The other click is creating the case: show its receipt when ready.
                return Redirect(f"{portal.base}/drafts/{draft_id}/receipt", status_code=303)
            draft = await drafts.load_draft(portal.tenant, applicant, draft_id)
            item = await services.catalog.tenant_item(portal.tenant, draft.item_code)
            errors = error_messages(error, locale)
            return await self._page(
                request, portal, services, item, draft, "review", errors, error.status_code
            )
        return Redirect(f"{portal.base}/drafts/{draft_id}/receipt", status_code=303)

    @get("/drafts/{draft_id:uuid}/receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        draft = await drafts.load_draft(portal.tenant, applicant, draft_id)
        if draft.status == "draft":
            return Redirect(f"{portal.base}/drafts/{draft_id}?step=review", status_code=303)
        item = await services.catalog.tenant_item(portal.tenant, draft.item_code)
        return render(
            request,
            "portal/receipt.html",
            portal=portal,
            draft=draft,
            receipt=draft.receipt,
            item=services.catalog.guide(item, portal.tenant),
        )

    @post("/drafts/{draft_id:uuid}/discard")
    async def discard(
        self,
        request: Request[Any, Any, Any],
        draft_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
    ) -> Redirect:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        await drafts.discard_draft(portal.tenant, applicant, draft_id)
        return Redirect(f"{portal.base}/me", status_code=303)

    # -- my cases --------------------------------------------------------------------

    @get("/me")
    async def mine(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        locale = request_locale(request)
        cases = (
            await Case.select(
                Case.serial_number,
                Case.item_code,
                Case.status,
                Case.hold,
                Case.submitted_at,
                Case.promised_due_on,
            )
            .where((Case.tenant == portal.tenant.id) & (Case.applicant == applicant.id))
            .order_by(Case.submitted_at, ascending=False)
            .limit(100)
        )
        names = {code: installed.spec for code, installed in services.registry.items.items()}
        return render(
            request,
            "portal/mine.html",
            portal=portal,
            cases=cases,
            names=names,
            drafts=await drafts.my_drafts(portal.tenant, applicant),
            status_label=lambda s: label(STATUS_LABELS, s).pick(locale),
        )

    @get("/me/reviews")
    async def reviews(
        self,
        request: Request[Any, Any, Any],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """企业审核: applications an enterprise's operators prepared, for its reviewers
        (and the enterprise account itself) to confirm or return."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        return await review_page(request, portal, services, applicant, {})

    @post("/me/reviews/{submission_id:uuid}")
    async def review(
        self,
        request: Request[Any, Any, Any],
        submission_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        locale = request_locale(request)
        try:
            if data.get("decision") == "confirm":
                submitted = await confirm_submission(
                    tenant=portal.tenant,
                    reviewer=applicant,
                    submission_id=submission_id,
                    catalog=services.catalog,
                    registry=services.registry,
                    secret_key=services.settings.secret_key,
                )
                receipt = await receipt_for(services, portal.tenant, submitted, locale)
                return await review_page(
                    request, portal, services, applicant, {}, confirmed=receipt.serial_number
                )
            await decline_submission(
                portal.tenant,
                applicant,
                submission_id,
                DeclineIn(opinion=str(data.get("opinion", ""))),
            )
        except GovhallError as error:
            return await review_page(
                request,
                portal,
                services,
                applicant,
                {str(submission_id): translate(error.message, locale, **error.params)},
                status=error.status_code,
            )
        return Redirect(f"{portal.base}/me/reviews", status_code=303)

    @get("/me/certificates")
    async def my_certificates(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        """我的电子证照: certificates issued to the account, reused when applying."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        return render(
            request,
            "portal/certificates.html",
            portal=portal,
            certificates=await certificates_of(applicant),
        )

    @get("/me/inbox")
    async def my_inbox(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        """站内信: messages about the applicant's cases; opening the page reads them."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        messages = await inbox(portal.tenant, applicant, request_locale(request), limit=100)
        for message in messages:
            if not message.read:
                await mark_read(portal.tenant, applicant, message.id)
        return render(request, "portal/inbox.html", portal=portal, messages=messages)

    @get("/me/notifications")
    async def my_notifications(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        return render(
            request,
            "portal/notifications.html",
            portal=portal,
            preference=await preference_of(applicant),
            errors={},
            saved=bool(request.query_params.get("saved")),
        )

    @post("/me/notifications")
    async def choose_notifications(
        self,
        request: Request[Any, Any, Any],
        data: FormPost,
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        chosen = data.get("channels", [])
        channels = [str(c) for c in (chosen if isinstance(chosen, list) else [chosen])]
        try:
            await set_preference(
                applicant,
                PreferenceIn(channels=channels, locale=str(data.get("locale", "zh-CN"))),
            )
        except GovhallError as error:
            return render(
                request,
                "portal/notifications.html",
                status=error.status_code,
                portal=portal,
                preference=await preference_of(applicant),
                errors=error_messages(error, request_locale(request)),
                saved=False,
            )
        return Redirect(f"{portal.base}/me/notifications?saved=1", status_code=303)

    @get("/me/cases/{serial_number:str}")
    async def my_case(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        return await case_page(request, portal, services, applicant, serial_number, {})

    @get("/me/cases/{serial_number:str}/documents/{document_id:uuid}")
    async def my_document(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        document_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """A notice or decision of one's own case, as issued (PDF)."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        blob = await document_file(portal.tenant, applicant, document_id)
        return await download_response(services.blobs, blob)

    @get("/me/payments/{order_no:str}/receipt")
    async def payment_receipt(
        self,
        request: Request[Any, Any, Any],
        order_no: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """收据: the payer's printable receipt of a paid order."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        found = await receipt_of(services, portal.tenant, applicant, order_no)
        return render(request, "portal/payment_receipt.html", portal=portal, receipt=found)

    @post("/me/cases/{serial_number:str}/payments/{order_no:str}")
    async def pay(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        order_no: FromPath[str],
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """网上缴费: off to the payment provider's page (the simulated bank in the demo)."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        try:
            started = await start_payment(
                services, portal.tenant, applicant, order_no, PayIn(provider="simbank")
            )
        except GovhallError as exc:
            errors = error_messages(exc, request_locale(request))
            return await case_page(
                request, portal, services, applicant, serial_number, errors, status=exc.status_code
            )
        return Redirect(started.pay_url, status_code=303)

    @post("/me/cases/{serial_number:str}/correction")
    async def correction(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        data: Multipart,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Replacements for the materials a correction notice listed, in one go."""
        applicant = signed_in_account(request)
        if applicant is None:
            return login_redirect(request)
        locale = request_locale(request)
        try:
            refs = await posted_materials(data, portal.tenant.id, applicant, services)
            await supply_correction(
                services,
                portal.tenant,
                applicant,
                serial_number,
                CorrectionIn(materials=refs, note=str(data.get("note", ""))),
                locale,
            )
        except GovhallError as error:
            errors = error_messages(error, locale)
            return await case_page(
                request, portal, services, applicant, serial_number, errors, error.status_code
            )
        return Redirect(f"{portal.base}/me/cases/{serial_number}", status_code=303)


async def case_page(
    request: Request[Any, Any, Any],
    portal: Portal,
    services: Services,
    applicant: Principal,
    serial_number: str,
    errors: dict[str, str],
    status: int = 200,
) -> Response[str]:
    case = (
        await Case.objects()
        .output(load_json=True)
        .where(
            (Case.tenant == portal.tenant.id)
            & (Case.serial_number == serial_number)
            & (Case.applicant == applicant.id)
        )
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    locale = request_locale(request)
    result = await case_progress(case, portal.tenant, locale, services.catalog)
    spec = await services.catalog.spec_of_version(case.item_version)
    corrections = [e for e in result.timeline if e.action == "request_correction"]
    return render(
        request,
        "portal/mycase.html",
        rating=await rating_of(portal.tenant, case.id, locale),
        rating_tags=[(k, v.pick(locale)) for k, v in BAD_RATING_TAGS.items()],
        documents=await documents_of_case(portal.tenant, applicant, serial_number),
        concluded=case.status in ENDED_STATUSES,
        status=status,
        portal=portal,
        result=result,
        case_hold=case.hold,
        correction=corrections[-1] if corrections and case.hold == "correction" else None,
        materials=spec.materials,
        orders=await orders_of_case(portal.tenant, applicant, serial_number),
        errors=errors,
    )


async def review_page(
    request: Request[Any, Any, Any],
    portal: Portal,
    services: Services,
    account: Principal,
    errors: dict[str, str],
    *,
    status: int = 200,
    confirmed: str = "",
) -> Response[str]:
    memberships = await my_memberships(account)
    enterprises = [m.enterprise for m in memberships if m.status == "active"]
    if account.kind == "account":
        own = await Account.select(Account.kind).where(Account.id == account.id).first()
        if own and own["kind"] == "enterprise":
            enterprises.append(account.username)
    pending = []
    for enterprise in enterprises:
        pending += [
            s
            for s in await list_submissions(portal.tenant, account, enterprise)
            if s.status == "pending"
        ]
    names = {code: installed.spec for code, installed in services.registry.items.items()}
    return render(
        request,
        "portal/reviews.html",
        status=status,
        portal=portal,
        pending=pending,
        names=names,
        errors=errors,
        confirmed=confirmed,
    )
