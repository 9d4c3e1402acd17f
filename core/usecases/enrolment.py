"""The enrolment's use cases: choices, quotes, applications, offers, leaving."""

from __future__ import annotations

import contextlib
import dataclasses

from core import port
from core.catalogue import reviews, views
from core.enrolment import concluding, enrolment, quotes, waiting_list
from core.errors import DomainError
from core.family import children
from core.storage.db import UnitOfWork
from core.storage.models import Application
from core.usecases.base import Area, acting_for


class Enrolment(Area):
    async def choices(self, parent_id: int, only: int | None, group_id: int) -> port.ApplyChoice:
        return await self.db.read(_choices, parent_id, only, group_id)

    async def quote(
        self, parent_id: int, child_id: int, group_id: int, offer: int | None = None
    ) -> port.ApplyQuote:
        return await self.db.read(
            quotes.quote_application, parent_id, child_id, group_id, offer=offer
        )

    async def submit(
        self,
        parent_id: int,
        child_id: int,
        group_id: int,
        seen: port.Terms,
        phone: str | None = None,
        *,
        teen: int | None = None,
    ) -> port.Submitted:
        return await self.db.run(
            _submit, parent_id, child_id, group_id, seen, phone, teen is not None
        )

    async def take(
        self, parent_id: int, application_id: int, seen: port.Terms, *, teen: int | None = None
    ) -> None:
        await self.db.run(
            enrolment.take, parent_id, application_id, expected=seen, notify=teen is not None
        )

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
    choice = port.ApplyChoice(acting_for(kids, only), low, high)
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
    app = await uow.session.get(Application, a.id)
    return port.ApplicationCard(
        a,
        await waiting_list.waiting_place(uow, a.id),
        await concluding.view(uow, parent_id, a.id),
        may_rate=app is not None and await reviews.may_rate(uow, app),
    )


async def _contract(uow: UnitOfWork, parent_id: int, application_id: int) -> port.ContractView:
    found = await concluding.view(uow, parent_id, application_id)
    if found is None:
        raise DomainError("contract_not_found")
    return found


async def _submit(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    group_id: int,
    seen: port.Terms,
    phone: str | None,
    notify: bool,
) -> port.Submitted:
    """Apply: the place in the waiting list if it is one (the seat claim says it), and the
    family's applications read before the commit (one statement more in this
    transaction, where a read of their own after it cost a unit of work: its connection
    from the pool and back, on PostgreSQL a statement besides)."""
    applied = await enrolment.submit(
        uow, parent_id, child_id, group_id, expected=seen, phone=phone, notify=notify
    )
    return port.Submitted(applied.waiting, await views.parent_applications(uow, parent_id))
