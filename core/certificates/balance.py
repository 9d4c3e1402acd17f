"""The balance screen's read: the family's children, their certificates, what explains each
certificate's money and what each program holds on it, in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Executable, Integer, String, and_, bindparam, case, cast, literal, select
from sqlalchemy.orm import aliased

from core.certificates.certificates import FundingTerms, funding_terms
from core.certificates.statement import Reserve
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


class Kid(NamedTuple):
    """A child as the balance screen names them."""

    id: int
    name: str


class Funds(NamedTuple):
    """A certificate as the balance screen shows it: its state, its money and, funded, what
    explains the money (no nominal, no queue position, no office: the screen shows none)."""

    id: int
    number: str
    status: CertStatus
    total: int
    reserved: int
    terms: FundingTerms | None

    @property
    def available(self) -> int:
        return self.total - self.reserved


@dataclass(frozen=True, slots=True)
class Balance:
    children: list[Kid]
    certificates: dict[int, Funds]  # by child
    reserves: dict[int, list[Reserve]]  # by certificate: what each program holds


# each child with its certificate and what explains its money (its municipality's period,
# the year's nominal and rule, this year's credit: terms_of's three reads joined in), and
# a row for each program holding money on a funded certificate (reserves_of's read joined
# in: issue 30, two statements before). Plain columns on the unit of work's connection
# (UnitOfWork.core): no ORM loading for a read that only shows them, and only the columns
# the screen shows (the child's municipality, birth date, the queue's place: not read).
_BALANCE: Executable = (
    select(
        Child.id,
        Child.name,
        Certificate.id,
        Certificate.number,
        Certificate.status,
        Certificate.total,
        Certificate.reserved,
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

_FUNDED = CertStatus.FUNDED.value


async def family(uow: UnitOfWork, parent_id: int, only: int | None = None) -> Balance:
    """The family's children (or only the one child ``only``) and their certificates as the
    balance screen shows them, with their funding years, and what programs hold on the
    funded ones (by certificate, in the order they were applied for): one statement."""
    today = uow.today
    rows = await uow.core(
        _BALANCE,
        {
            "parent_id": parent_id,
            "calendar_year": funding_year_of(today, Period.CALENDAR),
            "school_year": funding_year_of(today, Period.SCHOOL),
        },
    )
    kids: list[Kid] = []
    certs: dict[int, Funds] = {}
    held: dict[int, list[Reserve]] = {}
    last = None
    shown: list[Reserve] | None = None  # the reserves of the child's funded certificate
    for row in rows:
        (kid, name, cert, number, status, total, reserved) = row[:7]
        if kid != last:  # a child's first row: the child and the certificate
            last, shown = kid, None
            if only is not None and kid != only:
                continue
            kids.append(Kid(kid, name))
            if cert is None:  # a child without a certificate: all None
                continue
            terms = None
            if status == _FUNDED:
                funded_at, period, nominal, prorate, credited = row[7:12]
                terms = funding_terms(
                    uow,
                    funded_at,
                    Period(period or Period.SCHOOL),
                    nominal,
                    True if prorate is None else bool(prorate),
                    None if credited is None else int(credited),
                )
                shown = held[cert] = []
            certs[kid] = Funds(cert, number or "", CertStatus(status), total, reserved, terms)
        if shown is not None and row[12] is not None:
            shown.append(Reserve(*row[12:16]))
    return Balance(kids, certs, held)
