"""The contract (договор-оферта) as a record: offered when a provider accepts (decisions),
required before enrolment, voided when an acceptance is undone; its notices to the
provider's staff. What the family and the staff do with it is core.enrolment.concluding."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError
from core.outbox.outbox import emit
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import (
    Application,
    Contract,
    Municipality,
    Program,
    Provider,
    Role,
)

logger = logging.getLogger(__name__)

OFFERED, CONCLUDED, DECLINED, LAPSED, VOID = "offered", "concluded", "declined", "lapsed", "void"
# shown for a concluded contract whose application has ended (its last day)
TERMINATED = "terminated"
LAPSED_REASON = "contract_lapsed"  # the application's reason when its offer lapsed
DEFAULT_OFFER_DAYS = 5
TEXT_MAX = 60_000  # the text the family was shown, kept whole (a template and the terms)


def digest(text: str) -> str:
    """The SHA-256 of the exact text shown (UTF-8), in hex: what the acceptance keeps."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def offer(uow: UnitOfWork, app: Application) -> Contract:
    """The provider accepted: a contract is offered to the family (the acceptance's notice
    carries a button to read it), open for the municipality's ``offer_days``. The caller holds the
    application's lock."""
    muni_days, muni_text, own_text = (
        await uow.session.execute(
            select(
                Municipality.offer_days,
                Municipality.contract_template,
                Provider.contract_template,
            )
            .select_from(Program)
            .join(Municipality, Municipality.id == Program.municipality_id)
            .join(Provider, Provider.id == Program.provider_id)
            .where(Program.id == app.program_id)
        )
    ).one()
    days = int(muni_days if muni_days is not None else DEFAULT_OFFER_DAYS)
    contract = Contract(
        application_id=app.id,
        status=OFFERED,
        template=own_text or muni_text or None,
        offered_at=uow.now,
        deadline=uow.now + timedelta(days=max(1, days)),
    )
    uow.session.add(contract)
    await uow.session.flush()
    return contract


async def current(uow: UnitOfWork, app_id: int) -> Contract | None:
    """The application's latest contract, read fresh."""
    return await uow.session.scalar(
        select(Contract)
        .where(Contract.application_id == app_id)
        .order_by(Contract.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def require_concluded(uow: UnitOfWork, app_id: int) -> None:
    """Enrolment needs the contract concluded (an application accepted before contracts
    existed has none, and is let through)."""
    contract = await current(uow, app_id)
    if contract is not None and contract.status != CONCLUDED:
        raise DomainError("contract_not_concluded")


async def void(uow: UnitOfWork, app_ids: list[int]) -> None:
    """The acceptance of these applications was undone (returned to the provider at the
    year's opening): their contracts no longer stand."""
    if app_ids:
        await uow.session.execute(
            update(Contract)
            .where(Contract.application_id.in_(app_ids), Contract.status.in_([OFFERED, CONCLUDED]))
            .values(status=VOID, ended_at=uow.now)
            .execution_options(synchronize_session=False)
        )


async def tell_staff(uow: UnitOfWork, app: Application, contract: Contract, event: str) -> None:
    """A notice to each staff member of the application's provider: the contract was
    concluded (in the chat or on paper) or the offer lapsed."""
    staff = list(
        await uow.session.scalars(
            select(Role.parent_id)
            .join(Program, Program.provider_id == Role.provider_id)
            .where(Program.id == app.program_id, Role.role == "provider")
            .order_by(Role.parent_id)
        )
    )
    payload = {
        "application_id": app.id,
        "program_id": app.program_id,
        "group_id": app.group_id,
        "child_id": app.child_id,
        "event": event,
    }
    try:
        # a staff member's account merged away meanwhile (an account link): run again
        async with uow.session.begin_nested():
            for person in dict.fromkeys(staff):
                await emit(
                    uow,
                    person,
                    "contract_event",
                    payload,
                    dedup_key=f"contract:{contract.id}:{event}:{person}",
                )
            await uow.session.flush()
    except IntegrityError:
        raise RetryTransaction from None
