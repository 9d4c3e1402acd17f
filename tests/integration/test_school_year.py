"""A demo region driven from 1 June 2026 to 31 August 2027 with a moved clock: the summer
campaign, the new year with a lowered quota, twelve month closes in order, a program
switched mid-year, a withdrawal while attending; after every step the money rules of a
whole year are checked (issue 10's list)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.accounting import month_close, new_year
from core.catalogue import catalogue_import, municipalities_import
from core.certificates import certificates, confirmations
from core.enrolment import decisions, enrolment, quotes
from core.errors import DomainError
from core.family import children, parents, teens
from core.register import linking
from core.rules.calendar import month_bounds, month_index, month_of
from core.rules.enrolment import AppStatus, CertStatus
from core.rules.identity import Person, same_child
from core.rules.money import Terms
from core.staff import roles
from core.storage.models import (
    Application,
    Certificate,
    Child,
    LedgerEntry,
    MonthClose,
    MunicipalityYear,
    YearOpen,
)
from core.usecases import family as family_cases
from tests.support.world import HEADER, accept_contract, catalogue_row

MUNIS = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
    "applications_open\n"
    "town,Город,Регион,2025,5,12000,2,\n"
    "town,Город,Регион,2026,{quota},24000,2,01.06.2026\n"
)
CATALOGUE = [
    catalogue_row(1, price=1000),  # September–May, certified
    catalogue_row(2, price=1500),  # the program switched to in December
    catalogue_row(3, price=600, months=(6, 8)),  # a summer course, this school year
    catalogue_row(4, register="significant", price=0),
]


class Year:
    def __init__(self, db, clock) -> None:
        self.db = db
        self.clock = clock
        self.steps = 0

    def at(self, *when: int) -> None:
        self.clock.set(datetime(*when, 9, 0) if len(when) == 3 else datetime(*when))

    async def run(self, fn, *args, **kw):  # type: ignore[no-untyped-def]
        result = await self.db.run(fn, *args, **kw)
        await self.check()
        return result

    async def check(self) -> None:
        """Every rule of the issue, on the whole database."""
        self.steps += 1
        today = self.db.today()
        async with self.db.reader() as uow:
            s = uow.session
            certs = (await s.scalars(select(Certificate))).all()
            entries = (await s.scalars(select(LedgerEntry))).all()
            apps = {a.id: a for a in (await s.scalars(select(Application))).all()}
            closed = set(await s.scalars(select(MonthClose.month)))
            kids = (await s.scalars(select(Child))).all()
            # the quota of the year in force: the last one opened (before any, the first)
            opened = await s.scalar(select(func.max(YearOpen.school_year)))
            opened = opened or await s.scalar(select(func.min(MunicipalityYear.school_year)))
            quota = await s.scalar(
                select(MunicipalityYear.funded_quota).where(MunicipalityYear.school_year == opened)
            )
            broken = []
            sums: dict[int, list[int]] = {}
            for e in entries:
                t = sums.setdefault(e.certificate_id, [0, 0])
                t[0] += e.total_delta
                t[1] += e.reserved_delta
            for c in certs:
                if [c.total, c.reserved] != sums.get(c.id, [0, 0]):
                    broken.append(f"certificate {c.id}: balance is not the sum of its entries")
                if c.total - c.reserved < 0:
                    broken.append(f"certificate {c.id}: available below zero")
            debits = [e for e in entries if e.kind == "debit"]
            paid = Counter((e.application_id, e.month) for e in debits)
            for (app_id, month), n in paid.items():
                app = apps[app_id]
                first_day, _ = month_bounds(month)
                if n != 1:
                    broken.append(f"application {app_id}, month {month}: paid {n} times")
                if month >= month_of(today) or month not in closed:
                    broken.append(f"application {app_id}: debited a month not ended or closed")
                if app.start_day is None or first_day.toordinal() > (app.end_day or 10**7):
                    broken.append(
                        f"application {app_id}: debited after leaving or before starting"
                    )
            # every month closed with the child attending is paid to the provider exactly once
            for app in apps.values():
                if app.start_day is None:
                    continue
                start = month_of(date.fromordinal(app.start_day))
                end = month_of(date.fromordinal(app.end_day)) if app.end_day else app.last_month
                for month in range(start, min(end, app.last_month) + 1):
                    if month in closed and app.monthly_share and (app.id, month) not in paid:
                        broken.append(f"application {app.id}: month {month} closed and not paid")
            by_child = Counter(c.child_id for c in certs if c.child_id is not None)
            broken += [f"child {k}: {n} certificates" for k, n in by_child.items() if n > 1]
            for i, a in enumerate(kids):
                for b in kids[i + 1 :]:
                    if same_child(Person.of(a), Person.of(b)):
                        broken.append(f"children {a.id} and {b.id} are the same child")
            funded = sum(c.status == CertStatus.FUNDED for c in certs)
            if quota is not None and funded > quota:
                broken.append(f"{funded} funded over a quota of {quota}")
        assert not broken, (today, broken)


async def _family(year: Year, external: str, name: str, born: date) -> tuple[int, int]:
    async def make(uow):  # type: ignore[no-untyped-def]
        parent = await parents.get_or_create(uow, "tg", external)
        await parents.give_consent(uow, parent.id)
        data = children.ChildInput("Полякова", name, None, born, None, 1)
        return parent.id, await children.add(uow, parent.id, data)

    parent, child = await year.run(make)
    cert = await year.run(certificates.issue, parent, child)
    assert await year.run(certificates.request_funding, parent, child) == "awaiting"
    return parent, child, cert  # type: ignore[return-value]


async def _group(db, external: str) -> int:
    from tests.support.world import group_id

    return await group_id(db, external)


async def _close(year: Year, y: int, m: int) -> None:
    first = month_bounds(month_index(y, m))[1]
    # the day the month ends: too early, by the region's date
    year.at(first.year, first.month, first.day, 8, 0)
    with pytest.raises(DomainError) as err:
        await year.db.run(month_close.close_month, month_index(y, m))
    assert err.value.code == "month_not_ended"
    ny, nm = divmod(month_index(y, m) + 1, 12)
    year.at(ny, nm + 1, 1)
    await year.run(month_close.close_month, month_index(y, m))


async def test_a_whole_school_year(db, clock):
    year = Year(db, clock)
    year.at(2026, 6, 1)

    async def region(uow):  # type: ignore[no-untyped-def]
        await municipalities_import.import_municipalities(uow, MUNIS.format(quota=5))
        await catalogue_import.import_catalogue(uow, HEADER + "\n" + "\n".join(CATALOGUE) + "\n")

    await year.run(region)
    staff = await year.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    moc = await year.run(
        roles.grant, "tg:901", "confirmer", municipality_code="town", region_wide=True
    )

    # June: three families register; the МОЦ confirms in the order they come
    year.at(2026, 6, 2)
    ann = await _family(year, "1", "Анна", date(2016, 5, 1))
    bor = await _family(year, "2", "Борис", date(2012, 2, 1))
    vera = await _family(year, "3", "Вера", date(2015, 9, 9))
    year.at(2026, 6, 3)
    for _, _, cert in (ann, bor, vera):
        assert await year.run(confirmations.confirm, moc, cert) == "funded"
    async with db.reader() as uow:
        # funded in June of 2025/26: June, July, August of 12 000 ₽ a year
        assert (await certificates.view(uow, ann[0], ann[1])).total == 300_000

    # Борис is 14: his parent invites him, and he applies from his own account (the engine
    # lets that account act for him only; here the use cases it calls)
    code = await year.run(teens.invite, bor[0], bor[1])
    own = (await db.run(parents.get_or_create, "tg", "5050")).id
    assert await year.run(linking.redeem, own, "tg", code) == bor[0]
    # the summer: Борис attends the summer course now; Анна applies for September
    bor_summer = await year.run(enrolment.apply, bor[0], bor[1], await _group(db, "g3"))
    await year.run(accept_contract, staff, bor_summer)
    await year.run(decisions.provider_decide, staff, bor_summer, AppStatus.ENROLLED)
    year.at(2026, 6, 15)
    async with db.reader() as uow:
        q = await quotes.quote_application(uow, ann[0], ann[1], await _group(db, "g1"))
    assert (q.next_year, q.money.monthly_share, q.money.months) == (True, 100_000, 9)
    ann_app = await year.run(
        enrolment.apply, ann[0], ann[1], await _group(db, "g1"), expected=Terms(100_000, 100_000)
    )
    year.at(2026, 6, 20)
    await year.run(accept_contract, staff, ann_app)
    vera_app = await year.run(enrolment.apply, vera[0], vera[1], await _group(db, "g1"))
    year.at(2026, 6, 21)
    await year.run(accept_contract, staff, vera_app)

    for m in (6, 7):
        await _close(year, 2026, m)
    # for the coming year the region funds two certificates, not three
    year.at(2026, 8, 25)
    await year.run(municipalities_import.import_municipalities, MUNIS.format(quota=2))
    await _close(year, 2026, 8)
    year.at(2026, 9, 1)
    with pytest.raises(DomainError):  # a year is not opened twice
        await db.run(new_year.open_year, 2027)
    result = await year.run(new_year.open_year, 2026)
    assert result.requeued == 1
    async with db.reader() as uow:
        statuses = [(await certificates.view(uow, p, c)).status for p, c, _ in (ann, bor, vera)]
    # Вера asked last: she waits; Анна's summer acceptance is blocked now (9 × 1 000 ₽)
    assert statuses == ["funded", "funded", "queued"]
    async with db.reader() as uow:
        assert (await certificates.view(uow, ann[0], ann[1])).reserved == 900_000
        assert (await uow.session.get(Application, vera_app)).status == "submitted"
    await year.run(decisions.provider_decide, staff, ann_app, AppStatus.ENROLLED)
    vera_budget = await year.run(enrolment.apply, vera[0], vera[1], await _group(db, "g4"))
    assert vera_budget

    for m in (9, 10, 11):
        await _close(year, 2026, m)
    # December: Анна leaves the first program on the 10th and moves to the second
    year.at(2026, 12, 10)
    await year.run(enrolment.leave, ann[0], ann_app)
    switched = await year.run(enrolment.apply, ann[0], ann[1], await _group(db, "g2"))
    await year.run(accept_contract, staff, switched)
    await year.run(decisions.provider_decide, staff, switched, AppStatus.ENROLLED)
    await _close(year, 2026, 12)
    for m in (1,):
        await _close(year, 2027, m)
    # February: Борис's family withdraws its consent; nothing of his is debited after
    year.at(2027, 2, 14)
    await year.run(family_cases.withdraw_consent, bor[0])
    for m in (2, 3, 4, 5, 6, 7):
        await _close(year, 2027, m)
    year.at(2027, 8, 31)
    with pytest.raises(DomainError) as err:
        await db.run(month_close.close_month, month_index(2027, 8))
    assert err.value.code == "month_not_ended"
    async with db.reader() as uow:
        months = await uow.session.scalar(select(func.count()).select_from(MonthClose))
        left = await certificates.view(uow, ann[0], ann[1])
    assert months == 14  # June 2026 to July 2027, each once
    # Анна: 24 000 ₽ for 2026/27, less September–9 December of the first program and
    # 10 December–May of the second
    assert left.total < 2_400_000 and left.reserved == 0
    assert year.steps > 40
