"""The provider's month and the payment register (issue 27, item 3), on both databases.

A world the test builds: two organisations, four children enrolled over October 2026 on
three groups, one from mid-month and one leaving mid-month. What each is owed is worked
out here by hand from the groups' class days (not by the code under test), and the
register's totals are checked against a sum of the ledger's debit entries written
independently of core.accounting.payments."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.__main__ import cli
from bot.i18n import LANGUAGES, translator
from bot.notify.render import Renderer
from core.accounting import auto_close, payments
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.outbox.delivery import Claimed
from core.rules.calendar import month_index
from core.staff import roles
from core.storage.models import (
    Application,
    AuditRecord,
    LedgerEntry,
    MonthClose,
    Outbox,
    Program,
    Provider,
)
from core.usecases.jobs import Jobs, NoticeFacts
from tests.support.wording import wording_problems
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)
from tests.unit.test_screens import StrictTranslator

OCT = month_index(2026, 10)
MONTH_NOTICES = Outbox.kind.in_(["provider_month", "month_closed"])


def _other_provider(row: str) -> str:
    return row.replace("prov1,Провайдер ДДТ", "prov3,Студия Ромашка", 1)


ROWS = [
    catalogue_row(1, price=1000, schedule="Пн 15:00"),  # October 2026: Mondays 5, 12, 19, 26
    catalogue_row(2, price=2000, schedule="Пн, Ср 16:00"),  # 8 class days: 5 7 12 14 19 …
    _other_provider(catalogue_row(3, price=1500, schedule="Вт 17:00")),  # 6 13 20 27
]


async def _grant(db, identity: str, role: str, provider: str | None = None) -> int:
    async with db.uow() as uow:
        pid = await roles.grant(uow, identity, role, provider_external_id=provider)
        await uow.commit()
    return pid


async def _enrolled(db, staff: int, family: str, group: str, first: date) -> int:
    parent, child = await parent_with_child(db, family)
    app = await db.run(enrolment.apply, parent, child, await group_id(db, group))
    assert (await db.run(accept_contract, staff, app)).done
    assert await db.run(decisions.provider_enrol, staff, app, first) == first
    return app


async def _world(db, clock):
    """Four contracts; returns (staff of prov1, staff of prov3, {app: expected kopecks})."""
    await setup_region(db, rows=ROWS, nominal=30_000)
    ddt = await _grant(db, "tg:100", "provider", "prov1")
    romashka = await _grant(db, "tg:300", "provider", "prov3")
    whole = await _enrolled(db, ddt, "11", "g1", date(2026, 10, 5))  # 4 of 4 Mondays
    late = await _enrolled(db, ddt, "12", "g1", date(2026, 10, 12))  # 3 of 4
    leaves = await _enrolled(db, ddt, "13", "g2", date(2026, 10, 5))  # 5, 7, 12, 14: 4 of 8
    other = await _enrolled(db, romashka, "14", "g3", date(2026, 10, 6))  # 4 of 4 Tuesdays
    clock.set(datetime(2026, 10, 14, 18, 0))
    await db.run(decisions.provider_finish, ddt, leaves, date(2026, 10, 14))
    async with db.reader() as uow:
        shares = dict(
            (await uow.session.execute(select(Application.id, Application.monthly_share))).all()
        )
    # the certificate pays the whole price (30 000 ₽ covers 8 months of each)
    assert shares == {whole: 100_000, late: 100_000, leaves: 200_000, other: 150_000}
    expected = {whole: 100_000, late: 75_000, leaves: 100_000, other: 150_000}
    days = {whole: (4, 4), late: (3, 4), leaves: (4, 8), other: (4, 4)}
    return ddt, romashka, expected, days


async def _ledger_by_provider(db, month: int) -> dict[str, int]:
    """What the ledger says each organisation is owed: its debit entries of the month."""
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(Provider.external_id, func.sum(-LedgerEntry.total_delta))
            .join(Application, Application.id == LedgerEntry.application_id)
            .join(Program, Program.id == Application.program_id)
            .join(Provider, Provider.id == Program.provider_id)
            .where(LedgerEntry.kind == "debit", LedgerEntry.month == month)
            .group_by(Provider.external_id)
        )
        return {code: int(total) for code, total in rows}


def _csv_totals(data: bytes) -> dict[str, int]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    out = {}
    for r in rows:
        if r["program"].startswith(payments.TOTAL):
            whole, part = r["amount_rub"].split(".")
            out[r["provider_id"]] = int(whole) * 100 + int(part)
    return out


def _xlsx_totals(data: bytes) -> dict[str, int]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    at = {name: head.index(name) for name in ("provider_id", "program", "amount_rub")}
    return {
        r[at["provider_id"]]: round(float(r[at["amount_rub"]]) * 100)
        for r in rows[1:]
        if str(r[at["program"]]).startswith(payments.TOTAL)
    }


async def test_the_providers_month_is_what_the_class_days_say(db, clock):
    ddt, romashka, expected, days = await _world(db, clock)
    operator = await _grant(db, "tg:500", "operator")
    clock.set(datetime(2026, 11, 1, 0, 30))  # 03:30 in Moscow: the 1st of the next month
    closed = await auto_close.close_ended(db)
    assert [r.month for r in closed] == [OCT]

    async with db.reader() as uow:
        register = await payments.register(uow, OCT)
        mine = await payments.provider_month(uow, ddt, None)
        theirs = await payments.provider_month(uow, romashka, OCT)
    assert {r.application_id: r.amount for r in register} == expected
    assert {r.application_id: (r.days, r.month_days) for r in register} == days
    assert all(r.child.startswith("Иванова-") for r in register)  # the child's full name
    # each organisation's staff see their own only, with the total
    assert mine.month == OCT and mine.months == [OCT]
    other = theirs.lines[0].application_id
    assert {r.application_id for r in mine.lines} == set(expected) - {other}
    assert mine.total == 100_000 + 75_000 + 100_000
    assert [(t.provider_code, t.contracts, t.amount) for t in theirs.totals] == [
        ("prov3", 1, 150_000)
    ]

    # the register's totals, in both files, are the ledger's
    ledger = await _ledger_by_provider(db, OCT)
    assert ledger == {"prov1": 275_000, "prov3": 150_000}
    assert _csv_totals(payments.to_csv(OCT, register)) == ledger
    assert _xlsx_totals(payments.to_xlsx(OCT, register)) == ledger

    # the staff of each organisation and the operator were told once, with the figures
    async with db.reader() as uow:
        told = sorted(
            (
                await uow.session.execute(
                    select(Outbox.parent_id, Outbox.kind, Outbox.ref).where(MONTH_NOTICES)
                )
            ).all()
        )
    assert sorted(told) == sorted(
        [
            (ddt, "provider_month", OCT),
            (romashka, "provider_month", OCT),
            (operator, "month_closed", OCT),
        ]
    )
    # in every language, with a translator failing on a missing key or parameter
    renderer = Renderer(StrictTranslator(), 100_000)
    async with db.reader() as uow:
        rows = list(await uow.session.scalars(select(Outbox).where(MONTH_NOTICES)))
        texts = {}
        for row in rows:
            claimed = Claimed(row.id, row.parent_id, row.kind, row.ref, row.payload or {}, 0)
            for lang in LANGUAGES:
                notice = await renderer.render(NoticeFacts(uow), claimed, lang)
                assert notice is not None and "{" not in notice.text, (row.kind, lang)
                assert wording_problems(notice.text, lang) == [], (row.kind, lang)
                if lang == "ru":
                    texts[row.parent_id] = notice.text
    assert "2 750 ₽" in texts[ddt].replace("\xa0", " ") and "3 договорам" in texts[ddt]
    assert "1 500 ₽" in texts[romashka].replace("\xa0", " ")
    assert "4 250 ₽" in texts[operator].replace("\xa0", " ")
    assert "payments 2026-10" in texts[operator]


async def test_the_register_of_a_month_not_closed_is_refused(db, clock):
    await setup_region(db, rows=ROWS)
    async with db.reader() as uow:
        with pytest.raises(DomainError) as refused:
            await payments.register(uow, OCT)
    assert refused.value.code == "month_not_closed"


async def test_payments_command_totals_equal_the_ledger(db, clock, tmp_path, monkeypatch):
    """`payments YYYY-MM` through click on the test's database: CSV on the terminal and
    XLSX to a file, each organisation's total equal to the ledger's debits; each export
    recorded in the audit trail."""
    await _world(db, clock)
    clock.set(datetime(2026, 11, 1, 9, 0))
    assert await auto_close.close_ended(db)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("BOT_SECRET", "b" * 64)
    monkeypatch.setenv("REGISTER_SECRET", "r" * 64)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    as_csv = await asyncio.to_thread(invoke, "payments", "2026-10")
    assert as_csv.exit_code == 0, as_csv.output
    ledger = await _ledger_by_provider(db, OCT)
    assert _csv_totals(as_csv.stdout.encode()) == ledger
    out = tmp_path / "october.xlsx"
    as_xlsx = await asyncio.to_thread(
        invoke, "payments", "2026-10", "--format", "xlsx", "--out", str(out)
    )
    assert as_xlsx.exit_code == 0, as_xlsx.output
    assert _xlsx_totals(out.read_bytes()) == ledger
    refused = await asyncio.to_thread(invoke, "payments", "2026-11")
    assert refused.exit_code != 0
    async with db.reader() as uow:
        recorded = list(
            await uow.session.execute(
                select(AuditRecord.outcome, AuditRecord.detail).where(
                    AuditRecord.action == "payments"
                )
            )
        )
    assert [o for o, _ in recorded] == ["ok", "ok", "month_not_closed"]
    assert "kopecks:425000" in recorded[0][1]


async def test_the_month_closes_once_across_two_workers_and_a_restart(db, clock):
    """Two replicas' workers find the ended month at the same moment: it is closed once,
    the staff and the operators told once; a worker started again closes nothing."""
    ddt, romashka, expected, _ = await _world(db, clock)
    operators = [await _grant(db, f"tg:50{n}", "operator") for n in range(2)]
    clock.set(datetime(2026, 11, 1, 9, 0))
    replicas = [db, type(db)(db.url, clock=clock)]
    try:
        results = await asyncio.gather(*(auto_close.close_ended(r) for r in replicas))
    finally:
        await replicas[1].dispose()
    assert sorted(len(r) for r in results) == [0, 1]
    restarted = type(db)(db.url, clock=clock)
    try:
        assert await auto_close.close_ended(restarted) == []
        clock.set(datetime(2026, 11, 20, 9, 0))  # later in the month: nothing more either
        assert await auto_close.close_ended(restarted) == []
    finally:
        await restarted.dispose()
    async with db.reader() as uow:
        closes = list(await uow.session.scalars(select(MonthClose.month)))
        debits = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "debit")
        )
        told = sorted(
            await uow.session.execute(select(Outbox.parent_id, Outbox.kind).where(MONTH_NOTICES))
        )
        audited = await uow.session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "close-month", AuditRecord.actor == "system")
        )
    assert closes == [OCT]
    assert debits == len(expected)
    assert told == sorted(
        [(ddt, "provider_month"), (romashka, "provider_month")]
        + [(o, "month_closed") for o in operators]
    )
    assert audited == 1


async def test_nothing_closes_before_the_month_has_ended(db, clock):
    await _world(db, clock)
    clock.set(datetime(2026, 10, 31, 20, 0))  # 23:00 in Moscow: October still
    # September has ended (nobody was served in it: closed with nothing to debit)
    assert [r.month for r in await auto_close.close_ended(db)] == [month_index(2026, 9)]
    async with db.reader() as uow:
        closes = list(await uow.session.scalars(select(MonthClose.month)))
        debits = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "debit")
        )
    assert (closes, debits) == ([month_index(2026, 9)], 0)


async def test_the_operator_role_is_granted_and_revoked_like_the_others(db):
    operator = await _grant(db, "tg:777", "operator")
    async with db.reader() as uow:
        held = [h for h in await roles.holders(uow) if h.role == "operator"]
    assert [(h.parent_id, h.municipality, h.provider) for h in held] == [(operator, None, None)]
    async with db.uow() as uow:
        done = await roles.revoke(uow, "tg:777", "operator")
        await uow.commit()
    assert done.roles == 1
    async with db.reader() as uow:
        kinds = list(
            await uow.session.scalars(
                select(AuditRecord.action).where(AuditRecord.detail.contains("role:operator"))
            )
        )
    assert kinds == ["grant", "revoke"]


class Recorder:
    """A messenger that only writes down what reached whom."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, items, outcome) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            self.sent.append((item.address, item.text))
            outcome.delivered.append(item.row_id)

    async def close(self) -> None:
        pass


async def _run_workers(workers, db, clock) -> None:
    """Run the workers together until the outbox has nothing pending, then stop them."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        for _ in range(300):
            await asyncio.sleep(0.05)
            async with db.reader() as uow:
                closed = await uow.session.get(MonthClose, OCT)
                pending = await uow.session.scalar(
                    select(func.count()).select_from(Outbox).where(Outbox.status != "sent")
                )
            if closed is not None and closed.notices_after is None and not pending:
                break
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_two_workers_close_the_month_once_and_tell_the_operator_once(db, clock):
    """Two workers of two replicas start together on the 1st: the month closes once and
    the operator's and the staff's notices are sent once; a worker started again after
    a restart closes and sends nothing more."""
    from bot.dialogs.signing import Signer
    from bot.notify.worker import Worker

    _, _, expected, _ = await _world(db, clock)
    await _grant(db, "tg:500", "operator")
    clock.set(datetime(2026, 11, 1, 9, 0))
    second = type(db)(db.url, clock=clock)
    sender = Recorder()

    def worker(on):  # type: ignore[no-untyped-def]
        return Worker(
            Jobs(on), translator(), Signer(b"s"), {"tg": sender}, idle_s=0.05, auto_close=True
        )

    try:
        await _run_workers([worker(db), worker(second)], db, clock)
    finally:
        await second.dispose()
    to_operator = [text for address, text in sender.sent if address == "500"]
    # the provider's month (its staff are also told of each contract concluded)
    to_staff = [t for address, t in sender.sent if address == "100" and t.startswith("🧾")]
    assert len(to_operator) == 1 and "2026-10" in to_operator[0]
    assert len(to_staff) == 1 and "3 договорам" in to_staff[0]
    before = len(sender.sent)
    restarted = type(db)(db.url, clock=clock)
    try:
        await _run_workers([worker(restarted)], db, clock)
    finally:
        await restarted.dispose()
    assert len(sender.sent) == before
    async with db.reader() as uow:
        assert list(await uow.session.scalars(select(MonthClose.month))) == [OCT]
        debits = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "debit")
        )
    assert debits == len(expected)
