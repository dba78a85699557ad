"""Piccolo app for the supervision domain (电子监察): its tables and migrations."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="supervision",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["govhall.supervision.tables"], exclude_imported=True),
    migration_dependencies=[
        "govhall.tenancy.piccolo_app",
        "govhall.identity.piccolo_app",
        "govhall.cases.piccolo_app",
        "govhall.workflow.piccolo_app",
    ],
    commands=[],
)
