"""The balance screen's read: the family's children, their certificates, what explains each
certificate's money and what each program holds on it, in one statement."""

from __future__ import annotations

from typing import Any, NamedTuple
from typing import cast as cast_to

from sqlalchemy import Executable, Integer, String, and_, bindparam, case, cast, literal, select
from sqlalchemy.orm import aliased

from core.certificates.certificates import CertificateView, _view, funding_terms
from core.certificates.statement import Reserve
from core.family.children import ChildView
from core.family.children import _view as child_view
from core.rules.calendar import Period, funding_year_of
from core.rules.enrolment import CertStatus
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    LedgerEntry,
    Municipality,
    MunicipalityYear,
    Program,
)

_CERT_MUNI = aliased(Municipality)
# a certificate's funding year: its municipality's period picks the calendar year or the
# school year (both given, computed from the region's today)
_YEAR = case(
    (
        _CERT_MUNI.funding_period == Period.CALENDAR.value,
        bindparam("calendar_year", type_=Integer),
    ),
    else_=bindparam("school_year", type_=Integer),
)


class _Child(NamedTuple):
    id: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: Any
    snils: str | None
    municipality_id: int


class _Cert(NamedTuple):
    id: int | None
    number: str | None
    status: str | None
    total: int
    reserved: int
    queue_seq: int | None
    municipality_id: int
    funding_requested_at: Any
    rejection_reason: str | None


_CHILD = len(_Child._fields)
_CERT = _CHILD + 1  # after the child's municipality's name
_MONEY = _CERT + len(_Cert._fields)

# each child with its certificate and what explains its money (its municipality's period,
# the year's nominal and rule, this year's credit: terms_of's three reads joined in), and
# a row for each program holding money on a funded certificate (reserves_of's read joined
# in: issue 30, two statements before). Plain columns on the unit of work's connection
# (UnitOfWork.core): no ORM loading for a read that only shows them.
_BALANCE: Executable = (
    select(
        *(getattr(Child, f) for f in _Child._fields),
        Municipality.name,
        *(getattr(Certificate, f) for f in _Cert._fields),
        Certificate.funded_at,
        _CERT_MUNI.funding_period,
        MunicipalityYear.nominal,
        MunicipalityYear.prorate_current_month,
        LedgerEntry.total_delta,
        Program.name,
        Application.reserved_left,
        Application.monthly_share,
        Application.last_month,
    )
    .join(Municipality, Municipality.id == Child.municipality_id)
    .outerjoin(Certificate, Certificate.child_id == Child.id)
    .outerjoin(_CERT_MUNI, _CERT_MUNI.id == Certificate.municipality_id)
    .outerjoin(
        MunicipalityYear,
        and_(
            MunicipalityYear.municipality_id == Certificate.municipality_id,
            MunicipalityYear.school_year == _YEAR,
        ),
    )
    .outerjoin(
        LedgerEntry,
        LedgerEntry.key
        == literal("credit:") + cast(Certificate.id, String) + literal(":") + cast(_YEAR, String),
    )
    .outerjoin(
        Application,
        and_(
            Application.certificate_id == Certificate.id,
            Certificate.status == CertStatus.FUNDED.value,
            Application.reserved_left > 0,
        ),
    )
    .outerjoin(Program, Program.id == Application.program_id)
    .where(Child.parent_id == bindparam("parent_id"))
    .order_by(Child.id, Application.id)
)

Family = list[tuple[ChildView, CertificateView | None]]


async def family(uow: UnitOfWork, parent_id: int) -> tuple[Family, dict[int, list[Reserve]]]:
    """The family's children and their certificates (no nominal: the balance does not show
    it) with their funding years, and what programs hold on the funded ones (by
    certificate, in the order they were applied for): one statement."""
    today = uow.today
    rows = await uow.core(
        _BALANCE,
        {
            "parent_id": parent_id,
            "calendar_year": funding_year_of(today, Period.CALENDAR),
            "school_year": funding_year_of(today, Period.SCHOOL),
        },
    )
    found: Family = []
    held: dict[int, list[Reserve]] = {}
    last = None
    for row in rows:
        program, left, share, until = row[-4:]
        if row[0] != last:  # a child's first row: the child and the certificate
            last = row[0]
            cert = _Cert._make(row[_CERT:_MONEY])
            shown: CertificateView | None = None
            if cert.id is not None:  # a child without a certificate: all None
                terms = None
                if cert.status == CertStatus.FUNDED:
                    funded_at, period, nominal, prorate, credited = row[_MONEY : _MONEY + 5]
                    terms = funding_terms(
                        uow,
                        funded_at,
                        Period(period or Period.SCHOOL),
                        nominal,
                        True if prorate is None else bool(prorate),
                        None if credited is None else int(credited),
                    )
                    held[cert.id] = []
                # the view made once, its terms in it (dataclasses.replace made it twice)
                shown = await _view(uow, cast_to(Certificate, cert), nominal=False, terms=terms)
            child = cast_to(Child, _Child._make(row[:_CHILD]))
            found.append((child_view(child, row[_CHILD], today), shown))
        if program is not None and shown is not None:
            held[shown.id].append(Reserve(program, left, share, until))
    return found, held
