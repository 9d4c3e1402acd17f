"""The family's use cases: accounts, consent and its withdrawal, children and their removal."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select, update

from core import port
from core.catalogue import views
from core.certificates import corrections, funding_queue
from core.enrolment import enrolment, leaving
from core.errors import DomainError
from core.family import children, parents, teens
from core.outbox.outbox import emit
from core.register import linking, register
from core.rules.enrolment import OPEN_STATUSES, AppStatus, CertStatus
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Dispute,
    Follow,
    Identity,
    Outbox,
    Parent,
    Review,
)
from core.usecases.base import Area, acting_for

logger = logging.getLogger(__name__)


async def _children(uow: UnitOfWork, parent_id: int, only: int | None) -> list[port.ChildView]:
    return acting_for(await children.list_children(uow, parent_id), only)


async def _child_confirmed(uow: UnitOfWork, parent_id: int, child_id: int) -> bool:
    await children.get_owned(uow, parent_id, child_id)
    return await children.is_confirmed(uow, child_id)


class Family(Area):
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

    async def mark_unreachable(self, platform: str, external_id: str) -> None:
        await self.db.run(parents.mark_unreachable, platform, external_id)

    async def mark_reachable(self, platform: str, external_id: str) -> None:
        await self.db.run(parents.mark_reachable, platform, external_id)

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

    async def register_teen(
        self, parent_id: int, platform: str, external_id: str, data: port.ChildInput
    ) -> int:
        return await self.db.run(teens.register_self, parent_id, platform, external_id, data)

    async def teen_alone(self, parent_id: int) -> bool:
        return await self.db.read(teens.alone, parent_id)

    async def teen_parent_code(self, parent_id: int, child_id: int) -> str:
        return await self.db.run(teens.parent_code, parent_id, child_id)

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
    await remove_child(uow, parent_id, child_id)
    return own


async def _withdraw(uow: UnitOfWork, parent_id: int) -> port.Withdrawal:
    # read first: the accounts of the family (and of its children) go with its data
    accounts = await parents.accounts(uow, parent_id)
    erased = await withdraw_consent(uow, parent_id)
    return port.Withdrawal(erased, accounts)


async def _redeem(
    uow: UnitOfWork, parent_id: int, platform: str, external_id: str, code: str
) -> port.Person | None:
    target = await linking.redeem(uow, parent_id, platform, code)
    if target is None:
        return None
    view = await parents.view(uow, target)
    return port.Person(
        target,
        view.language,
        await parents.acting_child(uow, platform, external_id),
        tuple(await teens.family_children_accounts(uow, target)),
    )


async def remove_child(uow: UnitOfWork, parent_id: int, child_id: int) -> None:
    """Ends the child's applications (an enrolment as leaving today, the rest cancelled:
    money and seats return), then erases the child."""
    await locks.families(uow, parent_id)
    await children.get_owned(uow, parent_id, child_id)
    await forget_children(uow, [child_id], reason="child_removed")


async def withdraw_consent(uow: UnitOfWork, parent_id: int) -> int:
    """Delete the parent's children and their personal data; keep the ledger de-personalised.

    Active applications end first so their reservations and seats return. Afterwards
    nothing ties the family's messenger accounts to a certificate or the ledger: the
    applications lose their family, the family's notices are deleted (the one saying the
    data were erased is the only one written). Returns how many children were deleted.
    """
    await locks.families(uow, parent_id)
    parent = await uow.session.get(Parent, parent_id, populate_existing=True)
    if parent is None:
        raise DomainError("parent_not_found")
    child_ids = list(
        await uow.session.scalars(
            select(Child.id).where(Child.parent_id == parent_id).order_by(Child.id)
        )
    )
    if await teens.alone(uow, parent_id):
        # a child registered alone withdraws their own consent: their account is the
        # family's only one and stays the family's, blank, as a parent's does (it would go
        # with the child otherwise, leaving a family nobody reaches)
        await uow.session.execute(
            update(Identity)
            .where(Identity.parent_id == parent_id)
            .values(child_id=None)
            .execution_options(synchronize_session=False)
        )
    await forget_children(uow, child_ids, reason="consent")
    await uow.session.execute(
        update(Application)
        .where(Application.parent_id == parent_id)
        .values(parent_id=None, contact_phone=None)
        .execution_options(synchronize_session=False)
    )
    await uow.session.execute(delete(Outbox).where(Outbox.parent_id == parent_id))
    await uow.session.execute(delete(Follow).where(Follow.parent_id == parent_id))
    # the children the family said were theirs, as it typed them
    await uow.session.execute(delete(Dispute).where(Dispute.parent_id == parent_id))
    parent.consent_at = None
    parent.consent_version = None
    parent.consent_withdrawn_at = uow.now
    await emit(uow, parent_id, "data_erased", {"children": len(child_ids)})
    await uow.session.flush()
    logger.info("parent %s withdrew consent, %d children erased", parent_id, len(child_ids))
    return len(child_ids)


async def forget_children(uow: UnitOfWork, child_ids: list[int], *, reason: str) -> None:
    """End the children's applications (an enrolment as leaving today, anything else
    cancelled), close and de-personalise their certificates, then delete their rows. The
    caller holds the family's lock.

    In the lock order: the certificates first, then the funding queue they free (other
    families' certificates), then the applications and their seats.
    """

    if not child_ids:
        return
    certs = list(
        await uow.session.scalars(
            select(Certificate).where(Certificate.child_id.in_(child_ids)).order_by(Certificate.id)
        )
    )
    await locks.certificates(uow, [c.id for c in certs])
    for cert in certs:
        await uow.session.refresh(cert)
    freed = sorted({c.municipality_id for c in certs if c.status == CertStatus.FUNDED})
    for cert in certs:
        cert.status = CertStatus.CLOSED.value
        cert.queue_seq = None
    await uow.session.flush()
    # a funded certificate closed: its place in the quota goes to the next in the queue
    for municipality_id in freed:
        await funding_queue.grant_from_queue(uow, municipality_id)
    active = list(
        await uow.session.scalars(
            select(Application.id)
            .where(Application.child_id.in_(child_ids), Application.status.in_(OPEN_STATUSES))
            .order_by(Application.id)
        )
    )
    for app in await locks.applications(uow, active):
        # a child who attends leaves (the month is paid up to today); the rest is cancelled
        ends = AppStatus.FINISHED if app.status == AppStatus.ENROLLED else AppStatus.CANCELLED
        await enrolment.end_application(uow, app.id, ends, reason=reason, by_family=True)
    # the register entry stays, keyed so the same child registering again gets it back
    await register.detach(uow, child_ids)
    await uow.session.execute(
        update(Certificate)
        .where(Certificate.child_id.in_(child_ids))
        .values(child_id=None)
        .execution_options(synchronize_session=False)
    )
    await uow.session.execute(
        update(Application)
        .where(Application.child_id.in_(child_ids))
        .values(child_id=None, parent_id=None, contact_phone=None)
        .execution_options(synchronize_session=False)
    )
    # the family's reviews of programs go with the child (their words, not the register's)
    await uow.session.execute(delete(Review).where(Review.child_id.in_(child_ids)))
    for child in await uow.session.scalars(select(Child).where(Child.id.in_(child_ids))):
        await uow.session.delete(child)
    await uow.session.flush()
