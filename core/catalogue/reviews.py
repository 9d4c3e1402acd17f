"""Families' ratings of programs: after a month of studies the family may rate the program
(1–5) and leave a short review, one per child and program (rated again: edited in place).
The program's municipality moderates them: its coordinator hides a review (never edits
it). The card shows the average, the count and the latest visible reviews."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, cast, exists, func, literal, select

from core.errors import DomainError
from core.outbox.outbox import emit
from core.rules.enrolment import AppStatus
from core.storage.db import UnitOfWork
from core.storage.models import Application, Child, Outbox, Program, Review

REVIEW_MAX = 500  # characters of a review's text
LATEST = 3  # reviews shown on a card
MODERATION_PAGE = 5  # reviews a coordinator reads a page
INVITE_BATCH = 500  # invitations to rate written a transaction
# an enrolment that studied: enrolled now, or finished after studying
STUDIED = (AppStatus.ENROLLED.value, AppStatus.FINISHED.value)


@dataclass(frozen=True, slots=True)
class ReviewView:
    id: int
    program_id: int
    program: str
    stars: int
    text: str
    at: datetime  # written or last edited
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Ratings:
    """What a card shows: the average of the visible ratings, their count, the latest."""

    count: int = 0
    average: float = 0.0
    latest: tuple[ReviewView, ...] = ()


@dataclass(frozen=True, slots=True)
class RateTarget:
    """An application whose program the family may rate: its child and program, and the
    rating given already (to edit)."""

    application_id: int
    child_id: int
    program_id: int
    program: str
    stars: int | None = None
    text: str = ""


def month_before(day: date) -> date:
    """The same day a month earlier (the month's last day when it has no such day)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_text(text: str) -> str:
    """A review's text as kept: trimmed, at most REVIEW_MAX characters (emoji count as
    one each), no control characters but line breaks."""
    text = text.strip()
    if len(text) > REVIEW_MAX:
        raise DomainError("review_too_long", max=REVIEW_MAX, length=len(text))
    if any(ord(c) < 32 and c not in "\n\t" for c in text) or "\x00" in text:
        raise DomainError("review_invalid")
    return text


async def target(uow: UnitOfWork, parent_id: int, application_id: int) -> RateTarget:
    """The family's application whose program may be rated now: the child has studied
    there since a day at least a month ago (an application never enrolled, or enrolled
    less than a month ago, is refused with ``review_too_early``)."""
    row = (
        await uow.session.execute(
            select(Application, Program.name)
            .join(Program, Program.id == Application.program_id)
            .join(Child, Child.id == Application.child_id)
            .where(Application.id == application_id, Child.parent_id == parent_id)
        )
    ).first()
    if row is None:
        raise DomainError("application_not_found")
    app, program = row
    if not _studied_a_month(app, uow.today):
        raise DomainError("review_too_early")
    assert app.child_id is not None  # joined on its child
    mine = await uow.session.scalar(
        select(Review).where(Review.child_id == app.child_id, Review.program_id == app.program_id)
    )
    return RateTarget(
        app.id,
        app.child_id,
        app.program_id,
        program,
        mine.stars if mine else None,
        mine.text if mine else "",
    )


def _studied_a_month(app: Application, today: date) -> bool:
    return (
        app.status in STUDIED
        and app.start_day is not None
        and app.start_day <= month_before(today).toordinal()
    )


def invite_key(child_id: int, program_id: int) -> str:
    """The outbox key of the invitation to rate: one a child and program, ever."""
    return f"rate:{child_id}:{program_id}"


async def invite(uow: UnitOfWork, batch: int = INVITE_BATCH) -> int:
    """Invite the families to rate, once the rule of ``target`` lets them (a month of
    studies) and the child has not rated the program: a notice with a button to rate, one
    a child and program, never twice (its outbox key, kept with the sent notice, is the
    child's and the program's). Returns how many applications it looked at: ``batch``
    means there may be more."""
    key = (
        literal("rate:")
        + cast(Application.child_id, String)
        + literal(":")
        + cast(Application.program_id, String)
    )
    rows = (
        await uow.session.execute(
            select(Application.id, Application.child_id, Application.program_id, Child.parent_id)
            .join(Child, Child.id == Application.child_id)
            .where(
                Application.status.in_(STUDIED),
                Application.start_day.is_not(None),
                Application.start_day <= month_before(uow.today).toordinal(),
                ~exists().where(
                    Review.child_id == Application.child_id,
                    Review.program_id == Application.program_id,
                ),
                ~exists().where(Outbox.dedup_key == key),
            )
            .order_by(Application.id)
            .limit(batch)
        )
    ).all()
    for app_id, child_id, program_id, parent_id in rows:
        assert child_id is not None  # joined on its child
        # two applications of one child to one program: the second adds nothing (the key)
        await emit(
            uow,
            parent_id,
            "rate_invite",
            {"application_id": app_id, "child_id": child_id, "program_id": program_id},
            dedup_key=invite_key(child_id, program_id),
        )
    return len(rows)


async def may_rate(uow: UnitOfWork, app: Application) -> bool:
    """Whether the application's card offers to rate its program."""
    return app.child_id is not None and _studied_a_month(app, uow.today)


async def rate(uow: UnitOfWork, parent_id: int, application_id: int, stars: int, text: str) -> int:
    """Rate the program of the family's application (1–5, a short text): a new review, or
    the child's review of the program edited. A hidden review stays hidden: the family may
    rate again, but the municipality's decision is not undone by an edit. Returns its id."""
    if not 1 <= stars <= 5:
        raise DomainError("review_stars")
    text = check_text(text)
    aim = await target(uow, parent_id, application_id)
    mine = await uow.session.scalar(
        select(Review).where(Review.child_id == aim.child_id, Review.program_id == aim.program_id)
    )
    if mine is None:
        mine = Review(
            program_id=aim.program_id,
            child_id=aim.child_id,
            parent_id=parent_id,
            created_at=uow.now,
        )
        uow.session.add(mine)
    mine.stars, mine.text, mine.updated_at, mine.parent_id = stars, text, uow.now, parent_id
    await uow.session.flush()
    return mine.id


async def ratings(
    uow: UnitOfWork, program_id: int, known: tuple[int, float] | None = None
) -> Ratings:
    """The program's visible ratings: their count and average (``known``: already read
    with the card), and the latest reviews with a text."""
    visible = (Review.program_id == program_id, Review.hidden_at.is_(None))
    if known is not None:
        count, average = known
    else:
        count, average = (
            await uow.session.execute(select(func.count(), func.avg(Review.stars)).where(*visible))
        ).one()
    if not count:
        return Ratings()
    rows = await uow.session.execute(
        select(Review, Program.name)
        .join(Program, Program.id == Review.program_id)
        .where(*visible, Review.text != "")
        .order_by(Review.updated_at.desc(), Review.id.desc())
        .limit(LATEST)
    )
    return Ratings(int(count), float(average), tuple(_view(r, p) for r, p in rows))


def _view(review: Review, program: str) -> ReviewView:
    return ReviewView(
        review.id,
        review.program_id,
        program,
        review.stars,
        review.text,
        review.updated_at,
        review.hidden_at is not None,
    )


async def for_moderation(
    uow: UnitOfWork, municipality_id: int | None, page: int = 0
) -> tuple[list[ReviewView], int]:
    """The reviews of a municipality's programs (None: the region's), newest first, the
    visible ones (a hidden one is done with): a page and the total."""
    where = [Review.hidden_at.is_(None), Review.text != ""]
    if municipality_id is not None:
        where.append(Program.municipality_id == municipality_id)
    total = await uow.session.scalar(
        select(func.count()).select_from(Review).join(Program).where(*where)
    )
    rows = await uow.session.execute(
        select(Review, Program.name)
        .join(Program, Program.id == Review.program_id)
        .where(*where)
        .order_by(Review.updated_at.desc(), Review.id.desc())
        .offset(page * MODERATION_PAGE)
        .limit(MODERATION_PAGE)
    )
    return [_view(r, p) for r, p in rows], int(total or 0)


async def hide(uow: UnitOfWork, review_id: int, by: int, municipality_id: int | None) -> int:
    """Hide a review of the municipality's programs (None: any in the region); its text is
    kept as written. Returns the program's municipality (for the audit trail)."""
    row = (
        await uow.session.execute(
            select(Review, Program.municipality_id)
            .join(Program, Program.id == Review.program_id)
            .where(Review.id == review_id)
            .with_for_update(of=Review)
        )
    ).first()
    if row is None:
        raise DomainError("review_not_found")
    review, where = row
    if municipality_id is not None and where != municipality_id:
        raise DomainError("not_allowed")
    if review.hidden_at is None:
        review.hidden_at, review.hidden_by = uow.now, by
        await uow.session.flush()
    return int(where)
