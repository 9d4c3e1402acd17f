"""What an application would cost and whether the rules allow it: the facts gathered in a
few statements built once (they run on every quote and every application, an opening-day
storm's hot path), the verdict from core.rules.enrolment, the money from core.rules.money."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Integer, and_, bindparam, case, select, true
from sqlalchemy.orm import aliased

from core.certificates.certificates import for_child
from core.enrolment import campaign
from core.errors import DomainError
from core.family.parents import require_consent
from core.rules.calendar import Period, funding_year_of, month_of
from core.rules.catalogue import BUDGET_REGISTERS, Register
from core.rules.enrolment import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    ApplyFacts,
    CertStatus,
    check_apply,
)
from core.rules.money import Quote, quote
from core.rules.people import age_on
from core.storage import locks
from core.storage.db import UnitOfWork, one_of
from core.storage.fast import hot
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Group,
    Municipality,
    MunicipalityYear,
    Parent,
    Program,
    Provider,
)

ACTIVE = [s.value for s in ACTIVE_STATUSES]
OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True, slots=True)
class ApplyQuote:
    child_id: int
    group_id: int
    program_id: int
    register: Register
    art_school: bool
    first_month: int
    last_month: int
    money: Quote  # monthly_share 0 for budget registers and art schools
    available: int
    school_year: int = 0
    next_year: bool = False  # for the coming school year (the summer campaign)
    later_year: bool = False  # paid from a funding year not yet open (blocked when it opens)
    nominal_known: bool = True  # next year's nominal set (else today's balance was used)
    later_months: int = 0  # paid from the next calendar year's nominal, reserved 1 January
    full: bool = False  # no free seat (or others wait for one): applying joins the list
    waiting: int = 0  # how many wait in the group's list already
    offered: bool = False  # the seat is held for this family (taking an offered seat)
    child_name: str = ""
    hold_hours: int = 24  # how long a freed seat is held for the first in the list


# built once: the checks run on every quote and application (an opening-day storm's hot
# path), and building a statement costs more than running it; plain columns, not ORM
# objects, where only the rules read them.
# an open application's facts the rules read: read for one child (_OPEN_APPS, the apply)
# and for a family's children (_FAMILY_OPEN_APPS, the card) alike
_OPEN_APP_COLUMNS = (
    Application.id.label("app_id"),
    Application.program_id.label("app_program"),
    Application.register.label("app_register"),
    Application.status.label("app_status"),
    Provider.art_school.label("app_art"),
)
# The child's open applications: a second one to this program, and what the budget
# registers' limits count (art schools count for nothing)
_OPEN_APPS = (
    select(*_OPEN_APP_COLUMNS)
    .join(Program, Program.id == Application.program_id)
    .join(Provider, Provider.id == Program.provider_id)
    .where(Application.child_id == bindparam("child_id"), one_of(Application.status, OPEN))
    .subquery("open_apps")
)
_YEAR_FIELDS = tuple(campaign.YearSettings.__dataclass_fields__)


def _year_of(row: Any) -> campaign.YearSettings | None:
    if row.year_id is None:
        return None
    return campaign.YearSettings(*(getattr(row, f"year_{f}") for f in _YEAR_FIELDS))


# the group's seats and its program's and provider's facts a quote needs: read by the
# apply (_GROUP) and the card (_FAMILY_QUOTES) alike
_GROUP_FACTS = (
    Group.taken,
    Group.seats,
    Group.waiting,
    Program.id.label("program_id"),
    Program.start_month,
    Program.end_month,
    Program.age_min,
    Program.age_max,
    Program.register,
    Program.price,
    Provider.art_school,
)

# the group, its program and provider, the municipality's seat hold, the child's
# municipality's settings of the funding year and the child's open applications, in one
# statement: a row per open application (one with NULLs when there is none)
_GROUP = (
    select(
        *_GROUP_FACTS,
        Municipality.seat_hold_hours,
        # the settings of the funding year, as columns (campaign.YearSettings)
        MunicipalityYear.id.label("year_id"),
        *(getattr(MunicipalityYear, f).label(f"year_{f}") for f in _YEAR_FIELDS),
        _OPEN_APPS.c.app_id,
        _OPEN_APPS.c.app_program,
        _OPEN_APPS.c.app_register,
        _OPEN_APPS.c.app_status,
        _OPEN_APPS.c.app_art,
        # whose child it is now: after an application's locks, a statement of its own
        # would cost a round trip (_child_locked)
        select(Child.parent_id)
        .where(Child.id == bindparam("child_id"))
        .scalar_subquery()
        .label("owner"),
    )
    .select_from(Group)
    .join(Program, Program.id == Group.program_id)
    .join(Provider, Provider.id == Program.provider_id)
    .join(Municipality, Municipality.id == Program.municipality_id)
    .outerjoin(
        MunicipalityYear,
        and_(
            MunicipalityYear.municipality_id == bindparam("municipality_id"),
            MunicipalityYear.school_year == bindparam("year"),
        ),
    )
    .outerjoin(_OPEN_APPS, true())
    .where(Group.id == bindparam("group_id"), Program.active.is_(True))
)
# the child (the family's own), its municipality's funding period and the family's
# consent in one statement (with the certificate below)
_CHILD = (
    select(
        Child.municipality_id,
        Child.birth_date,
        Child.name,
        Municipality.funding_period,
        Parent.consent_at,
    )
    .join(Municipality, Municipality.id == Child.municipality_id)
    .join(Parent, Parent.id == Child.parent_id)
    .where(Child.id == bindparam("child_id"), Child.parent_id == bindparam("parent_id"))
)
# what the rules read of the child's certificate
_CERT = (Certificate.id, Certificate.status, Certificate.total, Certificate.reserved)


class CertFacts(NamedTuple):
    id: int
    status: str
    total: int
    reserved: int


_CHILD_CERTIFICATE = _CHILD.add_columns(*_CERT).outerjoin(
    Certificate, Certificate.child_id == Child.id
)
# a program's card for a family (an announcement, a notice, a link: no child chosen):
# every child of the family with what the quote reads of it (as _CHILD_CERTIFICATE), in
# one statement, so the card picks the one child of the program's age and quotes it
# without reading the child again; one row with no child for a family without children
_FAMILY_CERTIFICATES = (
    select(
        Child.municipality_id,
        Child.birth_date,
        Child.name,
        Municipality.funding_period,
        Parent.consent_at,
        *_CERT,
        Child.id.label("child_id"),
    )
    .select_from(Parent)
    .outerjoin(Child, Child.parent_id == Parent.id)
    .outerjoin(Municipality, Municipality.id == Child.municipality_id)
    .outerjoin(Certificate, Certificate.child_id == Child.id)
    .where(Parent.id == bindparam("parent_id"))
    .order_by(Child.id)
)


async def family_children(uow: UnitOfWork, parent_id: int) -> list[Any]:
    """The family's children, each with what a quote reads of it (``facts``' ``known``);
    empty for a family without consent or without children."""
    rows = (await uow.core(_FAMILY_CERTIFICATES, {"parent_id": parent_id})).all()
    if not rows or rows[0].consent_at is None or rows[0].child_id is None:
        return []
    return list(rows)


# a program's card for a family, as _FAMILY_CERTIFICATES and _GROUP together: every child
# of the family with what the quote reads of it, then the group's facts for that child
# (the same columns as _GROUP: its municipality's settings of the funding year in force,
# chosen by the child's funding period here, and its open applications: a row per open
# application). The card needs one statement, not two (issue 30).
_GROUP_MUNICIPALITY = aliased(Municipality, name="group_municipality")
_FAMILY_OPEN_APPS = (
    select(Application.child_id.label("app_child"), *_OPEN_APP_COLUMNS)
    .join(Program, Program.id == Application.program_id)
    .join(Provider, Provider.id == Program.provider_id)
    .where(
        Application.child_id.in_(
            select(Child.id).where(Child.parent_id == bindparam("parent_id"))
        ),
        one_of(Application.status, OPEN),
    )
    .subquery("family_apps")
)
_FAMILY_QUOTES = (
    select(
        *_FAMILY_CERTIFICATES.selected_columns,
        *_GROUP_FACTS,
        _GROUP_MUNICIPALITY.seat_hold_hours,
        MunicipalityYear.id.label("year_id"),
        *(getattr(MunicipalityYear, f).label(f"year_{f}") for f in _YEAR_FIELDS),
        _FAMILY_OPEN_APPS.c.app_id,
        _FAMILY_OPEN_APPS.c.app_program,
        _FAMILY_OPEN_APPS.c.app_register,
        _FAMILY_OPEN_APPS.c.app_status,
        _FAMILY_OPEN_APPS.c.app_art,
        Child.parent_id.label("owner"),
    )
    .select_from(Parent)
    .outerjoin(Child, Child.parent_id == Parent.id)
    .outerjoin(Municipality, Municipality.id == Child.municipality_id)
    .outerjoin(Certificate, Certificate.child_id == Child.id)
    # no such group, or its program withdrawn: program_id reads NULL (``facts``)
    .outerjoin(Group, Group.id == bindparam("group_id"))
    .outerjoin(Program, and_(Program.id == Group.program_id, Program.active.is_(True)))
    .outerjoin(Provider, Provider.id == Program.provider_id)
    .outerjoin(_GROUP_MUNICIPALITY, _GROUP_MUNICIPALITY.id == Program.municipality_id)
    .outerjoin(
        MunicipalityYear,
        and_(
            MunicipalityYear.municipality_id == Child.municipality_id,
            # funding_year_of, in the statement: the child's period picks the year
            MunicipalityYear.school_year
            == case(
                (
                    Municipality.funding_period == Period.CALENDAR.value,
                    bindparam("calendar_year", type_=Integer),
                ),
                else_=bindparam("school_year", type_=Integer),
            ),
        ),
    )
    .outerjoin(_FAMILY_OPEN_APPS, _FAMILY_OPEN_APPS.c.app_child == Child.id)
    .where(Parent.id == bindparam("parent_id"))
    .order_by(Child.id)
)


async def family_quotes(uow: UnitOfWork, parent_id: int, group_id: int) -> list[list[Any]]:
    """The family's children, each as the rows ``facts`` reads of it and of the group
    (``known``: the first; ``group_rows``: all of them), in one statement; empty for a
    family without consent or without children."""
    today = uow.today
    rows = (
        await uow.core(
            _FAMILY_QUOTES,
            {
                "parent_id": parent_id,
                "group_id": group_id,
                "calendar_year": funding_year_of(today, Period.CALENDAR),
                "school_year": funding_year_of(today, Period.SCHOOL),
            },
        )
    ).all()
    if not rows or rows[0].consent_at is None or rows[0].child_id is None:
        return []
    children: dict[int, list[Any]] = {}
    for row in rows:
        children.setdefault(row.child_id, []).append(row)
    return list(children.values())


# an application on PostgreSQL: steps 1 to 3 of the lock order (core.storage.locks) in
# one statement: the ledger gate (shared) is taken where the row is built, below the row
# locks, then the family's row and the child's certificate are locked, in that order
# (PostgreSQL re-reads the consent and the balance if they changed meanwhile). The
# certificate's lock serialises one child's applications, so the balance, the budget
# count and the duplicate check are read fresh. A child without a certificate (or not
# the family's) has no row here and is read by the two statements below instead.
_CHILD_CERTIFICATE_LOCKED = (
    _CHILD.add_columns(*_CERT, locks.GATE_SHARED_CALL)
    .join(Certificate, Certificate.child_id == Child.id)
    .with_for_update(of=[Parent, Certificate])
)
_CHILD_LOCKED = _CHILD.add_columns(locks.GATE_SHARED_CALL).with_for_update(of=Parent)
_OWNER = select(Child.parent_id).where(Child.id == bindparam("child_id"))


async def _child_locked(uow: UnitOfWork, ids: dict[str, int]) -> tuple[Any, CertFacts | None]:
    """The child, its funding period, the consent and its certificate, under the gate and
    the locks of the family and the certificate (SQLite: its write lock holds them all).
    The statement re-reads the rows it locked, not the child's: a child a dispute moved
    to another family while this waited for the family's lock would still read as this
    family's. A statement after the lock sees the move committed: the group's (_GROUP's
    owner, checked by ``facts``), which costs no round trip of its own."""
    if uow.dialect != "postgresql":
        found = (await uow.core(_CHILD_CERTIFICATE, ids)).first()
    else:
        found = (await uow.core(_CHILD_CERTIFICATE_LOCKED, ids)).first()
        if found is None:
            found = (await uow.core(_CHILD_LOCKED, ids)).first()
            if found is None or await uow.session.scalar(_OWNER, ids) != ids["parent_id"]:
                return None, None
            cert = await for_child(uow, ids["child_id"], lock=True)
            facts = CertFacts(cert.id, cert.status, cert.total, cert.reserved) if cert else None
            return found, facts
    return found, _cert(found)


def _cert(found: Any) -> CertFacts | None:
    return CertFacts(*found[5:9]) if found is not None and found[5] is not None else None


async def facts(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    group_id: int,
    *,
    lock: bool,
    offer: int | None = None,
    consent: bool = False,
    known: Any = None,
    group_rows: list[Any] | None = None,
) -> tuple[ApplyQuote, CertFacts | None]:
    """The quote and the rules' verdict. ``offer``: the family's own offered (or waiting)
    application for this program, not counted as a second one. ``consent``: refuse a
    family without consent (an application checks it under the family's lock instead).
    ``known``: the child's row read already (``family_children``; never with a lock);
    ``group_rows``: the group's too, with it (``family_quotes``)."""
    ids = {"child_id": child_id, "parent_id": parent_id}
    found: Any  # the child, its funding period, the consent, the certificate
    if lock:
        found, cert = await _child_locked(uow, ids)
    else:
        if known is None:
            known = (await uow.core(_CHILD_CERTIFICATE, ids)).first()
        found, cert = known, _cert(known)
    if found is None:
        if consent:
            await require_consent(uow, parent_id)  # says which, when it is the consent
        # another family's child is not found: its existence is not disclosed
        raise DomainError("child_not_found")
    muni_id, birth_date, child_name, funding_period, consent_at = found[:5]
    if consent and consent_at is None:
        raise DomainError("consent_required")
    today = uow.today
    period = Period(funding_period or Period.SCHOOL)
    rows = group_rows
    if rows is None:
        rows = (
            await uow.core(
                _GROUP,
                {
                    "group_id": group_id,
                    "child_id": child_id,
                    "municipality_id": muni_id,
                    "year": funding_year_of(today, period),
                },
            )
        ).all()
    if not rows or rows[0].program_id is None:
        raise DomainError("group_not_found")
    group = rows[0]
    if group.owner != parent_id:  # moved to another family meanwhile (_child_locked)
        raise DomainError("child_not_found")
    when = await campaign.target(
        uow, muni_id, group.start_month, group.end_month, period, current=_year_of(group)
    )
    first, last, months = when.first_month, when.last_month, when.months
    budget_registers = {r.value for r in BUDGET_REGISTERS}
    same = 0
    budget_active: dict[str, int] = {}
    for row in rows:
        if row.app_id is None:
            continue
        if row.app_program == group.program_id and row.app_id != offer:
            same += 1
        if row.app_status in ACTIVE and row.app_register in budget_registers and not row.app_art:
            budget_active[row.app_register] = budget_active.get(row.app_register, 0) + 1
    year = when.settings
    register = Register(group.register)
    check_apply(
        ApplyFacts(
            child_age=age_on(birth_date, today),
            age_min=group.age_min,
            age_max=group.age_max,
            register=register,
            art_school=group.art_school,
            certificate_status=CertStatus(cert.status) if cert else None,
            has_active_same_program=bool(same),
            active_budget_programs=sum(budget_active.values()),
            budget_limit=year.budget_programs_limit if year else None,
            months_left=months,
            year_set=year is not None,
            active_same_register=budget_active.get(register.value, 0),
            register_limit=register_limit(year, register),
        )
    )
    available = cert.total - cert.reserved if cert else 0
    nominal_known = True
    later = campaign.is_next_year(first, month_of(today), period)
    if later and cert is not None:
        # months in a funding year not yet open (the summer campaign; a January start in
        # a calendar-year municipality): that year's nominal when the municipality has
        # set it, less what the child's accepted applications for it will take; until
        # then, the balance of today (the quote says which)
        coming = (
            year
            if period == Period.SCHOOL
            else await campaign.settings_of(uow, muni_id, first // 12)
        )
        nominal = coming.nominal if coming is not None else 0
        nominal_known = nominal > 0
        if nominal_known:
            available = nominal - await campaign.held_next_year(uow, cert.id, first)
    # a calendar-year municipality pays up to December from this year's money; the months
    # after are reserved from the next nominal on 1 January (campaign.carry_into)
    paid = campaign.money_months(first, last, period)
    if register == Register.CERTIFIED and not group.art_school:
        money = quote(group.price, paid, available)
        if money.monthly_share == 0 and group.price > 0:
            raise DomainError("certificate_exhausted", available=available)
    else:
        money = Quote(group.price, months, 0)
    return (
        ApplyQuote(
            child_id=child_id,
            group_id=group_id,
            program_id=group.program_id,
            register=register,
            art_school=group.art_school,
            first_month=first,
            last_month=last,
            money=money,
            available=available,
            school_year=when.school_year,
            next_year=when.next_year,
            later_year=later,
            nominal_known=nominal_known,
            later_months=months - paid if money.monthly_share else 0,
            full=offer is None and (group.taken >= group.seats or group.waiting > 0),
            waiting=group.waiting,
            offered=offer is not None,
            child_name=child_name,
            hold_hours=group.seat_hold_hours,
        ),
        cert,
    )


def register_limit(year: campaign.Settings | None, register: Register) -> int | None:
    if year is None:
        return None
    return {
        Register.SIGNIFICANT: year.limit_significant,
        Register.PREPROFESSIONAL: year.limit_preprofessional,
        Register.OTHER: year.limit_other,
    }.get(register)


async def quote_application(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    group_id: int,
    *,
    offer: int | None = None,
    known: Any = None,
    group_rows: list[Any] | None = None,
) -> ApplyQuote:
    """What the application would take at acceptance and cost; raises the refusal the apply
    would raise. ``offer``: taking the seat held for this application of the family;
    ``known``, ``group_rows``: the child's row and the group's, read already
    (``family_children``, ``family_quotes``)."""
    q, _ = await facts(
        uow,
        parent_id,
        child_id,
        group_id,
        lock=False,
        offer=offer,
        consent=True,
        known=known,
        group_rows=group_rows,
    )
    return q


# run by the short way on PostgreSQL (core/storage/fast.py): the opening-day storm's
for _hot in (
    _GROUP,
    _CHILD_CERTIFICATE,
    _FAMILY_CERTIFICATES,
    _FAMILY_QUOTES,
    _CHILD_CERTIFICATE_LOCKED,
    _CHILD_LOCKED,
):
    hot(_hot)
