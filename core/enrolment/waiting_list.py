"""A full group's waiting list, and the seats themselves: a seat claimed or a place in the
list taken by one short statement on the group's row (in order of arrival), a freed seat
held for the first of the list until the municipality's seat_hold_hours pass, then passed
down the list; the program's count of free seats kept in step."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, bindparam, case, func, select, update

from core.errors import DomainError
from core.family import follows
from core.outbox.outbox import emit
from core.rules.enrolment import AppStatus
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
_has_free = Group.taken < Group.seats
_seat_free = and_(_has_free, Group.waiting == 0)
CLAIM = (
    update(Group)
    .where(Group.id == bindparam("group_id"))
    .values(
        taken=case((_seat_free, Group.taken + 1), else_=Group.taken),
        waiting=case((_seat_free, Group.waiting), else_=Group.waiting + 1),
    )
    .execution_options(synchronize_session=False)
)
_CLAIM = CLAIM.returning(Group.waiting)


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


FREE_SEATS = (
    update(Program)
    .where(Program.id == bindparam("program_id"))
    .values(free_seats=Program.free_seats + bindparam("delta"))
    .execution_options(synchronize_session=False)
)


async def program_seats(uow: UnitOfWork, program_id: int, delta: int) -> None:
    await uow.core(FREE_SEATS, {"program_id": program_id, "delta": delta})


async def pass_seat(uow: UnitOfWork, group_id: int, program_id: int) -> None:
    """A seat held by an application that ended: held for the first of the group's
    waiting list (told, with a press to take it), or free for anyone when nobody waits."""
    for _ in range(PASS_TRIES):
        offered_to = await _offer_first(uow, group_id, program_id, new_seat=False)
        if offered_to is not None:
            return
        if await _free(uow, group_id, program_id):
            return
        # someone joined the list since the look: the seat is theirs
    # the waiting count says someone waits but nobody is found: free the seat rather
    # than hold it for no one
    logger.error("group %s: waiting count without a waiting application", group_id)
    await _free(uow, group_id, program_id, force=True)


async def offer_free_seats(uow: UnitOfWork, group_id: int, program_id: int) -> int:
    """Seats free in a group while families wait (a catalogue import raised its seats,
    the new year ended last year's applications): each held for the next of the list,
    as a seat freed by an application is (``pass_seat``). Returns how many were offered.

    Lock order: the caller holds the gate; each offer locks the first waiting application
    (step 5), then takes the free seat with one conditional statement on the group's row
    (step 6), which gives nothing when no seat is free any more."""
    offered_count = 0
    misses = 0
    while misses < PASS_TRIES:
        if await _offer_first(uow, group_id, program_id, new_seat=True) is None:
            waits = (
                await uow.session.execute(
                    select(Group.waiting, Group.seats - Group.taken).where(Group.id == group_id)
                )
            ).first()
            if waits is None or not waits[0] or waits[1] <= 0:
                return offered_count  # nobody waits, or no seat is free
            misses += 1  # the first of the list left it meanwhile: look again
            continue
        offered_count += 1
    logger.error("group %s: waiting count without a waiting application", group_id)
    return offered_count


async def _offer_first(
    uow: UnitOfWork, group_id: int, program_id: int, *, new_seat: bool
) -> int | None:
    """Hold a seat for the first of the group's waiting list and tell the family: the
    one mechanism by which every freed or added seat reaches the list. ``new_seat``: the
    seat is a free one of the group (taken here, when still free); else the caller's
    ended application held it. The offered application's id, or None when nobody
    waits (or, for a new seat, none is free)."""
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
        return None
    nxt = (await locks.applications(uow, [first]))[0]
    if nxt.status != AppStatus.WAITING.value:
        return None  # it left the list meanwhile: the caller looks again
    moved = await uow.session.execute(
        update(Group)
        .where(Group.id == group_id, Group.waiting > 0, *([_has_free] if new_seat else []))
        .values(
            waiting=Group.waiting - 1,
            taken=Group.taken + 1 if new_seat else Group.taken,
        )
        .execution_options(synchronize_session=False)
    )
    if new_seat:
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return None  # no seat free any more
        await program_seats(uow, program_id, -1)
    hold = await hold_hours(uow, program_id)
    nxt.status = AppStatus.OFFERED.value
    nxt.hold_until = uow.now + timedelta(hours=hold)
    nxt.updated_at = uow.now
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
    return nxt.id


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


_STRANDED = (
    select(Group.id, Group.program_id).where(Group.waiting > 0, _has_free).order_by(Group.id)
)


async def _fill(uow: UnitOfWork, group_id: int, program_id: int) -> int:
    await locks.gate(uow)
    return await offer_free_seats(uow, group_id, program_id)


async def fill_groups(db: Database, group_ids: Collection[int] | None = None) -> int:
    """Every seat free while families wait for it (of these groups, or all) offered to
    the next of its list, a group per short transaction. A catalogue import calls it for
    the groups it raised; the worker's sweep for all, so a seat is never left free next
    to a list (should a process stop between the raise and the offers). Returns how many
    seats were offered."""
    async with db.reader() as uow:
        query = _STRANDED
        if group_ids is not None:
            if not group_ids:
                return 0
            query = query.where(Group.id.in_(sorted(set(group_ids))))
        found = (await uow.session.execute(query)).all()
    offered_count = 0
    for group_id, program_id in found:
        offered_count += await db.run(_fill, group_id, program_id)
    return offered_count
