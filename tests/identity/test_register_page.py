"""Real-name registration on the portal (R-I1): the API's checks, errors next to
their fields in the page's language, what was typed kept (never the password),
then signed in and back where the visitor came from."""

from __future__ import annotations

from govhall.identity.tables import Account
from govhall.tenancy.tables import Tenant
from tests.conftest import ID_NUMBER, Api
from tests.portal.test_apply import hidden


async def test_register_on_the_portal_and_come_back_signed_in(api: Api, demo: None) -> None:
    client = api.client
    page = await client.get("/register?next=/t/demo-county/items/NR-BDC-0001")
    assert page.status_code == 200
    form = {
        "_csrf_token": hidden(page.text, "_csrf_token"),
        "next": "/t/demo-county/items/NR-BDC-0001",
        "kind": "individual",
        "name": "<b>孙八</b>",
        "id_number": "110105194912310021",  # wrong check digit
        "username": "sunba",
        "password": "abc12345x",
    }
    wrong = await client.post("/register", data=form)
    assert wrong.status_code == 422 and 'id="err-id_number"' in wrong.text
    assert 'value="&lt;b&gt;孙八&lt;/b&gt;"' in wrong.text  # kept, escaped
    assert "abc12345x" not in wrong.text  # the password is never sent back
    done = await client.post("/register", data={**form, "name": "孙八", "id_number": ID_NUMBER})
    assert (
        done.status_code == 303 and done.headers["location"] == "/t/demo-county/items/NR-BDC-0001"
    )
    me = await client.get("/session")
    assert me.status_code == 200 and me.json()["username"] == "sunba"
    account = await Account.objects().where(Account.username == "sunba").first()
    county = await Tenant.objects().where(Tenant.slug == "demo-county").first()
    assert account is not None and county is not None and account.home_tenant == county.id
    client.cookies.delete("govhall_session")
    again = await client.post("/register", data={**form, "id_number": ID_NUMBER})
    assert again.status_code == 409 and 'id="err-username"' in again.text
    english = await client.post(
        "/register?lang=en", data={**form, "username": "x", "id_number": ID_NUMBER}
    )
    assert english.status_code == 422 and 'lang="en"' in english.text
