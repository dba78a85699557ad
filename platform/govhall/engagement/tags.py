"""The reasons a poor 好差评 rating gives, shared by the rating and its rectification."""

from __future__ import annotations

from govhall.i18n import Localized

#: Why a rating is poor: the second-level indicators of the national evaluation
#: content (GB/T 39734-2020 appendix A; online: 办事效率, 办事指南精确度, 办事便捷度,
#: 平台操作性; at the counter: 服务效率, 服务水平, 服务态度), and "other".
BAD_RATING_TAGS: dict[str, Localized] = {
    "efficiency": Localized("办事效率", "efficiency"),
    "guide_accuracy": Localized("办事指南精确度", "accuracy of the service guide"),
    "convenience": Localized("办事便捷度", "convenience"),
    "platform_usability": Localized("平台操作性", "ease of use of the platform"),
    "service_level": Localized("服务水平", "quality of service"),
    "attitude": Localized("服务态度", "staff attitude"),
    "other": Localized("其他", "other"),
}


def tag_labels(tags: object, locale: str) -> list[str]:
    """The known tags of a stored rating, in ``locale``."""
    known = tags if isinstance(tags, list) else []
    return [BAD_RATING_TAGS[t].pick(locale) for t in known if t in BAD_RATING_TAGS]
