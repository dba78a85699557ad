"""Every govhall plugin hook, typed and documented: the contract with plugins.

Implement a hook with ``@govhall.sdk.hookimpl`` in a module named by an entry
point of the ``govhall`` group. Implementations may accept fewer arguments than
the spec (pluggy's opt-in arguments), so specs can grow without breaking
plugins. Every hook may be implemented as a plain function or as ``async def``:
the platform awaits a coroutine when it gets one.

Per-item hooks (those taking ``item``) are called only on the plugin that
declared the item, plus the built-ins, and only for tenants that enabled it.
A hook that raises is isolated: the failure is reported to Sentry with the
plugin's name, the applicant or officer gets a clear error, and other plugins
and tenants carry on.

Built-in behaviour is implemented by :mod:`govhall.builtin` with ``trylast=True``
so any plugin can replace it.
"""

from __future__ import annotations

from typing import Any

import pluggy

from govhall.sdk import (
    DiscretionResult,
    DiscretionStandard,
    DocumentTemplate,
    FeeLine,
    FlowTemplate,
    IdentityProviderSpec,
    ItemSpec,
    NotificationChannel,
    PaymentProvider,
    Problem,
)

hookspec = pluggy.HookspecMarker("govhall")


# --- Items -------------------------------------------------------------------


@hookspec
def govhall_items() -> list[ItemSpec]:
    """Declare the approval items (事项) this plugin provides.

    Implemented by every department plugin. Called once at start-up (always
    synchronously: declarations are data, not I/O); every item is checked with
    :func:`govhall.sdk.check_item` and a bad declaration stops the app with a
    message naming the plugin, the item and the field. Returns a list of
    :class:`~govhall.sdk.ItemSpec`; item codes must be unique across all plugins.
    """


# --- Applications --------------------------------------------------------------


@hookspec
def govhall_prefill(item: ItemSpec, applicant: dict[str, Any], tenant: str) -> dict[str, Any]:
    """Values to prefill in ``item``'s form for ``applicant`` (from a registry, a
    previous case, shared data).

    ``applicant`` holds ``kind`` (individual | enterprise), ``name``, ``id_number``
    or ``credit_code`` and ``phone``; ``tenant`` is the tenant slug. Return a
    dict of form field → value (may be empty). All answers are merged, the
    plugin's over the built-in's; only declared form fields are kept, and the
    applicant can still change every value.

    .. versionadded:: 0.1
    """


@hookspec
def govhall_validate_application(item: ItemSpec, form: dict[str, Any]) -> list[Problem]:
    """Check an application's form beyond what its declaration can say.

    Called on submission after schema, conditional-field and cross-field checks
    succeeded. Return a list of :class:`~govhall.sdk.Problem` (empty when the
    form is acceptable); the problems of all implementations are shown together
    in the applicant's language.
    """


# --- Fees and discretion ----------------------------------------------------


@hookspec(firstresult=True)
def govhall_adjust_fees(
    item: ItemSpec, form: dict[str, Any], lines: list[FeeLine]
) -> list[FeeLine] | None:
    """Adjust the fee lines computed from ``item``'s declared :class:`~govhall.sdk.FeeRule`s.

    ``firstresult``: the first non-``None`` answer replaces ``lines``; return
    ``None`` to keep them. Every returned line must carry a basis and a
    standard — a line without one is refused (no fee without a basis, R-P4)
    and the application gets a clear error.
    """


@hookspec(firstresult=True)
def govhall_check_discretion(
    item: ItemSpec, standard: DiscretionStandard, facts: dict[str, Any], proposed: int | str
) -> DiscretionResult | None:
    """Judge a proposed decision against a discretionary standard (R-P5, R-W6).

    ``facts`` are the case's form plus the circumstances the officer recorded;
    ``proposed`` is the amount (fen), term or decision. ``firstresult``: the
    first non-``None`` answer wins. The built-in answers last with the band
    logic of :func:`govhall.sdk.check_discretion`, so a plugin answers only
    for standards that need more than bands.
    """


# --- Workflow, events and documents ---------------------------------------------


@hookspec(firstresult=True)
def govhall_flow_template(item: ItemSpec) -> FlowTemplate | None:
    """Give the default flow for ``item``.

    ``firstresult``: the first non-``None`` answer wins. The built-in plugin
    answers last with the item's own ``flow``, or else the standard 受理 → 承办
    → 批准 → 办结 flow (a one-step flow for 即办件), so a department plugin
    returns a template only for items that need another flow.
    """


@hookspec
def govhall_case_event(item: ItemSpec, event: dict[str, Any], case: dict[str, Any]) -> None:
    """React to something that happened to a case of ``item`` (submitted,
    accepted, approved, concluded …).

    Called after the action's transaction committed, with ``event`` (``action``,
    ``seq``, ``step``, ``from_status``, ``to_status``, ``opinion``) and ``case``
    (``serial_number``, ``tenant``, ``status``, ``form``, ``decision``). The
    return value is ignored; a failure is reported and never undoes the action.
    """


@hookspec
def govhall_document_templates(item: ItemSpec) -> list[DocumentTemplate]:
    """Notice and result templates for ``item`` beyond those it declares itself.

    Returns a list of :class:`~govhall.sdk.DocumentTemplate`. For each ``kind``
    the item's own declaration wins, then plugins, then the built-in default
    notices (受理通知书, 补正告知书, 不予受理决定书 …).
    """


# --- Providers -----------------------------------------------------------------


@hookspec
def govhall_notification_channels() -> list[NotificationChannel]:
    """Provide notification channels (SMS gateways, e-mail) by unique ``name``.

    Called once at start-up; returns instances of
    :class:`~govhall.sdk.NotificationChannel`. Tenants choose a channel by
    name in their settings; two channels with one name stop start-up.
    """


@hookspec
def govhall_payment_providers() -> list[PaymentProvider]:
    """Provide payment providers (统一公共支付平台, banks) by unique ``name``.

    Called once at start-up; returns instances of
    :class:`~govhall.sdk.PaymentProvider`, which create payments and verify the
    provider's signed callbacks. Duplicate names stop start-up.
    """


@hookspec
def govhall_identity_providers() -> list[IdentityProviderSpec]:
    """Provide external logins: OIDC single sign-on or certificate authorities.

    Called once at start-up; returns :class:`~govhall.sdk.IdentityProviderSpec`
    declarations (never secrets: a spec names the setting holding its client
    secret). Duplicate names stop start-up.
    """
