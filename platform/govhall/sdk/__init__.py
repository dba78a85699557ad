"""The plugin SDK: everything a department plugin imports (``from govhall.sdk import …``).

Items, forms, materials, fees, discretion standards, documents and flows are
declared as data (msgspec Structs); a plugin implements hooks from
:mod:`govhall.hookspecs` with :data:`hookimpl`. Declarations are checked when
the platform starts (:func:`check_item`), so a mistake stops the app with a
clear message instead of failing a citizen later. Money is always an integer
number of fen (分) to avoid rounding errors.
"""

from __future__ import annotations

import pluggy

from govhall.sdk import forms
from govhall.sdk.check import check_discretion_standard, check_form, check_item
from govhall.sdk.discretion import (
    DiscretionBand,
    DiscretionExample,
    DiscretionResult,
    DiscretionStandard,
    check_discretion,
    select_band,
)
from govhall.sdk.fees import (
    AppliedReduction,
    FeeExample,
    FeeLine,
    FeeReduction,
    FeeRule,
    FeeTier,
)
from govhall.sdk.forms import ConditionalField, CrossCheck, FormExample, FormSpec
from govhall.sdk.items import (
    BATCH_FACTS,
    FAQ,
    FLOW_FACTS,
    HANDLING_KINDS,
    ITEM_TYPES,
    MATERIAL_FORMATS,
    STEP_ACTIONS,
    TRUST_BY_SOURCE,
    BatchCheck,
    BatchParam,
    DocumentTemplate,
    FlowAction,
    FlowBranch,
    FlowStep,
    FlowTemplate,
    ItemSpec,
    LegalBasis,
    MaterialSpec,
    Problem,
    RiskPoint,
    Route,
)
from govhall.sdk.providers import (
    IdentityProviderSpec,
    NotificationChannel,
    PaymentNotice,
    PaymentOrder,
    PaymentProvider,
    PaymentRequest,
)
from govhall.sdk.rules import AllOf, AnyOf, Compare, F, Not, Rule, describe, evaluate

#: Marks a function as an implementation of a govhall hook.
hookimpl = pluggy.HookimplMarker("govhall")

__all__ = [
    "BATCH_FACTS",
    "FAQ",
    "FLOW_FACTS",
    "HANDLING_KINDS",
    "ITEM_TYPES",
    "MATERIAL_FORMATS",
    "STEP_ACTIONS",
    "TRUST_BY_SOURCE",
    "AllOf",
    "AnyOf",
    "AppliedReduction",
    "BatchCheck",
    "BatchParam",
    "Compare",
    "ConditionalField",
    "CrossCheck",
    "DiscretionBand",
    "DiscretionExample",
    "DiscretionResult",
    "DiscretionStandard",
    "DocumentTemplate",
    "F",
    "FeeExample",
    "FeeLine",
    "FeeReduction",
    "FeeRule",
    "FeeTier",
    "FlowAction",
    "FlowBranch",
    "FlowStep",
    "FlowTemplate",
    "FormExample",
    "FormSpec",
    "IdentityProviderSpec",
    "ItemSpec",
    "LegalBasis",
    "MaterialSpec",
    "Not",
    "NotificationChannel",
    "PaymentNotice",
    "PaymentOrder",
    "PaymentProvider",
    "PaymentRequest",
    "Problem",
    "RiskPoint",
    "Route",
    "Rule",
    "check_discretion",
    "check_discretion_standard",
    "check_form",
    "check_item",
    "describe",
    "evaluate",
    "forms",
    "hookimpl",
    "select_band",
]
