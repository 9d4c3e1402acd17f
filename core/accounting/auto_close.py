"""The month closes itself: the worker closes each ended month on the first day of the
next one (the region's date), and tells the operators with the totals.

Exactly once across replicas and restarts, by the database: ``close_month`` takes the
exclusive ledger gate (PostgreSQL; SQLite serialises writers) and finds the month's
``month_closes`` row (its primary key) once one run has committed, so a second worker,
or the same one after a restart, finds it closed and does nothing. The operators' notices
are written in the closing transaction, only by the run that closed it, each with a dedup
key (the month and the person): never a second one.
"""

from __future__ import annotations

import logging

from sqlalchemy import String, cast, exists, insert, literal, select

from core.accounting import month_close
from core.accounting.month_close import CloseResult
from core.audit import audit
from core.errors import DomainError
from core.outbox.outbox import OUTBOX_COLS
from core.rules.calendar import month_label, month_of
from core.storage.db import Database, UnitOfWork
from core.storage.models import MonthClose, Outbox, Role

logger = logging.getLogger(__name__)
ACTOR = "system"  # the audit trail's actor of what the worker does by itself


async def due(uow: UnitOfWork) -> list[int]:
    """The ended months not closed, oldest first: the last month, and any earlier one in
    which a child was served (an empty month long past needs no close)."""
    last = month_of(uow.today) - 1
    if await uow.session.get(MonthClose, last) is not None:
        # months close in order: every earlier one with classes is closed too (the check
        # the worker makes every few minutes is this one primary-key read)
        return []
    return [*await month_close.unclosed_before(uow, last), last]


async def close_and_tell(uow: UnitOfWork, month: int) -> CloseResult:
    """Close ``month`` (a month already closed: nothing) and, when this run closed it, tell
    every account with the operator role, and record it in the audit trail."""
    result = await month_close.close_month(uow, month)
    if result.already_closed:
        return result
    key = literal("closed:") + cast(Role.parent_id, String) + literal(f":{month}")
    notices = (
        select(
            Role.parent_id,
            literal("month_closed"),
            key,
            literal(month),
            literal("pending"),
            literal(0),
            literal(uow.now),
        )
        .where(Role.role == "operator", ~exists().where(Outbox.dedup_key == key))
        .distinct()
    )
    await uow.session.execute(insert(Outbox).from_select(OUTBOX_COLS, notices))
    await audit.record(
        uow,
        ACTOR,
        "close-month",
        detail=(
            f"month:{month_label(month)} auto debits:{result.debits} "
            f"kopecks:{result.debited} releases:{result.releases}"
        ),
    )
    return result


async def close_ended(db: Database) -> list[CloseResult]:
    """Close every ended month not closed yet, oldest first, each in a transaction of its
    own. Cheap when there is nothing to do (one read). A refusal is logged and stops the
    run (the next one tries again)."""
    months = await db.read(due)
    done = []
    for month in months:
        try:
            result = await db.run(close_and_tell, month)
        except DomainError as exc:
            logger.warning("month %s not closed by itself: %s", month_label(month), exc.code)
            break
        if not result.already_closed:
            logger.info("month %s closed by itself", month_label(month))
            done.append(result)
    return done
