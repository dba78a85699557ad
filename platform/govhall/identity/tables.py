"""Public accounts (platform-wide), staff (per tenant) and their role grants."""

from piccolo.columns import UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.tenancy.tables import OrgUnit, Tenant


class Account(Table, tablename="identity_account"):
    """A citizen (自然人) or enterprise (法人) account; one account works on every portal."""

    id = UUID(primary_key=True)
    username = Varchar(length=64, unique=True)
    password_hash = Text()
    kind = Varchar(length=16, help_text="individual | enterprise")
    name = Varchar(length=200, help_text="Real name or enterprise name")
    id_number_sealed = Text(
        null=True, help_text="Resident ID (individuals), encrypted (identity.fieldcrypt)"
    )
    id_number_index = Varchar(
        length=64, null=True, index=True, help_text="Keyed hash of the ID number, for lookups"
    )
    credit_code = Varchar(length=18, null=True, help_text="统一社会信用代码 (enterprises)")
    phone = Varchar(length=20, null=True)
    email = Varchar(length=254, null=True)
    status = Varchar(length=16, default="active", help_text="active | disabled")
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class Staff(Table, tablename="identity_staff"):
    """A government staff member of one tenant."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    username = Varchar(length=64)
    password_hash = Text()
    name = Varchar(length=200)
    status = Varchar(length=16, default="active", help_text="active | disabled")
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class RoleGrant(Table, tablename="identity_role_grant"):
    """A role held by a staff member on an org unit and everything below it."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    staff = ForeignKey(Staff, null=False, index=True, on_delete=OnDelete.restrict)
    role = Varchar(length=32, help_text="clerk | handler | reviewer | approver | supervisor …")
    org_unit = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)


class RefreshToken(Table, tablename="identity_refresh_token"):
    """One refresh token (its SHA-256 only); a family is one sign-in's chain of them."""

    id = UUID(primary_key=True)
    family = UUID(index=True)
    principal_kind = Varchar(length=16, help_text="account | staff")
    principal_id = UUID(index=True)
    tenant = ForeignKey(Tenant, null=True, default=None, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
