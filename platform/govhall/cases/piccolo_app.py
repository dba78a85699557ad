"""Piccolo app for the cases domain: its tables and migrations."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["govhall.cases.tables"], exclude_imported=True),
    migration_dependencies=[
        "govhall.tenancy.piccolo_app",
        "govhall.identity.piccolo_app",
        "govhall.catalog.piccolo_app",
        "govhall.storage.piccolo_app",
    ],
    commands=[],
)
