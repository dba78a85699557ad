"""Documents issued on cases: what was issued, its signed essential fields, and the
exact file, so a copy can be checked by anyone."""

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.storage.tables import BlobRecord
from govhall.tenancy.tables import Tenant


class Document(Table, tablename="documents_document"):
    """One issued notice, decision or licence (R-W10)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    event_seq = Integer(help_text="The case event that issued it (one document per kind and event)")
    kind = Varchar(length=32, help_text="acceptance_notice | correction_notice | … | licence")
    template = Varchar(length=100)
    title = Varchar(length=200)
    code = Varchar(length=16, unique=True, help_text="Short verification code (QR and printed)")
    payload = JSONB(default={}, help_text="The essential fields, as signed")
    signature = Text(help_text="Ed25519 over the canonical payload, base64url")
    key_id = Varchar(length=16)
    sha256 = Varchar(length=64, help_text="Of the issued PDF: any altered copy differs")
    blob = ForeignKey(BlobRecord, null=False, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="valid", help_text="valid | revoked")
    issued_at = Timestamptz(default=TimestamptzNow())


class SigningKey(Table, tablename="documents_signing_key"):
    """Every public key that ever signed a document, by key id: documents signed
    before the platform's secret key was rotated still verify."""

    id = UUID(primary_key=True)
    key_id = Varchar(length=16, unique=True)
    public_key = Varchar(length=64, help_text="Raw Ed25519 public key, base64url")
    first_used = Timestamptz(default=TimestamptzNow())
