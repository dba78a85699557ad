"""Documents (R-W10): notices issued as PDFs with real Chinese text (an embedded
CJK font: pdftotext reads it back, pdftoppm renders it), the tenant's seal and a QR
code; the public verification page shows the signed essential fields and tells an
issued file from an altered copy."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from govhall.documents.tables import Document
from tests.conftest import Api
from tests.portal.test_apply import BASE, csrf, web_sign_in


@pytest.fixture(autouse=True)
def poppler() -> None:
    """The PDFs are read back with poppler's tools; scripts/test installs them."""
    missing = [tool for tool in ("pdftotext", "pdffonts", "pdftoppm") if not shutil.which(tool)]
    assert not missing, f"install poppler-utils (missing {missing})"


def inspect_pdf(content: bytes, folder: Path) -> tuple[str, str, int]:
    """(its text as pdftotext reads it, pdffonts' table, pages pdftoppm rendered)."""
    file = folder / "document.pdf"
    file.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(file), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(file)], capture_output=True, text=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(file), str(folder / "page")], check=True)
    return text.replace("\n", ""), fonts, len(list(folder.glob("page*.png")))


async def fetch_pdf(api: Api, url: str, headers: dict[str, str]) -> bytes:
    got = await api.client.get(url, headers=headers)
    if got.status_code == 307:  # S3: a presigned address
        async with httpx.AsyncClient() as outside:
            got = await outside.get(got.headers["location"])
    assert got.status_code == 200 and got.content.startswith(b"%PDF"), got.text[:200]
    return got.content


async def test_acceptance_and_decision_documents_verify_and_a_tampered_copy_fails(
    api: Api, demo: None, tmp_path: Path
) -> None:
    citizen = await api.citizen("docuser")
    serial = (await api.submit(citizen))["serial_number"]
    clerk = await api.staff("clerk")
    assert (await api.act(clerk, serial, "accept", "材料齐全")).status_code == 200
    listed = await api.client.get(api.t(f"/cases/{serial}/documents"), headers=citizen)
    assert listed.status_code == 200
    notices = listed.json()
    assert [d["kind"] for d in notices] == ["acceptance_notice"]
    other = await api.citizen("stranger")
    assert (
        await api.client.get(api.t(f"/cases/{serial}/documents"), headers=other)
    ).status_code == 403

    content = await fetch_pdf(api, api.t(f"/documents/{notices[0]['id']}/file"), citizen)
    text, fonts, pages = await asyncio.to_thread(inspect_pdf, content, tmp_path)
    assert "受理通知书" in text and "决定予以受理" in text and serial in text
    assert notices[0]["code"] in text  # the short code is printed
    assert "WenQuanYi" in fonts and " yes " in fonts  # the CJK font is embedded
    assert pages == 1

    code = notices[0]["code"]
    checked = await api.client.get(api.t(f"/verify/{code}"))
    assert checked.status_code == 200
    assert (
        checked.json()["signature_valid"] is True and checked.json()["fields"]["holder"] == "张三"
    )
    page = await api.client.get(f"{BASE}/verify/{code}")
    assert page.status_code == 200 and "真实有效" in page.text and serial in page.text
    assert (await api.client.get(f"{BASE}/verify/NOSUCHCODE")).status_code == 404

    await api.client.get(f"{BASE}/verify/{code}")  # the CSRF cookie
    same = await api.client.post(
        f"{BASE}/verify/{code}",
        data={"_csrf_token": csrf(api.client)},
        files={"file": ("notice.pdf", content, "application/pdf")},
    )
    assert same.status_code == 200 and "完全一致" in same.text
    tampered = content.replace(b"/Author", b"/Authxr", 1)
    forged = await api.client.post(
        f"{BASE}/verify/{code}",
        data={"_csrf_token": csrf(api.client)},
        files={"file": ("notice.pdf", tampered, "application/pdf")},
    )
    assert forged.status_code == 200 and "不一致" in forged.text

    # A record changed behind the platform's back no longer verifies.
    await Document.update({Document.payload: {"holder": "李四"}}).where(Document.code == code)
    assert (await api.client.get(api.t(f"/verify/{code}"))).json()["signature_valid"] is False

    # The decision at conclusion; the applicant downloads it from the portal.
    for who, action in (("handler", "pass"), ("approver", "approve"), ("handler", "conclude")):
        assert (await api.act(await api.staff(who), serial, action, "同意")).status_code == 200
    issued = (await api.client.get(api.t(f"/cases/{serial}/documents"), headers=citizen)).json()
    assert [d["kind"] for d in issued] == ["acceptance_notice", "approval_decision", "certificate"]
    licence = issued[2]
    assert licence["title"] == "不动产权证书"  # the item's result_certificate
    licence_pdf = await fetch_pdf(api, api.t(f"/documents/{licence['id']}/file"), citizen)
    licence_text, _, _ = await asyncio.to_thread(inspect_pdf, licence_pdf, tmp_path)
    assert "不动产权证书" in licence_text and "持证人：张三" in licence_text
    verified = await api.client.get(api.t(f"/verify/{licence['code']}"))
    assert verified.json()["title"] == "不动产权证书"
    await web_sign_in(api.client, "docuser")
    mine = await api.client.get(f"{BASE}/me/cases/{serial}")
    link = re.search(rf'href="({BASE}/me/cases/{serial}/documents/[0-9a-f-]+)">准予', mine.text)
    assert link, mine.text[:3000]
    got = await api.client.get(link.group(1))
    assert got.status_code in (200, 307)


async def test_a_correction_notice_lists_every_item(api: Api, demo: None, tmp_path: Path) -> None:
    citizen = await api.citizen("corr")
    serial = (await api.submit(citizen))["serial_number"]
    asked = await api.act(
        await api.staff("clerk"),
        serial,
        "request_correction",
        "请补正",
        items=["不动产登记申请书：未签字", "身份证复印件不清晰"],
    )
    assert asked.status_code == 200
    notices = (await api.client.get(api.t(f"/cases/{serial}/documents"), headers=citizen)).json()
    assert [d["kind"] for d in notices] == ["correction_notice"]
    content = await fetch_pdf(api, api.t(f"/documents/{notices[0]['id']}/file"), citizen)
    text, _, _ = await asyncio.to_thread(inspect_pdf, content, tmp_path)
    # A declared material with its note; free text marked as such (never a dict).
    assert "1. 不动产登记申请书（未签字）" in text and "2. 其他：身份证复印件不清晰" in text
