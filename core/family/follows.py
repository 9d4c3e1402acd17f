"""Following a full program: when a seat frees, the longest-waiting follower is told,
one follower per freed seat, not a blast that makes everyone race."""

from __future__ import annotations

from sqlalchemy import delete, select

from core.errors import DomainError
from core.family.parents import require_consent
from core.outbox.outbox import emit
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Follow, Program


async def follow(uow: UnitOfWork, parent_id: int, program_id: int) -> None:
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    if await uow.session.get(Program, program_id) is None:
        raise DomainError("program_not_found")
    existing = await uow.session.scalar(
        select(Follow).where(Follow.parent_id == parent_id, Follow.program_id == program_id)
    )
    if existing is None:
        uow.session.add(Follow(parent_id=parent_id, program_id=program_id, created_at=uow.now))
    else:  # following again after a notice puts the parent at the end of the line
        existing.notified_at = None
        existing.created_at = uow.now
    await uow.session.flush()


async def unfollow(uow: UnitOfWork, parent_id: int, program_id: int) -> None:
    await locks.families(uow, parent_id)
    await uow.session.execute(
        delete(Follow).where(Follow.parent_id == parent_id, Follow.program_id == program_id)
    )


async def is_following(uow: UnitOfWork, parent_id: int, program_id: int) -> bool:
    found = await uow.session.scalar(
        select(Follow.id).where(
            Follow.parent_id == parent_id,
            Follow.program_id == program_id,
            Follow.notified_at.is_(None),
        )
    )
    return found is not None


async def seat_freed(uow: UnitOfWork, program_id: int, group_id: int) -> None:
    """Tell the next follower in line (called in the transaction that freed the seat)."""
    nxt = await uow.session.scalar(
        select(Follow)
        .where(Follow.program_id == program_id, Follow.notified_at.is_(None))
        .order_by(Follow.created_at, Follow.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if nxt is None:
        return
    nxt.notified_at = uow.now
    await emit(uow, nxt.parent_id, "seat_free", {"program_id": program_id, "group_id": group_id})
