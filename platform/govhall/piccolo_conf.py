"""Piccolo configuration module (``PICCOLO_CONF=govhall.piccolo_conf``).

``DB`` is replaced by :func:`govhall.db.configure_database`; the initial value
reads the environment so that the ``piccolo`` CLI also works on its own.
"""

from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from govhall.db import make_engine
from govhall.settings import Settings

DB: Engine[Any] = make_engine(Settings.from_env(), prepare=False)

APP_REGISTRY = AppRegistry(
    apps=[
        "govhall.tenancy.piccolo_app",
        "govhall.identity.piccolo_app",
        "govhall.catalog.piccolo_app",
        "govhall.storage.piccolo_app",
        "govhall.cases.piccolo_app",
        "govhall.workflow.piccolo_app",
        "govhall.notify.piccolo_app",
        "govhall.calendar.piccolo_app",
        "govhall.audit.piccolo_app",
        "govhall.portal.piccolo_app",
        "govhall.documents.piccolo_app",
        "govhall.fees.piccolo_app",
        "govhall.engagement.piccolo_app",
        "govhall.messaging.piccolo_app",
        "govhall.supervision.piccolo_app",
        "govhall.reports.piccolo_app",
    ]
)
