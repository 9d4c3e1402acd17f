"""/balance: for each child, the certificate's balance and what each program holds; the
statement of a certificate, one month at a time: credits, reserves, debits, releases,
expiries."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenBalance, OpenChildren, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button, require_consent
from bot.dialogs.flows.teen_own import OpenMyCertificate
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Lines, Piece, Screen, T
from bot.dialogs.screens import Screens
from bot.words import Day, Month
from core.errors import DomainError
from core.port import Attendance, Entry, FundingTerms, Reserve
from core.rules.enrolment import CertStatus

flow = Flow("balance", teen=True)


@action("stmt")
class OpenStatement(Action):
    child_id: int


@action("stmt-m")
class StatementMonth(Action):
    month: int  # a month index (core.rules.calendar)


NAME_SHOWN = 24  # of a child's name on a button (a label is at most 40 characters)


@flow_state("stmt")
class Reading(FlowState):
    """The statement open: whose, and which month (None: the latest with entries)."""

    child_id: int | None = None
    month: int | None = None


def funding_lines(ctx: Ctx, terms: FundingTerms | None) -> list[T]:
    """Why the balance is below the nominal (funded mid-year: the months left), until when
    the money is valid and what happens to the rest (core.accounting.funding)."""
    if terms is None:
        return []
    lines = []
    if terms.months is not None and terms.from_month is not None and terms.credited:
        lines.append(
            T(
                "cert-funded-months",
                {
                    "credited": ctx.money(terms.credited),
                    "months": terms.months,
                    "from": Month(terms.from_month),
                    "period": terms.period.value,
                },
            )
        )
    lines.append(
        T(
            "cert-funded-until",
            {
                "until": Day(terms.valid_until),
                "next": Day(terms.expires_on),
                "period": terms.period.value,
            },
        )
    )
    return lines


def _reserve(ctx: Ctx, r: Reserve) -> T:
    return T(
        "balance-reserve",
        {
            "program": r.program,
            "amount": ctx.money(r.amount),
            "monthly": ctx.money(r.monthly),
            "until": Month(r.last_month),
        },
    )


@flow.screen(Screens.BALANCE)
async def balance(ctx: Ctx) -> Screen:
    parts: list[Piece] = []
    teen = ctx.teen
    found = await ctx.core.certificates.balance(ctx.parent_id, teen)
    rows: list[list[Button]] = []
    for kid in found.children:
        cert = found.certificates.get(kid.id)
        if cert is None or cert.status != CertStatus.FUNDED:
            status = "none" if cert is None else cert.status.value
            parts.append(
                T(
                    "balance-no-money",
                    {"child": kid.name, "status": T(f"cert-status-{status}")},
                )
            )
            continue
        parts.append(
            T(
                "balance-child",
                {
                    "child": kid.name,
                    "number": cert.number,
                    "total": ctx.money(cert.total),
                    "reserved": ctx.money(cert.reserved),
                    "available": ctx.money(cert.available),
                },
            )
        )
        parts.append(Lines(funding_lines(ctx, cert.terms)))
        held = found.reserves.get(cert.id, [])
        if held:
            parts.append(Lines([T("balance-reserves"), *(_reserve(ctx, r) for r in held)]))
        name = kid.name if len(kid.name) <= NAME_SHOWN else kid.name[: NAME_SHOWN - 1] + "…"
        rows.append([Button(T("btn-statement", {"child": name}), OpenStatement(kid.id))])
    if not found.children:
        parts.append(T("balance-no-children"))
    # a child's own account has no list of children: their own certificate instead
    if teen is not None:
        rows.append([Button(T("btn-my-cert"), OpenMyCertificate())])
    else:
        rows.append([Button(T("btn-children"), OpenChildren())])
    rows.append([menu_button()])
    return Screen([T("balance-title"), *parts], rows[-10:])


@flow.action(OpenBalance)
async def to_balance(ctx: Ctx, _: OpenBalance) -> Screen:
    await require_consent(ctx)
    return await ctx.show(Screens.BALANCE)


@flow.command("balance")
async def balance_command(ctx: Ctx, arg: str) -> Screen:
    return await to_balance(ctx, OpenBalance())


@flow.action(OpenStatement)
async def to_statement(ctx: Ctx, act: OpenStatement) -> Screen:
    if ctx.teen is not None and act.child_id != ctx.teen:
        raise DomainError("child_not_found")
    ctx.end_flow(Reading)
    ctx.flow(Reading).child_id = act.child_id
    return await ctx.show(Screens.STATEMENT)


@flow.action(StatementMonth, on=(Screens.STATEMENT,))
async def to_month(ctx: Ctx, act: StatementMonth) -> Screen:
    ctx.started(Reading).month = act.month
    return await ctx.show(Screens.STATEMENT)


def _month_name(month: int) -> Month:
    return Month(month)


def _entry(ctx: Ctx, e: Entry) -> T:
    return T(
        f"statement-{e.kind}",
        {
            "date": ctx.local_time(e.at)[:5],
            "amount": ctx.money(e.amount),
            "program": e.program or "—",
            "month": Month(e.month) if e.month is not None else "—",
            "released": ctx.money(e.released),
            "has_released": e.released > 0,
        },
    )


def _attendance(found: list[Attendance]) -> list[T]:
    """Each program's classes of the month up to today: attended, and the days missed
    (as the provider's staff marked them), and what the month's debit counts."""
    out = []
    for a in found:
        days = ", ".join(f"{d:%d.%m}" for d in a.absent)
        out.append(
            T(
                "statement-attendance",
                {
                    "program": a.program,
                    "attended": a.attended,
                    "missed": len(a.absent),
                    "days": days,
                    "of": a.of,
                },
            )
        )
        out.append(T(f"statement-attendance-{a.rule}"))
    return out


@flow.screen(Screens.STATEMENT)
async def statement(ctx: Ctx) -> Screen:
    reading = ctx.started(Reading)
    child_id = need(reading.child_id, "child_not_found")
    s = await ctx.core.certificates.statement(ctx.parent_id, child_id, reading.month)
    reading.month = s.month
    cert = s.certificate
    parts: list[Piece] = [
        T(
            "statement-title",
            {
                "child": s.child,
                "number": cert.number,
                "total": ctx.money(cert.total),
                "reserved": ctx.money(cert.reserved),
                "available": ctx.money(cert.available),
            },
        )
    ]
    if s.reserves:
        parts.append(Lines([T("balance-reserves"), *(_reserve(ctx, r) for r in s.reserves)]))
    title = T("statement-month-title", {"month": _month_name(s.month)})
    lines = [_entry(ctx, e) for e in s.entries] or [T("statement-empty")]
    parts.append(Lines([title, *lines]))
    if s.attendance:
        parts.append(Lines([T("statement-attendance-title"), *_attendance(s.attendance)]))
    nav = [
        Button(T(key, {"month": _month_name(month)}), StatementMonth(month))
        for key, month in (("btn-earlier", s.earlier), ("btn-later", s.later))
        if month is not None
    ]
    rows = [nav] if nav else []
    rows.append([back(OpenBalance()), menu_button()])
    return Screen(parts, rows)
