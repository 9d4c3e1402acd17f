"""The staff's use cases: a provider's queue and decisions, МОЦ confirmations, the
figures (/stats)."""

from __future__ import annotations

from datetime import date

from core import port
from core.accounting import payments
from core.audit import audit
from core.broadcasts import broadcasts
from core.catalogue import provider_views, reviews, views
from core.certificates import amendments, confirmations, corrections, desk, link_requests
from core.enrolment import attendance, concluding, decisions
from core.errors import DomainError
from core.reports import report as reports
from core.rules.enrolment import AppStatus, CertStatus
from core.staff import roles
from core.storage.db import UnitOfWork
from core.usecases.base import Area


class Staff(Area):
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

    async def provider_month(self, staff_id: int, month: int | None) -> port.ProviderMonth:
        return await self.db.read(payments.provider_month, staff_id, month)

    async def stats(self, staff_id: int) -> port.Report:
        async def find(uow: UnitOfWork) -> port.Report:
            return await reports.build(uow, await roles.report_scope(uow, staff_id))

        async def record(uow: UnitOfWork, outcome: str, muni: int | None) -> None:
            await audit.record(
                uow, staff_id, "report", municipality=muni, outcome=outcome, detail="chat"
            )

        try:
            found = await self.db.read(find)
        except DomainError as exc:
            # a refused read of the figures is recorded as the operator's `report` is
            await self.db.run(record, exc.code, None)
            raise
        # a read of personal-data aggregates: recorded before it is shown
        await self.db.run(record, "ok", found.municipality_id)
        return found

    async def first_days(self, staff_id: int, application_id: int) -> port.FirstDays:
        return await self.db.read(decisions.first_days, staff_id, application_id)

    async def enrol(self, staff_id: int, application_id: int, first_day: date) -> date:
        return await self.db.run(decisions.provider_enrol, staff_id, application_id, first_day)

    async def attendance_groups(self, staff_id: int) -> list[port.AttendanceGroup]:
        return await self.db.read(attendance.groups, staff_id)

    async def attendance_sheet(self, staff_id: int, group_id: int, day: date | None) -> port.Sheet:
        return await self.db.read(attendance.sheet, staff_id, group_id, day)

    async def mark_attendance(
        self, staff_id: int, application_id: int, day: date, absent: bool
    ) -> None:
        await self.db.run(attendance.mark, staff_id, application_id, day, absent)

    async def sign_on_paper(self, staff_id: int, application_id: int) -> port.Decision:
        return await self.db.run(concluding.sign_paper, staff_id, application_id)

    async def decide(
        self, staff_id: int, application_id: int, status: AppStatus, reason: str | None = None
    ) -> port.Decision:
        return await self.db.run(
            decisions.provider_decide, staff_id, application_id, status, reason
        )

    async def desk(self, staff_id: int, which: port.Desk, query: str, page: int) -> port.DeskPage:
        """The desk's page; the read (its kind of search, never what was typed) is in the
        audit trail before it is shown, a refused one too."""
        kind = desk.query_kind(query)

        async def record(uow: UnitOfWork, outcome: str) -> None:
            detail = f"{which.value}:{kind}:page:{page}"
            if kind != "none":  # recognisable by whoever holds the words and the secret
                key = audit.keyed_digest(uow.register_secret, "desk", desk.query_key(query))
                detail += f":{key}"
            await audit.record(uow, staff_id, "desk-read", outcome=outcome, detail=detail)

        try:
            found = await self.db.read(desk.desk, staff_id, which, query, page)
        except DomainError as exc:
            await self.db.run(record, exc.code)
            raise
        await self.db.run(record, "ok")
        return found

    async def _card_read(
        self,
        staff_id: int,
        what: str,
        outcome: str,
        *,
        certificate_id: int | None = None,
        child_id: int | None = None,
    ) -> None:
        """A request's card (the child's personal data) read at the desk: ids only."""

        async def record(uow: UnitOfWork) -> None:
            await audit.record(
                uow,
                staff_id,
                "desk-card",
                certificate_id=certificate_id,
                child_id=child_id,
                outcome=outcome,
                detail=what,
            )

        await self.db.run(record)

    async def amend(
        self, staff_id: int, certificate_id: int, field: port.AmendField, value: str
    ) -> bool:
        return await self.db.run(amendments.amend, staff_id, certificate_id, field, value)

    async def pending(self, staff_id: int, page: int) -> tuple[list[port.Pending], int]:
        return await self.db.read(confirmations.pending, staff_id, page=page)

    async def pending_one(self, staff_id: int, certificate_id: int) -> port.Pending:
        try:
            found = await self.db.read(confirmations.pending_one, staff_id, certificate_id)
        except DomainError as exc:
            await self._card_read(staff_id, "certificate", exc.code, certificate_id=certificate_id)
            raise
        await self._card_read(staff_id, "certificate", "ok", certificate_id=certificate_id)
        return found

    async def confirm(
        self, staff_id: int, certificate_id: int, seen: str | None = None
    ) -> CertStatus:
        return await self.db.run(confirmations.confirm, staff_id, certificate_id, seen)

    async def reject(self, staff_id: int, certificate_id: int, reason: str) -> None:
        await self.db.run(confirmations.reject, staff_id, certificate_id, reason)

    async def corrections(self, staff_id: int, page: int) -> tuple[list[port.CorrectionView], int]:
        return await self.db.read(corrections.pending, staff_id, page=page)

    async def correction(self, staff_id: int, correction_id: int) -> port.CorrectionView:
        what = f"correction:{correction_id}"
        try:
            found = await self.db.read(corrections.pending_one, staff_id, correction_id)
        except DomainError as exc:
            await self._card_read(staff_id, what, exc.code)
            raise
        await self._card_read(staff_id, what, "ok", child_id=found.child_id)
        return found

    async def approve_correction(self, staff_id: int, correction_id: int) -> None:
        await self.db.run(corrections.approve, staff_id, correction_id)

    async def refuse_correction(self, staff_id: int, correction_id: int, reason: str) -> None:
        await self.db.run(corrections.refuse, staff_id, correction_id, reason)

    async def link_requests(self, staff_id: int, page: int) -> tuple[list[port.LinkRequest], int]:
        return await self.db.read(link_requests.pending, staff_id, page=page)

    async def link_request(self, staff_id: int, certificate_id: int) -> port.LinkRequest:
        try:
            found = await self.db.read(link_requests.pending_one, staff_id, certificate_id)
        except DomainError as exc:
            await self._card_read(staff_id, "link", exc.code, certificate_id=certificate_id)
            raise
        await self._card_read(staff_id, "link", "ok", certificate_id=certificate_id)
        return found

    async def approve_link(self, staff_id: int, certificate_id: int) -> None:
        await self.db.run(link_requests.approve, staff_id, certificate_id)

    async def refuse_link(self, staff_id: int, certificate_id: int, reason: str) -> None:
        await self.db.run(link_requests.refuse, staff_id, certificate_id, reason)

    async def reviews(self, staff_id: int, page: int) -> tuple[list[port.ReviewView], int]:
        return await self.db.read(_reviews, staff_id, page)

    async def hide_review(self, staff_id: int, review_id: int) -> None:
        await self.db.run(_hide_review, staff_id, review_id)


async def _reviews(uow: UnitOfWork, staff_id: int, page: int) -> tuple[list[port.ReviewView], int]:
    municipality, region_wide = await broadcasts.coordinator_scope(uow, staff_id)
    return await reviews.for_moderation(uow, None if region_wide else municipality, page)


async def _hide_review(uow: UnitOfWork, staff_id: int, review_id: int) -> None:
    """The municipality's coordinator hides a review; the role row is held (FOR SHARE) so
    a revocation waits for the act, and the act is in the audit trail."""
    municipality, region_wide = await broadcasts.coordinator_scope(uow, staff_id, hold=True)
    where = await reviews.hide(uow, review_id, staff_id, None if region_wide else municipality)
    await audit.record(
        uow, staff_id, "hide-review", municipality=where, detail=f"review {review_id}"
    )
