"""Children of a parent: add, edit, remove, list. Every read checks ownership."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from core.errors import DomainError
from core.family.parents import require_consent
from core.register import register
from core.rules.identity import Person
from core.rules.people import age_on, clean_name, parse_snils
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, Child, Group, Municipality, Parent, Program

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChildInput:
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    snils: str | None
    municipality_id: int


@dataclass(frozen=True, slots=True)
class ChildView:
    id: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    snils: str | None
    municipality_id: int
    municipality: str
    age: int

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


def validate(data: ChildInput, today: date) -> ChildInput:
    if data.birth_date > today:
        raise DomainError("birth_date_in_future")
    return ChildInput(
        surname=clean_name(data.surname),
        name=clean_name(data.name),
        patronymic=clean_name(data.patronymic) if data.patronymic else None,
        birth_date=data.birth_date,
        snils=parse_snils(data.snils) if data.snils else None,
        municipality_id=data.municipality_id,
    )


async def _check_municipality(uow: UnitOfWork, municipality_id: int) -> None:
    if await uow.session.get(Municipality, municipality_id) is None:
        raise DomainError("municipality_not_found")


async def add(uow: UnitOfWork, parent_id: int, data: ChildInput) -> int:
    """A child is registered once: the same child in another family is refused; a child
    whose register entry outlived an earlier withdrawal gets that entry back, with its
    number and balance (core.register.register)."""
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    clean = validate(data, uow.today)
    await _check_municipality(uow, clean.municipality_id)
    person = Person.of(clean)
    await register.lock_person(uow, person)
    await register.check_not_registered(uow, parent_id, person)
    child = Child(parent_id=parent_id, created_at=uow.now, **asdict(clean))
    try:
        # the savepoint must start before the object is added, or begin_nested's own
        # autoflush runs the failing INSERT outside it
        async with uow.session.begin_nested():
            uow.session.add(child)
            await uow.session.flush()
    except IntegrityError as exc:
        # the same СНИЛС committed by another family a moment ago
        raise DomainError("child_registered_elsewhere") from exc
    await register.reattach(uow, parent_id, child.id, person)
    logger.info("parent %s added child %s", parent_id, child.id)
    return child.id


async def get_owned(uow: UnitOfWork, parent_id: int, child_id: int) -> Child:
    """Another parent's child is reported as not found: its existence is not disclosed."""
    child = await uow.session.get(Child, child_id)
    if child is None or child.parent_id != parent_id:
        raise DomainError("child_not_found")
    return child


async def update_child(uow: UnitOfWork, parent_id: int, child_id: int, data: ChildInput) -> None:
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    child = await get_owned(uow, parent_id, child_id)
    clean = validate(data, uow.today)
    await _check_municipality(uow, clean.municipality_id)
    if await is_confirmed(uow, child_id) and identity_changed(child, clean):
        # who the child is was checked against the documents: a correction goes through
        # a confirmer (core.certificates.corrections), the certificate stays with its child
        raise DomainError("child_confirmed_ask_correction")
    person = Person.of(clean)
    await register.lock_person(uow, person)
    await register.check_not_registered(uow, parent_id, person, editing=child_id)
    try:
        async with uow.session.begin_nested():
            for field, value in asdict(clean).items():
                setattr(child, field, value)
            await uow.session.flush()
    except IntegrityError as exc:
        raise DomainError("child_registered_elsewhere") from exc


async def is_confirmed(uow: UnitOfWork, child_id: int) -> bool:
    """The child's data were checked against the documents (by a confirmer, or by the
    region for an imported certificate)."""
    found = await uow.session.scalar(
        select(Certificate.id).where(
            Certificate.child_id == child_id, Certificate.confirmed_at.is_not(None)
        )
    )
    return found is not None


def identity_changed(child: Child, clean: ChildInput) -> bool:
    return (child.surname, child.name, child.patronymic, child.birth_date, child.snils) != (
        clean.surname,
        clean.name,
        clean.patronymic,
        clean.birth_date,
        clean.snils,
    )


# built once: building a statement costs more than running it on SQLite (the screens
# that list children run on most events)
_FAMILY = (
    select(Child, Municipality.name)
    .join(Municipality, Municipality.id == Child.municipality_id)
    .where(Child.parent_id == bindparam("parent_id"))
    .order_by(Child.id)
)


# the family's consent, its children and the age range of the program a group belongs to,
# in one statement (which children may apply, asked on the storm's hot path): a row per
# child, one row with no child for a family without children
_GROUP_PROGRAM = aliased(Program)
_FAMILY_FOR_GROUP = (
    select(
        Parent.consent_at,
        Child,
        Municipality.name,
        _GROUP_PROGRAM.age_min,
        _GROUP_PROGRAM.age_max,
    )
    .select_from(Parent)
    .outerjoin(Child, Child.parent_id == Parent.id)
    .outerjoin(Municipality, Municipality.id == Child.municipality_id)
    .outerjoin(Group, Group.id == bindparam("group_id"))
    .outerjoin(_GROUP_PROGRAM, _GROUP_PROGRAM.id == Group.program_id)
    .where(Parent.id == bindparam("parent_id"))
    .order_by(Child.id)
)


async def for_group(
    uow: UnitOfWork, parent_id: int, group_id: int
) -> tuple[list[ChildView], tuple[int, int]]:
    """The family's children and the age range of the group's program. A family without
    consent learns that first, then a family without children, whatever the group."""
    rows = (
        await uow.session.execute(
            _FAMILY_FOR_GROUP, {"parent_id": parent_id, "group_id": group_id}
        )
    ).all()
    if not rows:
        raise DomainError("parent_not_found")
    if rows[0].consent_at is None:
        raise DomainError("consent_required")
    if rows[0].Child is None:
        return [], (0, 0)
    if rows[0].age_min is None:
        raise DomainError("group_not_found")
    today = uow.today
    kids = [_view(row.Child, row.name, today) for row in rows]
    return kids, (int(rows[0].age_min), int(rows[0].age_max))


async def list_children(uow: UnitOfWork, parent_id: int) -> list[ChildView]:
    rows = await uow.session.execute(_FAMILY, {"parent_id": parent_id})
    today = uow.today
    return [_view(child, muni, today) for child, muni in rows]


async def view(uow: UnitOfWork, parent_id: int, child_id: int) -> ChildView:
    child = await get_owned(uow, parent_id, child_id)
    muni = await uow.session.get(Municipality, child.municipality_id)
    return _view(child, muni.name if muni else "", uow.today)


def _view(child: Child, municipality: str, today: date) -> ChildView:
    return ChildView(
        id=child.id,
        surname=child.surname,
        name=child.name,
        patronymic=child.patronymic,
        birth_date=child.birth_date,
        snils=child.snils,
        municipality_id=child.municipality_id,
        municipality=municipality,
        age=age_on(child.birth_date, today),
    )
