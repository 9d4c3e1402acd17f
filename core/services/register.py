"""One child, one certificate for life (core.rules.identity says who is the same child).

A registration of a child another family already holds is refused; a registration of a
child whose register entry outlived a withdrawal (or a removal) gets that entry back, with
its number, status and money, instead of a second certificate and fresh money.
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, func, or_, select, update

from core.errors import DomainError
from core.notify.outbox import emit
from core.rules.enrolment import CertStatus
from core.rules.identity import Person, RegisterKeys, register_keys, same_child
from core.rules.people import check_certificate_age
from core.storage import locks
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import Certificate, Child

logger = logging.getLogger(__name__)

# the first key of PostgreSQL's two-key advisory locks: "RE"(gister)
_LOCK_SPACE = 0x5245


def keys(uow: UnitOfWork, person: Person) -> RegisterKeys:
    return register_keys(uow.register_secret, person)


async def lock_person(uow: UnitOfWork, person: Person) -> None:
    """PostgreSQL: two registrations of the same child run one after the other (step 2 of
    the lock order, after the family). Every identity the child could match on is locked,
    in one order, so a registration with a СНИЛС and one without still meet."""
    if uow.dialect != "postgresql":
        return  # SQLite: writers are serialised already
    k = keys(uow, person)
    for key in sorted(x for x in (k.person_key, k.snils_key) if x):
        await uow.session.execute(
            select(func.pg_advisory_xact_lock(_LOCK_SPACE, int(key[:7], 16)))
        )


def _as_person(child: Child) -> Person:
    return Person(
        surname=child.surname,
        name=child.name,
        patronymic=child.patronymic,
        birth_date=child.birth_date,
        snils=child.snils,
        municipality_id=child.municipality_id,
    )


async def check_not_registered(
    uow: UnitOfWork, parent_id: int, person: Person, *, editing: int | None = None
) -> None:
    """Refuse a child who is already registered: in this family (a duplicate) or in
    another one (the second parent must join the first one's account instead)."""
    near = [
        and_(
            Child.birth_date == person.birth_date, Child.municipality_id == person.municipality_id
        )
    ]
    if person.snils:
        near.append(Child.snils == person.snils)
    query = select(Child).where(or_(*near))
    if editing is not None:
        query = query.where(Child.id != editing)
    for other in await uow.session.scalars(query):
        if same_child(person, _as_person(other)):
            if other.parent_id == parent_id:
                raise DomainError("child_already_registered")
            raise DomainError("child_registered_elsewhere")


async def reattach(uow: UnitOfWork, parent_id: int, child_id: int, person: Person) -> int | None:
    """Give the new child row the register entry it left behind, if there is one. Returns
    the certificate's id."""
    k = keys(uow, person)
    by_person = Certificate.person_key == k.person_key
    if k.snils_key is not None:
        # with both СНИЛС known, only the СНИЛС decides
        match = or_(
            Certificate.snils_key == k.snils_key,
            and_(by_person, Certificate.snils_key.is_(None)),
        )
    else:
        match = by_person
    cert_id = await uow.session.scalar(
        select(Certificate.id)
        .where(Certificate.child_id.is_(None), match)
        .order_by(Certificate.id)
        .limit(1)
    )
    if cert_id is None:
        return None
    await locks.certificates(uow, [cert_id])
    cert = await uow.session.get(Certificate, cert_id, populate_existing=True)
    status = CertStatus(cert.status) if cert is not None else None
    if status == CertStatus.CLOSED:
        try:
            check_certificate_age(person.birth_date, uow.today)
        except DomainError:
            pass  # 18 or older: the entry comes back, closed
        else:
            # the withdrawal gave up its place in the funding quota: the entry comes back
            # as an accounting certificate, and a funding request queues again (this
            # year's credit was made once and is not made again)
            status = CertStatus.ACCOUNTING
    done = await uow.session.execute(
        update(Certificate)
        .where(Certificate.id == cert_id, Certificate.child_id.is_(None))
        .values(child_id=child_id, snils_key=None, person_key=None, status=status)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise RetryTransaction  # taken by another registration meanwhile
    await emit(
        uow,
        parent_id,
        "certificate_status",
        {"certificate_id": cert_id, "child_id": child_id, "status": "restored"},
    )
    logger.info("certificate %s reattached to child %s", cert_id, child_id)
    return cert_id


async def detach(uow: UnitOfWork, child_ids: list[int]) -> None:
    """Before the children's rows are deleted: their certificates keep only keyed digests
    (no name, birth date or СНИЛС), so the same child registering again is recognised."""
    rows = await uow.session.execute(
        select(Certificate, Child)
        .join(Child, Child.id == Certificate.child_id)
        .where(Certificate.child_id.in_(child_ids))
    )
    for cert, child in rows:
        k = keys(uow, _as_person(child))
        snils_key = k.snils_key
        if snils_key is not None:
            taken = await uow.session.scalar(
                select(Certificate.id).where(
                    Certificate.snils_key == snils_key, Certificate.id != cert.id
                )
            )
            if taken is not None:  # an entry left twice before this rule existed
                snils_key = None
        cert.snils_key = snils_key
        cert.person_key = k.person_key
    await uow.session.flush()
