"""The contract (договор-оферта): concluded by the family's acceptance in the chat or on
paper, declined, or lapsed when not accepted in time; the family's view of it.

A provider's acceptance only holds the seat (decisions, contracts.offer); the money is
blocked when the contract is concluded, against what is available then (refused with the
figures otherwise, the offer stays open). An offer not accepted within the municipality's
``offer_days`` lapses: the application ends, the seat passes on (to the waiting list, as a
cancel does), the family and the provider's staff are told. A concluded contract ends with
its application: the application's last day is the contract's termination.

Every writing use case takes the locks of core.storage.locks in their order: the gate and
the family, the certificate, the application; the contract row is read after them (it is
only written under its application's lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.audit import audit
from core.certificates.funding_queue import period_of
from core.enrolment import campaign
from core.enrolment.contracts import (
    CONCLUDED,
    DECLINED,
    LAPSED,
    LAPSED_REASON,
    OFFERED,
    TERMINATED,
    VOID,
    current,
    digest,
    tell_staff,
)
from core.enrolment.decisions import Decision, _default_start, _provider_app, _start_window
from core.enrolment.enrolment import _locked, _owned_app, end_application
from core.errors import DomainError
from core.ledger.ledger import post
from core.rules.calendar import Period, month_of
from core.rules.enrolment import AppStatus, CertStatus
from core.storage import locks
from core.storage.db import Database, RetryTransaction, UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Contract,
    Group,
    Program,
    Provider,
)

logger = logging.getLogger(__name__)

TEXT_MAX = 60_000  # the text the family was shown, kept whole (a template and the terms)


@dataclass(frozen=True, slots=True)
class ContractView:
    """A contract as the family reads it: the terms, the text, where it stands."""

    id: int
    application_id: int
    status: str  # offered concluded declined lapsed void terminated
    child: str
    provider: str
    program: str
    group: str
    schedule: str
    address: str
    first_day: date | None  # the studies' first day (set at enrolment; else the next class)
    last_day: date | None  # the termination: the application's last day
    first_month: int
    last_month: int
    monthly_price: int
    monthly_share: int
    deadline: datetime  # an offer not accepted by then lapses
    template: str | None  # the provider's or municipality's text; None: the default
    method: str | None  # chat | paper
    concluded_at: datetime | None
    digest: str | None
    text: str | None  # exactly as accepted (a contract concluded in the chat)

    @property
    def months(self) -> int:
        return self.last_month - self.first_month + 1

    @property
    def monthly_copay(self) -> int:
        return self.monthly_price - self.monthly_share

    @property
    def share_total(self) -> int:
        return self.monthly_share * self.months

    @property
    def copay_total(self) -> int:
        return self.monthly_copay * self.months


async def _open_offer(uow: UnitOfWork, app: Application) -> Contract:
    contract = await current(uow, app.id)
    if contract is None:
        raise DomainError("contract_not_found")
    if contract.status == CONCLUDED:
        raise DomainError("contract_already_concluded")
    if contract.status != OFFERED or app.status != AppStatus.ACCEPTED.value:
        raise DomainError("contract_gone")  # declined, lapsed, or its application ended
    if contract.deadline <= uow.now:
        raise DomainError("contract_gone")  # the worker lapses it
    return contract


async def _block(uow: UnitOfWork, app: Application) -> Decision:
    """Block the application's share for the months from now to its end, against what is
    available now, or refuse with the figures (the family is told). The certificate is
    locked (``_locked``), so what is available is read fresh."""
    current = month_of(uow.today)
    first = max(app.first_month, current)
    if first > app.last_month:
        raise DomainError("program_finished")
    cert = (
        await uow.session.get(Certificate, app.certificate_id, populate_existing=True)
        if app.certificate_id is not None
        else None
    )
    period = await period_of(uow, cert.municipality_id) if cert is not None else Period.SCHOOL
    needed = app.monthly_share * campaign.money_months(first, app.last_month, period)
    if campaign.is_next_year(app.first_month, current, period):
        # concluded for a funding year not yet open (the summer campaign; a January start
        # in a calendar-year municipality): blocked when that year opens, in the order of
        # conclusion (campaign.block_accepted, campaign.carry_into)
        needed = 0
    if needed and app.certificate_id is not None:
        funded = cert is not None and cert.status == CertStatus.FUNDED
        available = cert.total - cert.reserved if cert is not None and funded else 0
        if available < needed:
            # one notice a day however often it is tried
            dedup = f"app:{app.id}:not_covered:{uow.today.isoformat()}"
            await campaign.tell_not_covered(uow, app, needed, available, dedup)
            logger.info("application %s: contract refused, not covered", app.id)
            return Decision(done=False, needed=needed, available=available)
        await post(
            uow,
            certificate_id=app.certificate_id,
            kind="reserve",
            key=f"reserve:{app.id}",
            reserved_delta=needed,
            application_id=app.id,
        )
        app.reserved_left = needed
    app.first_month = first
    return Decision(needed=needed)


async def _conclude(
    uow: UnitOfWork,
    app: Application,
    contract: Contract,
    *,
    method: str,
    by: int,
    account: str | None = None,
    text: str | None = None,
) -> Decision:
    decision = await _block(uow, app)
    if not decision.done:
        return decision
    contract.status = CONCLUDED
    contract.method = method
    contract.concluded_at = uow.now
    contract.concluded_by = by
    contract.account = account
    if text is not None:
        contract.text = text
        contract.digest = digest(text)
    # the order in which next year's money is blocked when that year opens
    app.accepted_at = uow.now
    app.updated_at = uow.now
    await uow.session.flush()
    await tell_staff(uow, app, contract, "concluded" if method == "chat" else "paper")
    return decision


async def accept(
    uow: UnitOfWork, parent_id: int, app_id: int, text: str, account: str | None = None
) -> Decision:
    """The family accepts the offer in the chat: ``text`` is exactly what it was shown
    (kept with its SHA-256, the account and the moment). Refused with the figures when
    the certificate no longer covers the share: the offer stays open."""
    if not text or len(text) > TEXT_MAX:
        raise DomainError("contract_changed")
    app = await _owned_app(uow, parent_id, app_id)
    contract = await _open_offer(uow, app)
    decision = await _conclude(
        uow, app, contract, method="chat", by=parent_id, account=account, text=text
    )
    if decision.done:
        logger.info("application %s: contract %s accepted in the chat", app.id, contract.id)
    return decision


async def decline(uow: UnitOfWork, parent_id: int, app_id: int) -> None:
    """The family declines the offer: the application is cancelled, the seat passes on,
    the provider's staff are told."""
    app = await _owned_app(uow, parent_id, app_id)
    contract = await _open_offer(uow, app)
    contract.status = DECLINED
    contract.ended_at = uow.now
    await end_application(uow, app.id, AppStatus.CANCELLED, by_family=True)


async def sign_paper(uow: UnitOfWork, staff_id: int, app_id: int) -> Decision:
    """The provider's staff record that the contract was signed on paper (audited);
    the money is blocked as at an acceptance in the chat, or refused with the figures."""
    app = await _provider_app(uow, staff_id, app_id)
    contract = await _open_offer(uow, app)
    decision = await _conclude(uow, app, contract, method="paper", by=staff_id)
    await audit.record(
        uow,
        staff_id,
        "contract-paper",
        child_id=app.child_id,
        application_id=app.id,
        certificate_id=app.certificate_id,
        outcome="ok" if decision.done else "not-covered",
    )
    return decision


async def lapse_one(uow: UnitOfWork, contract_id: int, at: datetime | None = None) -> bool:
    """One offer past its deadline (as of ``at``, now by default) lapses: the application
    ends (expired), the seat passes on, the family and the provider's staff are told. An
    offer whose application ended otherwise (cancelled, rejected) is void."""
    now = at or uow.now
    app_id = await uow.session.scalar(
        select(Contract.application_id).where(Contract.id == contract_id)
    )
    family = await uow.session.scalar(
        select(Application.parent_id).where(Application.id == app_id)
    )
    if app_id is None:
        return False
    await locks.families(uow, family)
    try:
        app = await _locked(uow, app_id, family)
    except DomainError:
        raise RetryTransaction from None  # moved to another family meanwhile
    contract = await current(uow, app_id)
    if contract is None or contract.id != contract_id:
        return False
    # accepted, declined or ended meanwhile: nothing to do
    if contract.status != OFFERED or contract.deadline > now:
        return False
    contract.ended_at = uow.now
    if app.status != AppStatus.ACCEPTED.value:
        contract.status = VOID
        await uow.session.flush()
        return False
    contract.status = LAPSED
    await end_application(uow, app.id, AppStatus.EXPIRED, reason=LAPSED_REASON)
    await tell_staff(uow, app, contract, "lapsed")
    return True


async def lapse_offers(db: Database, *, batch: int = 500) -> int:
    """Offers not accepted within their municipality's ``offer_days`` lapse, each in its
    own short transaction in the lock order. Returns how many lapsed."""
    lapsed = 0
    while True:
        async with db.reader() as uow:
            ids = list(
                await uow.session.scalars(
                    select(Contract.id)
                    .where(Contract.status == OFFERED, Contract.deadline <= uow.now)
                    .order_by(Contract.id)
                    .limit(batch)
                )
            )
        for contract_id in ids:
            if await db.run(lapse_one, contract_id):
                lapsed += 1
        if len(ids) < batch:
            break
    if lapsed:
        logger.info("%d contract offers lapsed", lapsed)
    return lapsed


async def _views(uow: UnitOfWork, where: object) -> list[ContractView]:
    rows = await uow.session.execute(
        select(
            Contract,
            Application,
            Child.name,
            Provider.name,
            Program.name,
            Program.address,
            Group.name,
            Group.schedule,
        )
        .join(Application, Application.id == Contract.application_id)
        .outerjoin(Child, Child.id == Application.child_id)
        .join(Program, Program.id == Application.program_id)
        .join(Provider, Provider.id == Program.provider_id)
        .join(Group, Group.id == Application.group_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(Contract.id.desc())
    )
    found = []
    for contract, app, child, provider, program, address, group, schedule in rows:
        status = contract.status
        ended = app.status not in (AppStatus.ACCEPTED.value, AppStatus.ENROLLED.value)
        if status == CONCLUDED and ended:
            status = TERMINATED
        elif status == OFFERED and ended:
            status = VOID
        if app.start_day is not None:
            first_day: date | None = date.fromordinal(app.start_day)
        elif status == OFFERED:
            earliest, latest, mask = await _start_window(uow, app)
            first_day = await _default_start(uow, app, earliest, latest, mask)
        else:
            first_day = None
        first_month = app.first_month
        if status == OFFERED:
            first_month = max(first_month, month_of(uow.today))
        found.append(
            ContractView(
                id=contract.id,
                application_id=app.id,
                status=status,
                child=child or "",
                provider=provider,
                program=program,
                group=group,
                schedule=schedule or "",
                address=address or "",
                first_day=first_day,
                last_day=date.fromordinal(app.end_day) if app.end_day else None,
                first_month=first_month,
                last_month=app.last_month,
                monthly_price=app.monthly_price,
                monthly_share=app.monthly_share,
                deadline=contract.deadline,
                template=contract.template,
                method=contract.method,
                concluded_at=contract.concluded_at,
                digest=contract.digest,
                text=contract.text,
            )
        )
    return found


async def view(uow: UnitOfWork, parent_id: int, app_id: int) -> ContractView | None:
    """The family's contract on one of its applications (the latest), None when none."""
    found = await _views(
        uow, (Contract.application_id == app_id) & (Application.parent_id == parent_id)
    )
    return found[0] if found else None
