"""Public accounts (platform-wide), staff (per tenant) and their role grants."""

from piccolo.columns import JSONB, UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
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
    status = Varchar(length=16, default="active", help_text="active | disabled | deleted")
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    phone_verified_at = Timestamptz(null=True, default=None)
    email_verified_at = Timestamptz(null=True, default=None)
    must_reset_password = Boolean(
        default=False, help_text="Set by an administrator: sign-in refused until reset"
    )
    home_tenant = ForeignKey(
        Tenant,
        null=True,
        default=None,
        on_delete=OnDelete.restrict,
        help_text="The portal the account registered on; its administrators look after it",
    )


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
    role = Varchar(length=32, help_text="A function (clerk, handler …) or a tenant role's code")
    org_unit = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    position = Varchar(
        length=64, default="", help_text="岗位 within the role, matched to a flow step's position"
    )


class Role(Table, tablename="identity_role"):
    """A tenant-defined role: a named set of functions (受理, 承办 …), defined at an org
    unit by an administrator of that unit and grantable only within its subtree."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    code = Varchar(length=32)
    name = Varchar(length=100)
    name_en = Varchar(length=100, default="")
    functions = JSONB(default=[], help_text="Function codes, see identity.roles.FUNCTIONS")
    org_unit = ForeignKey(OrgUnit, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Operator(Table, tablename="identity_operator"):
    """A platform operator (运营人员): runs the SaaS, belongs to no tenant."""

    id = UUID(primary_key=True)
    username = Varchar(length=64, unique=True)
    password_hash = Text()
    name = Varchar(length=200)
    status = Varchar(length=16, default="active", help_text="active | disabled")
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class EnterpriseMember(Table, tablename="identity_enterprise_member"):
    """An individual account acting for an enterprise account as 经办人 or 审核人;
    invited by the enterprise (the enterprise account is its administrator)."""

    id = UUID(primary_key=True)
    enterprise = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.restrict)
    member = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.restrict)
    role = Varchar(length=16, help_text="operator | reviewer")
    status = Varchar(length=16, default="invited", help_text="invited | active | removed")
    invited_at = Timestamptz(default=TimestamptzNow())
    joined_at = Timestamptz(null=True, default=None)
    removed_at = Timestamptz(null=True, default=None)


class OneTimeCode(Table, tablename="identity_one_time_code"):
    """A verification code sent to a phone or an email (its HMAC only)."""

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, index=True, on_delete=OnDelete.cascade)
    purpose = Varchar(length=24, help_text="verify_phone | verify_email | reset_password")
    channel = Varchar(length=8, help_text="sms | email")
    target = Varchar(length=254, help_text="The phone number or address the code went to")
    code_hash = Varchar(length=64)
    attempts = Integer(default=0)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class TrustedCA(Table, tablename="identity_trusted_ca"):
    """A certificate authority whose certificates a tenant accepts for sign-in, with
    its latest certificate revocation list."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    certificate = Text(help_text="PEM")
    fingerprint = Varchar(length=64, help_text="SHA-256 of the DER certificate")
    crl = Text(default="", help_text="PEM certificate revocation list")
    crl_next_update = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class OidcClient(Table, tablename="identity_oidc_client"):
    """A relying party of govhall's OpenID provider: a console or a department system."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=True, default=None, on_delete=OnDelete.restrict)
    client_id = Varchar(length=64, unique=True)
    client_secret_hash = Varchar(length=64, help_text="SHA-256 of the secret")
    name = Varchar(length=200)
    redirect_uris = JSONB(default=[])
    scope = Varchar(length=200, default="openid profile")
    audience = Varchar(length=16, default="staff", help_text="staff | public")
    created_at = Timestamptz(default=TimestamptzNow())


class OidcCode(Table, tablename="identity_oidc_code"):
    """An authorization code of govhall's OpenID provider (single use, minutes long)."""

    id = UUID(primary_key=True)
    code = Varchar(length=64, unique=True)
    client_id = Varchar(length=64)
    redirect_uri = Text()
    scope = Varchar(length=200)
    nonce = Varchar(length=200, default="")
    code_challenge = Varchar(length=128, default="")
    code_challenge_method = Varchar(length=16, default="")
    principal_kind = Varchar(length=16)
    principal_id = UUID()
    tenant = ForeignKey(Tenant, null=True, default=None, on_delete=OnDelete.cascade)
    auth_time = Integer()
    expires_at = Timestamptz()


class UpstreamProvider(Table, tablename="identity_upstream_provider"):
    """An upstream OpenID provider (e.g. a provincial identity platform) a tenant
    federates staff or public sign-in to."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    key = Varchar(length=32, help_text="URL name: /t/{slug}/sso/{key}/login")
    name = Varchar(length=200)
    audience = Varchar(length=16, help_text="staff | public")
    issuer = Text()
    client_id = Varchar(length=200)
    client_secret_sealed = Text(help_text="Encrypted (identity.fieldcrypt)")
    scope = Varchar(length=200, default="openid profile")
    username_claim = Varchar(length=64, default="preferred_username")
    enabled = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class FederatedIdentity(Table, tablename="identity_federated_identity"):
    """Links an upstream provider's subject to a govhall account or staff member."""

    id = UUID(primary_key=True)
    provider = ForeignKey(UpstreamProvider, null=False, on_delete=OnDelete.cascade)
    subject = Varchar(length=255)
    principal_kind = Varchar(length=16, help_text="account | staff")
    principal_id = UUID()
    created_at = Timestamptz(default=TimestamptzNow())


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
