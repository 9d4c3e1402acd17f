"""A confirmer corrects a typo in a request while the family stands at the desk: the
child's surname, name, patronymic, birth date or СНИЛС, validated exactly as the family's
own entry is (core.family.children.validate: the СНИЛС checksum included), and refused
when the corrected child is one registered already. Then the confirmer confirms the data
as usual (the card's version changes with them).

The audit trail records which field, with keyed digests of the old and the new values
(HMAC with the deployment's REGISTER_SECRET, as the register's own keys): the values can be
recognised by whoever holds them and the secret, never read back from the trail. The
family is told which field was corrected (the values they read in the child's card).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from core.audit import audit
from core.certificates.confirmations import _locked_awaiting
from core.errors import DomainError
from core.family.children import ChildInput, validate
from core.outbox.outbox import emit
from core.register import register
from core.rules.identity import Person
from core.rules.people import check_certificate_age, parse_birth_date
from core.storage.db import UnitOfWork
from core.storage.models import Child

logger = logging.getLogger(__name__)


class Field(StrEnum):
    SURNAME = "surname"
    NAME = "name"
    PATRONYMIC = "patronymic"
    BIRTH_DATE = "birth_date"
    SNILS = "snils"


def digest(secret: bytes, field: Field, value: object) -> str:
    return audit.keyed_digest(secret, field.value, value)


def _entered(child: Child, field: Field, raw: str, today: date) -> ChildInput:
    """The child's data with one field as the confirmer typed it, validated as the
    family's entry is."""
    data = ChildInput(
        surname=child.surname,
        name=child.name,
        patronymic=child.patronymic,
        birth_date=child.birth_date,
        snils=child.snils,
        municipality_id=child.municipality_id,
    )
    text = raw.strip()
    if field is Field.BIRTH_DATE:
        data = replace(data, birth_date=parse_birth_date(text, today))
    elif field is Field.PATRONYMIC and text in ("", "-", "—"):
        data = replace(data, patronymic=None)  # a child with no patronymic
    elif field is Field.SNILS:
        if not text:
            raise DomainError("snils_invalid")
        data = replace(data, snils=text)
    elif field is Field.PATRONYMIC:
        data = replace(data, patronymic=text)
    elif field is Field.NAME:
        data = replace(data, name=text)
    else:
        data = replace(data, surname=text)
    clean = validate(data, today)
    check_certificate_age(clean.birth_date, today)
    return clean


async def amend(uow: UnitOfWork, staff_id: int, cert_id: int, field: Field, raw: str) -> bool:
    """Corrects one field of an awaiting request's child; False when the value is the one
    recorded already (nothing changed, nothing recorded)."""
    cert = await _locked_awaiting(uow, staff_id, cert_id)
    child = await uow.session.get(Child, cert.child_id, populate_existing=True)
    if child is None:
        raise DomainError("certificate_not_awaiting")
    clean = _entered(child, field, raw, uow.today)
    old, new = getattr(child, field.value), getattr(clean, field.value)
    if old == new:
        return False
    person = Person.of(clean)
    await register.lock_person(uow, person)
    await register.check_not_registered(uow, child.parent_id, person, editing=child.id)
    try:
        async with uow.session.begin_nested():
            setattr(child, field.value, new)
            await uow.session.flush()
    except IntegrityError as exc:
        raise DomainError("child_registered_elsewhere") from exc
    secret = uow.register_secret
    await audit.record(
        uow,
        staff_id,
        "amend",
        child_id=child.id,
        certificate_id=cert.id,
        detail=f"{field.value}:{digest(secret, field, old)}>{digest(secret, field, new)}",
    )
    await emit(
        uow,
        child.parent_id,
        "certificate_status",
        {
            "certificate_id": cert.id,
            "child_id": child.id,
            "status": "amended",
            "field": field.value,
        },
    )
    logger.info("certificate %s: the child's %s corrected at the desk", cert.id, field.value)
    return True
