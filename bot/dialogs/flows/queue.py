"""A provider's staff: the applications to decide and the children who study, paged; an
application's card with what a contract needs (the child's full name and age, the
certificate's number, the parent's phone if given); accept, enrol, reject with a reason,
end the studies (отчисление) with the last day. Someone without the role sees nothing."""

from __future__ import annotations

from datetime import date

from bot.dialogs.actions import (
    Action,
    OpenAttendance,
    OpenProviderMonth,
    OpenProviderQueue,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, label, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import PROVIDER_PAGE, ProviderCard, Queue
from core.rules.enrolment import AppStatus
from core.rules.people import format_phone, parse_date

flow = Flow("queue")


@action("pa")
class OpenProviderApplication(Action):
    application_id: int


@action("pd")
class Decide(Action):
    application_id: int
    status: str  # "accepted" or "enrolled"


@action("preject")
class AskRejectReason(Action):
    application_id: int


@action("pq-list")
class ShowQueue(Action):
    which: str  # a Queue's value
    page: int


@action("pend")
class AskLastDay(Action):
    application_id: int


@action("pend-today")
class EndToday(Action):
    application_id: int


@action("penrol")
class AskFirstDay(Action):
    application_id: int


@action("ppaper")
class AskPaper(Action):
    application_id: int


@action("ppaper-yes")
class SignedOnPaper(Action):
    application_id: int


@action("penrol-on")
class EnrolOn(Action):
    application_id: int
    day: int  # the first day of studies, an ordinal


@flow_state("provider")
class Opened(FlowState):
    """The list the provider's staff member is on (which, page) and the application open."""

    application_id: int | None = None
    which: str = Queue.DECIDE.value
    page: int = 0


def _application(ctx: Ctx) -> int:
    return need(ctx.flow(Opened).application_id)


DECISIONS = frozenset({AppStatus.ACCEPTED.value})
QUEUES = frozenset(q.value for q in Queue)


async def _require_provider(ctx: Ctx) -> None:
    if not await ctx.core.staff.is_provider(ctx.parent_id):
        raise DomainError("not_allowed")


@flow.action(OpenProviderQueue)
async def to_queue(ctx: Ctx, _: OpenProviderQueue) -> Screen:
    await _require_provider(ctx)
    return await ctx.show(Screens.PROVIDER_QUEUE)


@flow.command("queue")
async def queue_command(ctx: Ctx, arg: str) -> Screen:
    if not await ctx.core.staff.is_provider(ctx.parent_id):
        # the same answer as any unknown command: the feature is not disclosed
        return await ctx.current(T("unknown-command"))
    return await ctx.show(Screens.PROVIDER_QUEUE)


@flow.action(ShowQueue, on=(Screens.PROVIDER_QUEUE,))
async def to_list(ctx: Ctx, act: ShowQueue) -> Screen:
    if act.which not in QUEUES:
        raise DomainError("stale-button")
    opened = ctx.flow(Opened)
    opened.which, opened.page = act.which, max(0, act.page)
    return await ctx.show(Screens.PROVIDER_QUEUE)


@flow.screen(Screens.PROVIDER_QUEUE)
async def queue(ctx: Ctx) -> Screen:
    opened = ctx.flow(Opened)
    which = Queue(opened.which) if opened.which in QUEUES else Queue.DECIDE
    apps, total = await ctx.core.staff.provider_queue(ctx.parent_id, which, opened.page)
    pages = max(1, -(-total // PROVIDER_PAGE))
    if not apps and opened.page > 0:  # the last page emptied meanwhile
        opened.page = pages - 1
        apps, total = await ctx.core.staff.provider_queue(ctx.parent_id, which, opened.page)
    other = Queue.STUDYING if which == Queue.DECIDE else Queue.DECIDE
    switch = [Button(T(f"btn-pq-{other.value}"), ShowQueue(other.value, 0))]
    # what the organisation is owed for a closed month (flows/provider_month.py)
    owed = [Button(T("btn-provider-month"), OpenProviderMonth())]
    # who attended the group's classes (flows/attendance.py)
    owed.append(Button(T("btn-attendance"), OpenAttendance()))
    if not apps:
        return Screen([T(f"pq-empty-{which.value}")], [switch, owed, [menu_button()]])
    shown = {"count": total, "page": opened.page + 1, "pages": pages}
    parts = [T(f"pq-title-{which.value}", shown)]
    rows = [
        [Button(label(f"{a.child_name or '—'} · {a.program}"), OpenProviderApplication(a.id))]
        for a in apps
    ]
    rows += nav_rows(opened.page, pages, lambda n: ShowQueue(which.value, n))
    rows.append([*switch, *owed, menu_button()])
    return Screen(parts, rows)


@flow.action(OpenProviderApplication)
async def to_app(ctx: Ctx, act: OpenProviderApplication) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_APP)


def _card(ctx: Ctx, c: ProviderCard) -> list[Piece]:
    a = c.application
    parts: list[Piece] = [
        T(
            "pa-card",
            {
                "child": c.child_full_name or "—",
                "age": c.age if c.age is not None else "—",
                "known": c.age is not None,
                "born": c.birth_date or "—",
                # shown once accepted (core.catalogue.provider_views.card)
                "numbered": c.certificate is not None,
                "certificate": c.certificate or "—",
                "program": a.program,
                "group": a.group,
                "schedule": a.schedule or "—",
                "status": T(f"status-{a.status.value}"),
                "date": a.created_at.date(),
            },
        )
    ]
    if a.status == AppStatus.ENROLLED and c.start is not None:
        parts.append(T("pa-studying-since", {"date": c.start}))
    if c.phone:
        parts.append(T("pa-phone", {"phone": format_phone(c.phone)}))
    else:
        parts.append(T("pa-no-phone"))
    return parts


@flow.screen(Screens.PROVIDER_APP)
async def provider_app(ctx: Ctx) -> Screen:
    c = await ctx.core.staff.provider_card(ctx.parent_id, _application(ctx))
    a = c.application
    rows = []
    if a.status == AppStatus.SUBMITTED:
        rows.append([Button(T("btn-accept"), Decide(a.id, AppStatus.ACCEPTED.value))])
    if a.status == AppStatus.ACCEPTED and c.contract == "offered":
        # the family accepts the offer in the chat, or it is signed here on paper
        rows.append([Button(T("btn-paper-signed"), AskPaper(a.id))])
    elif a.status == AppStatus.ACCEPTED:
        rows.append([Button(T("btn-enrol"), AskFirstDay(a.id))])
    if a.status in (AppStatus.SUBMITTED, AppStatus.ACCEPTED):
        rows.append([Button(T("btn-reject"), AskRejectReason(a.id))])
    if a.status == AppStatus.ENROLLED:
        rows.append([Button(T("btn-end-studies"), AskLastDay(a.id))])
    rows.append([back(OpenProviderQueue()), menu_button()])
    parts = _card(ctx, c)
    if c.contract is not None:
        parts.append(T("pa-contract", {"status": c.contract}))
    return Screen(parts, rows)


@flow.action(AskPaper, on=(Screens.PROVIDER_APP,))
async def ask_paper(ctx: Ctx, act: AskPaper) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_PAPER)


@flow.screen(Screens.PROVIDER_PAPER)
async def paper(ctx: Ctx) -> Screen:
    app = _application(ctx)
    return Screen(
        [T("ask-paper-signed")],
        [
            [Button(T("btn-paper-signed-yes"), SignedOnPaper(app))],
            [back(OpenProviderApplication(app))],
        ],
    )


@flow.action(SignedOnPaper, on=(Screens.PROVIDER_PAPER,))
async def signed_on_paper(ctx: Ctx, act: SignedOnPaper) -> Screen:
    decision = await ctx.core.staff.sign_on_paper(ctx.parent_id, act.application_id)
    if not decision.done:
        # the certificate no longer covers the share: the offer stays open, the family
        # was told
        figures = {
            "needed": ctx.money(decision.needed),
            "available": ctx.money(decision.available),
        }
        return await ctx.show(Screens.PROVIDER_APP, T("pd-not-covered", figures))
    return await ctx.show(Screens.PROVIDER_APP, T("pd-paper-signed"))


@flow.action(Decide, on=(Screens.PROVIDER_APP,))
async def decide(ctx: Ctx, act: Decide) -> Screen:
    if act.status not in DECISIONS:
        raise DomainError("stale-button")
    status = act.status
    decision = await ctx.core.staff.decide(ctx.parent_id, act.application_id, AppStatus(status))
    if not decision.done:
        # the certificate no longer covers the quote: the application stays, the family
        # was told
        figures = {
            "needed": ctx.money(decision.needed),
            "available": ctx.money(decision.available),
        }
        return await ctx.show(Screens.PROVIDER_APP, T("pd-not-covered", figures))
    return await ctx.show(Screens.PROVIDER_QUEUE, T(f"pd-{status}"))


@flow.action(AskFirstDay, on=(Screens.PROVIDER_APP,))
async def ask_first_day(ctx: Ctx, act: AskFirstDay) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_START)


@flow.screen(Screens.PROVIDER_START)
async def start_studies(ctx: Ctx) -> Screen:
    app = _application(ctx)
    days = await ctx.core.staff.first_days(ctx.parent_id, app)
    rows = [
        [
            Button(
                T("btn-first-day", {"date": d, "weekday": d.weekday()}),
                EnrolOn(app, d.toordinal()),
            )
        ]
        for d in days.choices
    ]
    rows.append([back(OpenProviderApplication(app))])
    text = T("ask-first-day", {"earliest": days.earliest, "latest": days.latest})
    return Screen([text], rows, expect="text")


@flow.text(Screens.PROVIDER_START)
async def on_first_day(ctx: Ctx, text: str) -> Screen:
    try:
        first_day = parse_date(text, ctx.today())
    except DomainError:
        raise DomainError("start_date_format", today=ctx.today()) from None
    return await _enrol(ctx, _application(ctx), first_day)


@flow.action(EnrolOn, on=(Screens.PROVIDER_START,))
async def on_enrol_on(ctx: Ctx, act: EnrolOn) -> Screen:
    if not 1 <= act.day <= date.max.toordinal():
        raise DomainError("stale-button")
    return await _enrol(ctx, act.application_id, date.fromordinal(act.day))


async def _enrol(ctx: Ctx, application_id: int, first_day: date) -> Screen:
    day = await ctx.core.staff.enrol(ctx.parent_id, application_id, first_day)
    return await ctx.show(Screens.PROVIDER_QUEUE, T("pd-enrolled", {"date": day}))


@flow.action(AskRejectReason, on=(Screens.PROVIDER_APP,))
async def reject(ctx: Ctx, act: AskRejectReason) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_REASON)


@flow.screen(Screens.PROVIDER_REASON)
async def reason(ctx: Ctx) -> Screen:
    return Screen([T("ask-reason")], [[back(OpenProviderQueue())]], expect="text")


@flow.text(Screens.PROVIDER_REASON)
async def on_reason(ctx: Ctx, text: str) -> Screen:
    await ctx.core.staff.decide(ctx.parent_id, _application(ctx), AppStatus.REJECTED, text)
    return await ctx.show(Screens.PROVIDER_QUEUE, T("pd-rejected"))


@flow.action(AskLastDay, on=(Screens.PROVIDER_APP,))
async def ask_last_day(ctx: Ctx, act: AskLastDay) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_END)


@flow.screen(Screens.PROVIDER_END)
async def end_studies(ctx: Ctx) -> Screen:
    app = _application(ctx)
    return Screen(
        [T("ask-last-day", {"today": ctx.today()})],
        [[Button(T("btn-end-today"), EndToday(app))], [back(OpenProviderApplication(app))]],
        expect="text",
    )


@flow.text(Screens.PROVIDER_END)
async def on_last_day(ctx: Ctx, text: str) -> Screen:
    try:
        last_day = parse_date(text, ctx.today())
    except DomainError:
        raise DomainError("end_date_format", today=ctx.today()) from None
    return await _finish(ctx, _application(ctx), last_day)


@flow.action(EndToday, on=(Screens.PROVIDER_END,))
async def on_end_today(ctx: Ctx, act: EndToday) -> Screen:
    return await _finish(ctx, act.application_id, ctx.today())


async def _finish(ctx: Ctx, application_id: int, last_day: date) -> Screen:
    await ctx.core.staff.finish(ctx.parent_id, application_id, last_day)
    ctx.flow(Opened).which = Queue.STUDYING.value
    return await ctx.show(Screens.PROVIDER_QUEUE, T("pd-finished", {"date": last_day}))
