"""A full group's waiting list, and the seats themselves: a seat claimed or a place in the
list taken by one short statement on the group's row (in order of arrival), a freed seat
held for the first of the list until the municipality's seat_hold_hours pass, then passed
down the list; the program's count of free seats kept in step."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, select, update

from core.errors import DomainError
from core.notify.outbox import emit
from core.rules.enrolment import AppStatus
from core.services import follows
from core.storage import locks
from core.storage.db import Database, UnitOfWork
from core.storage.models import Application, Group, Municipality, Program

logger = logging.getLogger(__name__)
HOLD_HOURS = 24  # default: how long a freed seat is held for the first in the waiting list
OFFER_LAPSED = "offer_lapsed"  # the reason of a held seat not taken in time
PASS_TRIES = 5  # looks for the first of a waiting list while people join or leave it


# a seat while one is free and nobody waits, else a place in the list: one statement on
# the group's row (both CASEs read the row as it was), so claims of one group queue on
# its lock in the order they reach it; the new waiting count says which it was (a seat
# leaves it at 0)
_seat_free = and_(Group.taken < Group.seats, Group.waiting == 0)
_CLAIM = (
    update(Group)
    .where(Group.id == bindparam("group_id"))
    .values(
        taken=case((_seat_free, Group.taken + 1), else_=Group.taken),
        waiting=case((_seat_free, Group.waiting), else_=Group.waiting + 1),
    )
    .returning(Group.waiting)
    .execution_options(synchronize_session=False)
)


async def claim(uow: UnitOfWork, group_id: int) -> int:
    """Take a free seat (0), or a place in the waiting list (the place: how many wait
    now, this one the last). A seat is free only while nobody waits (a freed seat goes
    to the first waiting)."""
    waiting = (await uow.core(_CLAIM, {"group_id": group_id})).scalar()
    if waiting is None:
        raise DomainError("group_not_found")
    return int(waiting)


_AHEAD = (
    select(func.count())
    .select_from(Application)
    .where(
        Application.group_id == bindparam("group_id"),
        Application.status == AppStatus.WAITING.value,
        Application.id < bindparam("app_id"),
    )
)


@dataclass(frozen=True, slots=True)
class Waiting:
    place: int  # 1: the next freed seat is held for this application
    hold_hours: int  # how long it will be held


async def waiting_place(uow: UnitOfWork, app_id: int) -> Waiting | None:
    """The application's place in its group's waiting list; None when not waiting."""
    app = await uow.session.get(Application, app_id)
    if app is None or app.status != AppStatus.WAITING.value:
        return None
    ahead = await uow.session.scalar(_AHEAD, {"group_id": app.group_id, "app_id": app.id})
    return Waiting(int(ahead or 0) + 1, await hold_hours(uow, app.program_id))


@dataclass(frozen=True, slots=True)
class Offer:
    application_id: int
    child_id: int
    group_id: int


async def offered(uow: UnitOfWork, parent_id: int, app_id: int) -> Offer:
    """The family's offered application (for the quote before taking the seat)."""
    app = await uow.session.get(Application, app_id)
    if app is None or app.parent_id != parent_id or app.status != AppStatus.OFFERED.value:
        raise DomainError("offer_gone")
    if app.child_id is None:
        raise DomainError("offer_gone")
    return Offer(app.id, app.child_id, app.group_id)


_FREE_SEATS = (
    update(Program)
    .where(Program.id == bindparam("program_id"))
    .values(free_seats=Program.free_seats + bindparam("delta"))
    .execution_options(synchronize_session=False)
)


async def program_seats(uow: UnitOfWork, program_id: int, delta: int) -> None:
    await uow.core(_FREE_SEATS, {"program_id": program_id, "delta": delta})


async def pass_seat(uow: UnitOfWork, group_id: int, program_id: int) -> None:
    """A seat of the group freed: held for the first of its waiting list (told, with a
    press to take it), or free for anyone when nobody waits."""
    for _ in range(PASS_TRIES):
        first = await uow.session.scalar(
            select(Application.id)
            .where(
                Application.group_id == group_id,
                Application.status == AppStatus.WAITING.value,
            )
            .order_by(Application.id)
            .limit(1)
        )
        if first is None:
            if await _free(uow, group_id, program_id):
                return
            continue  # someone joined the list since the look: the seat is theirs
        nxt = (await locks.applications(uow, [first]))[0]
        if nxt.status != AppStatus.WAITING.value:
            continue  # it left the list meanwhile: the next one
        hold = await hold_hours(uow, program_id)
        nxt.status = AppStatus.OFFERED.value
        nxt.hold_until = uow.now + timedelta(hours=hold)
        nxt.updated_at = uow.now
        await uow.session.execute(
            update(Group)
            .where(Group.id == group_id, Group.waiting > 0)
            .values(waiting=Group.waiting - 1)
            .execution_options(synchronize_session=False)
        )
        await uow.session.flush()
        if nxt.parent_id is not None:
            await emit(
                uow,
                nxt.parent_id,
                "seat_offered",
                {
                    "application_id": nxt.id,
                    "child_id": nxt.child_id,
                    "program_id": nxt.program_id,
                    "hold_until": nxt.hold_until.isoformat(),
                },
                dedup_key=f"offer:{nxt.id}",
            )
        return
    # the waiting count says someone waits but nobody is found: free the seat rather
    # than hold it for no one
    logger.error("group %s: waiting count without a waiting application", group_id)
    await _free(uow, group_id, program_id, force=True)


async def _free(uow: UnitOfWork, group_id: int, program_id: int, force: bool = False) -> bool:
    """The seat free for anyone, if nobody waits: a place in the list taken after the look
    for the first waiting locks the group's row, so this statement waits for it and then
    sees the count (and frees nothing). False when someone waits."""
    where = [Group.id == group_id, Group.taken > 0]
    if not force:
        where.append(Group.waiting == 0)
    freed = await uow.session.execute(
        update(Group)
        .where(*where)
        .values(taken=Group.taken - 1)
        .execution_options(synchronize_session=False)
    )
    if freed.rowcount != 1:  # type: ignore[attr-defined]
        waiting = await uow.session.scalar(select(Group.waiting).where(Group.id == group_id))
        return not waiting  # nothing was taken (nothing to free), or someone waits
    await program_seats(uow, program_id, +1)
    await follows.seat_freed(uow, program_id, group_id)
    return True


async def hold_hours(uow: UnitOfWork, program_id: int) -> int:
    """The program's municipality's setting."""
    hours = await uow.session.scalar(
        select(Municipality.seat_hold_hours)
        .join(Program, Program.municipality_id == Municipality.id)
        .where(Program.id == program_id)
    )
    return int(hours or HOLD_HOURS)


async def expire_offer(uow: UnitOfWork, app_id: int, at: datetime | None = None) -> bool:
    """One held seat not taken in time (by ``at``, now by default): it passes to the next
    in the list (in the lock order: the family, then the application)."""
    parent_id = await uow.session.scalar(
        select(Application.parent_id).where(Application.id == app_id)
    )
    await locks.families(uow, parent_id)
    found = await locks.applications(uow, [app_id])
    if not found or found[0].status != AppStatus.OFFERED.value:
        return False
    if found[0].hold_until is not None and found[0].hold_until > (at or uow.now):
        return False
    from core.services.enrolment import end_application  # it calls pass_seat

    await end_application(uow, app_id, AppStatus.EXPIRED, reason=OFFER_LAPSED)
    return True


async def expire_offers(db: Database, *, batch: int = 500) -> int:
    """Every held seat not taken in time passes on, each in its own short transaction.
    Returns how many."""
    passed = 0
    while True:
        async with db.reader() as uow:
            ids = list(
                await uow.session.scalars(
                    select(Application.id)
                    .where(
                        Application.status == AppStatus.OFFERED.value,
                        Application.hold_until <= uow.now,
                    )
                    .order_by(Application.id)
                    .limit(batch)
                )
            )
        for app_id in ids:
            if await db.run(expire_offer, app_id):
                passed += 1
        if len(ids) < batch:
            return passed
