"""One child, one certificate for life (core.rules.identity says who is the same child).

A registration of a child another family already holds is refused; a registration of a
child whose register entry outlived a withdrawal (or a removal) gets that entry back, with
its number, status and money, instead of a second certificate and fresh money.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError
from core.outbox.outbox import emit
from core.register import linking
from core.rules.enrolment import CertStatus
from core.rules.identity import Person, RegisterKeys, register_keys, same_child
from core.rules.people import check_certificate_age
from core.storage import locks
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import Certificate, Child, LinkNumberFailure, RegisterEntry

logger = logging.getLogger(__name__)

# the first key of PostgreSQL's two-key advisory locks: "RE"(gister)
_LOCK_SPACE = 0x5245
# refused tries to link a number, per number whatever the account, in linking's window
# (20 accounts x 5 tries each linked a number at try 100 with the account limit alone)
NUMBER_FAILURES_ALLOWED = 5
LINK_NUMBER_MAX = 20  # certificates.number's length: a longer one is no number


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
        if same_child(person, Person.of(other)):
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
    return await attach(uow, parent_id, child_id, cert_id, person)


async def attach(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    cert_id: int,
    person: Person,
    *,
    why: str = "restored",
) -> int:
    """The register entry ``cert_id`` becomes the child's (the caller holds the family)."""
    await locks.certificates(uow, [cert_id])
    cert = await uow.session.get(Certificate, cert_id, populate_existing=True)
    status = CertStatus(cert.status) if cert is not None else None
    # closed by the region (an imported entry) stays closed; closed by a withdrawal reopens
    imported = await uow.session.get(RegisterEntry, cert_id) is not None
    if status == CertStatus.CLOSED and not imported:
        try:
            check_certificate_age(person.birth_date, uow.today)
        except DomainError:
            pass  # 18 or older: the entry comes back, closed
        else:
            # the withdrawal gave up its place in the funding quota: the entry comes back
            # as an accounting certificate (the data were confirmed once: not again), and
            # a funding request queues again (this year's credit is not made twice)
            confirmed = cert is not None and cert.confirmed_at is not None
            status = CertStatus.ACCOUNTING if confirmed else CertStatus.AWAITING
    done = await uow.session.execute(
        update(Certificate)
        .where(Certificate.id == cert_id, Certificate.child_id.is_(None))
        .values(child_id=child_id, snils_key=None, person_key=None, status=status)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise RetryTransaction  # taken by another registration meanwhile
    # an imported entry's copy of the child's data: the family's own row replaces it
    await uow.session.execute(delete(RegisterEntry).where(RegisterEntry.certificate_id == cert_id))
    await emit(
        uow,
        parent_id,
        "certificate_status",
        {"certificate_id": cert_id, "child_id": child_id, "status": why},
    )
    logger.info("certificate %s reattached to child %s", cert_id, child_id)
    return cert_id


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """What a try to link a number came to: the child that appeared, or a request the
    МОЦ confirms (the register holds nothing beyond the birth date to prove it), or
    neither (refused, one answer for every reason)."""

    child_id: int | None = None
    requested: bool = False


async def number_tries_exhausted(uow: UnitOfWork, number: str) -> bool:
    recent = await uow.session.scalar(
        select(func.count())
        .select_from(LinkNumberFailure)
        .where(
            LinkNumberFailure.number == number,
            LinkNumberFailure.at > uow.now - linking.FAILURE_WINDOW,
        )
    )
    return int(recent or 0) >= NUMBER_FAILURES_ALLOWED


async def link_failed(uow: UnitOfWork, parent_id: int, number: str) -> None:
    """A refused try to link a number: counted for the account and for the number."""
    await linking.record_failure(uow, parent_id)
    if number and len(number) <= LINK_NUMBER_MAX:
        uow.session.add(LinkNumberFailure(number=number, at=uow.now))
        await uow.session.flush()


async def link_entry(uow: UnitOfWork, parent_id: int, entry: RegisterEntry) -> int:
    """The register entry becomes a child of the family (the caller holds the family and
    the certificate)."""
    cert_id = entry.certificate_id
    person = Person(
        surname=entry.surname,
        name=entry.name,
        patronymic=entry.patronymic,
        birth_date=entry.birth_date,
        snils=entry.snils,
        municipality_id=(await uow.session.get(Certificate, cert_id)).municipality_id,  # type: ignore[union-attr]
    )
    await lock_person(uow, person)
    await check_not_registered(uow, parent_id, person)
    child = Child(
        parent_id=parent_id,
        surname=person.surname,
        name=person.name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        snils=person.snils,
        municipality_id=person.municipality_id,
        created_at=uow.now,
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(child)
            await uow.session.flush()
    except IntegrityError as exc:
        raise DomainError("child_registered_elsewhere") from exc
    await attach(uow, parent_id, child.id, cert_id, person, why="linked")
    return child.id


async def detach(uow: UnitOfWork, child_ids: list[int]) -> None:
    """Before the children's rows are deleted: their certificates keep only keyed digests
    (no name, birth date or СНИЛС), so the same child registering again is recognised."""
    rows = await uow.session.execute(
        select(Certificate, Child)
        .join(Child, Child.id == Certificate.child_id)
        .where(Certificate.child_id.in_(child_ids))
    )
    for cert, child in rows:
        k = keys(uow, Person.of(child))
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
        cert.applicant_name = None  # the parent's name went with the family's data
    await uow.session.flush()
