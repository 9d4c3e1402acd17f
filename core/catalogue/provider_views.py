"""What a provider's staff sees in the chat: the applications to decide, the children who
study, paged; an application's card with what a contract needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select

from core.catalogue.views import ApplicationView, _app_query, _app_view, provider_ids
from core.errors import DomainError
from core.rules.enrolment import AppStatus
from core.rules.people import age_on
from core.storage.db import UnitOfWork
from core.storage.models import Application, Certificate, Child, Contract, Program

PAGE = 8  # applications a page (a button each, with ◀ ▶ and the way back: within 10 rows)


class Queue(StrEnum):
    DECIDE = "decide"  # submitted and accepted: the provider's answer is due
    STUDYING = "studying"  # enrolled: studies may be ended (отчисление)


QUEUE_STATUSES = {
    Queue.DECIDE: (AppStatus.SUBMITTED.value, AppStatus.ACCEPTED.value),
    Queue.STUDYING: (AppStatus.ENROLLED.value,),
}


@dataclass(frozen=True)
class ProviderCard:
    """An application as the provider needs it to sign a contract."""

    application: ApplicationView
    child_full_name: str  # empty once the family's data were erased
    birth_date: date | None
    age: int | None
    certificate: str | None  # its number
    start: date | None  # enrolled: studies began on
    phone: str | None  # the parent's, if the family chose to give it with the application
    # the latest contract's status (core.services.contracts); None: no contract offered
    contract: str | None = None


async def queue(
    uow: UnitOfWork, staff_id: int, which: Queue, page: int = 0
) -> tuple[list[ApplicationView], int]:
    """One page of the provider's applications (oldest first) and how many there are."""
    providers = await provider_ids(uow, staff_id)
    if not providers:
        return [], 0
    where = (
        Program.provider_id.in_(providers),
        Application.status.in_(QUEUE_STATUSES[which]),
    )
    total = await uow.session.scalar(
        select(func.count())
        .select_from(Application)
        .join(Program, Program.id == Application.program_id)
        .where(*where)
    )
    rows = await uow.session.execute(
        _app_query().where(*where).order_by(Application.id).offset(page * PAGE).limit(PAGE)
    )
    return [_app_view(r) for r in rows], int(total or 0)


_NUMBER_SHOWN = frozenset({AppStatus.ACCEPTED, AppStatus.ENROLLED, AppStatus.FINISHED})


async def card(uow: UnitOfWork, staff_id: int, app_id: int) -> ProviderCard:
    """Only an application to one of this person's providers; any other is "not found"."""
    providers = await provider_ids(uow, staff_id)
    row = (
        await uow.session.execute(
            _app_query().where(Application.id == app_id, Program.provider_id.in_(providers))
        )
    ).first()
    if row is None:
        raise DomainError("application_not_found")
    view = _app_view(row)
    app = row[0]
    kid = await uow.session.get(Child, app.child_id) if app.child_id is not None else None
    # the number with the birth date was enough to take a certificate once (issue 24): a
    # provider sees it only for a child it accepted, when the contract needs it
    number = (
        await uow.session.scalar(
            select(Certificate.number).where(Certificate.id == app.certificate_id)
        )
        if app.certificate_id is not None and app.status in _NUMBER_SHOWN
        else None
    )
    full = " ".join(p for p in (kid.surname, kid.name, kid.patronymic) if p) if kid else ""
    return ProviderCard(
        view,
        full,
        kid.birth_date if kid else None,
        age_on(kid.birth_date, uow.today) if kid else None,
        number,
        date.fromordinal(app.start_day) if app.start_day else None,
        app.contact_phone,
        await uow.session.scalar(
            select(Contract.status)
            .where(Contract.application_id == app.id)
            .order_by(Contract.id.desc())
            .limit(1)
        ),
    )
