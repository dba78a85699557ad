"""The plugin contract: hooks documented and exercised, bad plugins stop start-up."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from govhall import hookspecs
from govhall.fees.services import assess_fees
from govhall.plugins import PluginError, PluginFailed, PluginRegistry, get_plugin_manager
from govhall.sdk import (
    DiscretionResult,
    DocumentTemplate,
    FeeLine,
    FeeRule,
    FlowAction,
    FlowStep,
    FlowTemplate,
    FormSpec,
    IdentityProviderSpec,
    ItemSpec,
    NotificationChannel,
    PaymentNotice,
    PaymentOrder,
    PaymentProvider,
    PaymentRequest,
    hookimpl,
)
from govhall_natural_resources.plugin import FIRST_REGISTRATION
from govhall_urban_management.plugin import FINE_STANDARD, ROAD_OCCUPATION_PENALTY


def _without_samples(item: ItemSpec) -> ItemSpec:
    """Test plugins are classes, not packages: they ship no sample files."""
    materials = tuple(msgspec.structs.replace(m, sample=None) for m in item.materials)
    return msgspec.structs.replace(item, materials=materials)


REGISTRATION = _without_samples(FIRST_REGISTRATION)


HOOK_NAMES = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("govhall_")
]


def test_every_hook_is_documented() -> None:
    for name in HOOK_NAMES:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 80, f"{name} needs a docstring saying who implements it and returns"


def test_every_hook_is_exercised_by_a_test() -> None:
    tests_text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in Path(__file__).parent.rglob("*.py")
        if p.name != "test_plugins.py"
    )
    tests_text += Path(__file__).read_text(encoding="utf-8").split("# -- hook tests --")[-1]
    for name in HOOK_NAMES:
        assert re.search(rf"\b{name}\b", tests_text), f"no test mentions {name}"


def test_entry_point_plugin_and_builtins_load() -> None:
    registry = PluginRegistry(get_plugin_manager())
    assert registry.plugin_names() == [
        "civil_affairs",
        "health",
        "housing",
        "market_regulation",
        "natural_resources",
        "urban_management",
    ]
    assert "builtin_flow" not in registry.plugin_names()
    assert len(registry.items) >= 15
    assert registry.items["NR-BDC-0001"].plugin == "natural_resources"


# -- hook tests --


def _registry_with(*plugins: Any) -> PluginRegistry:
    pm = get_plugin_manager(load_entry_points=False)
    for index, plugin in enumerate(plugins):
        pm.register(plugin, name=f"test_plugin_{index}")
    return PluginRegistry(pm)


class ItemsPlugin:
    def __init__(self, *items: ItemSpec) -> None:
        self.items = list(items)

    @hookimpl
    def govhall_items(self) -> list[ItemSpec]:
        return self.items


def test_govhall_items_declarations_are_checked_at_start() -> None:
    bad = ItemSpec(**{**_fields(REGISTRATION), "code": "BAD-1", "promised_days": 99})
    with pytest.raises(PluginError, match="promised_days"):
        _registry_with(ItemsPlugin(bad))


def test_duplicate_item_codes_are_refused() -> None:
    with pytest.raises(PluginError, match="declared by both"):
        _registry_with(ItemsPlugin(REGISTRATION), ItemsPlugin(REGISTRATION))


def test_unknown_hook_is_refused_by_check_pending() -> None:
    class Typo:
        @hookimpl
        def govhall_itemz(self) -> list[ItemSpec]:
            return []

    with pytest.raises(PluginError, match="unknown hook"):
        _registry_with(Typo())


def test_govhall_flow_template_builtin_and_override() -> None:
    registry = _registry_with(ItemsPlugin(REGISTRATION))
    installed = registry.items[REGISTRATION.code]
    assert [s.key for s in registry.flow_for(installed).steps] == [
        "accept",
        "handle",
        "approve",
        "conclude",
    ]

    short = FlowTemplate(
        key="short",
        steps=(
            FlowStep(
                key="accept",
                name="受理并办结",
                role="clerk",
                actions=(FlowAction(name="conclude", goto="end", status="concluded"),),
            ),
        ),
    )

    class FlowPlugin(ItemsPlugin):
        @hookimpl
        def govhall_flow_template(self, item: ItemSpec) -> FlowTemplate | None:
            return short if item.code == REGISTRATION.code else None

    registry = _registry_with(FlowPlugin(REGISTRATION))
    assert registry.flow_for(registry.items[REGISTRATION.code]) is short


async def test_govhall_validate_application_goes_only_to_the_item_plugin() -> None:
    calls: list[str] = []
    other_item = ItemSpec(**{**_fields(REGISTRATION), "code": "OTHER-1"})

    class Watcher(ItemsPlugin):
        @hookimpl
        def govhall_validate_application(self, item: ItemSpec, form: dict[str, Any]) -> list[Any]:
            calls.append(item.code)
            return []

    registry = _registry_with(ItemsPlugin(REGISTRATION), Watcher(other_item))
    assert await registry.validate_application(registry.items[REGISTRATION.code], {}) == []
    assert calls == []
    await registry.validate_application(registry.items["OTHER-1"], {})
    assert calls == ["OTHER-1"]


def test_plugin_items_must_be_itemspecs() -> None:
    class Wrong:
        @hookimpl
        def govhall_items(self) -> list[Any]:
            return [SimpleNamespace(code="x")]

    with pytest.raises(PluginError, match="not ItemSpec"):
        _registry_with(Wrong())


def _fields(item: ItemSpec) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__struct_fields__}


async def test_govhall_prefill_plugin_overrides_builtin_and_may_be_async() -> None:
    class Prefill(ItemsPlugin):
        @hookimpl
        async def govhall_prefill(self, item: ItemSpec, tenant: str) -> dict[str, Any]:
            return {"property_location": f"{tenant} 解放路1号", "not_a_field": 1}

    registry = _registry_with(Prefill(REGISTRATION))
    values = await registry.prefill(
        registry.items[REGISTRATION.code], {"kind": "individual", "name": "张三"}, "demo-county"
    )
    # The built-in fills applicant_name from the account; the plugin adds the address;
    # a value for a field the form does not declare is dropped.
    assert values == {"applicant_name": "张三", "property_location": "demo-county 解放路1号"}


async def test_govhall_adjust_fees_must_keep_a_basis() -> None:
    class Discount(ItemsPlugin):
        def __init__(self, item: ItemSpec, basis: str) -> None:
            super().__init__(item)
            self.basis = basis

        @hookimpl
        def govhall_adjust_fees(self, lines: list[FeeLine]) -> list[FeeLine]:
            return [msgspec.structs.replace(line, amount_fen=1, basis=self.basis) for line in lines]

    form = {"property_use": "residential"}
    registry = _registry_with(Discount(REGISTRATION, "某某文件"))
    installed = registry.items[REGISTRATION.code]
    lines = await registry.adjust_fees(installed, form, assess_fees(installed.spec, form))
    assert [(line.code, line.amount_fen) for line in lines] == [("residential_registration", 1)]

    registry = _registry_with(Discount(REGISTRATION, " "))
    with pytest.raises(PluginFailed):
        await registry.adjust_fees(installed, form, assess_fees(installed.spec, form))


async def test_govhall_check_discretion_builtin_bands_and_override() -> None:
    registry = _registry_with(ItemsPlugin(ROAD_OCCUPATION_PENALTY))
    installed = registry.items[ROAD_OCCUPATION_PENALTY.code]
    standard = ROAD_OCCUPATION_PENALTY.discretion[0]
    result = await registry.check_discretion(installed, standard, {"area": 20}, 800000)
    assert (result.band, result.outcome) == ("ordinary", "ok")

    class Strict(ItemsPlugin):
        @hookimpl
        async def govhall_check_discretion(self, proposed: int | str) -> DiscretionResult | None:
            if proposed == 0:
                return DiscretionResult(
                    outcome="needs_reason",
                    band="lighter",
                    band_name="从轻",
                    band_name_en="Lighter",
                    explanation="不予罚款须说明理由",
                    explanation_en="No fine needs a reason",
                )
            return None

    registry = _registry_with(Strict(ROAD_OCCUPATION_PENALTY))
    installed = registry.items[ROAD_OCCUPATION_PENALTY.code]
    zero = await registry.check_discretion(installed, standard, {"area": 5}, 0)
    assert zero.outcome == "needs_reason" and zero.explanation == "不予罚款须说明理由"
    fine = await registry.check_discretion(installed, standard, {"area": 5}, 800000)
    assert (fine.band, fine.outcome) == ("ordinary", "ok")  # the built-in answered


async def test_govhall_case_event_failures_are_isolated_and_reported() -> None:
    seen: list[tuple[str, str]] = []

    class Listener(ItemsPlugin):
        @hookimpl
        async def govhall_case_event(self, event: dict[str, Any], case: dict[str, Any]) -> None:
            seen.append((case["serial_number"], event["action"]))
            raise RuntimeError("listener broke")

    registry = _registry_with(Listener(REGISTRATION))
    reported: list[tuple[str, str]] = []
    from govhall import plugins as plugins_module

    original = plugins_module.report_plugin_failure
    plugins_module.report_plugin_failure = lambda plugin, hook, exc: reported.append((plugin, hook))
    try:
        await registry.case_event(
            registry.items[REGISTRATION.code],
            event={"action": "accept"},
            case={"serial_number": "990101202611220000001"},
        )
    finally:
        plugins_module.report_plugin_failure = original
    assert seen == [("990101202611220000001", "accept")]
    assert reported == [("test_plugin_0", "govhall_case_event")]


def test_govhall_document_templates_item_first_then_plugin_then_builtin() -> None:
    own = DocumentTemplate(
        code="own", kind="licence", name="许可证", body="{{ case.serial_number }}"
    )
    theirs = DocumentTemplate(code="theirs", kind="licence", name="别的", body="x")
    notice = DocumentTemplate(code="notice", kind="acceptance_notice", name="受理", body="y")

    class Documents(ItemsPlugin):
        @hookimpl
        def govhall_document_templates(self) -> list[DocumentTemplate]:
            return [theirs, notice]

    item = msgspec.structs.replace(REGISTRATION, documents=(own,))
    registry = _registry_with(Documents(item))
    documents = registry.document_templates(registry.items[item.code])
    assert documents["licence"] is own
    assert documents["acceptance_notice"] is notice
    assert documents["rejection_notice"].code == "builtin_rejection_notice"

    broken = msgspec.structs.replace(
        REGISTRATION, documents=(msgspec.structs.replace(own, body="{% if %}"),)
    )
    with pytest.raises(PluginError, match="document 'own': template line 1"):
        _registry_with(ItemsPlugin(broken))


class Sms(NotificationChannel):
    name = "test_sms"

    async def send(self, *, to: str, text: str, subject: str = "") -> str:
        return f"{to}:{len(text)}"


class Pay(PaymentProvider):
    name = "test_pay"
    label = "测试支付"

    async def create_payment(self, order: PaymentOrder, *, notify_url: str) -> PaymentRequest:
        return PaymentRequest(pay_url=f"https://pay.example/{order.order_id}", provider_ref="r1")

    async def verify_notice(self, headers: dict[str, str], body: bytes) -> PaymentNotice:
        return PaymentNotice(order_id="o1", paid_fen=100, provider_ref="r1")


class Providers:
    @hookimpl
    def govhall_notification_channels(self) -> list[NotificationChannel]:
        return [Sms()]

    @hookimpl
    def govhall_payment_providers(self) -> list[PaymentProvider]:
        return [Pay()]

    @hookimpl
    def govhall_identity_providers(self) -> list[IdentityProviderSpec]:
        return [IdentityProviderSpec(name="gov_sso", label="政务统一身份认证", kind="oidc")]


async def test_provider_hooks_register_by_name_and_refuse_duplicates() -> None:
    registry = _registry_with(Providers())
    assert (
        await registry.channels["test_sms"].send(to="13800138000", text="您好") == "13800138000:2"
    )
    order = PaymentOrder(order_id="o1", amount_fen=100, subject="登记费")
    request = await registry.payment_providers["test_pay"].create_payment(order, notify_url="x")
    assert request.pay_url.endswith("/o1")
    assert registry.identity_providers["gov_sso"].kind == "oidc"
    with pytest.raises(PluginError) as error:
        _registry_with(Providers(), Providers())
    text = str(error.value)
    for hook in (
        "govhall_notification_channels",
        "govhall_payment_providers",
        "govhall_identity_providers",
    ):
        assert f"from {hook} is given by both 'test_plugin_0' and 'test_plugin_1'" in text


def test_async_declaration_hooks_are_refused() -> None:
    class AsyncItems:
        @hookimpl
        async def govhall_items(self) -> list[ItemSpec]:
            return [REGISTRATION]

    with pytest.raises(PluginError, match="govhall_items must be a plain function, not async"):
        _registry_with(AsyncItems())


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (
            {"form": FormSpec(schema={"type": "object", "properties": {"a": {"type": 5}}})},
            "form schema is not valid JSON Schema 2020-12",
        ),
        (
            {"fees": (FeeRule(code="f", name="费", basis="", standard="每件1元", amount_fen=1),)},
            "fee 'f': no fee may be charged without a basis and a standard",
        ),
        ({"promised_days": 31}, "promised_days (31) exceeds statutory_days (30)"),
        (
            {"discretion": (msgspec.structs.replace(FINE_STANDARD, high=3000000),)},
            "bands leave a gap from 2000001 to 3000000 at the top",
        ),
    ],
)
def test_bad_declaration_stops_start_up_naming_plugin_item_and_field(
    change: dict[str, Any], needle: str
) -> None:
    bad = msgspec.structs.replace(REGISTRATION, **change)
    with pytest.raises(PluginError) as error:
        _registry_with(ItemsPlugin(bad))
    assert "plugin 'test_plugin_0': item 'NR-BDC-0001'" in str(error.value)
    assert needle in str(error.value)


def test_every_hook_is_in_the_plugin_authors_docs() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "plugins" / "README.md").read_text("utf-8")
    for name in HOOK_NAMES:
        assert f"`{name}(" in docs, f"docs/plugins/README.md does not document {name}"
