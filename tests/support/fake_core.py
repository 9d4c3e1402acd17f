"""A fake of the dialogs' port into the core (``core.port.Core``): answers from a Scene held
in memory, records every use case that would write. The screen tests build screens on it,
without a database; mypy checks it against the port (``[tool.mypy] files``), so a use case
added to the port and not here fails the type check, not a test at run time."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from core import port
from core.errors import DomainError
from core.reports import Coverage, DirectionRow, MoneyMonth, MoneyYear, OrganisationRow, Queue
from core.rules.enrolment import AppStatus, CertStatus
from core.rules.text import fold


@dataclass
class Scene:
    """What the core would answer: one family, one program, one staff person."""

    parent: port.ParentView
    children: list[port.ChildView]
    certificate: port.CertificateView | None
    page: list[port.ProgramRow]
    card: port.ProgramCard
    quote: port.ApplyQuote
    applications: list[port.ApplicationView]
    application: port.ApplicationView
    waiting: port.Waiting | None
    reserves: list[port.Reserve]
    entries: list[port.Entry]
    pending: list[port.Pending]
    pending_total: int
    offices: list[port.Office]
    channels: port.NoticeChannels
    progress: port.Progress
    municipalities: list[tuple[int, str]] = field(
        default_factory=lambda: [(i, f"Муниципалитет {i}") for i in range(1, 12)]
    )
    coordinator_of: int | None = 1
    region_wide: bool = True
    audience: int = 1234
    sent: list[port.Sent] = field(default_factory=list)  # the coordinator's history
    today: date = date(2026, 11, 22)
    confirmed: bool = False  # the children's data checked at the МОЦ
    correction_pending: bool = False
    teen_alone: bool = True  # the family is a child of 14+ registered alone
    corrections: list[port.CorrectionView] = field(default_factory=list)
    link_requests: list[port.LinkRequest] = field(default_factory=list)
    disputes: list[port.DisputeCard] = field(default_factory=list)
    link_outcome: port.LinkOutcome = field(default_factory=port.LinkOutcome)
    provider_month: port.ProviderMonth = field(
        default_factory=lambda: port.ProviderMonth(None, [], [], [])
    )
    contract: port.ContractView | None = None  # the application's contract, if offered
    # the provider's attendance: its groups, how many children the day's sheet lists, the
    # municipality's debit rule; the family's attendance on its statement
    attendance_groups: list[port.AttendanceGroup] = field(
        default_factory=lambda: [
            port.AttendanceGroup(7, "Робототехника", "Группа 1 (Пн, Ср 15:00)", 9),
            port.AttendanceGroup(8, "Шахматы", "Младшая", 4),
        ]
    )
    sheet_pupils: int = 9
    debit_rule: str = "attendance"
    attendance: list[port.Attendance] = field(
        default_factory=lambda: [
            port.Attendance(
                "Робототехника", "attendance", 6, (date(2026, 11, 9), date(2026, 11, 16)), 8
            ),
            port.Attendance("Шахматы", "class_days", 1, (), 4),
        ]
    )
    report: port.Report = field(default_factory=lambda: sample_report())
    season: port.Season | None = None  # the card's school year (None: running)
    ratings: port.Ratings = field(default_factory=lambda: sample_ratings())
    reviews: list[port.ReviewView] = field(default_factory=lambda: list(sample_reviews()))


def sample_report(municipality_id: int | None = 1) -> port.Report:
    """The figures /stats shows: one municipality (or the region of two), a queue, three
    months of money against the year's limit, two directions, two organisations."""
    towns = [
        Coverage(1, "birobidzhan", "г. Биробиджан", 9_000, 2026, 2_400, 2_100, 1_500, 1_200),
        Coverage(2, "smidovich", "Смидовичский район", None, None, 300, 250, 200, 90),
    ]
    total = Coverage(None, None, "", 9_000, 2026, 2_700, 2_350, 1_700, 1_290)
    alone = replace(towns[0], municipality_id=None, code=None, name="")  # its total
    coverage = (towns[0], alone) if municipality_id else (*towns, total)
    queue = (Queue(municipality_id, 12, datetime(2026, 10, 1), 52),)
    months = tuple(
        MoneyMonth(24320 + n, 30_000_000, 4_000_000, 500_000, 3_500_000, 0, 20_000_000 - n)
        for n in range(3)
    )
    return port.Report(
        at=datetime(2026, 11, 22, 7, 0),
        municipality_id=municipality_id,
        coverage=coverage,
        queue=(*queue, queue[0]) if municipality_id else (*queue, *queue, queue[0]),
        money=MoneyYear(2026, "school", 150_000_000, 0, months),
        directions=(
            DirectionRow("technical", 12, 30, 450, 380, 25),
            DirectionRow("arts", 20, 44, 600, 410, 3),
        ),
        organisations=(
            OrganisationRow(1, "МБУ ДО «Дом детского творчества»", 18, 700, 540, 500),
            OrganisationRow(2, "АНО «Робошкола»", 3, 60, 60, 58),
        ),
    )


def sample_reviews(n: int = 7) -> tuple[port.ReviewView, ...]:
    """Families' reviews: short and long, with emoji, up to the 500 characters allowed."""
    texts = (
        "Ребёнку очень нравится, педагог внимательный 👍",
        "Хорошо, но группа большая.",
        "Отлично! " + "🎨" * 20,
        "Занятия интересные. " * 25,  # 500 characters
    )
    return tuple(
        port.ReviewView(
            40 + i,
            7,
            "Робототехника",
            5 - i % 5,
            texts[i % len(texts)][:500],
            datetime(2026, 11, 1 + i),
        )
        for i in range(n)
    )


def sample_ratings() -> port.Ratings:
    return port.Ratings(12, 4.5, sample_reviews(3))


class _Area:
    def __init__(self, core: FakeCore) -> None:
        self.core = core

    @property
    def scene(self) -> Scene:
        return self.core.scene

    def wrote(self, name: str, *args: Any) -> None:
        self.core.calls.append((f"{type(self).__name__.lower()}.{name}", args))


class Family(_Area):
    async def resolve(self, platform: str, external_id: str, language: str) -> port.Person:
        return port.Person(self.scene.parent.id, self.scene.parent.language)

    async def view(self, parent_id: int) -> port.ParentView:
        return self.scene.parent

    async def children(self, parent_id: int, only: int | None = None) -> list[port.ChildView]:
        return [k for k in self.scene.children if only is None or k.id == only]

    async def child(self, parent_id: int, child_id: int) -> port.ChildView:
        for kid in self.scene.children:
            if kid.id == child_id:
                return kid
        raise DomainError("child_not_found")

    async def add_child(self, parent_id: int, data: port.ChildInput) -> int:
        self.wrote("add_child", data)
        return 99

    async def child_confirmed(self, parent_id: int, child_id: int) -> bool:
        return self.scene.confirmed

    async def request_correction(
        self, parent_id: int, child_id: int, data: port.ChildInput, reason: str
    ) -> int:
        self.wrote("request_correction", child_id, data, reason)
        return 1

    async def correction_pending(self, parent_id: int, child_id: int) -> bool:
        return self.scene.correction_pending

    async def update_child(self, parent_id: int, child_id: int, data: port.ChildInput) -> None:
        self.wrote("update_child", child_id, data)

    async def remove_child(self, parent_id: int, child_id: int) -> list[str]:
        self.wrote("remove_child", child_id)
        return []

    async def give_consent(self, parent_id: int) -> None:
        self.wrote("give_consent")

    async def set_language(
        self, parent_id: int, language: str, child_id: int | None = None
    ) -> None:
        self.wrote("set_language", language)

    async def set_announcements(self, parent_id: int, enabled: bool) -> None:
        self.wrote("set_announcements", enabled)

    async def choose_notices_to(self, parent_id: int, platform: str) -> None:
        self.wrote("choose_notices_to", platform)

    async def mark_unreachable(self, platform: str, external_id: str) -> None:
        self.wrote("mark_unreachable", platform)

    async def mark_reachable(self, platform: str, external_id: str) -> None:
        self.wrote("mark_reachable", platform)

    async def privacy(self, parent_id: int) -> port.Privacy:
        kids = len(self.scene.children) if self.scene.parent.consent else 0
        return port.Privacy(self.scene.parent, kids, self.scene.channels)

    async def withdraw_consent(self, parent_id: int) -> port.Withdrawal:
        self.wrote("withdraw_consent")
        return port.Withdrawal(len(self.scene.children), [])

    async def leaving(self, parent_id: int, child_id: int | None = None) -> port.Leaving:
        return port.Leaving(
            (
                port.Ending("Мария", "Робототехника", True, True, 75_000, 425_000),
                port.Ending("Пётр", "Шахматы", False, True, 0, 300_000),
                port.Ending("Пётр", "Футбол", False, False, 0, 0),
            ),
            (
                port.CertificateEnding("Мария", "01-0000001-8", True, False, 1_025_000),
                port.CertificateEnding("Пётр", "01-0000002-6", False, True, 0),
                port.CertificateEnding("Пётр", "01-0000003-4", False, False, 0),
            ),
        )

    async def link_code(self, parent_id: int) -> str:
        self.wrote("link_code")
        return "123456"

    async def redeem_link(
        self, parent_id: int, platform: str, external_id: str, code: str
    ) -> port.Person | None:
        self.wrote("redeem_link", code)
        return None

    async def invite_teen(self, parent_id: int, child_id: int) -> str:
        self.wrote("invite_teen", child_id)
        return "1234 5678 9012"

    async def register_teen(
        self, parent_id: int, platform: str, external_id: str, data: port.ChildInput
    ) -> int:
        self.wrote("register_teen", data.surname)
        return self.scene.children[0].id if self.scene.children else 1

    async def teen_alone(self, parent_id: int) -> bool:
        return self.scene.teen_alone

    async def teen_parent_code(self, parent_id: int, child_id: int) -> str:
        self.wrote("teen_parent_code", child_id)
        return "2345 6789 0123"

    async def offices(self, parent_id: int) -> list[port.Office]:
        return list(self.scene.offices)


class Certificates(_Area):
    async def child_card(self, parent_id: int, child_id: int) -> port.ChildCard:
        kid = await self.core.family.child(parent_id, child_id)
        return port.ChildCard(kid, self.scene.certificate)

    async def issue(
        self,
        parent_id: int,
        child_id: int,
        applicant: str | None = None,
        *,
        by_child: bool = False,
    ) -> int:
        self.wrote("issue", child_id, by_child)
        return 1

    async def request_funding(self, parent_id: int, child_id: int) -> CertStatus:
        self.wrote("request_funding", child_id)
        return CertStatus.QUEUED

    async def link_by_number(
        self, parent_id: int, number: str, born: date, snils: str | None = None
    ) -> port.LinkOutcome:
        self.wrote("link_by_number", number, born, snils)
        return self.scene.link_outcome

    async def balance(self, parent_id: int, only: int | None = None) -> port.Balance:
        kids = await self.core.family.children(parent_id, only)
        cert = self.scene.certificate
        funds = None
        if cert is not None:
            funds = port.Funds(
                cert.id, cert.number, cert.status, cert.total, cert.reserved, cert.terms
            )
        certs = {k.id: funds for k in kids} if funds is not None else {}
        funded = cert is not None and cert.status == CertStatus.FUNDED
        held = {cert.id: list(self.scene.reserves)} if cert is not None and funded else {}
        return port.Balance([port.Kid(k.id, k.name) for k in kids], certs, held)

    async def statement(
        self, parent_id: int, child_id: int, month: int | None = None
    ) -> port.Statement:
        kid = await self.core.family.child(parent_id, child_id)
        cert = self.scene.certificate
        if cert is None or cert.status not in (CertStatus.FUNDED, CertStatus.CLOSED):
            raise DomainError("certificate_not_found")
        shown = month if month is not None else 24322
        entries = list(self.scene.entries) if shown == 24322 else []
        return port.Statement(
            kid.name,
            cert,
            list(self.scene.reserves),
            shown,
            entries,
            shown - 1,
            shown + 1,
            list(self.scene.attendance) if shown == 24322 else [],
        )


# every reason a results line may give (a page of the fake search shows each)
WHY_NOT: tuple[tuple[str, dict[str, Any]], ...] = (
    ("program_age_mismatch", {"age": 4, "min": 7, "max": 12}),
    ("program_finished", {}),
    ("applications_open_later", {"date": date(2027, 8, 1)}),
    ("funded_certificate_required", {}),
    ("certificate_required", {}),
    ("certificate_not_confirmed", {}),
    ("already_applied", {}),
    ("budget_limit_reached", {"limit": 2}),
    ("certificate_exhausted", {"available": 0}),
)
# "nothing found": each widening, with a count
WIDEN = (
    ("text", 3),
    ("age", 12),
    ("muni", 201),
    ("direction", 7),
    ("pay", 2),
    ("online", 1),
    ("ovz", 5),
    ("free", 9),
)


class Catalogue(_Area):
    async def municipalities(self, text: str = "") -> list[tuple[int, str]]:
        return [m for m in self.scene.municipalities if text.lower() in m[1].lower()]

    async def search(
        self, query: port.SearchQuery, parent_id: int | None = None, child_id: int | None = None
    ) -> port.Page:
        rows = list(self.scene.page)
        if not rows:
            return port.Page([], query.page, 0, query.page_size, WIDEN)
        # a page of ten: the first may be applied to, each other says why not
        items = [rows[0]] + [
            replace(rows[i % len(rows)], why_not=DomainError(code, **params))
            for i, (code, params) in enumerate(WHY_NOT, start=1)
        ]
        return port.Page(items[: query.page_size], query.page, 230, query.page_size)

    async def match_street(self, municipality_id: int | None, typed: str) -> port.StreetMatch:
        if "ленина" in typed.lower():
            return port.StreetMatch("ул. Ленина", "г. Биробиджан", 48.79, 132.92)
        return port.StreetMatch(None, examples=("ул. Калинина", "ул. Ленина", "пр. 60-летия СССР"))

    async def card(
        self,
        program_id: int,
        parent_id: int | None = None,
        child_id: int | None = None,
        only: int | None = None,
    ) -> port.CardView:
        if program_id != self.scene.card.id:
            raise DomainError("program_not_found")
        season, rated = self.scene.season, self.scene.ratings
        if child_id is None or (season is not None and not season.open):
            return port.CardView(self.scene.card, season=season, ratings=rated)
        return port.CardView(self.scene.card, quote=self.scene.quote, season=season, ratings=rated)

    async def rate_target(self, parent_id: int, application_id: int) -> port.RateTarget:
        a = self.scene.application
        if a.child_id is None:
            raise DomainError("review_too_early")
        return port.RateTarget(application_id, a.child_id, a.program_id, a.program, 4, "Хорошо")

    async def rate(self, parent_id: int, application_id: int, stars: int, text: str) -> int:
        self.wrote("rate", application_id, stars, text)
        return 40


class Enrolment(_Area):
    async def choices(self, parent_id: int, only: int | None, group_id: int) -> port.ApplyChoice:
        kids = await self.core.family.children(parent_id, only)
        return port.ApplyChoice(kids, 5, 17)

    async def quote(
        self, parent_id: int, child_id: int, group_id: int, offer: int | None = None
    ) -> port.ApplyQuote:
        return self.scene.quote

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
        self.wrote("submit", child_id, group_id, seen.share, phone)
        return port.Submitted(None, await self.applications(parent_id))

    async def take(
        self, parent_id: int, application_id: int, seen: port.Terms, *, teen: int | None = None
    ) -> None:
        self.wrote("take", application_id, seen.share)

    async def offered(self, parent_id: int, application_id: int) -> port.Offer:
        a = self.scene.application
        if a.id != application_id or a.status != AppStatus.OFFERED or a.child_id is None:
            raise DomainError("offer_gone")
        return port.Offer(a.id, a.child_id, 70)

    async def applications(
        self, parent_id: int, active_only: bool = False
    ) -> list[port.ApplicationView]:
        return list(self.scene.applications)

    async def application(self, parent_id: int, application_id: int) -> port.ApplicationCard:
        a = replace(self.scene.application, id=application_id)
        studied = a.status in (AppStatus.ENROLLED, AppStatus.FINISHED)
        return port.ApplicationCard(a, self.scene.waiting, self.scene.contract, may_rate=studied)

    async def cancel(self, parent_id: int, application_id: int) -> None:
        self.wrote("cancel", application_id)

    async def leave(self, parent_id: int, application_id: int) -> None:
        self.wrote("leave", application_id)

    async def contract(self, parent_id: int, application_id: int) -> port.ContractView:
        if self.scene.contract is None:
            raise DomainError("contract_not_found")
        return replace(self.scene.contract, application_id=application_id)

    async def accept_contract(
        self, parent_id: int, application_id: int, text: str, account: str
    ) -> port.Decision:
        self.wrote("accept_contract", application_id, text, account)
        return port.Decision(True)

    async def decline_contract(self, parent_id: int, application_id: int) -> None:
        self.wrote("decline_contract", application_id)


class Staff(_Area):
    async def is_provider(self, staff_id: int) -> bool:
        return "provider" in self.scene.parent.roles

    async def provider_queue(
        self, staff_id: int, which: port.Queue, page: int
    ) -> tuple[list[port.ApplicationView], int]:
        apps = self.scene.applications
        return list(apps[: port.PROVIDER_PAGE]), len(apps) * 3

    async def provider_card(self, staff_id: int, application_id: int) -> port.ProviderCard:
        a = replace(self.scene.application, id=application_id)
        kid = self.scene.children[0] if self.scene.children else None
        return port.ProviderCard(
            a,
            kid.full_name if kid else "",
            kid.birth_date if kid else None,
            kid.age if kid else None,
            "01-0000001-8",
            self.scene.today,
            "+79141234567" if kid else None,
            self.scene.contract.status if self.scene.contract else None,
        )

    async def finish(self, staff_id: int, application_id: int, last_day: date) -> None:
        self.wrote("finish", application_id, last_day)

    async def provider_month(self, staff_id: int, month: int | None) -> port.ProviderMonth:
        if "provider" not in self.scene.parent.roles:
            raise DomainError("not_allowed")
        found = self.scene.provider_month
        if month is None or month not in found.months:
            return found
        return replace(found, month=month)

    async def stats(self, staff_id: int) -> port.Report:
        # the real one records the read in the audit trail: a record, not a change of state
        if not {"coordinator", "confirmer", "operator"} & set(self.scene.parent.roles):
            raise DomainError("stats_not_allowed")
        return self.scene.report

    async def first_days(self, staff_id: int, application_id: int) -> port.FirstDays:
        today = date(2026, 10, 5)
        days = tuple(today + timedelta(days=n) for n in (0, 2, 7, 9))
        return port.FirstDays(date(2026, 10, 1), date(2027, 5, 31), days)

    async def enrol(self, staff_id: int, application_id: int, first_day: date) -> date:
        self.wrote("enrol", application_id, first_day)
        return first_day

    async def attendance_groups(self, staff_id: int) -> list[port.AttendanceGroup]:
        if "provider" not in self.scene.parent.roles:
            raise DomainError("not_allowed")
        return list(self.scene.attendance_groups)

    async def attendance_sheet(self, staff_id: int, group_id: int, day: date | None) -> port.Sheet:
        group = next((g for g in self.scene.attendance_groups if g.group_id == group_id), None)
        if group is None or "provider" not in self.scene.parent.roles:
            raise DomainError("attendance_group_not_found")
        # Mondays and Wednesdays up to the scene's day (Sunday 22 November 2026)
        days = [date(2026, 11, d) for d in (2, 9, 11, 16, 18)]
        if day is None:
            day = days[-1]
        if day not in days:
            raise DomainError("attendance_day_invalid", earliest=days[0], today=self.scene.today)
        at = days.index(day)
        names = ["Иванова Анна", "Петров Пётр", "Сидоров Константин-Александр"]
        marked = {a for name, a in self.core.calls if name == "staff.mark_attendance"}
        pupils = [
            port.Pupil(100 + n, names[n % 3], n == 1 or (100 + n, day, True) in marked)
            for n in range(self.scene.sheet_pupils)
        ]
        return port.Sheet(
            group_id,
            group.program,
            group.group,
            day,
            days[at - 1] if at else None,
            days[at + 1] if at + 1 < len(days) else None,
            pupils,
            self.scene.debit_rule,
        )

    async def mark_attendance(
        self, staff_id: int, application_id: int, day: date, absent: bool
    ) -> None:
        self.wrote("mark_attendance", application_id, day, absent)

    async def sign_on_paper(self, staff_id: int, application_id: int) -> port.Decision:
        self.wrote("sign_on_paper", application_id)
        return port.Decision(True)

    async def decide(
        self, staff_id: int, application_id: int, status: AppStatus, reason: str | None = None
    ) -> port.Decision:
        self.wrote("decide", application_id, status, reason)
        return port.Decision(True)

    async def desk(self, staff_id: int, which: port.Desk, query: str, page: int) -> port.DeskPage:
        scene = self.scene
        lines = {
            port.Desk.NEW: [
                port.DeskLine(
                    p.id, p.surname, p.name, p.patronymic, p.birth_date, p.number, p.requested_at
                )
                for p in scene.pending
            ],
            port.Desk.CORRECTIONS: [
                port.DeskLine(
                    c.id,
                    c.old_surname,
                    c.old_name,
                    c.old_patronymic,
                    c.birth_date,
                    c.number,
                    c.requested_at,
                )
                for c in scene.corrections
            ],
        }
        waiting = {
            port.Desk.NEW: scene.pending_total,
            port.Desk.CORRECTIONS: len(lines[port.Desk.CORRECTIONS]),
        }
        shown = lines[which]
        if query:
            shown = [x for x in shown if fold(x.surname).startswith(fold(query))]
            return port.DeskPage(which, query, shown, len(shown), waiting)
        return port.DeskPage(which, query, shown, waiting[which], waiting)

    async def amend(
        self, staff_id: int, certificate_id: int, field: port.AmendField, value: str
    ) -> bool:
        self.wrote("amend", certificate_id, field, value)
        return True

    async def pending(self, staff_id: int, page: int) -> tuple[list[port.Pending], int]:
        return list(self.scene.pending), self.scene.pending_total

    async def pending_one(self, staff_id: int, certificate_id: int) -> port.Pending:
        if not self.scene.pending:
            raise DomainError("certificate_not_found")
        return self.scene.pending[0]

    async def confirm(
        self, staff_id: int, certificate_id: int, seen: str | None = None
    ) -> CertStatus:
        self.wrote("confirm", certificate_id, seen)
        return CertStatus.FUNDED

    async def reject(self, staff_id: int, certificate_id: int, reason: str) -> None:
        self.wrote("reject", certificate_id, reason)

    async def corrections(self, staff_id: int, page: int) -> tuple[list[port.CorrectionView], int]:
        return list(self.scene.corrections), len(self.scene.corrections)

    async def correction(self, staff_id: int, correction_id: int) -> port.CorrectionView:
        if not self.scene.corrections:
            raise DomainError("correction_not_pending")
        return self.scene.corrections[0]

    async def approve_correction(self, staff_id: int, correction_id: int) -> None:
        self.wrote("approve_correction", correction_id)

    async def refuse_correction(self, staff_id: int, correction_id: int, reason: str) -> None:
        self.wrote("refuse_correction", correction_id, reason)

    async def link_requests(self, staff_id: int, page: int) -> tuple[list[port.LinkRequest], int]:
        return list(self.scene.link_requests), len(self.scene.link_requests)

    async def link_request(self, staff_id: int, certificate_id: int) -> port.LinkRequest:
        if not self.scene.link_requests:
            raise DomainError("certificate_not_awaiting")
        return self.scene.link_requests[0]

    async def approve_link(self, staff_id: int, certificate_id: int) -> None:
        self.wrote("approve_link", certificate_id)

    async def refuse_link(self, staff_id: int, certificate_id: int, reason: str) -> None:
        self.wrote("refuse_link", certificate_id, reason)

    async def reviews(self, staff_id: int, page: int) -> tuple[list[port.ReviewView], int]:
        if self.scene.coordinator_of is None:
            raise DomainError("not_allowed")
        size = port.MODERATION_PAGE
        found = self.scene.reviews[page * size : (page + 1) * size]
        return found, len(self.scene.reviews)

    async def hide_review(self, staff_id: int, review_id: int) -> None:
        self.wrote("hide_review", review_id)


class Disputes(_Area):
    async def file(self, parent_id: int, data: port.ChildInput) -> int:
        self.wrote("file", data)
        return 1

    async def pending(self, staff_id: int, page: int) -> tuple[list[port.DisputeRow], int]:
        start = page * port.DISPUTE_PAGE
        rows = [d.typed for d in self.scene.disputes]
        return rows[start : start + port.DISPUTE_PAGE], len(rows)

    async def card(self, staff_id: int, dispute_id: int) -> port.DisputeCard:
        if not self.scene.disputes:
            raise DomainError("dispute_not_open")
        return self.scene.disputes[0]

    async def move(self, staff_id: int, dispute_id: int) -> list[str]:
        self.wrote("move", dispute_id)
        return []

    async def reject(self, staff_id: int, dispute_id: int, reason: str) -> None:
        self.wrote("reject", dispute_id, reason)


class Broadcasts(_Area):
    async def scope(self, author_id: int) -> tuple[int | None, bool]:
        if "coordinator" not in self.scene.parent.roles:
            raise DomainError("not_allowed")
        return self.scene.coordinator_of, self.scene.region_wide

    async def audience_choice(self, author_id: int) -> port.AudienceChoice:
        muni, region_wide = await self.scope(author_id)
        names = dict(self.scene.municipalities)
        return port.AudienceChoice(muni, names.get(muni or 0, "—"), region_wide)

    async def count(self, audience: port.Audience) -> int:
        return self.scene.audience

    async def programs(self, author_id: int, text: str) -> list[port.ProgramRow]:
        await self.scope(author_id)
        return list(self.scene.page) * 8

    async def create(
        self,
        author_id: int,
        text: str,
        audience: port.Audience,
        program_id: int | None,
        at: datetime | None,
    ) -> int:
        self.wrote("create", text, audience, program_id, at)
        return 9

    async def progress(
        self, author_id: int, broadcast_id: int | None
    ) -> tuple[int, port.Progress]:
        return broadcast_id or 9, self.scene.progress

    async def cancel(self, author_id: int, broadcast_id: int) -> None:
        self.wrote("cancel", broadcast_id)

    async def history(self, author_id: int, page: int) -> tuple[list[port.Sent], int]:
        await self.scope(author_id)
        start = page * port.HISTORY_PAGE
        return self.scene.sent[start : start + port.HISTORY_PAGE], len(self.scene.sent)


class FakeCore:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.family = Family(self)
        self.certificates = Certificates(self)
        self.catalogue = Catalogue(self)
        self.enrolment = Enrolment(self)
        self.staff = Staff(self)
        self.broadcasts = Broadcasts(self)
        self.disputes = Disputes(self)

    def today(self) -> date:
        return self.scene.today


def conforms(scene: Scene) -> port.Core:
    """What mypy checks: the fake is a Core."""
    return FakeCore(scene)
