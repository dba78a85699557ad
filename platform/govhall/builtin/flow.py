"""The standard flow 受理 → 承办 → 批准 → 办结, used when an item's plugin gives none."""

from govhall.sdk import FlowAction, FlowStep, FlowTemplate, ItemSpec, hookimpl

STANDARD_FLOW = FlowTemplate(
    key="standard",
    steps=(
        FlowStep(
            key="accept",
            name="受理",
            name_en="Acceptance",
            role="clerk",
            actions=(
                FlowAction(name="accept", status="accepted"),
                FlowAction(name="reject", goto="end", status="rejected", opinion_required=True),
            ),
        ),
        FlowStep(
            key="handle",
            name="承办",
            name_en="Handling",
            role="handler",
            actions=(FlowAction(name="pass", status="reviewing"),),
        ),
        FlowStep(
            key="approve",
            name="批准",
            name_en="Approval",
            role="approver",
            actions=(
                FlowAction(name="approve", status="approved", decision="approved"),
                FlowAction(name="deny", status="denied", decision="denied", opinion_required=True),
            ),
        ),
        FlowStep(
            key="conclude",
            name="办结",
            name_en="Conclusion",
            role="handler",
            actions=(FlowAction(name="conclude", goto="end", status="concluded"),),
        ),
    ),
)

#: The one-step flow of an on-the-spot item (即办件): the window decides at once.
ON_THE_SPOT_FLOW = FlowTemplate(
    key="on_the_spot",
    steps=(
        FlowStep(
            key="accept",
            name="受理并办结",
            name_en="Accept and conclude",
            role="clerk",
            actions=(
                FlowAction(name="conclude", goto="end", status="concluded", decision="approved"),
                FlowAction(name="reject", goto="end", status="rejected", opinion_required=True),
            ),
        ),
    ),
)


@hookimpl(trylast=True)
def govhall_flow_template(item: ItemSpec) -> FlowTemplate:
    if item.flow is not None:
        return item.flow
    return ON_THE_SPOT_FLOW if item.on_the_spot else STANDARD_FLOW
