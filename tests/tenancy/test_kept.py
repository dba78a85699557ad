"""Values kept under a tenant's catalog_version (govhall.tenancy.kept)."""

from __future__ import annotations

from govhall.tenancy.kept import MISSING, KeptByVersion


def test_a_value_is_handed_out_only_under_its_version() -> None:
    kept: KeptByVersion[str | None] = KeptByVersion(2)
    kept.put("a", 3, "three")
    kept.put("none", 3, None)  # "nothing stored" is a value too
    assert kept.get("a", 3) == "three"
    assert kept.get("none", 3) is None
    assert kept.get("a", 4) is MISSING  # the tenant changed since
    assert kept.get("a", None) is MISSING  # version unknown: never trusted
    kept.put("b", None, "unknown")
    assert kept.get("b", None) is MISSING


def test_the_least_recently_used_key_goes_first_and_clear_drops_all() -> None:
    kept: KeptByVersion[int] = KeptByVersion(2)
    kept.put("a", 1, 1)
    kept.put("b", 1, 2)
    assert kept.get("a", 1) == 1  # "a" used: "b" is now the oldest
    kept.put("c", 1, 3)
    assert kept.get("b", 1) is MISSING
    assert (kept.get("a", 1), kept.get("c", 1)) == (1, 3)
    kept.clear()
    assert kept.get("a", 1) is MISSING
