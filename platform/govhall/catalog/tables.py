"""Item versions: the exact declaration a case was started with (R-P8)."""

from piccolo.columns import JSONB, UUID, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ItemVersion(Table, tablename="catalog_item_version"):
    """A frozen copy of one item declaration, shared by every case that used it."""

    id = UUID(primary_key=True)
    code = Varchar(length=64, index=True, help_text="事项编码")
    version = Varchar(length=32)
    plugin = Varchar(length=100)
    digest = Varchar(length=64, help_text="sha256 of the declaration as stored")
    spec = JSONB(help_text="The ItemSpec as JSON")
    created_at = Timestamptz(default=TimestamptzNow())
