"""The concurrency harness: seeded random schedules of every use case that writes money,
seats, children or certificates, run by several workers at once, and the invariants
checked after each round.

A schedule is a list of steps per worker, made from the seed alone, so a failing seed
prints a schedule that replays (the interleaving itself is the database's). Targets that
depend on what exists (which application to cancel) are picked at run time by a random
generator seeded from (seed, worker, step).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from core.accounting import auto_close, month_close, new_year
from core.catalogue import catalogue_import, municipalities_import
from core.certificates import (
    amendments,
    certificates,
    confirmations,
    corrections,
    disputes,
    link_requests,
)
from core.certificates.amendments import Field
from core.enrolment import attendance, concluding, decisions, enrolment, quotes
from core.errors import DomainError
from core.family import children, follows, parents, teens
from core.register import linking, register_import
from core.rules import schedule as rules_schedule
from core.rules.calendar import month_bounds, month_index, month_label
from core.rules.enrolment import ACTIVE_STATUSES, HOLDS_SEAT, AppStatus, CertStatus
from core.rules.identity import Person, same_child
from core.rules.money import Terms
from core.rules.schedule import is_class_day
from core.staff import roles
from core.storage.db import Database, UnitOfWork
from core.storage.models import (
    Absence,
    Application,
    AuditRecord,
    Certificate,
    Child,
    Contract,
    Dispute,
    Group,
    Identity,
    LedgerEntry,
    MonthClose,
    Municipality,
    MunicipalityYear,
    Outbox,
    Parent,
    Program,
    RegisterEntry,
)
from core.usecases import certificates as certificate_cases
from core.usecases import family as family_cases
from tests.support.clock import FakeClock
from tests.support.world import HEADER, accept_contract, catalogue_row

SETUP_AT = datetime(2026, 9, 10, 10, 0)
PHONE = "+79141234567"
ENDED = frozenset({"cancelled", "rejected", "expired", "finished"})
PLAY_AT = datetime(2027, 1, 20, 10, 0)  # September to December can be closed
CLOSABLE = [month_index(2026, m) for m in (9, 10, 11, 12)]
FAMILIES = 6
MUNIS = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit\n"
    "town,Город,Регион,2026,3,12000,2\n"
    "village,Село,Регион,2026,2,10000,1\n"
)
SEATS = {"g1": 2, "g2": 1, "g3": 2, "g3b": 1, "g4": 2, "g5": 1, "g6": 2}


def catalogue(change: int = 0) -> str:
    """The region's catalogue, every group's seats moved by ``change`` (a re-import that
    raises them, or lowers them: below the children a group holds, that row is refused),
    and program 3's price with them: the certificate covers only part of it, so a family
    quoted before the re-import sees the same share and another co-pay (quote_changed)."""
    seats = {g: max(0, n + change) for g, n in SEATS.items()}
    price3 = 4000 + 500 * change
    return (
        "\n".join(
            [
                HEADER,
                catalogue_row(1, price=1000, seats=seats["g1"]),
                catalogue_row(2, price=1500, seats=seats["g2"], months=(10, 12)),
                catalogue_row(3, price=price3, seats=seats["g3"]),
                catalogue_row(3, price=price3, seats=seats["g3b"]).replace(
                    ",g3,Группа 3,", ",g3b,Группа 3Б,"
                ),
                catalogue_row(4, price=0, register="significant", seats=seats["g4"]),
                catalogue_row(5, price=0, register="other", seats=seats["g5"]),
                catalogue_row(
                    6, price=500, register="preprofessional", seats=seats["g6"], art=True
                ),
            ]
        )
        + "\n"
    )


CATALOGUE = catalogue()
IMPORT_CHANGES = (-1, 0, 1, 2)
# one surname a family: every family's children are different children
FIRST_SURNAMES = [
    "Иванова",
    "Смирнова",
    "Кузнецова",
    "Попова",
    "Соколова",
    "Лебедева",
    "Козлова",
    "Новикова",
]
GROUPS = ["g1", "g2", "g3", "g3b", "g4", "g5", "g6"]
OPS = [
    "apply",
    "apply",
    "apply",
    "cancel",
    "leave",
    "accept",
    "expire",
    "confirm",
    "reject",
    "enrol",
    "enrol_on",
    "finish",
    "finish_on",
    "remove_child",
    "add_child",
    "withdraw",
    "consent",
    "issue",
    "fund",
    "close",
    "close",
    "open_year",
    "link",
    "follow",
    "import",
    "import",
    "import",
    "notices",
    "take",
    "revoke",
    "regrant",
    "correct",
    "correct",
    "amend",
    "amend",
    "link_number",
    "link_number",
    "reimport",
    "contract_accept",
    "contract_accept",
    "contract_paper",
    "contract_decline",
    "contract_lapse",
    "attend",
    "attend",
    "attend",
    "attend",
    "dispute",
    "dispute",
    "teen_alone",
    "teen_alone",
    "add_teen",
    "add_teen",
    "teen_join",
]
CONTRACT_TEXT = "ДОГОВОР-ОФЕРТА (как показан семье)"
# the staff's roles an operator revokes while they act, and grants again
STAFF_ROLES = ("provider", "confirmer")
# which role each staff act of the audit trail needs
NEEDS = {
    "accept": "provider",
    "enrol": "provider",
    "reject-application": "provider",
    "end-studies": "provider",
    "contract-paper": "provider",
    "attendance-absent": "provider",
    "attendance-present": "provider",
    "confirm": "confirmer",
    "reject": "confirmer",
    "correct": "confirmer",
    "amend": "confirmer",
    "link-number": "confirmer",
    "dispute": "confirmer",
}
# the region's register: three children not in the chat (with a СНИЛС, without one, in
# the village), and the chat's own certificates of families 0 and 1 (the region's register
# lists every certificate): a re-import must leave those alone, linked or withdrawn
REGISTER_HEADER = (
    "number,surname,name,patronymic,birth_date,snils,municipality_code,status,balance_rub"
)
REGISTER_NEW = [
    ("01-7770001-1", "Орлова", "Дарья", date(2015, 4, 12), "11223344595", "town"),
    ("01-7770002-1", "Орлов", "Глеб", date(2013, 9, 1), None, "town"),
    ("01-7770003-1", "Орлова", "Ия", date(2014, 2, 2), "12345678964", "village"),
]
# what a confirmer corrects in place at the desk (by variant): a name, the birth date, a
# СНИЛС, one the register holds for another child (refused), a bad one (refused)
AMENDS = [
    (Field.SURNAME, "Петрова"),
    (Field.NAME, "Ольга"),
    (Field.BIRTH_DATE, "09.01.2017"),
    (Field.SNILS, "112-233-445 95"),
    (Field.SNILS, "12345678900"),
]
# children of 14+ who register themselves from their own account ("teen_alone"), while a
# parent registers the same child ("add_teen", with the СНИЛС or without): one child record
TEENS = [
    ("Зайцева", "Ева", date(2011, 5, 5), "13579246894"),
    ("Зайцев", "Лев", date(2010, 7, 7), "24681357994"),
]
# what a correction asks (by variant): another name; another birth date (another child,
# refused); a СНИЛС added (where none was) or changed (refused)
NEW_NAMES = ["Ольга", "Вера"]


@dataclass
class World:
    families: list[int]  # parent ids, by family number
    staff: int
    programs: list[int]
    register: str = ""  # the region's register file, re-imported during the round
    # who each certificate's person is (birth date, СНИЛС): never another, whatever happens
    persons: dict[str, tuple[date, str | None]] = field(default_factory=dict)


@dataclass
class RoundReport:
    seed: int
    schedule: list[list[tuple[Any, ...]]]
    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    closes: Counter[int] = field(default_factory=Counter)  # month -> closes that closed it
    # applications committed: the family that applied
    applied: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.broken

    def describe(self) -> str:
        lines = [f"seed {self.seed}: schedule (replay with HARNESS_SEED={self.seed})"]
        for n, steps in enumerate(self.schedule):
            lines.append(f"  worker {n}: {steps}")
        lines += [f"  unexpected: {u}" for u in self.unexpected]
        lines += [f"  broken: {b}" for b in self.broken]
        return "\n".join(lines)


def schedule(seed: int, workers: int, steps: int) -> list[list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    plan = []
    for _ in range(workers):
        mine = []
        for _ in range(steps):
            op = rng.choice(OPS)
            fam = rng.randrange(FAMILIES)
            if op == "apply":
                mine.append((op, fam, rng.randrange(2), rng.choice(GROUPS)))
            elif op in ("remove_child", "issue", "fund"):
                mine.append((op, fam, rng.randrange(2)))
            elif op == "add_child":
                # a few names only: the same child registered by two families (refused),
                # or again after a withdrawal (the register entry comes back)
                mine.append((op, fam, rng.randrange(3)))
            elif op == "close":
                mine.append((op, rng.choice(CLOSABLE)))
            elif op == "teen_alone":
                mine.append((op, rng.randrange(len(TEENS))))
            elif op == "add_teen":
                mine.append((op, fam, rng.randrange(len(TEENS)), rng.randrange(2)))
            elif op == "teen_join":
                mine.append((op, fam, rng.randrange(len(TEENS))))
            elif op == "link":
                mine.append((op, fam, rng.randrange(FAMILIES)))
            elif op == "dispute":
                # the family says a child of another family is theirs: the МОЦ moves it
                # (or rejects), while both families apply, leave, withdraw …
                mine.append((op, fam, rng.randrange(FAMILIES), rng.randrange(2)))
            elif op == "follow":
                mine.append((op, fam, rng.randrange(6)))
            elif op == "correct":
                mine.append((op, fam, rng.randrange(2), rng.randrange(3)))
            elif op == "link_number":
                mine.append((op, fam, rng.randrange(len(REGISTER_NEW))))
            elif op == "amend":
                mine.append((op, fam, rng.randrange(len(AMENDS))))
            elif op == "import":
                # the operator re-imports the catalogue with every group's seats raised or
                # lowered, a few rows a chunk so families act between the chunks
                mine.append((op, rng.choice(IMPORT_CHANGES), rng.choice((2, 7))))
            elif op in ("open_year", "notices", "reimport"):
                mine.append((op,))
            elif op in ("revoke", "regrant"):
                mine.append((op, rng.randrange(len(STAFF_ROLES))))
            else:
                mine.append((op, fam))
        plan.append(mine)
    return plan


async def build_world(db: Database, clock: FakeClock, rule: str = "class_days") -> World:
    """Six families in two municipalities (one funded certificate waits in the queue),
    enrolments that started in September, a provider's staff; the programs' municipality
    debits by ``rule`` (class days, or attendance)."""
    clock.set(SETUP_AT)

    async def region(uow: UnitOfWork) -> None:
        await municipalities_import.import_municipalities(uow, MUNIS)
        await catalogue_import.import_catalogue(uow, CATALOGUE)
        await uow.session.execute(update(Municipality).values(debit_rule=rule))

    await db.run(region)
    families = []
    for n in range(FAMILIES):
        platform = "vk" if n % 2 else "tg"
        parent = await db.run(_parent, platform, str(1000 + n))
        families.append(parent)
        for k in range(1 if n == 5 else 2):
            name = ["Мария", "Анна"][k]
            born = date(2015 + k, 3, 5)
            data = children.ChildInput(FIRST_SURNAMES[n], name, None, born, None, 1 + (n == 4))
            child = await db.run(children.add, parent, data)
            if n != 5:
                cert = await db.run(certificates.issue, parent, child)
                await db.run(confirmations.confirm, await db.run(_staff), cert)
            if n < 4:
                await db.run(certificates.request_funding, parent, child)
    staff = await db.run(_staff)
    groups = await _ids(db, Group)
    for parent, group in ((families[0], groups["g1"]), (families[1], groups["g3"])):
        kids = await _children(db, parent)
        app = await db.run(enrolment.apply, parent, kids[0], group)
        assert (await db.run(accept_contract, staff, app)).done
        await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)
    kids = await _children(db, families[2])
    await db.run(enrolment.apply, families[2], kids[0], groups["g4"])
    # g4 full (its second seat to family 0), family 3 on its waiting list: the round's
    # cancels, rejections and expiries pass held seats along the list
    kids = await _children(db, families[0])
    await db.run(enrolment.apply, families[0], kids[0], groups["g4"])
    kids = await _children(db, families[3])
    await db.run(enrolment.apply, families[3], kids[0], groups["g4"])
    register_text, persons = await _register(db, families[:2])
    report = await register_import.import_register(db, register_text)
    assert report.ok and report.created == len(REGISTER_NEW), report
    clock.set(PLAY_AT)
    # the register of the two enrolled children: absent on their first two class days of
    # September and of October (what a close of those months must subtract by attendance)
    async with db.reader() as uow:
        studying = (
            await uow.session.execute(
                select(Application.id, Application.start_day, Group.class_days)
                .join(Group, Group.id == Application.group_id)
                .where(Application.status == AppStatus.ENROLLED.value)
            )
        ).all()
    for app, start, mask in studying:
        for first in (date.fromordinal(start), date(2026, 10, 1)):
            days = [first + timedelta(days=n) for n in range(14)]
            for day in [d for d in days if is_class_day(d, mask)][:2]:
                await db.run(attendance.mark, staff, app, day, True)
    programs = sorted((await _ids(db, Program)).values())
    return World(families, staff, programs, register_text, persons)


async def _register(
    db: Database, chat_families: list[int]
) -> tuple[str, dict[str, tuple[date, str | None]]]:
    rows, persons = [], {}
    for number, surname, name, born, snils, muni in REGISTER_NEW:
        rows.append(f"{number},{surname},{name},,{born:%d.%m.%Y},{snils or ''},{muni},ПФ,9000")
        persons[number] = (born, snils)
    async with db.reader() as uow:
        chat = (
            await uow.session.execute(
                select(Certificate.number, Child)
                .join(Child, Child.id == Certificate.child_id)
                .where(Child.parent_id.in_(chat_families))
            )
        ).all()
        codes = dict((await uow.session.execute(select(Municipality.id, Municipality.code))).all())
        for number, kid in chat:
            rows.append(
                f"{number},{kid.surname},{kid.name},,{kid.birth_date:%d.%m.%Y},,"
                f"{codes[kid.municipality_id]},ПФ,12000"
            )
    async with db.reader() as uow:
        for number, kid in (
            await uow.session.execute(
                select(Certificate.number, Child).join(Child, Child.id == Certificate.child_id)
            )
        ).all():
            persons[number] = (kid.birth_date, kid.snils)
    return REGISTER_HEADER + "\n" + "\n".join(rows) + "\n", persons


async def _correct(
    db: Database, world: World, fam: int, child: int, variant: int, rng: random.Random
) -> None:
    """The family asks; a confirmer approves or refuses it (its own transaction, so other
    steps run in between)."""
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child)
        if kid is None:
            return
        data = children.ChildInput(
            kid.surname, kid.name, kid.patronymic, kid.birth_date, kid.snils, kid.municipality_id
        )
    if variant == 0:
        data = children.ChildInput(
            data.surname,
            NEW_NAMES[rng.randrange(2)],
            data.patronymic,
            data.birth_date,
            data.snils,
            data.municipality_id,
        )
    elif variant == 1:
        data = children.ChildInput(
            data.surname,
            data.name,
            data.patronymic,
            data.birth_date - timedelta(days=400),
            data.snils,
            data.municipality_id,
        )
        if rng.random() < 0.5:
            # the family edits it directly instead: refused for a confirmed child
            await db.run(children.update_child, fam, child, data)
            return
    else:
        data = children.ChildInput(
            data.surname,
            data.name,
            data.patronymic,
            data.birth_date,
            "12345678964" if data.snils is None else "11223344595",
            data.municipality_id,
        )
    fix = await db.run(corrections.request, fam, child, data, "Опечатка")
    if rng.random() < 0.7:
        await db.run(corrections.approve, world.staff, fix)
    else:
        await db.run(corrections.refuse, world.staff, fix, "Не по документам")


async def _dispute(
    db: Database, world: World, fam: int, other: int, which: int, rng: random.Random
) -> None:
    """The family files a dispute about a child of ``other`` (typed as the register has
    it); the confirmer moves it to the family or rejects it, in a transaction of its own."""
    kids = await _children(db, other)
    if not kids:
        return
    async with db.reader() as uow:
        kid = await uow.session.get(Child, kids[which % len(kids)])
        if kid is None:
            return
        data = children.ChildInput(
            kid.surname, kid.name, kid.patronymic, kid.birth_date, kid.snils, kid.municipality_id
        )
    dispute = await db.run(disputes.file, fam, data)
    if rng.random() < 0.7:
        await db.run(disputes.move, world.staff, dispute)
    else:
        await db.run(disputes.reject, world.staff, dispute, "Документы не подтверждают")


async def _link_number(db: Database, world: World, fam: int, which: int) -> None:
    number, _, _, born, snils, _ = REGISTER_NEW[which]
    outcome = await db.run(certificate_cases.link_by_number, fam, number, born, snils)
    if outcome.requested:
        await db.run(link_requests.approve, world.staff, await _cert_id(db, number))
    elif outcome.child_id is None:
        raise DomainError("link_refused")


async def _cert_id(db: Database, number: str) -> int:
    async with db.reader() as uow:
        return int(
            await uow.session.scalar(select(Certificate.id).where(Certificate.number == number))
        )


async def _parent(uow: UnitOfWork, platform: str, external: str) -> int:
    parent = await parents.get_or_create(uow, platform, external)
    await parents.give_consent(uow, parent.id)
    return parent.id


async def _staff(uow: UnitOfWork) -> int:
    """The region's staff: a provider's (of both providers) and a МОЦ's confirmer."""
    staff = await _grant(uow, "provider")
    await _grant(uow, "confirmer")
    return staff


async def _grant(uow: UnitOfWork, role: str) -> int:
    """The operator grants the staff member a role (both providers' for "provider")."""
    if role == "provider":
        staff = await roles.grant(uow, "tg:900", "provider", provider_external_id="prov1")
        await roles.grant(uow, "tg:900", "provider", provider_external_id="prov2")
        return staff
    return await roles.grant(
        uow, "tg:900", "confirmer", municipality_code="town", region_wide=True
    )


async def _awaiting(db: Database) -> list[int]:
    query = select(Certificate.id).where(Certificate.status == CertStatus.AWAITING.value)
    async with db.reader() as uow:
        return list(await uow.session.scalars(query.order_by(Certificate.id)))


async def _ids(db: Database, model: Any) -> dict[str, int]:
    async with db.reader() as uow:
        return dict((await uow.session.execute(select(model.external_id, model.id))).all())


async def _children(db: Database, parent: int) -> list[int]:
    async with db.reader() as uow:
        return list(
            await uow.session.scalars(
                select(Child.id).where(Child.parent_id == parent).order_by(Child.id)
            )
        )


async def _apps(
    db: Database, parent: int | None = None, *, status: AppStatus | None = None
) -> list[int]:
    query = select(Application.id).order_by(Application.id)
    if parent is not None:
        query = query.where(Application.parent_id == parent)
    if status is not None:
        query = query.where(Application.status == status.value)
    async with db.reader() as uow:
        return list(await uow.session.scalars(query))


async def _redeem(uow: UnitOfWork, source: int, target: int, platform: str) -> int:
    code = await linking.create_code(uow, target)
    joined = await linking.redeem(uow, source, platform, code)
    if joined is None:
        raise DomainError("link_code_invalid")
    return joined


def _teen(k: int, *, snils: bool) -> children.ChildInput:
    surname, name, born, number = TEENS[k]
    return children.ChildInput(surname, name, None, born, number if snils else None, 1)


async def _teen_join(uow: UnitOfWork, k: int, parent: int) -> int:
    """The child alone shows a code; the parent types it in one of their own accounts."""
    known = await parents.known(uow, "tg", f"teen{k}")
    if known is None or known.teen is None:
        raise DomainError("teen_not_registered")
    code = await teens.parent_code(uow, known.parent_id, known.teen)
    platform = await uow.session.scalar(
        select(Identity.platform)
        .where(Identity.parent_id == parent, Identity.child_id.is_(None))
        .order_by(Identity.id)
        .limit(1)
    )
    joined = await linking.redeem(uow, parent, platform or "tg", code)
    if joined is None:
        raise DomainError("link_code_invalid")
    return joined


async def _seen(db: Database, fam: int, child: int, group: int) -> Terms | None:
    """The terms a family is quoted, or None when the quote refuses (the application is
    then refused again, under its locks)."""
    try:
        async with db.reader() as uow:
            return (await quotes.quote_application(uow, fam, child, group)).money.terms
    except DomainError:
        return None


async def step(
    db: Database, world: World, op: tuple[Any, ...], rng: random.Random, report: RoundReport
) -> None:
    kind = op[0]
    fam = (
        world.families[op[1]]
        if len(op) > 1 and kind not in ("close", "revoke", "regrant", "import", "teen_alone")
        else None
    )
    try:
        if kind == "apply":
            kids = await _children(db, fam)
            groups = await _ids(db, Group)
            if kids:
                # half the applications give the parent's phone (erased when they end)
                phone = PHONE if op[2] == 0 else None
                child = kids[op[2] % len(kids)]
                group = groups[op[3]]
                # as a family applies: the quote first, then under the terms it showed (a
                # price or balance moved meanwhile: quote_changed, nothing written)
                seen = await _seen(db, fam, child, group)
                app = await db.run(enrolment.apply, fam, child, group, expected=seen, phone=phone)
                report.applied[app] = fam
        elif kind in ("cancel", "leave"):
            apps = await _apps(db, fam)
            if apps:
                fn = enrolment.cancel if kind == "cancel" else enrolment.leave
                await db.run(fn, fam, rng.choice(apps))
        elif kind == "take":
            # the family takes a seat held for it, or (a stale press) one it was not offered
            apps = await _apps(db, fam)
            if apps:
                await db.run(enrolment.take, fam, rng.choice(apps))
        elif kind in ("accept", "reject", "enrol", "finish"):
            apps = await _apps(db)
            target = {
                "accept": AppStatus.ACCEPTED,
                "reject": AppStatus.REJECTED,
                "enrol": AppStatus.ENROLLED,
                "finish": AppStatus.FINISHED,
            }[kind]
            if apps:
                reason = "Группа переполнена" if kind == "reject" else None
                await db.run(
                    decisions.provider_decide, world.staff, rng.choice(apps), target, reason
                )
        elif kind in ("contract_accept", "contract_decline", "contract_paper"):
            # the family accepts or declines the contract offered (or one it was not, a
            # stale press), or the provider records it signed on paper; each against what
            # is available then
            apps = await _apps(db, None if kind == "contract_paper" else fam)
            accepted = await _apps(db, status=AppStatus.ACCEPTED)
            mine = [a for a in apps if a in accepted] or apps
            if mine:
                app = rng.choice(mine)
                if kind == "contract_accept":
                    await db.run(concluding.accept, fam, app, CONTRACT_TEXT, "tg:harness")
                elif kind == "contract_decline":
                    await db.run(concluding.decline, fam, app)
                else:
                    await db.run(concluding.sign_paper, world.staff, app)
        elif kind == "contract_lapse":
            # as if the offer's days had passed: the seat passes on, both are told
            async with db.reader() as uow:
                offers = list(
                    await uow.session.scalars(
                        select(Contract.id).where(Contract.status == "offered")
                    )
                )
            if offers:
                at = db.clock() + timedelta(days=30)
                await db.run(concluding.lapse_one, rng.choice(offers), at)
        elif kind == "enrol_on":
            # the provider enrols, mostly an accepted child, from the group's next class
            # day or from a day up to ten days back or ahead (refused when it is no class
            # day of the group, before the application or in a closed month)
            apps = await _apps(db)
            accepted = await _apps(db, status=AppStatus.ACCEPTED)
            if apps:
                target = rng.choice(accepted if accepted and rng.random() < 0.8 else apps)
                first_day = (
                    None
                    if rng.random() < 0.5
                    else db.today() + timedelta(days=rng.randint(-10, 10))
                )
                await db.run(decisions.provider_enrol, world.staff, target, first_day)
        elif kind == "finish_on":
            # the provider ends the studies on a day up to ten days back (refused when it is
            # before the studies or in a closed month)
            apps = await _apps(db)
            if apps:
                last_day = db.today() - timedelta(days=rng.randint(0, 10))
                await db.run(decisions.provider_finish, world.staff, rng.choice(apps), last_day)
        elif kind == "confirm":
            waiting = await _awaiting(db)
            if waiting:
                if rng.random() < 0.8:
                    await db.run(confirmations.confirm, world.staff, rng.choice(waiting))
                else:
                    reason = "Дата рождения не совпадает"
                    await db.run(confirmations.reject, world.staff, rng.choice(waiting), reason)
        elif kind == "expire":
            apps = await _apps(db)
            if apps:
                # as if the provider had not answered for the whole expiry period, or a
                # held seat had not been taken in time
                cutoff = db.clock() + timedelta(days=1)
                app = rng.choice(apps)
                await db.run(decisions.expire_application, app, cutoff)
                await db.run(enrolment.expire_offer, app, db.clock() + timedelta(days=30))
        elif kind in ("remove_child", "issue", "fund"):
            kids = await _children(db, fam)
            if kids:
                child = kids[op[2] % len(kids)]
                fn = {
                    "remove_child": family_cases.remove_child,
                    "issue": certificates.issue,
                    "fund": certificates.request_funding,
                }[kind]
                await db.run(fn, fam, child)
        elif kind == "add_child":
            name = ["Ольга", "Вера", "Нина"][op[2]]
            data = children.ChildInput("Петрова", name, None, date(2017, 1, 9), None, 1)
            await db.run(children.add, fam, data)
        elif kind == "teen_alone":
            external = f"teen{op[1]}"
            known = await db.read(parents.known, "tg", external)
            if known is not None and known.teen is not None:
                # registered already (a second registration is refused: test_teen_alone):
                # the child alone withdraws their own consent instead (/privacy: the
                # dialog checks they are still alone, then withdraws), racing a parent
                # who joins them or registers them too
                if not await db.read(teens.alone, known.parent_id):
                    raise DomainError("teen_not_allowed")
                await db.run(family_cases.withdraw_consent, known.parent_id)
                report.done["teen_withdraw"] += 1
                return
            own = (await db.run(parents.get_or_create, "tg", external)).id
            await db.run(teens.register_self, own, "tg", external, _teen(op[1], snils=True))
        elif kind == "add_teen":
            await db.run(children.add, fam, _teen(op[2], snils=bool(op[3])))
        elif kind == "teen_join":
            await db.run(_teen_join, op[2], fam)
        elif kind == "withdraw":
            await db.run(family_cases.withdraw_consent, fam)
        elif kind == "consent":
            await db.run(parents.give_consent, fam)
        elif kind == "close":
            # by hand (close-month), or by itself (the worker, telling the operators):
            # both raced against everything else, each month closed once either way
            closing = auto_close.close_and_tell if op[1] % 2 else month_close.close_month
            result = await db.run(closing, op[1])
            if not result.already_closed:
                report.closes[op[1]] += 1
        elif kind == "open_year":
            await db.run(new_year.open_year, 2026)
        elif kind == "notices":
            # a worker fanning out a closed month's notices and folding its entries into
            # the certificates' rows, one certificate at a time
            await db.run(month_close.fan_out, 1)
            await db.run(month_close.fold, 1)
        elif kind == "link":
            other = world.families[op[2]]
            # the family with a VK account types the code of the other one
            platform = "vk" if op[1] % 2 else "tg"
            await db.run(_redeem, fam, other, platform)
        elif kind == "follow":
            await db.run(follows.follow, fam, world.programs[op[2] % len(world.programs)])
        elif kind == "import":
            result = await catalogue_import.import_catalogue_file(
                db, catalogue(op[1]), chunk=op[2]
            )
            # a lowered count below the children a group holds is refused, row by row;
            # nothing else in this file is bad, and every chunk lands
            bad = {e.code for _, e in result.errors}
            if bad - {"seats-below-taken"} or result.stopped_at is not None:
                report.unexpected.append(f"{op}: {result.errors}, stopped {result.stopped_at}")
        elif kind == "revoke":
            # the operator takes a role while its holder may be acting with it
            await db.run(roles.revoke, "tg:900", STAFF_ROLES[op[1]], by="operator:harness")
        elif kind == "regrant":
            await db.run(_grant, STAFF_ROLES[op[1]])
        elif kind == "reimport":
            await register_import.import_register(db, world.register, chunk=2)
        elif kind == "correct":
            kids = await _children(db, fam)
            if kids:
                await _correct(db, world, fam, kids[op[2] % len(kids)], op[3], rng)
        elif kind == "link_number":
            await _link_number(db, world, fam, op[2])
        elif kind == "attend":
            # the provider's staff mark a child absent (or present again), mostly on a
            # class day of its studies: refused once its month is closed (raced against
            # the close), and on a day that is no class day of them or is to come
            async with db.reader() as uow:
                studying = (
                    await uow.session.execute(
                        select(Application.id, Application.start_day, Group.class_days)
                        .join(Group, Group.id == Application.group_id)
                        .where(Application.start_day.is_not(None))
                        .order_by(Application.id)
                    )
                ).all()
            if studying:
                app, start, mask = rng.choice(studying)
                days = [
                    d
                    for d in (date.fromordinal(n) for n in range(start, db.today().toordinal()))
                    if is_class_day(d, mask)
                ]
                day = (
                    rng.choice(days)
                    if days and rng.random() < 0.85
                    else date(2026, 9, 1) + timedelta(days=rng.randint(0, 150))
                )
                absent = rng.random() < 0.75
                await db.run(attendance.mark, world.staff, app, day, absent)
        elif kind == "dispute":
            await _dispute(db, world, fam, world.families[op[2]], op[3], rng)
        elif kind == "amend":
            waiting = await _awaiting(db)
            if waiting:
                field, value = AMENDS[op[2]]
                await db.run(amendments.amend, world.staff, rng.choice(waiting), field, value)
        report.done[kind] += 1
    except DomainError as exc:
        report.refused[f"{kind}:{exc.code}"] += 1
    except Exception as exc:
        report.unexpected.append(
            f"{op}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
        )


async def play(
    db: Database, clock: FakeClock, seed: int, *, workers: int = 8, steps: int = 6
) -> RoundReport:
    # odd seeds debit by attendance: the marks racing the closes change what they debit
    world = await build_world(db, clock, "attendance" if seed % 2 else "class_days")
    report = RoundReport(seed, schedule(seed, workers, steps))

    async def worker(n: int, ops: list[tuple[Any, ...]]) -> None:
        for k, op in enumerate(ops):
            await step(db, world, op, random.Random(f"{seed}:{n}:{k}"), report)

    await asyncio.gather(*(worker(n, ops) for n, ops in enumerate(report.schedule)))
    # the worker finishes what the round's closes left to fan out
    while await db.run(month_close.fan_out, 2):
        pass
    # (the figures read with the closes' entries that are still pending added)
    report.broken = await check(db, report, world)
    # and what the round's closes left to fold: the same figures, stored whole
    while await db.run(month_close.fold, 2):
        pass
    report.broken += await check_settled(db)
    return report


async def check_settled(db: Database) -> list[str]:
    """Once every close is folded: each certificate's stored figures are its ledger's sums,
    and what is read adds nothing to them."""
    broken = []
    async with db.reader() as uow:
        ledger = {
            cid: (t, r)
            for cid, t, r in (
                await uow.session.execute(
                    select(
                        LedgerEntry.certificate_id,
                        func.sum(LedgerEntry.total_delta),
                        func.sum(LedgerEntry.reserved_delta),
                    ).group_by(LedgerEntry.certificate_id)
                )
            ).all()
        }
        rows = await uow.session.execute(
            select(
                Certificate.id,
                Certificate.stored_total,
                Certificate.stored_reserved,
                Certificate.total,
                Certificate.reserved,
            )
        )
        for cid, stored_t, stored_r, total, reserved in rows:
            want = ledger.get(cid, (0, 0))
            if (stored_t, stored_r) != want or (total, reserved) != want:
                broken.append(
                    f"certificate {cid}: stored {stored_t}/{stored_r}, read {total}/{reserved}"
                    f" after the folds, ledger {want[0]}/{want[1]}"
                )
    return broken


async def check(db: Database, report: RoundReport, world: World | None = None) -> list[str]:
    """Every invariant; each broken one as a line naming the row."""
    broken: list[str] = []
    async with db.reader() as uow:
        s = uow.session
        ledger = {
            cid: (t, r)
            for cid, t, r in (
                await s.execute(
                    select(
                        LedgerEntry.certificate_id,
                        func.sum(LedgerEntry.total_delta),
                        func.sum(LedgerEntry.reserved_delta),
                    ).group_by(LedgerEntry.certificate_id)
                )
            ).all()
        }
        held = dict(
            (
                await s.execute(
                    select(Application.certificate_id, func.sum(Application.reserved_left))
                    .where(Application.certificate_id.is_not(None))
                    .group_by(Application.certificate_id)
                )
            ).all()
        )
        certs = (await s.scalars(select(Certificate))).all()
        for c in certs:
            total, reserved = ledger.get(c.id, (0, 0))
            if (c.total, c.reserved) != (total, reserved):
                broken.append(
                    f"certificate {c.id}: {c.total}/{c.reserved} vs ledger {total}/{reserved}"
                )
            if c.reserved < 0 or c.total - c.reserved < 0:
                broken.append(f"certificate {c.id}: reserved {c.reserved}, total {c.total}")
            if held.get(c.id, 0) != c.reserved:
                apps_hold = held.get(c.id, 0)
                broken.append(f"certificate {c.id}: reserved {c.reserved} vs apps {apps_hold}")
        closed = {c.id for c in certs if c.status == CertStatus.CLOSED}
        apps = (await s.scalars(select(Application))).all()
        # a first day given at enrolment is one of the group's class days
        masks = dict((await s.execute(select(Group.id, Group.class_days))).all())
        active_values = {a.value for a in ACTIVE_STATUSES}
        for a in apps:
            if a.reserved_left < 0:
                broken.append(f"application {a.id}: reserved_left {a.reserved_left}")
            if a.status in ("cancelled", "rejected") and a.reserved_left:
                broken.append(f"application {a.id}: {a.status} holds {a.reserved_left}")
            if a.status in active_values and a.child_id is None:
                broken.append(f"application {a.id}: active for an erased child")
            if a.status in active_values and a.certificate_id in closed:
                broken.append(f"application {a.id}: active on closed certificate")
            if a.status in ENDED and a.contact_phone is not None:
                broken.append(f"application {a.id}: {a.status} keeps the family's phone")
            start = date.fromordinal(a.start_day) if a.start_day is not None else None
            if start is not None and not is_class_day(start, masks[a.group_id]):
                broken.append(f"application {a.id}: starts on {start}, no class of its group")
        # the contract: enrolment and the money need it concluded; a text accepted in the
        # chat is kept with its digest; an offer stands only while its application does
        latest: dict[int, Contract] = {}
        for c in (await s.scalars(select(Contract).order_by(Contract.id))).all():
            latest[c.application_id] = c
            if c.method == "chat" and c.digest != (
                hashlib.sha256(c.text.encode()).hexdigest() if c.text else None
            ):
                broken.append(f"contract {c.id}: digest does not match its text")
            if (c.status == "concluded") != (c.concluded_at is not None):
                broken.append(f"contract {c.id}: {c.status}, concluded at {c.concluded_at}")
        for a in apps:
            c = latest.get(a.id)
            if c is None:
                continue
            if a.status == AppStatus.ENROLLED and c.status != "concluded":
                broken.append(f"application {a.id}: enrolled, its contract {c.status}")
            if a.reserved_left and c.status != "concluded":
                broken.append(f"application {a.id}: holds money, its contract {c.status}")
            if c.status == "lapsed" and (a.status, a.reason) != ("expired", "contract_lapsed"):
                broken.append(f"application {a.id}: {a.status} after its offer lapsed")
        seated = {a.value for a in HOLDS_SEAT}
        taken = Counter(a.group_id for a in apps if a.status in seated)
        waiting = Counter(a.group_id for a in apps if a.status == AppStatus.WAITING)
        for a in apps:
            if (a.status == AppStatus.OFFERED) != (a.hold_until is not None):
                broken.append(f"application {a.id}: {a.status}, held until {a.hold_until}")
            if a.status in (AppStatus.WAITING, AppStatus.OFFERED) and a.child_id is None:
                broken.append(f"application {a.id}: {a.status} for an erased child")
        groups = (await s.scalars(select(Group))).all()
        free: Counter[int] = Counter()
        for g in groups:
            if g.taken != taken.get(g.id, 0) or not 0 <= g.taken <= g.seats:
                broken.append(f"group {g.id}: taken {g.taken}, holding {taken.get(g.id, 0)}")
            if g.waiting != waiting.get(g.id, 0):
                broken.append(f"group {g.id}: waiting {g.waiting}, listed {waiting.get(g.id, 0)}")
            # a seat never stays free (nor goes to a newcomer) while someone waits for it
            if g.waiting and g.taken < g.seats:
                broken.append(f"group {g.id}: {g.seats - g.taken} free, {g.waiting} waiting")
            free[g.program_id] += g.seats - g.taken
        for p in (await s.scalars(select(Program))).all():
            if p.free_seats != free.get(p.id, 0):
                broken.append(f"program {p.id}: free {p.free_seats} vs groups {free[p.id]}")
        months = set(await s.scalars(select(MonthClose.month)))
        for month in CLOSABLE:
            expected = 1 if month in months else 0
            if report.closes.get(month, 0) != expected:
                broken.append(f"month {month}: closed {report.closes.get(month, 0)} times")
        double = (
            await s.execute(
                select(LedgerEntry.application_id, LedgerEntry.month)
                .where(LedgerEntry.kind == "debit")
                .group_by(LedgerEntry.application_id, LedgerEntry.month)
                .having(func.count() > 1)
            )
        ).all()
        broken += [f"application {a}: debited twice for month {m}" for a, m in double]
        quota = dict(
            (
                await s.execute(
                    select(MunicipalityYear.municipality_id, MunicipalityYear.funded_quota).where(
                        MunicipalityYear.school_year == 2026
                    )
                )
            ).all()
        )
        funded = Counter(c.municipality_id for c in certs if c.status == CertStatus.FUNDED)
        for muni, count in funded.items():
            if count > quota.get(muni, 0):
                broken.append(f"municipality {muni}: {count} funded over a quota of {quota[muni]}")
        # an application's family is its child's (a dispute moves both at once)
        families = dict((await s.execute(select(Child.id, Child.parent_id))).all())
        for a in apps:
            if a.parent_id is not None and families.get(a.child_id, a.parent_id) != a.parent_id:
                broken.append(f"application {a.id}: of family {a.parent_id}, its child not")
        broken += await _check_disputes(s)
        broken += await _check_outbox(s, apps, certs, report)
        broken += await _check_audit(s, apps, certs)
        broken += await _check_attendance(s, months)
        orphans = await s.scalar(
            select(func.count())
            .select_from(Child)
            .where(~Child.parent_id.in_(select(Identity.parent_id)))
        )
        if orphans:
            broken.append(f"{orphans} children belong to no account")
        # one child, one register entry: no child registered twice, no entry kept twice
        kids = list(await s.scalars(select(Child).order_by(Child.id)))
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if same_child(Person.of(a), Person.of(b)):
                    broken.append(f"children {a.id} and {b.id} are the same child")
        kept = Counter(c.person_key for c in certs if c.person_key)
        broken += [f"a child's register entry kept {n} times" for n in kept.values() if n > 1]
        for c in certs:
            if c.child_id is not None and (c.person_key or c.snils_key):
                broken.append(f"certificate {c.id}: a child attached and register keys kept")
        # a certificate's number, money and ledger never pass to another person
        by_id = {k.id: k for k in kids}
        entries = {e.certificate_id: e for e in await s.scalars(select(RegisterEntry))}
        persons = world.persons if world is not None else {}
        for c in certs:
            person = persons.get(c.number or "")
            if person is None:
                continue
            holder = by_id.get(c.child_id) if c.child_id is not None else None
            if holder is not None:
                if holder.birth_date != person[0]:
                    broken.append(f"certificate {c.id}: another child's birth date")
                if person[1] is not None and holder.snils != person[1]:
                    broken.append(f"certificate {c.id}: another child's СНИЛС")
            entry = entries.get(c.id)
            if entry is not None and c.child_id is not None:
                broken.append(f"certificate {c.id}: linked and its register entry kept")
            if entry is not None and entry.birth_date != person[0]:
                broken.append(f"certificate {c.id}: the register entry is another child")
        imported = {number for number, *_ in REGISTER_NEW}
        for c in certs:
            if c.id in entries and c.number not in imported:
                # the chat's own certificate (linked, or its family withdrew): the
                # re-import stores no name for it
                broken.append(f"certificate {c.id}: a name stored again by a re-import")
    return broken


async def _check_attendance(s, closed: set[int]) -> list[str]:  # type: ignore[no-untyped-def]
    """An attendance mark is whole: its absence and its audit record commit together (the
    absences are the net of the trail's marks). And it lands before a month's close and
    counts, or is refused after it: every close's debit is what the municipality's rule
    computes from the absences there are now (none of a closed month changed after it),
    within what the application held before it."""
    broken = []
    net: dict[tuple[int, date], bool] = {}
    for action, app, detail in (
        await s.execute(
            select(AuditRecord.action, AuditRecord.application_id, AuditRecord.detail)
            .where(AuditRecord.action.in_(("attendance-absent", "attendance-present")))
            .order_by(AuditRecord.id)
        )
    ).all():
        net[(app, date.fromisoformat(detail.removeprefix("day:")))] = action.endswith("absent")
    stored = {
        (app, date.fromordinal(day))
        for app, day in (await s.execute(select(Absence.application_id, Absence.day))).all()
    }
    marked = {key for key, absent in net.items() if absent}
    broken += [f"absence {a} on {d}: not in the audit trail" for a, d in stored - marked]
    broken += [f"absence {a} on {d}: audited, not stored" for a, d in marked - stored]
    terms = {
        row[0]: row[1:]
        for row in (
            await s.execute(
                select(
                    Application.id,
                    Application.monthly_share,
                    Application.start_day,
                    Application.end_day,
                    Group.class_days,
                    Municipality.debit_rule,
                )
                .join(Group, Group.id == Application.group_id)
                .join(Program, Program.id == Application.program_id)
                .join(Municipality, Municipality.id == Program.municipality_id)
            )
        ).all()
    }
    held: Counter[int] = Counter()
    for app, total, reserved, month, batch in (
        await s.execute(
            select(
                LedgerEntry.application_id,
                LedgerEntry.total_delta,
                LedgerEntry.reserved_delta,
                LedgerEntry.month,
                LedgerEntry.batch,
            )
            .where(LedgerEntry.application_id.is_not(None))
            .order_by(LedgerEntry.id)
        )
    ).all():
        if month in closed and batch == f"close:{month_label(month)}" and app in terms:
            share, start, end, mask, rule = terms[app]
            first, last = month_bounds(month)
            absent = frozenset(d for a, d in stored if a == app)
            due = 0
            if start is not None:
                due = rules_schedule.debit(
                    share,
                    first,
                    last,
                    mask,
                    date.fromordinal(start),
                    date.fromordinal(end) if end is not None else None,
                    absent,
                    rule,
                )
            if -total != min(due, max(held[app], 0)):
                broken.append(
                    f"application {app}: {month_label(month)} debited {-total}, "
                    f"the {rule} rule says {due} of {held[app]} held"
                )
        held[app] += reserved
    return broken


async def _check_disputes(s) -> list[str]:  # type: ignore[no-untyped-def]
    """A dispute is decided once, with one record in the trail; a child moved is in a
    family that consents, and no account of the family it left still acts for it."""
    broken = []
    # (SQLite reuses the id of a dispute gone with its child: the record names both
    # families and the child too)
    trail = Counter(
        (
            await s.execute(
                select(AuditRecord.detail, AuditRecord.child_id).where(
                    AuditRecord.action == "dispute"
                )
            )
        ).all()
    )
    # families joined since (linking merges one into the other and re-points its
    # disputes) no longer exist: a record naming one of them counts for the row's family
    alive = set((await s.scalars(select(Parent.id))).all())

    def same(said: int, now: int) -> bool:
        return said == now or said not in alive

    for d in (await s.scalars(select(Dispute))).all():
        recorded = 0
        for (detail, child), n in trail.items():
            parts = dict(p.split(":", 1) for p in detail.split())
            if (
                child == d.child_id
                and parts.get("dispute") == str(d.id)
                and same(int(parts.get("from", -1)), d.from_parent_id)
                and same(int(parts.get("to", -1)), d.parent_id)
            ):
                recorded += n
        if recorded != (0 if d.status == "open" else 1):
            broken.append(f"dispute {d.id}: {d.status}, {recorded} records")
    own = (
        await s.execute(
            select(Identity.id, Identity.parent_id, Child.parent_id).join(
                Child, Child.id == Identity.child_id
            )
        )
    ).all()
    broken += [f"account {i}: of family {p}, acts for a child of {c}" for i, p, c in own if p != c]
    return broken


async def _check_audit(s, apps, certs) -> list[str]:  # type: ignore[no-untyped-def]
    """Every staff act is in the trail, and none was done while its role was revoked: in
    the order the trail was written, each act comes while a grant of its role stands."""
    broken = []
    trail = (await s.scalars(select(AuditRecord).order_by(AuditRecord.id))).all()
    held: dict[str, set[str]] = {role: set() for role in STAFF_ROLES}
    for r in trail:
        if r.action in ("grant", "revoke"):
            scope = (r.detail or "").replace(" region-wide", "")
            role = scope.split(" role:")[1].split(" ")[0]
            if role in held:
                (held[role].add if r.action == "grant" else held[role].discard)(scope)
        elif r.action in NEEDS and not held[NEEDS[r.action]]:
            broken.append(f"audit {r.id}: {r.action} by {r.actor} after its role was revoked")
    accepted = {r.application_id for r in trail if r.action == "accept" and r.outcome == "ok"}
    for a in apps:
        if a.accepted_at is not None and a.id not in accepted:
            broken.append(f"application {a.id}: accepted and not in the audit trail")
    # a confirmer confirms a child's data, or a register number's link (the documents of
    # a child the register holds no СНИЛС of)
    confirmed = {
        r.certificate_id
        for r in trail
        if r.action == "confirm" or (r.action == "link-number" and r.outcome == "approved")
    }
    for c in certs:
        if c.confirmed_by is not None and c.id not in confirmed:
            broken.append(f"certificate {c.id}: confirmed and not in the audit trail")
    return broken


async def _check_outbox(s, apps, certs, report: RoundReport) -> list[str]:  # type: ignore[no-untyped-def]
    """A notice for every committed change, none for a rolled-back one."""
    broken = []
    rows = (
        await s.execute(
            select(Outbox.kind, Outbox.dedup_key, Outbox.parent_id, Outbox.ref, Outbox.payload)
        )
    ).all()
    keys = {k for _, k, _, _, _ in rows if k}
    app_ids = {a.id for a in apps}
    cert_ids = {c.id for c in certs}
    for kind, _, _, _, payload in rows:
        payload = payload or {}
        if kind == "application_status" and payload.get("application_id") not in app_ids:
            broken.append(
                f"a notice for application {payload.get('application_id')} that is not there"
            )
        if kind == "certificate_status" and payload.get("certificate_id") not in cert_ids:
            broken.append(
                f"a notice for certificate {payload.get('certificate_id')} that is not there"
            )
    debited = set(
        (
            await s.execute(
                select(Application.parent_id, LedgerEntry.month)
                .join(LedgerEntry, LedgerEntry.application_id == Application.id)
                .where(LedgerEntry.kind == "debit", Application.parent_id.is_not(None))
                # a child a dispute moved: its earlier months were told to the family
                # that held the child when they closed
                .where(
                    Application.child_id.not_in(
                        select(Dispute.child_id).where(Dispute.status == "moved")
                    )
                )
            )
        ).all()
    )
    told = {(pid, month) for kind, _, pid, month, _ in rows if kind == "debits"}
    # (a notice may outlive its debit's link to the family, e.g. the child was removed
    # since: the worker then finds nothing to tell and drops it)
    broken += [f"family {p}: debited in month {m} and not told" for p, m in debited - told]
    seen = Counter((pid, ref) for kind, _, pid, ref, _ in rows if kind == "debits")
    broken += [f"family {p}: told of month {m} {n} times" for (p, m), n in seen.items() if n > 1]
    by_id = {a.id: a for a in apps}
    # a notice is the family's it was addressed to: erased with that family's data (its
    # consent withdrawn), though a dispute may since have moved the child, and the
    # application with it, to another family
    erased = set(
        await s.scalars(select(Parent.id).where(Parent.consent_withdrawn_at.is_not(None)))
    )
    for app_id, family in report.applied.items():
        a = by_id.get(app_id)
        if a is None:
            broken.append(f"application {app_id} was committed and is gone")
        elif (
            a.parent_id is not None
            and family not in erased
            and not {
                f"app:{a.id}:submitted",
                f"app:{a.id}:waiting",
            }
            & keys
        ):
            broken.append(f"application {app_id}: no notice of its submission")
    # the same for a status: told to the family that held the child then, and erased with
    # its data if that family withdrew its consent after a dispute moved the child away
    moved = set(await s.scalars(select(Dispute.child_id).where(Dispute.status == "moved")))
    for a in apps:
        told = a.status in ("accepted", "enrolled", "cancelled", "rejected", "expired")
        if a.parent_id is None or not told or f"app:{a.id}:{a.status}" in keys:
            continue
        if not (erased and a.child_id in moved):
            broken.append(f"application {a.id}: {a.status} without a notice")
    return broken
