"""ID numbers are stored encrypted, shown masked, and keys rotate."""

from __future__ import annotations

import base64
import os

import pytest

from govhall.identity import fieldcrypt
from govhall.identity.fieldcrypt import FieldCipher
from govhall.identity.services import ID_COLUMN, plain_id_number, rotate_field_keys
from govhall.identity.tables import Account
from govhall.settings import Settings, SettingsError
from tests.conftest import ID_NUMBER, Api


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


async def test_the_id_number_is_never_stored_in_clear(api: Api, demo: None) -> None:
    created = await api.register("zhangsan")
    assert created["id_number_masked"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    row = await Account.objects().where(Account.username == "zhangsan").first()
    assert row is not None and row.id_number_sealed is not None
    assert ID_NUMBER not in row.id_number_sealed and row.id_number_sealed.startswith("gh1.")
    assert plain_id_number(row) == ID_NUMBER
    assert row.id_number_index == fieldcrypt.cipher().index(ID_NUMBER)
    # The owner's own form is prefilled with the full number.
    headers = await api.login("zhangsan")
    prefill = await api.client.get(api.t("/items/MZ-LNYD-0001/prefill"), headers=headers)
    assert prefill.status_code == 200


def test_values_are_bound_to_their_column_and_key(settings: Settings) -> None:
    cipher = FieldCipher.from_settings(settings)
    sealed = cipher.seal("11010519491231002X", ID_COLUMN)
    assert cipher.open(sealed, ID_COLUMN) == "11010519491231002X"
    with pytest.raises(Exception):  # noqa: B017 - the AEAD tag check fails
        cipher.open(sealed, "identity_account.phone")
    with pytest.raises(SettingsError):
        FieldCipher.from_settings(Settings(field_keys="k1:short", secret_key=settings.secret_key))


async def test_rotation_re_encrypts_old_and_legacy_values(
    api: Api, demo: None, settings: Settings
) -> None:
    await api.register("zhangsan")
    await api.register("lisi")
    # A value stored before encryption existed.
    await Account.update({Account.id_number_sealed: ID_NUMBER}).where(Account.username == "lisi")
    old = fieldcrypt.cipher()
    new_key = _key()
    try:
        rotated = fieldcrypt.configure(
            Settings(secret_key=settings.secret_key, field_keys=f"k2:{new_key},s0:{_key()}")
        )
        # The old derived key is no longer configured under its id: keep it readable.
        rotated._keys["s0"] = old._keys["s0"]
        assert await rotate_field_keys() == 2
        assert await rotate_field_keys() == 0  # idempotent
        for row in await Account.objects():
            assert row.id_number_sealed is not None and row.id_number_sealed.startswith("gh1.k2.")
            assert plain_id_number(row) == ID_NUMBER
    finally:
        fieldcrypt._cipher = old
