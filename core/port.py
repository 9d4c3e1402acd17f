"""The one way into the core for the dialogs: use cases grouped by area.

A flow calls ``ctx.core.<area>.<use case>(…)``; it never opens or commits a unit of work,
nor sees the database or the clock. Each use case is one unit of work (a read, or a
transaction committed and retried on a deadlock), so a screen costs one. ``core.usecases``
implements this once over the database; the screen tests use a fake of it
(``tests/support/fake_core.py``, type-checked against these protocols).

The view types and the inputs' limits the dialogs need are re-exported here, so a flow
imports nothing from the core's areas or ``core.storage``. The outbox worker comes in the
same way (``Jobs``: its periodic jobs, and a ``NoticeReader`` for what a notice says).
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from core.accounting.month_close import CloseResult
from core.accounting.new_year import YearResult
from core.accounting.payments import PaymentLine, ProviderMonth, ProviderTotal
from core.accounting.payments import to_csv as payments_csv
from core.accounting.payments import to_xlsx as payments_xlsx
from core.accounting.payments import totals as payment_totals
from core.broadcasts.broadcasts import (
    FILTERS,
    HISTORY_PAGE,
    TEXT_MAX,
    TEXT_MIN,
    Audience,
    Progress,
    Sent,
    check_text,
)
from core.catalogue.catalogue import (
    COUNT_CAP,
    MAX_QUERY,
    GroupView,
    Page,
    ProgramCard,
    ProgramRow,
    SearchQuery,
    StreetMatch,
)
from core.catalogue.provider_views import PAGE as PROVIDER_PAGE
from core.catalogue.provider_views import ProviderCard, Queue
from core.catalogue.reviews import (
    MODERATION_PAGE,
    REVIEW_MAX,
    RateTarget,
    Ratings,
    ReviewView,
)
from core.catalogue.views import ApplicationView, DebitLine, NextStep
from core.certificates.amendments import Field as AmendField
from core.certificates.balance import Balance, Funds, Kid
from core.certificates.certificates import CertificateView, FundingTerms, Office
from core.certificates.confirmations import PAGE as CONFIRM_PAGE
from core.certificates.confirmations import Pending
from core.certificates.corrections import CorrectionView
from core.certificates.desk import PAGE as DESK_PAGE
from core.certificates.desk import QUERY_MAX as DESK_QUERY_MAX
from core.certificates.desk import Desk, DeskLine, DeskPage
from core.certificates.disputes import PAGE as DISPUTE_PAGE
from core.certificates.disputes import DisputeCard, DisputeRow
from core.certificates.link_requests import LinkRequest
from core.certificates.statement import Attendance, Entry, Reserve, Statement
from core.enrolment.attendance import AttendanceGroup, Pupil, Sheet
from core.enrolment.campaign import Season, SeasonState
from core.enrolment.concluding import ContractView
from core.enrolment.contracts import LAPSED_REASON as CONTRACT_LAPSED
from core.enrolment.decisions import DEFAULT_EXPIRY_DAYS, Decision, FirstDays
from core.enrolment.leaving import CertificateEnding, Ending, Leaving
from core.enrolment.quotes import ApplyQuote
from core.enrolment.waiting_list import OFFER_LAPSED, Offer, Waiting
from core.errors import DomainError
from core.family.children import ChildInput, ChildView
from core.family.parents import CONSENT_VERSION, NoticeChannels, ParentView
from core.family.teens import TEEN_AGE
from core.outbox.delivery import Claimed, Outcome, Recipient
from core.register.register import LinkOutcome
from core.register.register_rows import (
    CLOSED,
    LINKED,
    NUMBER_MAX,
    WITHDRAWN,
    RegisterReport,
    normalise_number,
)
from core.reports.report import Report
from core.rules.enrolment import AppStatus, CertStatus
from core.rules.import_cells import ImportReport
from core.rules.money import Terms
from core.staff.command_lists import MenuAccount
from core.staff.roles import ROLES, Holder, Revoked

__all__ = [
    "CLOSED",
    "CONFIRM_PAGE",
    "CONSENT_VERSION",
    "CONTRACT_LAPSED",
    "COUNT_CAP",
    "DEFAULT_EXPIRY_DAYS",
    "DESK_PAGE",
    "DESK_QUERY_MAX",
    "DISPUTE_PAGE",
    "FILTERS",
    "HISTORY_PAGE",
    "LINKED",
    "MAX_QUERY",
    "MODERATION_PAGE",
    "NUMBER_MAX",
    "OFFER_LAPSED",
    "PROVIDER_PAGE",
    "REVIEW_MAX",
    "ROLES",
    "TEEN_AGE",
    "TEXT_MAX",
    "TEXT_MIN",
    "WITHDRAWN",
    "AmendField",
    "ApplicationCard",
    "ApplicationView",
    "ApplyChoice",
    "ApplyQuote",
    "Attendance",
    "AttendanceGroup",
    "Audience",
    "AudienceChoice",
    "Balance",
    "BroadcastNotice",
    "Broadcasts",
    "CardView",
    "Catalogue",
    "CertificateEnding",
    "CertificateView",
    "Certificates",
    "ChildCard",
    "ChildInput",
    "ChildView",
    "Claim",
    "Claimed",
    "CloseResult",
    "ContractView",
    "Core",
    "CorrectionView",
    "DebitLine",
    "Decision",
    "Demo",
    "Desk",
    "DeskLine",
    "DeskPage",
    "DisputeCard",
    "DisputeRow",
    "Disputes",
    "Ending",
    "Enrolment",
    "Entry",
    "Family",
    "FirstDays",
    "FundingTerms",
    "Funds",
    "GroupView",
    "Holder",
    "ImportReport",
    "Jobs",
    "Kid",
    "Leaving",
    "LinkOutcome",
    "LinkRequest",
    "MenuAccount",
    "NextStep",
    "NoticeChannels",
    "NoticeReader",
    "Offer",
    "Office",
    "Operator",
    "Outcome",
    "Page",
    "ParentView",
    "PaymentLine",
    "Pending",
    "Person",
    "Privacy",
    "ProgramCard",
    "ProgramRow",
    "Progress",
    "ProviderCard",
    "ProviderMonth",
    "ProviderTotal",
    "Pupil",
    "Queue",
    "RateTarget",
    "Ratings",
    "Recipient",
    "RegisterReport",
    "Report",
    "Reserve",
    "ReviewView",
    "Revoked",
    "SearchQuery",
    "Season",
    "SeasonState",
    "SeatOffer",
    "Sent",
    "Sheet",
    "Staff",
    "Statement",
    "StreetMatch",
    "Submitted",
    "Terms",
    "Waiting",
    "Withdrawal",
    "YearResult",
    "check_text",
    "normalise_number",
    "payment_totals",
    "payments_csv",
    "payments_xlsx",
]


@dataclass(frozen=True)
class Person:
    """Who an account is: its family, the family's language, and the child it acts for
    when it is a child's own account (14+); None for a parent's account."""

    parent_id: int
    language: str
    teen: int | None = None
    # after an account link: the children's own accounts of the family (a child who was
    # alone moved into it), whose dialog states go so they find the family again
    children_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Privacy:
    parent: ParentView
    children: int
    channels: NoticeChannels


@dataclass(frozen=True)
class Withdrawal:
    erased: int  # children whose data went
    accounts: list[str]  # the family's accounts (user keys), whose dialogs go too


@dataclass(frozen=True)
class ChildCard:
    child: ChildView
    certificate: CertificateView | None


@dataclass(frozen=True)
class CardView:
    program: ProgramCard
    # for the child a search was made for: what the certificate would pay (its first
    # group), or why it would not
    quote: ApplyQuote | None = None
    refusal: DomainError | None = None
    # for that child: why an application would be refused now (any register), None when
    # it may be made; the card offers no apply button then
    why_not: DomainError | None = None

    @property
    def applicable(self) -> bool:
        return self.why_not is None

    # where the program's school year stands (the summer: when applications open)
    season: Season | None = None
    ratings: Ratings | None = None  # the families' ratings (visible ones)
    # a program of one group, for the one child who may apply to it (the child searched
    # for, or the family's only child of its age): that group's quote, so the card
    # carries it and the apply button (the opening day's journey: card, apply). None
    # when the group's button leads there (several groups or children, or a refusal)
    ready: ApplyQuote | None = None


@dataclass(frozen=True)
class ApplyChoice:
    children: list[ChildView]  # of the family (or the child's own account)
    age_min: int
    age_max: int
    # when one child alone is of the program's age: the quote for that child, read with
    # the choice (the screen after it shows it); None when it would be refused (the
    # quote screen asks again and says why)
    quote: ApplyQuote | None = None

    @property
    def of_age(self) -> list[ChildView]:
        """The children of the program's age: the ones who may be chosen."""
        return [k for k in self.children if self.age_min <= k.age <= self.age_max]


@dataclass(frozen=True)
class ApplicationCard:
    application: ApplicationView
    waiting: Waiting | None
    contract: ContractView | None = None  # the latest contract offered on it
    may_rate: bool = False  # studied there a month: the family may rate the program


@dataclass(frozen=True)
class Submitted:
    """An application made: its place in the waiting list, if that is what it took, and
    the family's applications with it (``Enrolment.submit``)."""

    waiting: Waiting | None
    applications: list[ApplicationView]


@dataclass(frozen=True)
class AudienceChoice:
    municipality_id: int | None  # the coordinator's own, if any
    municipality: str
    region_wide: bool


class Family(Protocol):
    async def resolve(self, platform: str, external_id: str, language: str) -> Person: ...
    async def view(self, parent_id: int) -> ParentView: ...
    async def children(self, parent_id: int, only: int | None = None) -> list[ChildView]: ...
    async def child(self, parent_id: int, child_id: int) -> ChildView: ...
    async def add_child(self, parent_id: int, data: ChildInput) -> int: ...
    async def update_child(self, parent_id: int, child_id: int, data: ChildInput) -> None: ...
    async def child_confirmed(self, parent_id: int, child_id: int) -> bool:
        """The child's data were checked against the documents: changed only by a
        correction a confirmer approves."""
        ...

    async def request_correction(
        self, parent_id: int, child_id: int, data: ChildInput, reason: str
    ) -> int: ...
    async def correction_pending(self, parent_id: int, child_id: int) -> bool: ...
    async def remove_child(self, parent_id: int, child_id: int) -> list[str]:
        """Removes the child; returns the child's own accounts (their dialogs go too)."""
        ...

    async def give_consent(self, parent_id: int) -> None: ...
    async def set_language(
        self, parent_id: int, language: str, child_id: int | None = None
    ) -> None:
        """The family's language; with ``child_id`` (a child's own account acting) only
        that child's own accounts'."""

    async def set_announcements(self, parent_id: int, enabled: bool) -> None: ...
    async def choose_notices_to(self, parent_id: int, platform: str) -> None: ...
    async def mark_unreachable(self, platform: str, external_id: str) -> None:
        """The messenger refuses to deliver to this account (blocked the bot, closed its
        messages)."""
        ...

    async def mark_reachable(self, platform: str, external_id: str) -> None:
        """The account allowed the bot's messages again."""
        ...

    async def privacy(self, parent_id: int) -> Privacy: ...
    async def withdraw_consent(self, parent_id: int) -> Withdrawal: ...
    async def leaving(self, parent_id: int, child_id: int | None = None) -> Leaving:
        """What ends today if the family withdraws (or removes the child)."""
        ...

    async def link_code(self, parent_id: int) -> str: ...
    async def redeem_link(
        self, parent_id: int, platform: str, external_id: str, code: str
    ) -> Person | None:
        """The family the account now belongs to, or None for a wrong code (the try is
        counted and committed)."""
        ...

    async def invite_teen(self, parent_id: int, child_id: int) -> str: ...
    async def register_teen(
        self, parent_id: int, platform: str, external_id: str, data: ChildInput
    ) -> int:
        """A child of 14 to 17 registers themselves (their own data and consent) from a
        new account, which becomes their own; returns the child's id."""
        ...

    async def teen_alone(self, parent_id: int) -> bool:
        """The family has no parent's account yet (a child registered alone)."""
        ...

    async def teen_parent_code(self, parent_id: int, child_id: int) -> str:
        """A code a child registered alone shows their parent (typed with /link)."""
        ...

    async def offices(self, parent_id: int) -> list[Office]: ...


class Certificates(Protocol):
    async def child_card(self, parent_id: int, child_id: int) -> ChildCard: ...
    async def issue(
        self,
        parent_id: int,
        child_id: int,
        applicant: str | None = None,
        *,
        by_child: bool = False,
    ) -> int:
        """The request; ``applicant``: the parent's full name for the passport check (kept
        until the МОЦ confirms or rejects; refused as ``applicant_name_invalid``);
        ``by_child``: asked from the child's own account (14+)."""
        ...

    async def request_funding(self, parent_id: int, child_id: int) -> CertStatus: ...
    async def link_by_number(
        self, parent_id: int, number: str, born: date, snils: str | None = None
    ) -> LinkOutcome:
        """The child linked, a request the МОЦ confirms, or a refusal (the try is counted
        and committed)."""
        ...

    async def balance(self, parent_id: int, only: int | None = None) -> Balance: ...
    async def statement(
        self, parent_id: int, child_id: int, month: int | None = None
    ) -> Statement:
        """The child's certificate month by month (the latest month with entries when
        None); refuses another family's child and a certificate without money."""
        ...


class Catalogue(Protocol):
    async def municipalities(self, text: str = "") -> list[tuple[int, str]]: ...
    async def search(
        self, query: SearchQuery, parent_id: int | None = None, child_id: int | None = None
    ) -> Page:
        """A page; for a child of the family each row says why it would be refused now,
        and "by my certificate" (pay="mine") is read from the child's certificate."""
        ...

    async def match_street(self, municipality_id: int | None, typed: str) -> StreetMatch:
        """A typed address's street among the venues' streets of the municipality."""
        ...

    async def card(
        self,
        program_id: int,
        parent_id: int | None = None,
        child_id: int | None = None,
        only: int | None = None,
    ) -> CardView:
        """``child_id``: the child a search was made for; ``only``: a child's own account.
        A program of one group carries the quote of the one child who may apply (ready)."""
        ...

    async def rate_target(self, parent_id: int, application_id: int) -> RateTarget:
        """The program of the family's application, if it may be rated now (a month of
        studies), with the rating given already; else ``review_too_early``."""
        ...

    async def rate(self, parent_id: int, application_id: int, stars: int, text: str) -> int:
        """Rate it 1–5 with a short text (≤ REVIEW_MAX): one review per child and
        program, edited when rated again."""
        ...


class Enrolment(Protocol):
    async def choices(self, parent_id: int, only: int | None, group_id: int) -> ApplyChoice: ...
    async def quote(
        self, parent_id: int, child_id: int, group_id: int, offer: int | None = None
    ) -> ApplyQuote: ...
    async def submit(
        self,
        parent_id: int,
        child_id: int,
        group_id: int,
        seen: Terms,
        phone: str | None = None,
        *,
        teen: int | None = None,
    ) -> Submitted:
        """Applies under the terms the family saw (the quote's monthly price and share:
        others now refuse it with ``quote_changed``); the place in the waiting list when
        the group is full, and the family's applications as ``applications`` gives them,
        the new one among them, read in the same transaction (the screen after applying
        shows them: no read of its own). One notice per event: the parent who applied has
        the reply, so the family's notice is written only when ``teen`` (a child's own
        account) applied."""
        ...

    async def take(
        self, parent_id: int, application_id: int, seen: Terms, *, teen: int | None = None
    ) -> None:
        """Takes a held seat under the terms seen; refused and notified as ``submit``."""
        ...

    async def offered(self, parent_id: int, application_id: int) -> Offer: ...
    async def applications(
        self, parent_id: int, active_only: bool = False
    ) -> list[ApplicationView]: ...
    async def application(self, parent_id: int, application_id: int) -> ApplicationCard: ...
    async def cancel(self, parent_id: int, application_id: int) -> None: ...
    async def leave(self, parent_id: int, application_id: int) -> None: ...
    async def contract(self, parent_id: int, application_id: int) -> ContractView:
        """The application's latest contract (its terms, its text, where it stands);
        refuses an application with none or another family's."""
        ...

    async def accept_contract(
        self, parent_id: int, application_id: int, text: str, account: str
    ) -> Decision:
        """Accepts the offer: ``text`` exactly as shown is kept with its SHA-256, the
        account and the moment; the money is blocked, or refused with the figures."""
        ...

    async def decline_contract(self, parent_id: int, application_id: int) -> None: ...


class Staff(Protocol):
    async def is_provider(self, staff_id: int) -> bool: ...
    async def provider_queue(
        self, staff_id: int, which: Queue, page: int
    ) -> tuple[list[ApplicationView], int]:
        """One page of the provider's applications, and how many there are."""
        ...

    async def provider_card(self, staff_id: int, application_id: int) -> ProviderCard: ...
    async def decide(
        self, staff_id: int, application_id: int, status: AppStatus, reason: str | None = None
    ) -> Decision: ...
    async def finish(self, staff_id: int, application_id: int, last_day: date) -> None:
        """Ends an enrolled child's studies (отчисление) after ``last_day``."""
        ...

    async def first_days(self, staff_id: int, application_id: int) -> FirstDays:
        """The days an accepted child may start on (the first choice is the default)."""
        ...

    async def enrol(self, staff_id: int, application_id: int, first_day: date) -> date:
        """Enrols from ``first_day``, a class day of the group."""
        ...

    async def provider_month(self, staff_id: int, month: int | None) -> ProviderMonth:
        """What the staff member's organisations are owed for a closed month (their
        latest with debits when None): per contract, and the totals."""
        ...

    async def stats(self, staff_id: int) -> Report:
        """The figures now (/stats) of the person's scope: a coordinator's or confirmer's
        municipality, the region for an operator or a region-wide role; refused
        (``stats_not_allowed``) to anyone else. Recorded in the audit trail (``report``)
        before they are shown, a refusal too."""
        ...

    async def attendance_groups(self, staff_id: int) -> list[AttendanceGroup]:
        """The groups of the staff member's organisations whose attendance may be marked."""
        ...

    async def attendance_sheet(self, staff_id: int, group_id: int, day: date | None) -> Sheet:
        """The group's children on a class day of an open month (None: the latest up to
        today), who was marked absent."""
        ...

    async def mark_attendance(
        self, staff_id: int, application_id: int, day: date, absent: bool
    ) -> None:
        """Marks a child absent on a class day, or present again (audited); refused once
        the day's month is closed."""
        ...

    async def sign_on_paper(self, staff_id: int, application_id: int) -> Decision:
        """Records that the contract was signed on paper (audited): the money is blocked,
        or refused with the figures."""
        ...

    async def desk(self, staff_id: int, which: Desk, query: str, page: int) -> DeskPage:
        """A page of the МОЦ's desk: the requests of one kind (a filter) matching a search
        (a surname's beginning, a certificate number or the СНИЛС's last digits), oldest
        first, and how many of each kind wait in the confirmer's scope."""
        ...

    async def amend(
        self, staff_id: int, certificate_id: int, field: AmendField, value: str
    ) -> bool:
        """Corrects a typo in an awaiting request's child (validated as the family's
        entry; audited with digests; the family told); False when nothing changed."""
        ...

    async def pending(self, staff_id: int, page: int) -> tuple[list[Pending], int]: ...
    async def pending_one(self, staff_id: int, certificate_id: int) -> Pending: ...
    async def confirm(
        self, staff_id: int, certificate_id: int, seen: str | None = None
    ) -> CertStatus: ...
    async def reject(self, staff_id: int, certificate_id: int, reason: str) -> None: ...
    async def corrections(self, staff_id: int, page: int) -> tuple[list[CorrectionView], int]: ...
    async def correction(self, staff_id: int, correction_id: int) -> CorrectionView: ...
    async def approve_correction(self, staff_id: int, correction_id: int) -> None: ...
    async def refuse_correction(self, staff_id: int, correction_id: int, reason: str) -> None: ...
    async def link_requests(self, staff_id: int, page: int) -> tuple[list[LinkRequest], int]: ...
    async def link_request(self, staff_id: int, certificate_id: int) -> LinkRequest: ...
    async def approve_link(self, staff_id: int, certificate_id: int) -> None: ...
    async def refuse_link(self, staff_id: int, certificate_id: int, reason: str) -> None: ...
    async def reviews(self, staff_id: int, page: int) -> tuple[list[ReviewView], int]:
        """A coordinator's page of the visible reviews of their municipality's programs
        (the region's, region-wide), newest first, and how many; others ``not_allowed``."""
        ...

    async def hide_review(self, staff_id: int, review_id: int) -> None:
        """A coordinator hides a review of their municipality's programs (audited)."""
        ...


class Broadcasts(Protocol):
    async def scope(self, author_id: int) -> tuple[int | None, bool]:
        """The coordinator's municipality and whether they may address the whole region;
        refuses anyone who is not a coordinator."""
        ...

    async def audience_choice(self, author_id: int) -> AudienceChoice: ...
    async def count(self, audience: Audience) -> int: ...
    async def programs(self, author_id: int, text: str) -> list[ProgramRow]:
        """Programs an announcement may open, found by words: the coordinator's
        municipality's, or the region's if they may address it."""
        ...

    async def create(
        self,
        author_id: int,
        text: str,
        audience: Audience,
        program_id: int | None,
        at: datetime | None,
    ) -> int: ...
    async def progress(self, author_id: int, broadcast_id: int | None) -> tuple[int, Progress]:
        """The broadcast's progress (the author's latest when None) and its id."""
        ...

    async def cancel(self, author_id: int, broadcast_id: int) -> None: ...
    async def history(self, author_id: int, page: int) -> tuple[list[Sent], int]:
        """The author's announcements, newest first, a page of HISTORY_PAGE, with what
        became of each; and how many there are."""
        ...


class Disputes(Protocol):
    """A family says a stranger registered their child; the МОЦ resolves it in the chat."""

    async def file(self, parent_id: int, data: ChildInput) -> int:
        """The family's dispute about the child it typed, held by another family."""
        ...

    async def pending(self, staff_id: int, page: int) -> tuple[list[DisputeRow], int]:
        """One page (DISPUTE_PAGE) of the open disputes of the confirmer's
        municipalities, oldest first, and how many there are."""
        ...

    async def card(self, staff_id: int, dispute_id: int) -> DisputeCard: ...
    async def move(self, staff_id: int, dispute_id: int) -> list[str]:
        """The child, its certificate and applications go to the filing family (both
        families told, audited); refused when a rule forbids it. The child's own accounts
        the other family had linked, now gone (user keys: their dialogs are forgotten)."""
        ...

    async def reject(self, staff_id: int, dispute_id: int, reason: str) -> None: ...


class Core(Protocol):
    @property
    def family(self) -> Family: ...
    @property
    def certificates(self) -> Certificates: ...
    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def enrolment(self) -> Enrolment: ...
    @property
    def staff(self) -> Staff: ...
    @property
    def broadcasts(self) -> Broadcasts: ...
    @property
    def disputes(self) -> Disputes: ...
    def today(self) -> date:
        """The region's date (ages and typed dates are read against it)."""
        ...


# --- the outbox worker: its periodic jobs and what a notice needs ---------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimed batch of notices, how many debit notices were written before it and
    how many rows wait in the outbox."""

    claimed: list[Claimed]
    fanned: int
    depth: int


@dataclass(frozen=True, slots=True)
class SeatOffer:
    """A held seat still offered: the application, its program and child, the hold's end
    (naive UTC)."""

    application_id: int
    program_id: int
    child_id: int | None
    hold_until: datetime


@dataclass(frozen=True, slots=True)
class BroadcastNotice:
    id: int
    text: str
    program_id: int | None
    # the sender: the municipality whose МОЦ announces it (None: region-wide)
    municipality: str | None = None


class NoticeReader(Protocol):
    """What the notices of one batch need, read in one transaction (no ORM row leaves it)."""

    async def recipients(
        self, parent_ids: list[int], platforms: Collection[str]
    ) -> dict[int, Recipient]: ...
    async def child_name(self, child_id: int) -> str | None: ...
    async def program_name(self, program_id: int) -> str | None: ...
    async def group_name(self, group_id: int) -> str | None: ...
    async def seat_offer(self, application_id: int) -> SeatOffer | None:
        """None unless the application still holds an offered seat."""
        ...

    async def broadcast(self, broadcast_id: int) -> BroadcastNotice | None:
        """None when it is gone or cancelled."""
        ...

    async def month_debits(self, parent_id: int, month: int) -> list[DebitLine]:
        """The family's children's debits of a closed month, each with its basis."""
        ...

    async def next_step(self, application_id: int, *, similar: int = 0) -> NextStep | None: ...
    async def provider_lines(self, month: int, staff_id: int) -> list[PaymentLine]:
        """What the staff member's organisations are owed for a closed month (none when
        the role was revoked meanwhile)."""
        ...

    async def month_summary(self, month: int) -> tuple[int, int, int]:
        """(kopecks debited, contracts debited, organisations owed) of a closed month."""
        ...

    async def contract_offered_until(self, application_id: int) -> datetime | None:
        """Until when (naive UTC) the application's contract offer waits for the family;
        None unless its latest contract is still offered."""
        ...


class Jobs(Protocol):
    """The outbox worker's way in: each call one short unit of work."""

    async def expire(self, expiry_days: int) -> None:
        """Applications unanswered for ``expiry_days`` expire; held seats not taken in
        time pass to the next of the waiting list; families who have studied a program
        for a month are invited to rate it (once a child and program)."""
        ...

    async def claim(self, batch: int, lease_s: float) -> Claim:
        """Scheduled broadcasts expanded, the next chunk of a closed month's debit notices
        written, then a batch of notices claimed for ``lease_s`` seconds."""
        ...

    async def close_ended(self) -> None:
        """Close each ended month not closed yet (exactly once across workers: the
        month's row), telling the operators."""
        ...

    async def menus(self, platform: str) -> list[MenuAccount]:
        """The platform's accounts whose command menu lists a role's commands or must
        (``core.staff.command_lists``)."""
        ...

    async def menu_set(self, identity_id: int, seen: str | None, listed: str | None) -> bool:
        """Record the menu just set for an account, over the record it was set from;
        whether it was recorded."""
        ...

    def reading(self) -> AbstractAsyncContextManager[NoticeReader]: ...
    async def extend(self, ids: list[int], lease_s: float) -> None: ...
    async def release(self, ids: list[int]) -> None: ...
    async def record(self, outcome: Outcome) -> None: ...


# --- the terminal chat's demo (bot/handlers/console) ----------------------------------


class Demo(Protocol):
    """What the terminal chat's ``/demo`` does: the demo region, its staff roles, the end
    of a month."""

    async def seed_if_empty(self) -> bool:
        """Load the demo region into an empty database; whether it did."""
        ...

    async def make_confirmer(self, platform: str, external_id: str) -> None: ...
    async def take_role(self, platform: str, external_id: str, role: str) -> int: ...
    async def close_month(self, month: int) -> CloseResult: ...


# --- the operator's commands (bot/handlers/cli/) -----------------------------------------------


class Operator(Protocol):
    """The operator's commands, each an audited act of the operator (the imports apply a
    chunk at a time, each chunk its own short unit of work)."""

    async def seed_demo(self) -> tuple[ImportReport, ImportReport]: ...
    async def import_catalogue(
        self, text: str, *, all_or_nothing: bool, detail: str
    ) -> ImportReport: ...
    async def import_municipalities(
        self, text: str, *, all_or_nothing: bool, detail: str
    ) -> ImportReport: ...
    async def import_certificates(
        self, text: str, *, all_or_nothing: bool, detail: str
    ) -> RegisterReport: ...
    async def close_month(self, month: int, *, detail: str) -> CloseResult: ...
    async def open_year(self, year: int, *, close_missing: bool, calendar: bool) -> YearResult: ...
    async def grant_role(
        self,
        identity: str,
        role: str,
        *,
        municipality: str | None,
        provider: str | None,
        region_wide: bool,
    ) -> int: ...
    async def revoke_role(
        self, identity: str, role: str, *, municipality: str | None, provider: str | None
    ) -> Revoked: ...
    async def roles(self) -> list[Holder]: ...
    async def audit_csv(
        self, since: datetime | None, until: datetime | None, municipality: str | None
    ) -> str:
        """The audit trail as CSV (``since``, ``until``: naive UTC; ``municipality``: a
        code, refused when unknown)."""
        ...

    async def expire_applications(self, days: int) -> int: ...
    async def expire_offers(self) -> int: ...
    async def lapse_contracts(self) -> int:
        """Contract offers not accepted in time lapse (their seats pass on); how many."""
        ...

    async def payments(self, month: int, *, fmt: str) -> list[PaymentLine]:
        """The payment register of a closed month, one row per contract (refused for a
        month not closed); each export recorded in the audit trail."""
        ...

    async def report(self, municipality: str | None, *, detail: str) -> Report:
        """The figures now, for one municipality (a code, refused when unknown) or the
        region; recorded in the audit trail before they are shown, a refusal too."""
        ...
