"""The dialogs' port (``core.port``) implemented once over the database: each use case is
one unit of work — a read without a write lock (Database.read), or a transaction
committed and run again on a deadlock (Database.run) — composed of the services."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, datetime

from core import port
from core.errors import DomainError
from core.rules.catalog import Register
from core.rules.enrolment import AppStatus, CertStatus
from core.services import (
    broadcasts,
    catalog,
    certificates,
    children,
    concluding,
    confirmations,
    corrections,
    decisions,
    enrolment,
    leaving,
    link_requests,
    linking,
    parents,
    provider_views,
    quotes,
    register,
    statement,
    teens,
    views,
    waiting_list,
)
from core.storage.db import Database, UnitOfWork


class _Area:
    def __init__(self, db: Database) -> None:
        self.db = db


async def _children(uow: UnitOfWork, parent_id: int, only: int | None) -> list[port.ChildView]:
    return _acting_for(await children.list_children(uow, parent_id), only)


def _acting_for(kids: list[port.ChildView], only: int | None) -> list[port.ChildView]:
    """The family's children this account may act for: all, or the child themselves."""
    return [k for k in kids if only is None or k.id == only]


async def _child_confirmed(uow: UnitOfWork, parent_id: int, child_id: int) -> bool:
    await children.get_owned(uow, parent_id, child_id)
    return await children.is_confirmed(uow, child_id)


class Family(_Area):
    async def resolve(self, platform: str, external_id: str, language: str) -> port.Person:
        # a known account is read without a transaction; only a new one is written
        found = await self.db.read(parents.known, platform, external_id)
        if found is not None:
            if found.unreachable:
                # a refused send marked it; the person writing means it is open again
                # (a marked account's dialog state is dropped, so its next event of any
                # kind comes here)
                await self.db.run(parents.mark_reachable, platform, external_id)
            return port.Person(found.parent_id, found.language, found.teen)
        parent, teen = await self.db.run(parents.resolve, platform, external_id, language)
        return port.Person(parent.id, parent.language, teen)

    async def view(self, parent_id: int) -> port.ParentView:
        return await self.db.read(parents.view, parent_id)

    async def children(self, parent_id: int, only: int | None = None) -> list[port.ChildView]:
        return await self.db.read(_children, parent_id, only)

    async def child(self, parent_id: int, child_id: int) -> port.ChildView:
        return await self.db.read(children.view, parent_id, child_id)

    async def add_child(self, parent_id: int, data: port.ChildInput) -> int:
        return await self.db.run(children.add, parent_id, data)

    async def update_child(self, parent_id: int, child_id: int, data: port.ChildInput) -> None:
        await self.db.run(children.update_child, parent_id, child_id, data)

    async def child_confirmed(self, parent_id: int, child_id: int) -> bool:
        return await self.db.read(_child_confirmed, parent_id, child_id)

    async def request_correction(
        self, parent_id: int, child_id: int, data: port.ChildInput, reason: str
    ) -> int:
        return await self.db.run(corrections.request, parent_id, child_id, data, reason)

    async def correction_pending(self, parent_id: int, child_id: int) -> bool:
        return await self.db.read(corrections.pending_for_child, parent_id, child_id)

    async def remove_child(self, parent_id: int, child_id: int) -> list[str]:
        return await self.db.run(_remove_child, parent_id, child_id)

    async def give_consent(self, parent_id: int) -> None:
        await self.db.run(parents.give_consent, parent_id)

    async def set_language(
        self, parent_id: int, language: str, child_id: int | None = None
    ) -> None:
        await self.db.run(parents.set_language, parent_id, language, child_id)

    async def set_announcements(self, parent_id: int, enabled: bool) -> None:
        await self.db.run(parents.set_announcements, parent_id, enabled)

    async def choose_notices_to(self, parent_id: int, platform: str) -> None:
        await self.db.run(parents.choose_notices_to, parent_id, platform)

    async def privacy(self, parent_id: int) -> port.Privacy:
        return await self.db.read(_privacy, parent_id)

    async def withdraw_consent(self, parent_id: int) -> port.Withdrawal:
        return await self.db.run(_withdraw, parent_id)

    async def leaving(self, parent_id: int, child_id: int | None = None) -> port.Leaving:
        return await self.db.read(leaving.leaving, parent_id, child_id)

    async def link_code(self, parent_id: int) -> str:
        return await self.db.run(linking.create_code, parent_id)

    async def redeem_link(
        self, parent_id: int, platform: str, external_id: str, code: str
    ) -> port.Person | None:
        # a refusal is committed (the try counted, a live code used up): it returns None
        # rather than raising, which would roll the count back
        return await self.db.run(_redeem, parent_id, platform, external_id, code)

    async def invite_teen(self, parent_id: int, child_id: int) -> str:
        return await self.db.run(teens.invite, parent_id, child_id)

    async def offices(self, parent_id: int) -> list[port.Office]:
        return await self.db.read(views.family_offices, parent_id)


async def _privacy(uow: UnitOfWork, parent_id: int) -> port.Privacy:
    view = await parents.view(uow, parent_id)
    kids = await children.list_children(uow, parent_id) if view.consent else []
    channels = await parents.notice_channels(uow, parent_id)
    return port.Privacy(view, len(kids), channels)


async def _remove_child(uow: UnitOfWork, parent_id: int, child_id: int) -> list[str]:
    # read first: the child's own account (14+) goes with the child
    own = await teens.accounts(uow, child_id)
    await children.remove(uow, parent_id, child_id)
    return own


async def _withdraw(uow: UnitOfWork, parent_id: int) -> port.Withdrawal:
    # read first: the accounts of the family (and of its children) go with its data
    accounts = await parents.accounts(uow, parent_id)
    erased = await parents.withdraw_consent(uow, parent_id)
    return port.Withdrawal(erased, accounts)


async def _redeem(
    uow: UnitOfWork, parent_id: int, platform: str, external_id: str, code: str
) -> port.Person | None:
    target = await linking.redeem(uow, parent_id, platform, code)
    if target is None:
        return None
    view = await parents.view(uow, target)
    return port.Person(
        target, view.language, await parents.acting_child(uow, platform, external_id)
    )


class Certificates(_Area):
    async def child_card(self, parent_id: int, child_id: int) -> port.ChildCard:
        return await self.db.read(_child_card, parent_id, child_id)

    async def issue(self, parent_id: int, child_id: int) -> int:
        return await self.db.run(certificates.issue, parent_id, child_id)

    async def request_funding(self, parent_id: int, child_id: int) -> CertStatus:
        return await self.db.run(certificates.request_funding, parent_id, child_id)

    async def link_by_number(
        self, parent_id: int, number: str, born: date, snils: str | None = None
    ) -> port.LinkOutcome:
        return await self.db.run(register.link_by_number, parent_id, number, born, snils)

    async def balance(self, parent_id: int, only: int | None = None) -> port.Balance:
        return await self.db.read(_balance, parent_id, only)

    async def statement(
        self, parent_id: int, child_id: int, month: int | None = None
    ) -> port.Statement:
        return await self.db.read(statement.statement, parent_id, child_id, month)


async def _child_card(uow: UnitOfWork, parent_id: int, child_id: int) -> port.ChildCard:
    kid = await children.view(uow, parent_id, child_id)
    return port.ChildCard(kid, await certificates.view(uow, parent_id, child_id))


async def _balance(uow: UnitOfWork, parent_id: int, only: int | None) -> port.Balance:
    """Two queries whatever the number of children: them with their certificates, and
    what programs hold on them."""
    family = [
        (kid, cert)
        for kid, cert in await certificates.family(uow, parent_id)
        if only is None or kid.id == only
    ]
    certs = {kid.id: cert for kid, cert in family if cert is not None}
    funded = [c.id for c in certs.values() if c.status == CertStatus.FUNDED]
    held = await statement.reserves_of(uow, funded)
    return port.Balance([kid for kid, _ in family], certs, held)


class Catalogue(_Area):
    async def municipalities(self, text: str = "") -> list[tuple[int, str]]:
        return await self.db.read(catalog.municipalities, text)

    async def search(self, query: port.SearchQuery) -> port.Page:
        return await self.db.read(catalog.search, query)

    async def card(
        self, program_id: int, parent_id: int | None = None, child_id: int | None = None
    ) -> port.CardView:
        return await self.db.read(_card, program_id, parent_id, child_id)


async def _card(
    uow: UnitOfWork, program_id: int, parent_id: int | None, child_id: int | None
) -> port.CardView:
    """The program, and for a child the quote of its first group (or why not)."""
    c = await catalog.card(uow, program_id)
    if parent_id is None or child_id is None:
        return port.CardView(c)
    if c.register != Register.CERTIFIED or c.art_school or not c.groups:
        return port.CardView(c)
    try:
        q = await quotes.quote_application(uow, parent_id, child_id, c.groups[0].id)
    except DomainError as exc:
        return port.CardView(c, refusal=exc)
    return port.CardView(c, quote=q)


class Enrolment(_Area):
    async def choices(self, parent_id: int, only: int | None, group_id: int) -> port.ApplyChoice:
        return await self.db.read(_choices, parent_id, only, group_id)

    async def quote(
        self, parent_id: int, child_id: int, group_id: int, offer: int | None = None
    ) -> port.ApplyQuote:
        return await self.db.read(
            quotes.quote_application, parent_id, child_id, group_id, offer=offer
        )

    async def submit(
        self, parent_id: int, child_id: int, group_id: int, share: int, phone: str | None = None
    ) -> port.Waiting | None:
        return await self.db.run(_submit, parent_id, child_id, group_id, share, phone)

    async def take(self, parent_id: int, application_id: int, share: int) -> None:
        await self.db.run(enrolment.take, parent_id, application_id, expected_share=share)

    async def offered(self, parent_id: int, application_id: int) -> port.Offer:
        return await self.db.read(waiting_list.offered, parent_id, application_id)

    async def applications(
        self, parent_id: int, active_only: bool = False
    ) -> list[port.ApplicationView]:
        return await self.db.read(views.parent_applications, parent_id, active_only=active_only)

    async def application(self, parent_id: int, application_id: int) -> port.ApplicationCard:
        return await self.db.read(_application, parent_id, application_id)

    async def cancel(self, parent_id: int, application_id: int) -> None:
        await self.db.run(enrolment.cancel, parent_id, application_id)

    async def leave(self, parent_id: int, application_id: int) -> None:
        await self.db.run(enrolment.leave, parent_id, application_id)

    async def contract(self, parent_id: int, application_id: int) -> port.ContractView:
        return await self.db.read(_contract, parent_id, application_id)

    async def accept_contract(
        self, parent_id: int, application_id: int, text: str, account: str
    ) -> port.Decision:
        return await self.db.run(concluding.accept, parent_id, application_id, text, account)

    async def decline_contract(self, parent_id: int, application_id: int) -> None:
        await self.db.run(concluding.decline, parent_id, application_id)


async def _choices(
    uow: UnitOfWork, parent_id: int, only: int | None, group_id: int
) -> port.ApplyChoice:
    kids, (low, high) = await children.for_group(uow, parent_id, group_id)
    choice = port.ApplyChoice(_acting_for(kids, only), low, high)
    if len(choice.of_age) != 1:
        return choice
    with contextlib.suppress(DomainError):
        only_one = choice.of_age[0].id
        quote = await quotes.quote_application(uow, parent_id, only_one, group_id)
        return dataclasses.replace(choice, quote=quote)
    return choice


async def _application(
    uow: UnitOfWork, parent_id: int, application_id: int
) -> port.ApplicationCard:
    a = await views.parent_application(uow, parent_id, application_id)
    return port.ApplicationCard(
        a,
        await waiting_list.waiting_place(uow, a.id),
        await concluding.view(uow, parent_id, a.id),
    )


async def _contract(uow: UnitOfWork, parent_id: int, application_id: int) -> port.ContractView:
    found = await concluding.view(uow, parent_id, application_id)
    if found is None:
        raise DomainError("contract_not_found")
    return found


async def _submit(
    uow: UnitOfWork, parent_id: int, child_id: int, group_id: int, share: int, phone: str | None
) -> port.Waiting | None:
    """Apply, and the place in the waiting list if it is one (the seat claim says it)."""
    applied = await enrolment.submit(
        uow, parent_id, child_id, group_id, expected_share=share, phone=phone
    )
    return applied.waiting


class Staff(_Area):
    async def is_provider(self, staff_id: int) -> bool:
        return bool(await self.db.read(views.provider_ids, staff_id))

    async def provider_queue(
        self, staff_id: int, which: port.Queue, page: int
    ) -> tuple[list[port.ApplicationView], int]:
        return await self.db.read(provider_views.queue, staff_id, which, page)

    async def provider_card(self, staff_id: int, application_id: int) -> port.ProviderCard:
        return await self.db.read(provider_views.card, staff_id, application_id)

    async def finish(self, staff_id: int, application_id: int, last_day: date) -> None:
        await self.db.run(decisions.provider_finish, staff_id, application_id, last_day)

    async def first_days(self, staff_id: int, application_id: int) -> port.FirstDays:
        return await self.db.read(decisions.first_days, staff_id, application_id)

    async def enrol(self, staff_id: int, application_id: int, first_day: date) -> date:
        return await self.db.run(decisions.provider_enrol, staff_id, application_id, first_day)

    async def sign_on_paper(self, staff_id: int, application_id: int) -> port.Decision:
        return await self.db.run(concluding.sign_paper, staff_id, application_id)

    async def decide(
        self, staff_id: int, application_id: int, status: AppStatus, reason: str | None = None
    ) -> port.Decision:
        return await self.db.run(
            decisions.provider_decide, staff_id, application_id, status, reason
        )

    async def pending(self, staff_id: int, page: int) -> tuple[list[port.Pending], int]:
        return await self.db.read(confirmations.pending, staff_id, page=page)

    async def pending_one(self, staff_id: int, certificate_id: int) -> port.Pending:
        return await self.db.read(confirmations.pending_one, staff_id, certificate_id)

    async def confirm(
        self, staff_id: int, certificate_id: int, seen: str | None = None
    ) -> CertStatus:
        return await self.db.run(confirmations.confirm, staff_id, certificate_id, seen)

    async def reject(self, staff_id: int, certificate_id: int, reason: str) -> None:
        await self.db.run(confirmations.reject, staff_id, certificate_id, reason)

    async def corrections(self, staff_id: int, page: int) -> tuple[list[port.CorrectionView], int]:
        return await self.db.read(corrections.pending, staff_id, page=page)

    async def correction(self, staff_id: int, correction_id: int) -> port.CorrectionView:
        return await self.db.read(corrections.pending_one, staff_id, correction_id)

    async def approve_correction(self, staff_id: int, correction_id: int) -> None:
        await self.db.run(corrections.approve, staff_id, correction_id)

    async def refuse_correction(self, staff_id: int, correction_id: int, reason: str) -> None:
        await self.db.run(corrections.refuse, staff_id, correction_id, reason)

    async def link_requests(self, staff_id: int, page: int) -> tuple[list[port.LinkRequest], int]:
        return await self.db.read(link_requests.pending, staff_id, page=page)

    async def link_request(self, staff_id: int, certificate_id: int) -> port.LinkRequest:
        return await self.db.read(link_requests.pending_one, staff_id, certificate_id)

    async def approve_link(self, staff_id: int, certificate_id: int) -> None:
        await self.db.run(link_requests.approve, staff_id, certificate_id)

    async def refuse_link(self, staff_id: int, certificate_id: int, reason: str) -> None:
        await self.db.run(link_requests.refuse, staff_id, certificate_id, reason)


class Broadcasts(_Area):
    async def scope(self, author_id: int) -> tuple[int | None, bool]:
        return await self.db.read(broadcasts.coordinator_scope, author_id)

    async def audience_choice(self, author_id: int) -> port.AudienceChoice:
        return await self.db.read(_audience_choice, author_id)

    async def count(self, audience: port.Audience) -> int:
        return await self.db.read(broadcasts.count_audience, audience)

    async def programs(self, author_id: int, text: str) -> list[port.ProgramRow]:
        return await self.db.read(broadcasts.programs, author_id, text)

    async def create(
        self,
        author_id: int,
        text: str,
        audience: port.Audience,
        program_id: int | None,
        at: datetime | None,
    ) -> int:
        return await self.db.run(
            broadcasts.create, author_id, text, audience, program_id=program_id, at=at
        )

    async def progress(
        self, author_id: int, broadcast_id: int | None
    ) -> tuple[int, port.Progress]:
        return await self.db.read(_progress, author_id, broadcast_id)

    async def cancel(self, author_id: int, broadcast_id: int) -> None:
        await self.db.run(broadcasts.cancel, author_id, broadcast_id)


async def _audience_choice(uow: UnitOfWork, author_id: int) -> port.AudienceChoice:
    muni, region_wide = await broadcasts.coordinator_scope(uow, author_id)
    names = dict(await catalog.municipalities(uow)) if muni is not None else {}
    return port.AudienceChoice(muni, names.get(muni or 0, "—"), region_wide)


async def _progress(
    uow: UnitOfWork, author_id: int, broadcast_id: int | None
) -> tuple[int, port.Progress]:
    """The broadcast asked for, or the author's latest."""
    if broadcast_id is None:
        broadcast_id = await broadcasts.latest(uow, author_id)
    if broadcast_id is None:
        raise DomainError("broadcast_not_found")
    return broadcast_id, await broadcasts.progress(uow, author_id, broadcast_id)


class UseCases:
    """``core.port.Core`` over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.family = Family(db)
        self.certificates = Certificates(db)
        self.catalogue = Catalogue(db)
        self.enrolment = Enrolment(db)
        self.staff = Staff(db)
        self.broadcasts = Broadcasts(db)

    def today(self) -> date:
        return self.db.today()
