"""Append to and verify the hash-chained audit log.

Each tenant has its own chain (and the platform one, for public accounts and
the operator). An entry's hash covers the previous entry's hash and its own
fields in canonical JSON, so changing, removing or reordering any entry breaks
every hash after it; the chain's head row records the last hash and count, so
cutting entries off the end is caught too. Appends take the head row's lock
(an upsert), so concurrent appends queue instead of forking the chain.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from govhall import db
from govhall.audit.tables import AuditChain, AuditEntry

PLATFORM = "platform"
GENESIS = "0" * 64
_canonical = msgspec.json.Encoder(order="sorted")


def chain_of(tenant_id: uuid.UUID | None) -> str:
    return str(tenant_id) if tenant_id else PLATFORM


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical.encode(fields)).hexdigest()


def _fields(
    *,
    chain: str,
    seq: int,
    at: datetime,
    actor_kind: str,
    actor_id: str,
    actor_name: str,
    action: str,
    target: str,
    ip: str,
    detail: dict[str, Any],
) -> dict[str, Any]:
    return {
        "chain": chain,
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "target": target,
        "ip": ip,
        "detail": detail,
    }


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str
    """account | staff | operator | system | anonymous"""
    id: str = ""
    name: str = ""
    ip: str = ""

    @classmethod
    def of(cls, principal: Any, ip: str = "") -> Actor:
        """The actor for a signed-in :class:`~govhall.identity.tokens.Principal`."""
        return cls(kind=principal.kind, id=str(principal.id), name=principal.name, ip=ip)


async def record(
    tenant_id: uuid.UUID | None,
    actor: Actor,
    action: str,
    *,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry (inside the caller's transaction, if there is one)."""
    chain = chain_of(tenant_id)
    detail = msgspec.json.decode(_canonical.encode(detail or {}))  # plain JSON values only
    at = datetime.now(UTC)
    table = AuditChain._meta.tablename
    async with db.transaction():
        rows = await AuditChain.raw(
            f"INSERT INTO {table} (id, chain, seq, head) VALUES ({{}}, {{}}, 1, '') "  # noqa: S608
            f"ON CONFLICT (chain) DO UPDATE SET seq = {table}.seq + 1 RETURNING seq, head",
            uuid.uuid4(),
            chain,
        )
        seq, prev = int(rows[0]["seq"]), rows[0]["head"] or GENESIS
        fields = _fields(
            chain=chain,
            seq=seq,
            at=at,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            target=target,
            ip=actor.ip,
            detail=detail,
        )
        digest = entry_hash(prev, fields)
        await AuditEntry(
            chain=chain,
            seq=seq,
            at=at,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            target=target,
            ip=actor.ip,
            detail=detail,
            prev_hash=prev,
            hash=digest,
        ).save()
        await AuditChain.update({AuditChain.head: digest}).where(AuditChain.chain == chain)


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    entries: int
    problems: list[str]


async def verify(chain: str | None = None) -> list[ChainReport]:
    """Recompute every chain (or one); a report without problems means untouched."""
    heads = await AuditChain.select().where(
        AuditChain.chain == chain if chain else AuditChain.id.is_not_null()
    )
    reports = []
    for head in heads:
        rows = (
            await AuditEntry.select()
            .output(load_json=True)
            .where(AuditEntry.chain == head["chain"])
            .order_by(AuditEntry.seq)
        )
        problems: list[str] = []
        prev = GENESIS
        for expected, row in enumerate(rows, start=1):
            if row["seq"] != expected:
                problems.append(f"entry {expected} is missing (found {row['seq']})")
                break
            if row["prev_hash"] != prev:
                problems.append(f"entry {expected} does not follow entry {expected - 1}")
                break
            fields = _fields(
                chain=row["chain"],
                seq=row["seq"],
                at=row["at"],
                actor_kind=row["actor_kind"],
                actor_id=row["actor_id"],
                actor_name=row["actor_name"],
                action=row["action"],
                target=row["target"],
                ip=row["ip"],
                detail=row["detail"] or {},
            )
            if entry_hash(prev, fields) != row["hash"]:
                problems.append(f"entry {expected} was changed after it was written")
                break
            prev = row["hash"]
        if not problems and (len(rows) != head["seq"] or prev != (head["head"] or GENESIS)):
            problems.append(
                f"the chain records {head['seq']} entries but {len(rows)} remain: "
                "entries were removed from its end"
            )
        reports.append(ChainReport(chain=head["chain"], entries=len(rows), problems=problems))
    return reports
