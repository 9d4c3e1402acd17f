"""The worker's periodic jobs and the operator's batches: each walks its rows a short
transaction at a time, so a family's action never waits behind a whole batch."""

from __future__ import annotations

from sqlalchemy import select

from core.enrolment import enrolment, waiting_list
from core.rules.enrolment import AppStatus
from core.storage.db import Database
from core.storage.models import Application


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
