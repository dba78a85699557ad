"""Piccolo app for the reports domain: saved report definitions."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["govhall.reports.tables"], exclude_imported=True),
    migration_dependencies=["govhall.tenancy.piccolo_app"],
    commands=[],
)
