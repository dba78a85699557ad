"""Uploaded files (materials, scans) and where the blob store keeps them."""

from piccolo.columns import UUID, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.tenancy.tables import Tenant


class BlobRecord(Table, tablename="storage_blob"):
    """One stored file, owned by the account or staff member who uploaded it."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    owner_kind = Varchar(length=16, help_text="account | staff")
    owner_id = UUID(index=True)
    sha256 = Varchar(length=64)
    size = BigInt()
    content_type = Varchar(length=100)
    filename = Varchar(length=255)
    storage_key = Varchar(length=255, help_text="Key in the blob store")
    created_at = Timestamptz(default=TimestamptzNow())
