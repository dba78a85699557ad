"""Static files: govhall's own (``frontend/static``) and the front-end packages
installed from npm by the setup command (``npm ci --prefix frontend``), served by
govhall itself so the portal works on intranets without internet access."""

from __future__ import annotations

from litestar import Router
from litestar.static_files import create_static_files_router

from govhall.settings import Settings

#: URL path → directory under ``frontend/node_modules`` (only the files a page loads).
VENDOR = {"/static/vendor/htmx": "htmx.org/dist"}


def static_routers(settings: Settings) -> list[Router]:
    routers = [
        create_static_files_router(
            path="/static",
            directories=[settings.frontend_dir / "static"],
            include_in_schema=False,
            name="static",
        )
    ]
    for path, package_dir in VENDOR.items():
        directory = settings.frontend_dir / "node_modules" / package_dir
        # Pages work without the enhancement when the packages were not installed.
        if directory.is_dir():
            routers.append(
                create_static_files_router(
                    path=path, directories=[directory], include_in_schema=False, name=path
                )
            )
    return routers
