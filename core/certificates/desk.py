"""The МОЦ's desk: what waits for a confirmer, by kind (a filter), searchable while the
family stands at the desk, ten a page, the oldest first.

A search is one text as the confirmer types it: a certificate number (dashes and spaces
aside), the last digits of the child's СНИЛС (four or more: a list line never shows the
whole СНИЛС), or the beginning of the child's surname, case- and ё/е-insensitively (the
folded surname is kept on the child's row, so both databases answer it the same way).
Everything is one query per figure over the confirmer's scope (their municipalities, or
the region), whatever the size of the queue.

A kind of request is one member of ``Desk`` and one entry of ``_KINDS``: its rows (the
child and the certificate they concern, joined, so the same search applies) and its order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from core.certificates.confirmations import _covered, _scope
from core.certificates.corrections import PENDING
from core.register.register_rows import normalise_number
from core.rules.enrolment import CertStatus
from core.rules.text import fold
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, Child, Correction

PAGE = 10
QUERY_MAX = 60
NUMBER_DIGITS = 10  # of a number the chat gives (core.rules.numbers.certificate_number)
SNILS_TAIL_MIN = 4  # fewer digits match too many children to be a search


class Desk(StrEnum):
    """The desk's filters, in the order of their buttons."""

    NEW = "new"  # certificates requested: the child's data to check with the documents
    CORRECTIONS = "corrections"  # a confirmed child's data the family asks to correct


@dataclass(frozen=True, slots=True)
class DeskLine:
    """One request on a list line: no СНИЛС here, not even part of it."""

    id: int  # the certificate's (NEW) or the correction's (CORRECTIONS)
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    number: str
    requested_at: datetime

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


@dataclass(frozen=True, slots=True)
class DeskPage:
    which: Desk
    query: str  # the search as understood ("" for none)
    lines: list[DeskLine]
    found: int  # the requests of this kind matching the search
    waiting: dict[Desk, int]  # of each kind, the search aside (the filters' buttons)


_LINE = (Child.surname, Child.name, Child.patronymic, Child.birth_date, Certificate.number)
# a kind's rows (id, the child's names, birth date, number, when asked) and their order
Rows = tuple[Any, tuple[Any, ...]]
Kind = Callable[[bool, list[int]], Rows]


def _new(wide: bool, munis: list[int]) -> Rows:
    query = (
        select(Certificate.id, *_LINE, Certificate.issued_at)
        .join(Child, Child.id == Certificate.child_id)
        .where(Certificate.status == CertStatus.AWAITING.value, _covered(wide, munis))
    )
    return query, (Certificate.issued_at, Certificate.id)


def _corrections(wide: bool, munis: list[int]) -> Rows:
    query = (
        select(Correction.id, *_LINE, Correction.created_at)
        .join(Child, Child.id == Correction.child_id)
        .join(Certificate, Certificate.child_id == Child.id)
        .where(Correction.status == PENDING)
    )
    if not wide:
        query = query.where(Child.municipality_id.in_(munis))
    return query, (Correction.created_at, Correction.id)


_KINDS: dict[Desk, Kind] = {Desk.NEW: _new, Desk.CORRECTIONS: _corrections}


def clean_query(raw: str) -> str:
    return " ".join(raw.split())[:QUERY_MAX]


def query_kind(raw: str) -> str:
    """What a search was, for the audit trail, which never holds what was typed: "none",
    "digits" (a number, or the end of a СНИЛС) or "text" (a number, or a surname)."""
    text = clean_query(raw)
    if not text:
        return "none"
    digits = re.sub(r"[\s\-]", "", text)
    return "digits" if digits.isascii() and digits.isdigit() else "text"


def query_key(raw: str) -> str:
    """The search as its keyed digest is taken: folded as the search compares it."""
    return fold(clean_query(raw))


def matching(raw: str) -> ColumnElement[bool] | None:
    """The condition of a search (None: no search). Digits are a number or the end of a
    СНИЛС; anything else a number or the beginning of a surname."""
    text = clean_query(raw)
    if not text:
        return None
    digits = re.sub(r"[\s\-]", "", text)
    # the number as stored: as typed (an imported one may hold letters), or the chat's
    # own 01-0001234-5 typed without its dashes; compared whole, so the unique index answers
    numbers = {normalise_number(text)}
    if len(digits) == NUMBER_DIGITS and digits.isascii() and digits.isdigit():
        numbers.add(f"{digits[:2]}-{digits[2:9]}-{digits[9:]}")
    found: list[ColumnElement[bool]] = [Certificate.number.in_(sorted(numbers))]
    if digits.isascii() and digits.isdigit():
        if len(digits) >= SNILS_TAIL_MIN:
            found.append(Child.snils.like(f"%{digits}"))
    else:
        folded = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found.append(Child.surname_fold.like(f"{folded}%", escape="\\"))
    return or_(*found)


async def desk(
    uow: UnitOfWork, staff_id: int, which: Desk, query: str = "", page: int = 0
) -> DeskPage:
    """One page of ``which``, oldest first, matching ``query``; and how many of each kind
    wait in the confirmer's scope (refused to anyone who is not a confirmer)."""
    wide, munis = await _scope(uow, staff_id)
    waiting = {}
    for kind, build in _KINDS.items():
        rows, _ = build(wide, munis)
        waiting[kind] = int(
            await uow.session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        )
    rows, order = _KINDS[which](wide, munis)
    condition = matching(query)
    if condition is not None:
        rows = rows.where(condition)
        found = int(
            await uow.session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        )
    else:
        found = waiting[which]
    result = await uow.session.execute(rows.order_by(*order).offset(page * PAGE).limit(PAGE))
    lines: list[DeskLine] = [
        DeskLine(
            id=i,
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=born,
            number=number or "",
            requested_at=at,
        )
        for i, surname, name, patronymic, born, number, at in result
    ]
    return DeskPage(which, clean_query(query), lines, found, waiting)
