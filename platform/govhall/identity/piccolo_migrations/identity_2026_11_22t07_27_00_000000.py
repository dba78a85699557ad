from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T07:27:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="identity", description=DESCRIPTION)

    manager.drop_column(
        table_class_name="Account",
        tablename="identity_account",
        column_name="id_number",
        db_column_name="id_number",
        schema=None,
    )

    return manager
