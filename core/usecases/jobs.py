"""The worker's periodic jobs and the operator's batches: each walks its rows a short
transaction at a time, so a family's action never waits behind a whole batch."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import select

from core import port
from core.accounting import auto_close, month_close, payments
from core.broadcasts import broadcasts
from core.catalogue import reviews, views
from core.enrolment import concluding, contracts, decisions, enrolment, waiting_list
from core.outbox import delivery
from core.rules.enrolment import AppStatus
from core.staff import command_lists
from core.storage.db import Database, UnitOfWork
from core.storage.models import Application, Broadcast, Child, Group, Municipality, Program

logger = logging.getLogger(__name__)


async def expire_unanswered(
    db: Database, days: int = decisions.DEFAULT_EXPIRY_DAYS, *, batch: int = 500
) -> int:
    """Applications the provider has not answered within ``days`` are closed: the seat
    frees, the family is told. Each in its own short transaction in the lock order, so a
    sweep never holds many families at once. Returns how many expired."""
    if days <= 0:
        return 0
    expired = 0
    while True:
        async with db.reader() as uow:
            cutoff = uow.now - timedelta(days=days)
            ids = list(
                await uow.session.scalars(
                    select(Application.id)
                    .where(
                        Application.status == AppStatus.SUBMITTED.value,
                        Application.created_at <= cutoff,
                    )
                    .order_by(Application.id)
                    .limit(batch)
                )
            )
        for app_id in ids:
            if await db.run(decisions.expire_application, app_id, cutoff):
                expired += 1
        if len(ids) < batch:
            break
    if expired:
        logger.info("%d unanswered applications expired after %d days", expired, days)
    return expired


async def invite_to_rate(db: Database) -> int:
    """The invitations to rate a program (core.catalogue.reviews.invite), a batch a short
    transaction. Returns how many applications were looked at."""
    looked = 0
    while True:
        found = await db.run(reviews.invite)
        looked += found
        if found < reviews.INVITE_BATCH:
            return looked


async def expire_offers(db: Database, *, batch: int = 500) -> int:
    """Every held seat not taken in time passes on, each in its own short transaction;
    then any seat free while families wait is offered (fill_groups). Returns how many
    held seats passed on."""
    await waiting_list.fill_groups(db)
    passed = 0
    while True:
        async with db.reader() as uow:
            ids = list(
                await uow.session.scalars(
                    select(Application.id)
                    .where(
                        Application.status == AppStatus.OFFERED.value,
                        Application.hold_until <= uow.now,
                    )
                    .order_by(Application.id)
                    .limit(batch)
                )
            )
        for app_id in ids:
            if await db.run(enrolment.expire_offer, app_id):
                passed += 1
        if len(ids) < batch:
            return passed


class NoticeFacts:
    """``port.NoticeReader`` over one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def recipients(
        self, parent_ids: list[int], platforms: Collection[str]
    ) -> dict[int, port.Recipient]:
        return await delivery.recipients(self.uow, parent_ids, platforms)

    async def child_name(self, child_id: int) -> str | None:
        return await self.uow.session.scalar(select(Child.name).where(Child.id == child_id))

    async def program_name(self, program_id: int) -> str | None:
        return await self.uow.session.scalar(select(Program.name).where(Program.id == program_id))

    async def group_name(self, group_id: int) -> str | None:
        return await self.uow.session.scalar(select(Group.name).where(Group.id == group_id))

    async def seat_offer(self, application_id: int) -> port.SeatOffer | None:
        app = await self.uow.session.get(Application, application_id)
        if app is None or app.status != AppStatus.OFFERED.value or app.hold_until is None:
            return None
        return port.SeatOffer(app.id, app.program_id, app.child_id, app.hold_until)

    async def broadcast(self, broadcast_id: int) -> port.BroadcastNotice | None:
        b = await self.uow.session.get(Broadcast, broadcast_id)
        if b is None or b.status == "cancelled":
            return None
        muni = None
        if b.municipality_id is not None:
            muni = await self.uow.session.get(Municipality, b.municipality_id)
        return port.BroadcastNotice(
            b.id, b.text, b.program_id, muni.name if muni is not None else None
        )

    async def month_debits(self, parent_id: int, month: int) -> list[port.DebitLine]:
        return await views.month_debits(self.uow, parent_id, month)

    async def next_step(self, application_id: int, *, similar: int = 0) -> port.NextStep | None:
        return await views.next_step(self.uow, application_id, similar=similar)

    async def provider_lines(self, month: int, staff_id: int) -> list[port.PaymentLine]:
        return await payments.lines(self.uow, month, await views.provider_ids(self.uow, staff_id))

    async def month_summary(self, month: int) -> tuple[int, int, int]:
        return await payments.month_summary(self.uow, month)

    async def contract_offered_until(self, application_id: int) -> datetime | None:
        offered = await contracts.current(self.uow, application_id)
        if offered is None or offered.status != contracts.OFFERED:
            return None
        return offered.deadline


class Jobs:
    """``port.Jobs`` over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def expire(self, expiry_days: int) -> None:
        # its notices go out through the outbox like any other
        await expire_unanswered(self.db, expiry_days)
        # held seats not taken in time go to the next of the waiting list
        await expire_offers(self.db)
        # contracts offered and not accepted in time lapse: their seats too
        await concluding.lapse_offers(self.db)
        # a month of studies: the family is invited to rate the program, once
        await invite_to_rate(self.db)

    async def claim(self, batch: int, lease_s: float) -> port.Claim:
        async with self.db.uow() as uow:
            await broadcasts.expand_due(uow)
            # a closed month's debit notices, a chunk at a time (the close itself writes
            # none: it holds the exclusive gate)
            fanned = await month_close.fan_out(uow)
            # and its entries folded into the certificates' rows, a chunk at a time
            fanned += await month_close.fold(uow)
            claimed = await delivery.claim(uow, batch, lease_s)
            depth = await delivery.depth(uow)
            await uow.commit()
        return port.Claim(claimed, fanned, depth)

    async def close_ended(self) -> None:
        await auto_close.close_ended(self.db)

    async def menus(self, platform: str) -> list[port.MenuAccount]:
        return await self.db.read(command_lists.accounts, platform)

    async def menu_set(self, identity_id: int, seen: str | None, listed: str | None) -> bool:
        return await self.db.run(command_lists.record, identity_id, seen, listed)

    def reading(self) -> AbstractAsyncContextManager[port.NoticeReader]:
        return self._reading()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[port.NoticeReader]:
        async with self.db.reader() as uow:
            yield NoticeFacts(uow)

    async def extend(self, ids: list[int], lease_s: float) -> None:
        async with self.db.uow() as uow:
            await delivery.extend(uow, ids, lease_s)
            await uow.commit()

    async def release(self, ids: list[int]) -> None:
        async with self.db.uow() as uow:
            await delivery.release(uow, ids)
            await uow.commit()

    async def record(self, outcome: port.Outcome) -> None:
        async with self.db.uow() as uow:
            await delivery.record(uow, outcome)
            await uow.commit()
