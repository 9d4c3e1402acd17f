"""Coordinators' announcements: compose, count the audience, send now or at a time,
watch progress, cancel. Going out means one outbox row per parent, written set-based."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select, update

from core.audit import audit
from core.catalogue.catalogue import MAX_QUERY, ProgramRow, SearchQuery, search
from core.errors import DomainError
from core.rules.enrolment import AppStatus, CertStatus
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Broadcast,
    Certificate,
    Child,
    Follow,
    Identity,
    Outbox,
    Parent,
    Program,
    Role,
)

logger = logging.getLogger(__name__)
TEXT_MAX = 2000
TEXT_MIN = 10


# who among the matched children an announcement is for, any of them together (all
# chosen must hold for one child): no funded certificate, no enrolment, on a waiting list
FILTERS = ("unfunded", "unenrolled", "waiting")


@dataclass(frozen=True, slots=True)
class Audience:
    municipality_id: int | None  # None: region-wide
    age_min: int | None = None
    age_max: int | None = None
    directions: tuple[str, ...] = ()  # interested in a direction (followed or applied)
    filters: tuple[str, ...] = ()  # of FILTERS


@dataclass(frozen=True, slots=True)
class Progress:
    status: str
    recipients: int
    sent: int
    failed: int
    blocked: int
    left: int
    scheduled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Sent:
    """One line of a coordinator's history of announcements."""

    id: int
    text: str
    status: str
    at: datetime  # when it went out, or is to
    recipients: int
    delivered: int
    unreachable: int


HISTORY_PAGE = 5


async def coordinator_scope(
    uow: UnitOfWork, parent_id: int, *, hold: bool = False
) -> tuple[int | None, bool]:
    """(the coordinator's municipality, may broadcast region-wide); refuses non-coordinators.
    ``hold``: the role rows stay locked (FOR SHARE) to the end of the transaction, so a
    revocation waits for this action and an action after a revocation finds no role."""
    query = select(Role).where(Role.parent_id == parent_id, Role.role == "coordinator")
    if hold:
        query = query.with_for_update(read=True)
    found = list(await uow.session.scalars(query.order_by(Role.id)))
    if not found:
        raise DomainError("not_allowed")
    role = found[0]
    return role.municipality_id, any(r.region_wide for r in found)


async def _covers(uow: UnitOfWork, author_id: int, municipality_id: int | None) -> bool:
    """Whether the author still holds a coordinator role that may address this audience."""
    rows = (
        await uow.session.execute(
            select(Role.municipality_id, Role.region_wide).where(
                Role.parent_id == author_id, Role.role == "coordinator"
            )
        )
    ).all()
    return any(
        wide or (municipality_id is not None and muni == municipality_id) for muni, wide in rows
    )


async def stop_uncovered(uow: UnitOfWork, author_id: int, actor: audit.Actor, why: str) -> int:
    """The author's announcements that have not gone out (scheduled, or still sending)
    and that no role of theirs covers any more: cancelled, what is pending of them too,
    each recorded in the audit trail. Returns how many."""
    pending = list(
        await uow.session.scalars(
            select(Broadcast)
            .where(
                Broadcast.author_id == author_id,
                Broadcast.status.in_(("scheduled", "sending")),
            )
            .order_by(Broadcast.id)
            .with_for_update()
        )
    )
    stopped = 0
    for b in pending:
        if await _covers(uow, author_id, b.municipality_id):
            continue
        await _stop(uow, b)
        await audit.record(
            uow,
            actor,
            "cancel-announcement",
            municipality=b.municipality_id,
            outcome=why,
            detail=f"broadcast:{b.id} author:{author_id}",
        )
        stopped += 1
    await uow.session.flush()
    if stopped:
        logger.info("%d announcements of parent %s stopped (%s)", stopped, author_id, why)
    return stopped


PROGRAMS_SHOWN = 8  # programs found for an announcement's button, a button each


async def programs(uow: UnitOfWork, author_id: int, text: str) -> list[ProgramRow]:
    """Programs an announcement may open, found by words of their name, provider or
    description: the coordinator's municipality's, or the whole region's if they may
    address it."""
    muni, region_wide = await coordinator_scope(uow, author_id)
    query = SearchQuery(
        municipality_id=None if region_wide else muni,
        text=text[:MAX_QUERY],
        page_size=PROGRAMS_SHOWN,
    )
    return (await search(uow, query)).items


def check_text(raw: str) -> str:
    text = raw.strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise DomainError("broadcast_text_length", min=TEXT_MIN, max=TEXT_MAX)
    return text


def _born_between(today: date, age_min: int | None, age_max: int | None):
    """Ages as birth-date bounds, so the database compares dates, not ages."""
    cond = []
    if age_min is not None:  # at least age_min today: born on or before today - age_min years
        cond.append(Child.birth_date <= _years_ago(today, age_min))
    if age_max is not None:  # at most age_max: born after today - (age_max + 1) years
        cond.append(Child.birth_date > _years_ago(today, age_max + 1))
    return and_(*cond)


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def audience_query(a: Audience, today: date):
    """Parent ids: consent given, announcements on, reachable somewhere, with a child
    matching the municipality, the ages and every chosen filter. One query for the
    preview, the status of a scheduled one and the sending: the counts agree."""
    unknown = set(a.filters) - set(FILTERS)
    if unknown:
        raise DomainError("broadcast_audience_invalid")
    child_match = [Child.parent_id == Parent.id]
    if a.municipality_id is not None:
        child_match.append(Child.municipality_id == a.municipality_id)
    if a.age_min is not None or a.age_max is not None:
        child_match.append(_born_between(today, a.age_min, a.age_max))
    if "unfunded" in a.filters:
        child_match.append(
            ~exists().where(
                Certificate.child_id == Child.id, Certificate.status == CertStatus.FUNDED
            )
        )
    if "unenrolled" in a.filters:
        child_match.append(
            ~exists().where(
                Application.child_id == Child.id, Application.status == AppStatus.ENROLLED
            )
        )
    if "waiting" in a.filters:
        child_match.append(
            exists().where(
                Application.child_id == Child.id, Application.status == AppStatus.WAITING
            )
        )
    query = select(Parent.id).where(
        Parent.consent_at.is_not(None),
        Parent.announcements.is_(True),
        exists().where(*child_match),
        exists().where(Identity.parent_id == Parent.id, Identity.unreachable_at.is_(None)),
    )
    if a.directions:
        dirs = list(a.directions)
        query = query.where(
            or_(
                exists().where(
                    Follow.parent_id == Parent.id,
                    Follow.program_id == Program.id,
                    Program.direction.in_(dirs),
                ),
                exists().where(
                    Application.parent_id == Parent.id,
                    Application.program_id == Program.id,
                    Program.direction.in_(dirs),
                ),
            )
        )
    return query


async def count_audience(uow: UnitOfWork, a: Audience) -> int:
    sub = audience_query(a, uow.today).subquery()
    return int(await uow.session.scalar(select(func.count()).select_from(sub)) or 0)


async def create(
    uow: UnitOfWork,
    author_id: int,
    text: str,
    audience: Audience,
    *,
    program_id: int | None = None,
    at: datetime | None = None,
) -> int:
    """Queue an announcement: now (expanded at once) or at ``at`` (the worker expands it)."""
    muni, region_wide = await coordinator_scope(uow, author_id, hold=True)
    if audience.municipality_id is None and not region_wide:
        raise DomainError("not_allowed")
    if (
        audience.municipality_id is not None
        and audience.municipality_id != muni
        and not region_wide
    ):
        raise DomainError("not_allowed")
    if program_id is not None:
        program = await uow.session.get(Program, program_id)
        # a coordinator of one municipality links only its programs (others: not found)
        if program is None or (not region_wide and program.municipality_id != muni):
            raise DomainError("program_not_found")
    if at is not None and at <= uow.now:
        raise DomainError("broadcast_time_past")
    b = Broadcast(
        author_id=author_id,
        municipality_id=audience.municipality_id,
        text=check_text(text),
        program_id=program_id,
        age_min=audience.age_min,
        age_max=audience.age_max,
        directions=list(audience.directions) or None,
        filters=list(audience.filters) or None,
        status="scheduled",
        scheduled_at=at or uow.now,
        created_at=uow.now,
    )
    uow.session.add(b)
    await uow.session.flush()
    if at is None:
        await expand(uow, b)
    await audit.record(
        uow,
        author_id,
        "announce",
        municipality=audience.municipality_id,
        outcome="sent" if at is None else "scheduled",
        detail=f"broadcast:{b.id}" + ("" if at is None else f" at:{at.isoformat()}"),
    )
    logger.info("broadcast %s queued", b.id)
    return b.id


def audience_of(b: Broadcast) -> Audience:
    return Audience(
        b.municipality_id,
        b.age_min,
        b.age_max,
        tuple(b.directions or ()),
        tuple(b.filters or ()),
    )


async def expand(uow: UnitOfWork, b: Broadcast) -> int:
    """One outbox row per recipient, in one INSERT … SELECT; dedup keys keep it once."""
    recipients = audience_query(audience_of(b), uow.today).subquery()
    key = literal(f"bc:{b.id}:") + cast(recipients.c.id, String)
    rows = select(
        recipients.c.id,
        literal("broadcast"),
        literal(b.id),
        key,
        literal("pending"),
        literal(0),
        literal(uow.now),
    ).where(~exists().where(Outbox.dedup_key == key))
    result = await uow.session.execute(
        insert(Outbox).from_select(
            [
                Outbox.parent_id,
                Outbox.kind,
                Outbox.ref,
                Outbox.dedup_key,
                Outbox.status,
                Outbox.attempts,
                Outbox.created_at,
            ],
            rows,
        )
    )
    b.status = "sending"
    b.started_at = uow.now
    b.recipients = int(result.rowcount or 0)  # type: ignore[attr-defined]
    await uow.session.flush()
    return b.recipients


async def expand_due(uow: UnitOfWork) -> int:
    """Scheduled announcements whose time has come (the worker calls this). One whose
    author no longer holds a role that covers its audience (revoked, or the role row
    deleted by hand) is cancelled instead, and recorded."""
    due = list(
        await uow.session.scalars(
            select(Broadcast)
            .where(Broadcast.status == "scheduled", Broadcast.scheduled_at <= uow.now)
            .with_for_update(skip_locked=True)
        )
    )
    sent = 0
    for b in due:
        if not await _covers(uow, b.author_id, b.municipality_id):
            b.status = "cancelled"
            await audit.record(
                uow,
                "system",
                "cancel-announcement",
                municipality=b.municipality_id,
                outcome="author-no-role",
                detail=f"broadcast:{b.id} author:{b.author_id}",
            )
            logger.info("broadcast %s cancelled: its author holds no role for it", b.id)
            continue
        await expand(uow, b)
        sent += 1
    await uow.session.flush()
    return sent


async def _own(
    uow: UnitOfWork, author_id: int, broadcast_id: int, *, hold: bool = False
) -> Broadcast:
    await coordinator_scope(uow, author_id, hold=hold)
    b = await uow.session.get(Broadcast, broadcast_id)
    if b is None or b.author_id != author_id:
        raise DomainError("broadcast_not_found")
    return b


async def _stop(uow: UnitOfWork, b: Broadcast) -> None:
    """The announcement is cancelled and what has not gone out of it stays unsent."""
    b.status = "cancelled"
    await uow.session.execute(
        update(Outbox)
        .where(Outbox.kind == "broadcast", Outbox.ref == b.id, Outbox.status == "pending")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )


async def cancel(uow: UnitOfWork, author_id: int, broadcast_id: int) -> None:
    """Stops what has not gone out yet; what was sent stays sent."""
    b = await _own(uow, author_id, broadcast_id, hold=True)
    pending = await uow.session.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(Outbox.kind == "broadcast", Outbox.ref == b.id, Outbox.status == "pending")
    )
    if b.status == "cancelled" or (b.status == "sending" and not pending):
        raise DomainError("broadcast_finished")
    await _stop(uow, b)
    await audit.record(
        uow,
        author_id,
        "cancel-announcement",
        municipality=b.municipality_id,
        detail=f"broadcast:{b.id}",
    )


async def progress(uow: UnitOfWork, author_id: int, broadcast_id: int) -> Progress:
    b = await _own(uow, author_id, broadcast_id)
    counts = dict(
        (
            await uow.session.execute(
                select(Outbox.status, func.count())
                .where(Outbox.kind == "broadcast", Outbox.ref == b.id)
                .group_by(Outbox.status)
            )
        ).all()
    )
    left = counts.get("pending", 0)
    recipients = b.recipients
    if b.status == "scheduled":
        # not expanded yet: counted now by the query that will send it, as the preview was
        recipients = await count_audience(uow, audience_of(b))
    return Progress(
        status="done" if b.status == "sending" and left == 0 else b.status,
        recipients=recipients,
        sent=counts.get("delivered", 0),
        failed=counts.get("failed", 0),
        blocked=counts.get("unreachable", 0),
        left=left if b.status != "cancelled" else counts.get("cancelled", 0),
        scheduled_at=b.scheduled_at if b.status == "scheduled" else None,
    )


async def latest(uow: UnitOfWork, author_id: int) -> int | None:
    return await uow.session.scalar(
        select(Broadcast.id)
        .where(Broadcast.author_id == author_id)
        .order_by(Broadcast.id.desc())
        .limit(1)
    )


async def history(uow: UnitOfWork, author_id: int, page: int) -> tuple[list[Sent], int]:
    """The author's announcements, newest first, a page of HISTORY_PAGE, each with what
    became of it (one grouped count over the outbox); and how many there are in all."""
    await coordinator_scope(uow, author_id)
    total = int(
        await uow.session.scalar(
            select(func.count()).select_from(Broadcast).where(Broadcast.author_id == author_id)
        )
        or 0
    )
    rows = list(
        await uow.session.scalars(
            select(Broadcast)
            .where(Broadcast.author_id == author_id)
            .order_by(Broadcast.id.desc())
            .offset(max(page, 0) * HISTORY_PAGE)
            .limit(HISTORY_PAGE)
        )
    )
    ids = [b.id for b in rows]
    counts: dict[tuple[int | None, str], int] = {}
    if ids:
        found = await uow.session.execute(
            select(Outbox.ref, Outbox.status, func.count())
            .where(Outbox.kind == "broadcast", Outbox.ref.in_(ids))
            .group_by(Outbox.ref, Outbox.status)
        )
        counts = {(ref, status): n for ref, status, n in found.all()}
    lines = []
    for b in rows:
        recipients = b.recipients
        if b.status == "scheduled":
            recipients = await count_audience(uow, audience_of(b))
        pending = counts.get((b.id, "pending"), 0)
        lines.append(
            Sent(
                id=b.id,
                text=b.text,
                status="done" if b.status == "sending" and pending == 0 else b.status,
                at=b.started_at or b.scheduled_at or b.created_at,
                recipients=recipients,
                delivered=counts.get((b.id, "delivered"), 0),
                unreachable=counts.get((b.id, "unreachable"), 0),
            )
        )
    return lines, total
