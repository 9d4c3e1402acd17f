"""A МОЦ's confirmer: the certificates waiting for the documents to be checked, oldest
request first, paged; the child's full details; confirm, or reject with a reason. Beside
them, the corrections families asked for (old and new data, and why) and the requests to
link a register number that holds no СНИЛС: approve, or refuse with a reason (their cards
are in flows/confirm_requests.py). Someone without the role sees nothing of it."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogs.actions import Action, OpenConfirmQueue, OpenDisputes, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Data, Lines, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.port import DESK_PAGE, DESK_QUERY_MAX, AmendField, Desk, DeskLine, DeskPage
from core.rules.people import format_snils

flow = Flow("confirm")
PER_ROW = 5  # numbered buttons a row (VK's most)


@action("cc")
class OpenConfirmation(Action):
    certificate_id: int


@action("cc-yes")
class ConfirmData(Action):
    certificate_id: int
    seen: str = ""  # the version of the data on the card (confirmations.data_version)


@action("cc-no")
class RejectData(Action):
    certificate_id: int


@action("cfx")
class OpenCorrections(Action):
    pass


@action("cfx-open")
class OpenCorrection(Action):
    correction_id: int


@action("cfx-yes")
class ApproveCorrection(Action):
    correction_id: int


@action("cfx-no")
class RefuseCorrection(Action):
    correction_id: int


@action("clr")
class OpenLinkRequests(Action):
    pass


@action("clr-open")
class OpenLinkRequest(Action):
    certificate_id: int


@action("clr-yes")
class ApproveLink(Action):
    certificate_id: int


@action("clr-no")
class RefuseLink(Action):
    certificate_id: int


@action("cq-f")
class FilterDesk(Action):
    which: str  # a member of Desk


@action("cq-all")
class ClearSearch(Action):
    pass


@action("cc-fix")
class AmendData(Action):
    certificate_id: int
    field: str  # a member of AmendField


@flow_state("confirm")
class Review(FlowState):
    """The desk's filter, search and page, and the certificate, correction or link request
    being checked (and the field of it being corrected)."""

    page: int = 0
    which: str = Desk.NEW.value
    query: str = ""
    certificate_id: int | None = None
    correction_id: int | None = None
    link_id: int | None = None
    field: str | None = None


def _certificate(ctx: Ctx) -> int:
    return need(ctx.flow(Review).certificate_id)


def _which(review: Review) -> Desk:
    return Desk(review.which) if review.which in Desk.__members__.values() else Desk.NEW


@flow.action(OpenConfirmQueue)
async def to_queue(ctx: Ctx, act: OpenConfirmQueue) -> Screen:
    ctx.flow(Review).page = act.page
    return await ctx.show(Screens.CONFIRM_QUEUE)


@flow.action(FilterDesk, on=(Screens.CONFIRM_QUEUE,))
async def to_filter(ctx: Ctx, act: FilterDesk) -> Screen:
    """Another filter keeps the search typed: the family at the desk is looked for there."""
    review = ctx.flow(Review)
    review.which, review.page = act.which, 0
    return await ctx.show(Screens.CONFIRM_QUEUE)


@flow.action(ClearSearch, on=(Screens.CONFIRM_QUEUE,))
async def clear_search(ctx: Ctx, _: ClearSearch) -> Screen:
    review = ctx.flow(Review)
    review.query, review.page = "", 0
    return await ctx.show(Screens.CONFIRM_QUEUE)


@flow.text(Screens.CONFIRM_QUEUE)
async def on_search(ctx: Ctx, text: str) -> Screen:
    """A text typed at the desk is a search of it (not of the catalogue)."""
    review = ctx.flow(Review)
    review.query, review.page = " ".join(text.split())[:DESK_QUERY_MAX], 0
    return await ctx.show(Screens.CONFIRM_QUEUE)


def _open(which: Desk, line: DeskLine) -> Action:
    """What a line of each kind opens: a kind of request more is its card's action here
    and its words under the $which selectors (cq-title, cq-found, cq-not-found, cq-empty,
    btn-cq-filter)."""
    cards: dict[Desk, Callable[[int], Action]] = {
        Desk.NEW: OpenConfirmation,
        Desk.CORRECTIONS: OpenCorrection,
    }
    return cards[which](line.id)


def _lines(which: Desk, lines: list[DeskLine]) -> tuple[Lines, list[list[Button]]]:
    """The page's requests as numbered lines of the text (a whole name, the birth date and
    the number fit there, never the СНИЛС), and a button per number, five a row: ten
    requests stay within every messenger's rows."""
    text = Lines(
        [
            Data(f"{n}. {x.full_name}, {x.birth_date:%d.%m.%Y}, № {x.number}")
            for n, x in enumerate(lines, 1)
        ]
    )
    buttons = [Button(Data(str(n)), _open(which, x)) for n, x in enumerate(lines, 1)]
    return text, [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]


def _filters(page: DeskPage) -> list[Button]:
    """One button per kind of request, the one shown marked; a new kind is one more
    member of Desk and one more button here."""
    return [
        Button(
            T(
                "btn-cq-filter",
                {"which": w.value, "count": page.waiting[w], "on": str(w is page.which).lower()},
            ),
            FilterDesk(w.value),
        )
        for w in Desk
    ]


@flow.screen(Screens.CONFIRM_QUEUE)
async def queue(ctx: Ctx) -> Screen:
    review = ctx.flow(Review)
    which = _which(review)
    page = review.page
    found = await ctx.core.staff.desk(ctx.parent_id, which, review.query, page)
    pages = max(1, -(-found.found // DESK_PAGE))
    if not found.lines and page:  # the last page emptied meanwhile
        review.page = pages - 1
        return await ctx.show(Screens.CONFIRM_QUEUE)
    parts: list[Piece]
    if found.query and not found.found:
        parts = [T("cq-not-found", {"which": which.value, "query": found.query})]
    elif found.query:
        parts = [
            T(
                "cq-found",
                {
                    "which": which.value,
                    "query": found.query,
                    "count": found.found,
                    "page": page + 1,
                    "pages": pages,
                },
            )
        ]
    elif not found.found:
        parts = [T("cq-empty", {"which": which.value})]
    else:
        parts = [
            T(
                "cq-title",
                {"which": which.value, "count": found.found, "page": page + 1, "pages": pages},
            )
        ]
    listed, rows = _lines(which, found.lines)
    if found.lines:
        parts.append(listed)
    parts.append(T("cq-search-hint"))
    rows += nav_rows(page, pages, OpenConfirmQueue)
    rows.append(_filters(found))
    if found.query:
        rows.append([Button(T("btn-cq-clear"), ClearSearch())])
    rows += await _other_requests(ctx)
    rows.append([menu_button()])
    return Screen(parts, rows, expect="text")


async def _other_requests(ctx: Ctx) -> list[list[Button]]:
    """Buttons to the link requests and the registration disputes waiting, when there
    are any."""
    rows: list[list[Button]] = []
    _, links = await ctx.core.staff.link_requests(ctx.parent_id, 0)
    if links:
        rows.append([Button(T("btn-cq-links", {"count": links}), OpenLinkRequests())])
    _, disputes = await ctx.core.disputes.pending(ctx.parent_id, 0)
    if disputes:  # registration disputes: bot/dialogs/flows/disputes.py
        rows.append([Button(T("btn-cq-disputes", {"count": disputes}), OpenDisputes())])
    return rows


@flow.action(OpenConfirmation)
async def to_card(ctx: Ctx, act: OpenConfirmation) -> Screen:
    ctx.flow(Review).certificate_id = act.certificate_id
    return await ctx.show(Screens.CONFIRM_CARD)


@flow.screen(Screens.CONFIRM_CARD)
async def card(ctx: Ctx) -> Screen:
    cert_id = _certificate(ctx)
    p = await ctx.core.staff.pending_one(ctx.parent_id, cert_id)
    parts: list[Piece] = [
        T(
            "cc-card",
            {
                "name": p.full_name,
                "born": p.birth_date,
                "snils": format_snils(p.snils) if p.snils else "—",
                "municipality": p.municipality,
                "number": p.number,
                "requested": p.requested_at.date(),
                "funding": p.funding_requested,
                "applicant": p.applicant or "",
                "named": "yes" if p.applicant else "no",  # a teen's own request: none
            },
        )
    ]
    if p.own_request:
        # the child of 14+ asked themselves: their own documents, no parent's passport
        parts.append(T("cc-own-request"))
    rows = [
        [Button(T("btn-cc-confirm"), ConfirmData(p.id, p.version))],
        *_amend_rows(p.id),
        [Button(T("btn-cc-reject"), RejectData(p.id))],
        [back(OpenConfirmQueue()), menu_button()],
    ]
    return Screen(parts, rows)


# the card's buttons to correct a typo in place, three and two a row
_AMEND_ROWS = (
    (AmendField.SURNAME, AmendField.NAME, AmendField.PATRONYMIC),
    (AmendField.BIRTH_DATE, AmendField.SNILS),
)


def _amend_rows(certificate_id: int) -> list[list[Button]]:
    return [
        [
            Button(T("btn-cc-amend", {"field": f.value}), AmendData(certificate_id, f.value))
            for f in row
        ]
        for row in _AMEND_ROWS
    ]


@flow.action(AmendData, on=(Screens.CONFIRM_CARD,))
async def to_amend(ctx: Ctx, act: AmendData) -> Screen:
    review = ctx.flow(Review)
    review.certificate_id = act.certificate_id
    review.field = AmendField(act.field).value
    return await ctx.show(Screens.CONFIRM_AMEND)


def _field(ctx: Ctx) -> AmendField:
    return AmendField(need(ctx.flow(Review).field))


@flow.screen(Screens.CONFIRM_AMEND)
async def amend_prompt(ctx: Ctx) -> Screen:
    """The value now, and what to type instead (as the family would)."""
    p = await ctx.core.staff.pending_one(ctx.parent_id, _certificate(ctx))
    field = _field(ctx)
    now = {
        AmendField.SURNAME: p.surname,
        AmendField.NAME: p.name,
        AmendField.PATRONYMIC: p.patronymic,
        AmendField.BIRTH_DATE: f"{p.birth_date:%d.%m.%Y}",
        AmendField.SNILS: format_snils(p.snils) if p.snils else None,
    }[field]
    return Screen(
        [T("cc-amend-ask", {"field": field.value, "now": now or "—"})],
        [[back(OpenConfirmation(p.id)), menu_button()]],
        expect="text",
    )


@flow.text(Screens.CONFIRM_AMEND)
async def on_amend(ctx: Ctx, text: str) -> Screen:
    field = _field(ctx)
    changed = await ctx.core.staff.amend(ctx.parent_id, _certificate(ctx), field, text)
    notice = "cc-amended" if changed else "cc-amend-same"
    return await ctx.show(Screens.CONFIRM_CARD, T(notice, {"field": field.value}))


@flow.action(ConfirmData, on=(Screens.CONFIRM_CARD,))
async def confirm(ctx: Ctx, act: ConfirmData) -> Screen:
    # a button of a card shown before this field existed carries none: checked as before
    await ctx.core.staff.confirm(ctx.parent_id, act.certificate_id, act.seen or None)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cc-confirmed"))


@flow.action(RejectData, on=(Screens.CONFIRM_CARD,))
async def reject(ctx: Ctx, act: RejectData) -> Screen:
    ctx.flow(Review).certificate_id = act.certificate_id
    return await ctx.show(Screens.CONFIRM_REASON)


@flow.screen(Screens.CONFIRM_REASON)
async def reason(ctx: Ctx) -> Screen:
    return Screen([T("cc-ask-reason")], [[back(OpenConfirmQueue())]], expect="text")


@flow.text(Screens.CONFIRM_REASON)
async def on_reason(ctx: Ctx, text: str) -> Screen:
    await ctx.core.staff.reject(ctx.parent_id, _certificate(ctx), text)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cc-rejected"))


@flow.command("confirm")
async def confirm_command(ctx: Ctx, arg: str) -> Screen:
    """The desk afresh: new requests, no search (the last family's surname not kept)."""
    review = ctx.flow(Review)
    review.which, review.query = Desk.NEW.value, ""
    return await to_queue(ctx, OpenConfirmQueue())
