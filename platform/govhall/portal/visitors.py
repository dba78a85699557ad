"""Who is using a portal page, and errors shown in its language next to fields."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.datastructures import UploadFile

from govhall.cases.schemas import MaterialRef
from govhall.errors import FieldError, GovhallError
from govhall.i18n import translate
from govhall.identity.access import require_account
from govhall.identity.tokens import Principal
from govhall.storage.services import store_upload_file
from govhall.web.websession import session_principal

if TYPE_CHECKING:
    from govhall.services import Services


def signed_in_account(request: Request[Any, Any, Any]) -> Principal | None:
    """The signed-in public account, None when signed out; 403 for staff (they use
    the workbench, and apply for walk-in applicants through agent application)."""
    found = session_principal(request)
    return require_account(found[0]) if found else None


def field_messages(errors: Iterable[FieldError], locale: str) -> dict[str, str]:
    """Field → its first message, in the page's language."""
    out: dict[str, str] = {}
    for error in errors:
        out.setdefault(error.field or "form", translate(error.message, locale, **error.params))
    return out


def error_messages(error: GovhallError, locale: str) -> dict[str, str]:
    """:func:`field_messages`, with the whole error's message under "form"."""
    out = field_messages(error.errors, locale)
    out.setdefault("form", translate(error.message, locale, **error.params))
    return out


async def posted_materials(
    data: dict[str, Any], tenant_id: uuid.UUID, owner: Principal, services: Services
) -> list[MaterialRef]:
    """Store the files of a page's form (``file.<material code>``, several per material)
    as ``owner``'s uploads (type and size checked), as material references."""
    refs: list[MaterialRef] = []
    for key, value in data.items():
        if not key.startswith("file."):
            continue
        for file in value if isinstance(value, list) else [value]:
            if not isinstance(file, UploadFile) or not file.filename:
                continue
            stored = await store_upload_file(
                file,
                tenant_id=tenant_id,
                owner=owner,
                store=services.blobs,
                max_bytes=services.settings.max_upload_bytes,
            )
            refs.append(MaterialRef(material_code=key[5:], blob_id=stored.blob_id))
    return refs
