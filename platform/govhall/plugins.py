"""The plugin manager: hook specs, built-ins, entry-point plugins and their items.

:func:`get_plugin_manager` is a factory (each test gets a fresh manager).
:class:`PluginRegistry` collects every declaration once at start-up (items,
their flows and document templates, providers), checks them and refuses to
start on any problem. Per-item hooks are routed only to the plugin that
declared the item (plus the built-ins) through pluggy's ``subset_hook_caller``.

Run-time hooks are called implementation by implementation (in pluggy's order)
rather than through pluggy's own loop, for two reasons pluggy does not cover:
an implementation may be ``async def`` (awaited here; a coroutine would break
pluggy's ``firstresult``), and a failing implementation must be isolated and
reported with its plugin's name.
"""

from __future__ import annotations

import importlib.resources
import inspect
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from govhall import hookspecs
from govhall.builtin import BUILTIN_PLUGINS
from govhall.errors import GovhallError
from govhall.i18n import N_
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
    check_item,
)
from govhall.sdk.check import check_flow

ENTRY_POINT_GROUP = "govhall"
log = logging.getLogger(__name__)


class PluginError(RuntimeError):
    """A plugin is broken; the message names the plugin and what is wrong."""


class PluginFailed(GovhallError):
    """A plugin's hook raised (or answered nonsense) while serving a request."""

    status_code = 503
    default_code = "plugin_failed"


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name, module in BUILTIN_PLUGINS:
        pm.register(module, name=name)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    return pm


@dataclass(frozen=True, slots=True)
class InstalledItem:
    plugin: str
    spec: ItemSpec


def report_plugin_failure(plugin: str, hook: str, exc: BaseException) -> None:
    """Log and send to Sentry with the plugin's name, so the vendor can be told."""
    log.error("plugin %s failed in %s", plugin, hook, exc_info=exc)
    import sentry_sdk  # on use: ~0.3 s of every process start otherwise

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("plugin", plugin)
        scope.set_tag("hook", hook)
        sentry_sdk.capture_exception(exc)


def _plugin_package(plugin: object) -> str | None:
    if isinstance(plugin, ModuleType):
        return plugin.__package__ or plugin.__name__
    return None


class PluginRegistry:
    """The checked declarations of every loaded plugin, and per-item hook routing."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from exc
        self.builtin_names = {name for name, _ in BUILTIN_PLUGINS}
        self.items: dict[str, InstalledItem] = {}
        self.flows: dict[str, FlowTemplate] = {}
        self.documents: dict[str, dict[str, DocumentTemplate]] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        self._packages: dict[str, str | None] = {}
        problems: list[str] = []
        for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
            if plugin is None:
                continue
            self._packages[name] = _plugin_package(plugin)
            for spec in self._declared(name, "govhall_items", ItemSpec, problems):
                if spec.code in self.items:
                    other = self.items[spec.code].plugin
                    problems.append(
                        f"item {spec.code!r} is declared by both {other!r} and {name!r}"
                    )
                    continue
                item_problems = check_item(spec)
                item_problems += self._check_samples(name, spec)
                problems.extend(f"plugin {name!r}: {p}" for p in item_problems)
                self.items[spec.code] = InstalledItem(plugin=name, spec=spec)
        for code, installed in self.items.items():
            try:
                flow, documents = self._item_declarations(installed)
            except Exception as exc:
                problems.append(
                    f"plugin {installed.plugin!r}: item {code!r}: a hook raised {exc!r}"
                )
                continue
            problems.extend(
                f"plugin {installed.plugin!r}: {p}"
                for p in check_flow(f"item {code!r} flow", flow, installed.spec)
            )
            self.flows[code] = flow
            self.documents[code] = documents
        self.channels = self._providers(
            "govhall_notification_channels", NotificationChannel, problems
        )
        self.payment_providers = self._providers(
            "govhall_payment_providers", PaymentProvider, problems
        )
        self.identity_providers = self._providers(
            "govhall_identity_providers", IdentityProviderSpec, problems
        )
        if problems:
            raise PluginError("invalid plugin declarations:\n- " + "\n- ".join(problems))

    # --- start-up declarations ---------------------------------------------------

    def _declared(self, name: str, hook: str, kind: type, problems: list[str]) -> list[Any]:
        out: list[Any] = []
        try:
            answers = self._call_only(name, hook)()
        except Exception as exc:
            problems.append(f"plugin {name!r}: {hook} raised {exc!r}")
            return out
        for answer in answers:
            if inspect.isawaitable(answer):
                answer.close()  # type: ignore[attr-defined]
                problems.append(f"plugin {name!r}: {hook} must be a plain function, not async")
                continue
            for value in answer:
                if not isinstance(value, kind):
                    problems.append(
                        f"plugin {name!r} returned {type(value).__name__}, "
                        f"not {kind.__name__}, from {hook}"
                    )
                    continue
                out.append(value)
        return out

    def _providers(self, hook: str, kind: type, problems: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda pair: pair[0]):
            if plugin is None:
                continue
            for provider in self._declared(name, hook, kind, problems):
                key = getattr(provider, "name", "")
                if not key:
                    problems.append(f"plugin {name!r}: a provider from {hook} has no name")
                elif key in found:
                    problems.append(
                        f"provider {key!r} from {hook} is given by both {owners[key]!r} "
                        f"and {name!r}"
                    )
                else:
                    found[key] = provider
                    owners[key] = name
        return found

    def _check_samples(self, plugin: str, spec: ItemSpec) -> list[str]:
        problems = []
        paths = [(f"material {m.code!r} sample", m.sample) for m in spec.materials]
        paths.append(("result_sample", spec.result_sample))
        for what, path in paths:
            if path is None:
                continue
            if self.resource(plugin, path) is None:
                problems.append(f"item {spec.code!r} {what}: file {path!r} is not in the plugin")
        return problems

    def resource(self, plugin: str, path: str) -> bytes | None:
        """A file shipped inside a plugin's package (sample materials, result samples)."""
        package = self._packages.get(plugin)
        if package is None or ".." in path.split("/"):
            return None
        resource = importlib.resources.files(package).joinpath(path)
        return resource.read_bytes() if resource.is_file() else None

    def _item_declarations(
        self, installed: InstalledItem
    ) -> tuple[FlowTemplate, dict[str, DocumentTemplate]]:
        caller = self._call_only(installed.plugin, "govhall_flow_template", with_builtins=True)
        flow = caller(item=installed.spec)
        if not isinstance(flow, FlowTemplate):
            raise PluginError(f"no flow template for item {installed.spec.code!r}")
        caller = self._call_only(installed.plugin, "govhall_document_templates", with_builtins=True)
        documents: dict[str, DocumentTemplate] = {}
        # pluggy answers plugins first and built-ins (trylast) last; the item's own
        # declarations come before both, so the first template of a kind wins.
        answers: list[Iterable[DocumentTemplate]] = [installed.spec.documents]
        answers += caller(item=installed.spec)
        for answer in answers:
            for template in answer:
                if not isinstance(template, DocumentTemplate):
                    raise PluginError("govhall_document_templates returned a non-template")
                documents.setdefault(template.kind, template)
        return flow, documents

    # --- lookups -------------------------------------------------------------

    def plugin_names(self) -> list[str]:
        """Loaded plugins other than the built-ins (what a tenant can enable)."""
        return sorted(
            name
            for name, plugin in self.pm.list_name_plugin()
            if plugin is not None and name not in self.builtin_names
        )

    def plugin_version(self, name: str) -> str:
        """The installed distribution version of an entry-point plugin ('' if none)."""
        for plugin, dist in self.pm.list_plugin_distinfo():
            if self.pm.get_name(plugin) == name:
                return str(dist.version)
        return ""

    def items_of(self, plugins: set[str]) -> list[InstalledItem]:
        return [item for item in self.items.values() if item.plugin in plugins]

    def flow_for(self, item: InstalledItem) -> FlowTemplate:
        return self.flows[item.spec.code]

    def document_templates(self, item: InstalledItem) -> dict[str, DocumentTemplate]:
        return self.documents[item.spec.code]

    # --- run-time hooks ------------------------------------------------------

    def _call_only(self, plugin_name: str, hook: str, *, with_builtins: bool = False) -> Any:
        key = (plugin_name if not with_builtins else f"{plugin_name}+builtins", hook)
        caller = self._callers.get(key)
        if caller is None:
            keep = {plugin_name} | (self.builtin_names if with_builtins else set())
            remove = [p for n, p in self.pm.list_name_plugin() if n not in keep and p is not None]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=remove)
            self._callers[key] = caller
        return caller

    async def _run(
        self,
        installed: InstalledItem,
        hook: str,
        /,
        *,
        first: bool,
        isolate: bool = False,
        **kwargs: Any,
    ) -> Any:
        caller = self._call_only(installed.plugin, hook, with_builtins=True)
        results: list[Any] = []
        # get_hookimpls() lists implementations in registration order; pluggy calls
        # them last-registered first, with tryfirst/trylast already sorted in.
        for impl in reversed(caller.get_hookimpls()):
            plugin = impl.plugin_name
            try:
                value = impl.function(*(kwargs[name] for name in impl.argnames))
                if inspect.isawaitable(value):
                    value = await value
            except Exception as exc:
                report_plugin_failure(plugin, hook, exc)
                if isolate:
                    continue
                raise self.failure(installed, plugin) from exc
            if value is None:
                continue
            if first:
                return value
            results.append(value)
        return None if first else results

    @staticmethod
    def failure(item: InstalledItem, plugin: str) -> PluginFailed:
        return PluginFailed(
            N_("事项“{item}”的业务规则暂时无法执行，请稍后再试，或到窗口办理"),
            item=item.spec.name,
            plugin=plugin,
        )

    async def prefill(
        self, item: InstalledItem, applicant: dict[str, Any], tenant: str
    ) -> dict[str, Any]:
        answers = await self._run(
            item, "govhall_prefill", first=False, item=item.spec, applicant=applicant, tenant=tenant
        )
        merged: dict[str, Any] = {}
        # Built-ins answer last; reversed, so the plugin's values overwrite theirs.
        for answer in reversed(answers):
            if isinstance(answer, dict):
                merged.update(answer)
        return {k: v for k, v in merged.items() if k in item.spec.form.properties}

    async def validate_application(
        self, item: InstalledItem, form: dict[str, Any]
    ) -> list[Problem]:
        answers = await self._run(
            item, "govhall_validate_application", first=False, item=item.spec, form=form
        )
        problems: list[Problem] = []
        for answer in answers:
            if not isinstance(answer, list) or not all(isinstance(p, Problem) for p in answer):
                report_plugin_failure(
                    item.plugin,
                    "govhall_validate_application",
                    TypeError(f"expected a list of Problem, got {answer!r}"),
                )
                raise self.failure(item, item.plugin)
            problems.extend(answer)
        return problems

    async def adjust_fees(
        self, item: InstalledItem, form: dict[str, Any], lines: list[FeeLine]
    ) -> list[FeeLine]:
        adjusted = await self._run(
            item, "govhall_adjust_fees", first=True, item=item.spec, form=form, lines=lines
        )
        if adjusted is None:
            return lines
        if not isinstance(adjusted, list) or not all(
            isinstance(line, FeeLine)
            and line.basis.strip()
            and line.standard.strip()
            and line.amount_fen >= 0
            for line in adjusted
        ):
            report_plugin_failure(
                item.plugin,
                "govhall_adjust_fees",
                ValueError(f"fee lines without a basis or with negative amounts: {adjusted!r}"),
            )
            raise self.failure(item, item.plugin)
        return adjusted

    async def check_discretion(
        self,
        item: InstalledItem,
        standard: DiscretionStandard,
        facts: dict[str, Any],
        proposed: int | str,
    ) -> DiscretionResult:
        result = await self._run(
            item,
            "govhall_check_discretion",
            first=True,
            item=item.spec,
            standard=standard,
            facts=facts,
            proposed=proposed,
        )
        if not isinstance(result, DiscretionResult):
            raise self.failure(item, item.plugin)
        return result

    async def case_event(
        self, item: InstalledItem, event: dict[str, Any], case: dict[str, Any]
    ) -> None:
        """Tell plugins about a committed event; failures are reported, never raised."""
        await self._run(
            item,
            "govhall_case_event",
            first=False,
            isolate=True,
            item=item.spec,
            event=event,
            case=case,
        )


def spec_from_json(data: bytes | str) -> ItemSpec:
    """An item declaration back from its frozen JSON (see ``catalog.freeze``)."""
    return msgspec.json.decode(data, type=ItemSpec)
