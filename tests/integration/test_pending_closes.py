"""A month close leaves the certificates' rows alone: its entries are pending, added to
every read of a certificate's figures, and folded into the row by the next writer or by
the worker (month_close.fold), never twice."""

from __future__ import annotations

import ast
import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from core.accounting import month_close
from core.certificates import balance, certificates
from core.enrolment import decisions, enrolment, quotes
from core.ledger import ledger
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.db import Database
from core.storage.models import Certificate, LedgerEntry
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

ROOT = Path(__file__).resolve().parents[2]
OCTOBER = month_index(2026, 10)
# 5 October, enrolled in a group meeting on Mondays at 1,000 ₽ a month: October costs the
# whole share; 11,000 ₽ credited, October..May (8 months) blocked
CREDIT, SHARE, BLOCKED = 1_100_000, 100_000, 800_000


async def _enrolled_then_october_closed(db: Database, clock) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    await setup_region(db, rows=[catalogue_row(1, price=1000), catalogue_row(2, price=500)])
    parent, child = await parent_with_child(db)
    async with db.uow() as uow:
        staff = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        await uow.commit()
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    assert (await db.run(accept_contract, staff, app)).done
    await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED, None)
    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, OCTOBER)
    async with db.reader() as uow:
        cert = await uow.session.scalar(select(Certificate.id))
    assert cert is not None
    return parent, child, cert


async def _stored(db: Database, cert: int) -> tuple[int, int, int]:
    async with db.reader() as uow:
        row = (
            await uow.session.execute(
                select(
                    Certificate.stored_total,
                    Certificate.stored_reserved,
                    Certificate.settled_month,
                ).where(Certificate.id == cert)
            )
        ).one()
    return row[0], row[1], row[2]


async def _ledger(db: Database, cert: int) -> tuple[int, int]:
    async with db.reader() as uow:
        row = (
            await uow.session.execute(
                select(
                    func.sum(LedgerEntry.total_delta), func.sum(LedgerEntry.reserved_delta)
                ).where(LedgerEntry.certificate_id == cert)
            )
        ).one()
    return int(row[0]), int(row[1])


async def test_every_read_adds_the_pending_close_then_a_writer_folds_it(db, clock):
    parent, child, cert = await _enrolled_then_october_closed(db, clock)
    after = (CREDIT - SHARE, BLOCKED - SHARE)
    # the close did not write the row: October's debit is pending
    assert await _stored(db, cert) == (CREDIT, BLOCKED, 0)
    assert await _ledger(db, cert) == after
    # what the family and the staff are shown, and what an application is checked against
    other = await group_id(db, "g2")
    async with db.uow() as uow:
        card = await certificates.view(uow, parent, child)
        assert (card.total, card.reserved) == after
        screen = await balance.family(uow, parent)
        funds = screen.certificates[child]
        assert (funds.total, funds.reserved) == after
        quote = await quotes.quote_application(uow, parent, child, other)
        assert quote.available == after[0] - after[1]
    # the next write to the certificate folds October in, under the row's lock
    await db.run(ledger.post, certificate_id=cert, kind="credit", key="test:topup", total_delta=1)
    assert await _stored(db, cert) == (after[0] + 1, after[1], OCTOBER)
    assert await _ledger(db, cert) == (after[0] + 1, after[1])
    # and the worker finds nothing left to fold in it
    while await db.run(month_close.fold, 1):
        pass
    assert await _stored(db, cert) == (after[0] + 1, after[1], OCTOBER)


async def test_the_worker_folds_a_closed_month_once(db, clock):
    _, _, cert = await _enrolled_then_october_closed(db, clock)
    steps = 0
    while await db.run(month_close.fold, 10):
        steps += 1
    assert steps == 1  # one certificate, fewer than a chunk: one step, then nothing left
    assert await _stored(db, cert) == (CREDIT - SHARE, BLOCKED - SHARE, OCTOBER)
    # a second pass, or a writer after it, folds nothing again
    assert await db.run(month_close.fold, 1) == 0
    await db.run(ledger.post, certificate_id=cert, kind="credit", key="test:one", total_delta=1)
    assert await _stored(db, cert) == (CREDIT - SHARE + 1, BLOCKED - SHARE, OCTOBER)


async def _fold_and_write_race(db: Database, cert: int, fold_first: bool) -> None:
    """One transaction holds the row (the fold's chunk, or a family's write), the other
    waits on it, then both commit: the pending entries are folded once."""
    first_done, release = asyncio.Event(), asyncio.Event()

    async def fold() -> None:
        async with db.uow() as uow:
            await month_close.fold(uow, 10)
            if fold_first:
                first_done.set()
                await release.wait()
            await uow.commit()

    async def write() -> None:
        async with db.uow() as uow:
            await ledger.post(
                uow, certificate_id=cert, kind="credit", key="test:race", total_delta=1
            )
            if not fold_first:
                first_done.set()
                await release.wait()
            await uow.commit()

    first, second = (fold, write) if fold_first else (write, fold)
    holding = asyncio.create_task(first())
    await first_done.wait()
    waiting = asyncio.create_task(second())
    await asyncio.sleep(0.3)  # the second is at the row's lock (or the database's, SQLite)
    assert not waiting.done()
    release.set()
    await asyncio.gather(holding, waiting)


async def test_a_fold_and_a_write_racing_on_one_certificate_fold_once(db, clock):
    _, _, cert = await _enrolled_then_october_closed(db, clock)
    await _fold_and_write_race(db, cert, fold_first=True)
    assert await _stored(db, cert) == (CREDIT - SHARE + 1, BLOCKED - SHARE, OCTOBER)
    assert await _ledger(db, cert) == (CREDIT - SHARE + 1, BLOCKED - SHARE)


async def test_a_write_and_a_fold_racing_on_one_certificate_fold_once(db, clock):
    _, _, cert = await _enrolled_then_october_closed(db, clock)
    await _fold_and_write_race(db, cert, fold_first=False)
    assert await _stored(db, cert) == (CREDIT - SHARE + 1, BLOCKED - SHARE, OCTOBER)
    assert await _ledger(db, cert) == (CREDIT - SHARE + 1, BLOCKED - SHARE)


def test_only_the_ledger_writes_or_reads_the_stored_figures():
    """A read of stored_total or stored_reserved would miss the pending close entries:
    outside the model, the ledger's writer, the worker's fold and the new year's expiry
    (which runs with every close folded in), the code reads total and reserved."""
    allowed = {
        ROOT / "core/storage/models/money.py",
        ROOT / "core/ledger/ledger.py",
        ROOT / "core/accounting/month_close.py",
        # the year's expiry, under the exclusive gate after month_close.fold_all
        ROOT / "core/accounting/funding.py",
    }
    found = []
    for folder in ("core", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in allowed or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                named = (isinstance(node, ast.Attribute) and node.attr) or (
                    isinstance(node, ast.keyword) and node.arg
                )
                if named in ("stored_total", "stored_reserved", "settled_month"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")  # type: ignore[union-attr]
    assert found == []
