"""Every govhall plugin hook, typed and documented: the contract with plugins.

Implement a hook with ``@govhall.sdk.hookimpl`` in a module named by an entry
point of the ``govhall`` group. Implementations may accept fewer arguments than
the spec (pluggy's opt-in arguments), so specs can grow without breaking plugins.
Built-in behaviour is implemented by :mod:`govhall.builtin` with ``trylast=True``
so any plugin can replace it.
"""

from __future__ import annotations

from typing import Any

import pluggy

from govhall.sdk import FlowTemplate, ItemSpec, Problem

hookspec = pluggy.HookspecMarker("govhall")


# --- Items -------------------------------------------------------------------


@hookspec
def govhall_items() -> list[ItemSpec]:
    """Declare the approval items (事项) this plugin provides.

    Implemented by every department plugin. Called once at start-up; the result
    is checked with :func:`govhall.sdk.check_item` and a bad declaration stops
    the app. Returns a list of :class:`~govhall.sdk.ItemSpec`; item codes must be
    unique across all plugins.
    """


@hookspec
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    """Check an application's form beyond what its JSON Schema can say.

    Called on submission after schema validation succeeded, only on the plugin
    that declared ``item`` (and built-ins). Return a list of
    :class:`~govhall.sdk.Problem` (empty when the form is acceptable); the
    problems of all implementations are shown together.
    """


# --- Workflow ----------------------------------------------------------------


@hookspec(firstresult=True)
def govhall_flow_template(item: ItemSpec) -> FlowTemplate | None:
    """Give the default flow for ``item``.

    ``firstresult``: the first non-``None`` answer wins. The built-in plugin
    answers last with the standard 受理 → 承办 → 批准 → 办结 flow, so a
    department plugin returns a template only for items that need another flow.
    """
