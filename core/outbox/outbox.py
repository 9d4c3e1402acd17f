"""The outbox: what must reach which parent, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.storage.db import UnitOfWork
from core.storage.models import Outbox

# kinds the core writes; the worker renders each from locales/
# the columns a set-based INSERT … SELECT of notices fills
OUTBOX_COLS = [
    Outbox.parent_id,
    Outbox.kind,
    Outbox.dedup_key,
    Outbox.ref,
    Outbox.status,
    Outbox.attempts,
    Outbox.created_at,
]

KINDS = frozenset(
    {
        "debits",  # ref = month index; details read from the ledger at send time
        "topup",  # ref = school year
        "expiry",  # ref = school year
        "certificate_status",
        "application_status",
        "application_not_covered",  # the provider could not accept: money no longer covers
        "data_erased",
        "share_changed",  # 1 January: the new year's money pays a smaller monthly share
        "teen_linked",  # a child of 14+ joined the family with an account of their own
        "seat_free",
        "seat_offered",  # a freed seat held for the first of a group's waiting list
        "child_left",  # to a provider's staff: a child left by the family's choice
        "provider_month",  # to a provider's staff: what it is owed for month ref
        "month_closed",  # to the operators: month ref closed by itself, with the totals
        "contract_event",  # to a provider's staff: a contract concluded, or its offer lapsed
        "dispute",  # a dispute resolved: the child moved to (or from) the family, or not
        "broadcast",
        "rate_invite",  # a month of studies: the family may rate the program (once ever)
    }
)


async def emit(
    uow: UnitOfWork,
    parent_id: int,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
) -> None:
    """Add a row unless one with the same dedup_key exists (a retried operation): one
    statement, INSERT … ON CONFLICT DO NOTHING on the key (both dialects)."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind}")
    row = {
        "parent_id": parent_id,
        "kind": kind,
        "payload": payload or {},
        "dedup_key": dedup_key,
        "status": "pending",
        "attempts": 0,
        "created_at": uow.now,
    }
    if dedup_key is None:
        await uow.core(_INSERT, row)
        return
    await uow.core(_UPSERT[uow.dialect], row)


# built once (a notice is written by every change a family hears of)
_INSERT = insert(Outbox)
_UPSERT = {
    "postgresql": pg_insert(Outbox).on_conflict_do_nothing(index_elements=["dedup_key"]),
    "sqlite": sqlite_insert(Outbox).on_conflict_do_nothing(index_elements=["dedup_key"]),
}
