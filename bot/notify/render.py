"""Outbox rows into the words a parent reads, in the parent's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogs.actions import (
    FindSimilar,
    OpenContract,
    OpenProviderMonth,
    RateProgram,
    TakeSeat,
)
from bot.dialogs.statuses import status_key
from bot.i18n import Translator, money
from bot.words import Month
from core.port import Claimed, NoticeReader
from core.rules.calendar import month_label

# notices about an application's money: their text and the amounts they name
MONEY_NOTICES = {
    "application_not_covered": ("n-application-not-covered", ("needed", "available")),
    "share_changed": ("n-share-changed", ("share", "copay")),
}


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    program_id: int | None = None  # a "see the program" button
    group_key: str | None = None  # the same text to many: VK may batch it with peer_ids
    action: tuple[str, str] | None = None  # instead: a button (label key, action)


NEXT_STEPS = frozenset({"accepted", "enrolled", "rejected"})  # answers that say what next
SIMILAR = 3  # programs suggested after a refusal


class Renderer:
    def __init__(self, t: Translator, low_balance: int, timezone: str = "Europe/Moscow") -> None:
        self.t = t
        self.low_balance = low_balance  # kopecks
        self.zone = ZoneInfo(timezone)

    async def render(self, facts: NoticeReader, row: Claimed, lang: str) -> Notice | None:
        """None when there is nothing left to say (the child's data were deleted …)."""
        t = self.t
        p = row.payload
        if row.kind == "debits" and row.ref is not None:
            lines = await facts.month_debits(row.parent_id, row.ref)
            if not lines:
                return None
            parts = [t(lang, "n-debits-title", month=Month(row.ref))]
            low = False
            for line in lines:
                parts.append(
                    t(
                        lang,
                        "n-debit-line",
                        child=line.child or "—",
                        program=line.program,
                        amount=money(line.amount, lang),
                        total=money(line.total, lang),
                        available=money(line.available, lang),
                    )
                )
                # what the amount was based on, in the words of the municipality's rule
                parts.append(
                    t(lang, f"n-debit-basis-{line.rule}", counted=line.counted, of=line.of)
                )
                # a debit is paid from the reserve of the family's own accepted application:
                # a little left after it is their plan, not news. Warned only when it is
                # below the threshold and short of what an application they made and
                # not yet reserved for (unanswered, waiting, a seat held) would need
                low = low or (line.available < self.low_balance and line.available < line.needs)
            if low:
                parts.append(t(lang, "n-low-balance", threshold=money(self.low_balance, lang)))
            return Notice("\n".join(parts))
        if row.kind in ("topup", "expiry"):
            year = row.ref or 0
            return Notice(t(lang, f"n-{row.kind}", year=str(year), next=str(year + 1)))
        name: str | None
        if row.kind == "certificate_status":
            if p.get("status") == "link_refused":  # no child in the family: none linked
                return Notice(t(lang, "n-cert-link_refused", reason=p.get("reason") or "—"))
            name = await self._child(facts, p.get("child_id"))
            if name is None:
                return None
            status = p.get("status", "accounting")
            return Notice(
                t(
                    lang,
                    f"n-cert-{status}",
                    child=name,
                    reason=p.get("reason") or "—",
                    field=p.get("field") or "",  # which one the МОЦ corrected ("amended")
                )
            )
        if row.kind == "application_status":
            program: str | None = await self._program(facts, p.get("program_id"))
            name = await self._child(facts, p.get("child_id"))
            status = p.get("status", "submitted")
            text = t(
                lang,
                "n-application",
                child=name or "—",
                program=program or "—",
                status=t(lang, status_key(status, p.get("reason"))),
            )
            if p.get("reason") and status == "rejected":
                text += "\n" + t(lang, "app-reason", reason=p["reason"])
            return await self._next_step(facts, lang, text, p, status)
        if row.kind in MONEY_NOTICES:
            key, amounts = MONEY_NOTICES[row.kind]
            program = await self._program(facts, p.get("program_id"))
            name = await self._child(facts, p.get("child_id"))
            if name is None:
                return None
            figures = {a: money(int(p.get(a, 0)), lang) for a in amounts}
            text = t(lang, key, child=name, program=program or "—", **figures)
            return Notice(text, program_id=p.get("program_id"))
        if row.kind == "seat_free":
            program = await self._program(facts, p.get("program_id"))
            return Notice(
                t(lang, "n-seat-free", program=program or "—"), program_id=p.get("program_id")
            )
        if row.kind == "seat_offered":
            app_id = p.get("application_id")
            app = await facts.seat_offer(app_id) if isinstance(app_id, int) else None
            if app is None:
                return None  # taken, declined or passed on before this was sent
            program = await self._program(facts, app.program_id)
            name = await self._child(facts, app.child_id)
            until = app.hold_until.replace(tzinfo=UTC).astimezone(self.zone)
            text = t(
                lang,
                "n-seat-offered",
                child=name or "—",
                program=program or "—",
                until=until.strftime("%d.%m %H:%M"),
            )
            return Notice(text, action=("btn-take-seat", TakeSeat(app.application_id).pack()))
        if row.kind == "provider_month" and row.ref is not None:
            # what the person's organisations are owed, read when sent (a role revoked
            # meanwhile: nothing to say)
            rows = await facts.provider_lines(row.ref, row.parent_id)
            if not rows:
                return None
            text = t(
                lang,
                "n-provider-month",
                month=Month(row.ref),
                amount=money(sum(r.amount for r in rows), lang),
                contracts=len(rows),
            )
            return Notice(text, action=("btn-provider-month", OpenProviderMonth(row.ref).pack()))
        if row.kind == "month_closed" and row.ref is not None:
            amount, contracts, providers = await facts.month_summary(row.ref)
            text = t(
                lang,
                "n-month-closed",
                month=Month(row.ref),
                label=month_label(row.ref),
                amount=money(amount, lang),
                contracts=contracts,
                providers=providers,
            )
            return Notice(text)
        if row.kind == "child_left":
            return await self._child_left(facts, lang, p)
        if row.kind == "contract_event":
            program = await self._program(facts, p.get("program_id"))
            group_id = p.get("group_id")
            group = await facts.group_name(group_id) if isinstance(group_id, int) else None
            name = await self._child(facts, p.get("child_id"))
            text = t(
                lang,
                "n-contract-event",
                event=str(p.get("event") or "concluded"),
                child=name or "—",
                group=group or "—",
                program=program or "—",
            )
            return Notice(text)
        if row.kind == "dispute":
            outcome = p.get("outcome")
            if outcome == "rejected":
                return Notice(t(lang, "n-dispute-rejected", reason=p.get("reason") or "—"))
            if outcome not in ("moved", "removed"):
                return None
            name = await self._child(facts, p.get("child_id"))
            return Notice(t(lang, f"n-dispute-{outcome}", child=name)) if name else None
        if row.kind == "rate_invite":
            app_id = p.get("application_id")
            name = await self._child(facts, p.get("child_id"))
            program = await self._program(facts, p.get("program_id"))
            if name is None or program is None or not isinstance(app_id, int):
                return None  # the child's data or the program are gone
            text = t(lang, "n-rate-invite", child=name, program=program)
            return Notice(text, action=("btn-rate", RateProgram(app_id).pack()))
        if row.kind == "teen_linked":
            name = await self._child(facts, p.get("child_id"))
            return Notice(t(lang, "n-teen-linked", child=name)) if name else None
        if row.kind == "data_erased":
            return Notice(t(lang, "n-data-erased", count=int(p.get("children", 0))))
        if row.kind == "broadcast" and row.ref is not None:
            b = await facts.broadcast(row.ref)
            if b is None:
                return None
            # headed by who sends it; whole: a sender splits a long one
            sender = (
                t(lang, "n-broadcast-from", municipality=b.municipality)
                if b.municipality is not None
                else t(lang, "n-broadcast-from-region")
            )
            text = t(lang, "n-broadcast", text=f"{sender}\n\n{b.text}")
            return Notice(text, program_id=b.program_id, group_key=f"bc:{b.id}:{lang}")
        return None

    async def _next_step(
        self, facts: NoticeReader, lang: str, text: str, p: dict[str, object], status: str
    ) -> Notice:
        """What to do next: accepted — where to come and what to bring for the contract;
        enrolled — the group's schedule and how the money goes; rejected — programs like
        it with free seats, and a button to find them."""
        t = self.t
        program_id = p.get("program_id")
        app_id = p.get("application_id")
        program = program_id if isinstance(program_id, int) else None
        if status not in NEXT_STEPS or not isinstance(app_id, int):
            return Notice(text, program_id=program)
        step = await facts.next_step(app_id, similar=SIMILAR if status == "rejected" else 0)
        if step is None:
            return Notice(text, program_id=program)
        if status == "accepted":
            deadline = await facts.contract_offered_until(app_id)
            if deadline is not None:
                until = deadline.replace(tzinfo=UTC).astimezone(self.zone)
                offer = t(
                    lang,
                    "n-contract-offer",
                    provider=step.provider,
                    address=step.address or "—",
                    until=until.strftime("%d.%m %H:%M"),
                )
                return Notice(
                    text + "\n\n" + offer,
                    action=("btn-contract-open", OpenContract(app_id).pack()),
                )
        if status == "rejected":
            if not step.similar:
                return Notice(text + "\n\n" + t(lang, "n-next-rejected-none"))
            lines = [t(lang, "n-next-rejected")]
            lines += [t(lang, "n-similar", name=name, free=free) for _, name, free in step.similar]
            action = FindSimilar(program) if program is not None else None
            if action is None:
                return Notice(text + "\n\n" + "\n".join(lines))
            return Notice(
                text + "\n\n" + "\n".join(lines), action=("btn-find-similar", action.pack())
            )
        figures = {
            "provider": step.provider,
            "address": step.address or "—",
            "group": step.group,
            "schedule": step.schedule or "—",
            "number": step.certificate or "—",
            "certificate": step.certificate is not None,
            "paid": step.paid,
        }
        return Notice(text + "\n\n" + t(lang, f"n-next-{status}", **figures), program_id=program)

    @staticmethod
    async def _child(facts: NoticeReader, child_id: object) -> str | None:
        if not isinstance(child_id, int):
            return None
        return await facts.child_name(child_id)

    async def _child_left(self, facts: NoticeReader, lang: str, p: dict[str, Any]) -> Notice:
        """To a provider's staff: a child left by the family's choice (no name after a
        withdrawal or a removal: the certificate's number and the application's day)."""
        program = await self._program(facts, p.get("program_id"))
        group_id = p.get("group_id")
        group = await facts.group_name(group_id) if isinstance(group_id, int) else None
        name = await self._child(facts, p.get("child_id"))
        last = p.get("last_day")
        text = self.t(
            lang,
            "n-child-left",
            named=name is not None,
            child=name or "—",
            number=p.get("number") or "—",
            studying=bool(last),
            group=group or "—",
            program=program or "—",
            applied=date.fromisoformat(str(p.get("applied"))),
            why=p.get("why") or "left",
            last_day=date.fromisoformat(last) if last else "",
        )
        return Notice(text)

    @staticmethod
    async def _program(facts: NoticeReader, program_id: object) -> str | None:
        if not isinstance(program_id, int):
            return None
        return await facts.program_name(program_id)
