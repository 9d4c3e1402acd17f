"""/balance: for each child, the certificate's balance and its last movements."""

from __future__ import annotations

from bot.dialogs.actions import OpenBalance, OpenChildren
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import menu_button, require_consent
from bot.dialogs.registry import registry
from bot.dialogs.screen import Button, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.rules.calendar import month_display
from core.rules.enrolment import CertStatus


@registry.screen(Screens.BALANCE)
async def balance(ctx: Ctx) -> Screen:
    parts: list[Piece] = []
    found = await ctx.core.certificates.balance(ctx.parent_id, ctx.teen)
    kids, certs, moves = found.children, found.certificates, found.movements
    for kid in kids:
        cert = certs.get(kid.id)
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
        for m in moves.get(cert.id, []):
            parts.append(
                T(
                    f"movement-{m.kind}",
                    {
                        "amount": ctx.money(abs(m.amount)),
                        "month": month_display(m.month) if m.month is not None else "",
                        "program": m.program or "",
                        "date": m.at.date(),
                    },
                )
            )
    if not kids:
        parts.append(T("balance-no-children"))
    return Screen(
        [T("balance-title"), *parts],
        [[Button(T("btn-children"), OpenChildren())], [menu_button()]],
    )


@registry.action(OpenBalance)
async def to_balance(ctx: Ctx, _: OpenBalance) -> Screen:
    await require_consent(ctx)
    return await ctx.show(Screens.BALANCE)


@registry.command("balance")
async def balance_command(ctx: Ctx, arg: str) -> Screen:
    return await to_balance(ctx, OpenBalance())
