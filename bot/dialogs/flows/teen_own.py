"""A child of 14 to 17 on their own (004 §7: the certificate is given to the child or to the
parent): registers themselves from /start (surname, name, patronymic, birth date,
municipality, СНИЛС, their own consent), requests their certificate, and shows their parent
a code to join later. Addressed as ты throughout (``Ctx.you``: the registration draft
counts as a child's own account already). A child's own account invited by a parent
(teen.py) sees its certificate here too, without the parent's code."""

from __future__ import annotations

from datetime import date

from bot.dialogs.actions import Action, OpenMenu, action
from bot.dialogs.context import SELF_REGISTERING, Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import (
    MunicipalityPage,
    chosen_municipality,
    menu_button,
    municipality_step,
    register_municipality_picker,
)
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import TEEN_AGE, ChildInput
from core.rules.enrolment import CertStatus
from core.rules.people import age_on, clean_name, format_snils, parse_birth_date, parse_snils

flow = Flow("teen_own", teen=True)

ADULT_AGE = 18
# the order the questions come in; the municipality is a picker, the rest typed
STEPS = ("surname", "name", "patronymic", "birth", "muni", "snils")
TYPED = ("surname", "name", "patronymic", "birth", "snils")


@action("self-start")
class StartSelf(Action):
    """From the welcome screen: I am 14 to 17 and register myself."""


@action("self-skip")
class SkipPatronymic(Action):
    pass


@action("self-muni-page")
class SelfMunicipalityPage(MunicipalityPage):
    pass


@action("self-muni")
class PickSelfMunicipality(Action):
    municipality_id: int


@action("self-save")
class SaveSelf(Action):
    """The summary is right and I consent to the processing of my data."""


@action("self-cancel")
class CancelSelf(Action):
    pass


@action("my-cert")
class OpenMyCertificate(Action):
    pass


@action("my-cert-issue")
class IssueMyCertificate(Action):
    pass


@action("my-cert-fund")
class FundMyCertificate(Action):
    pass


@action("my-parent-code")
class ShowParentCode(Action):
    pass


@flow_state(SELF_REGISTERING, draft=True)
class SelfDraft(FlowState):
    """A child registering themselves, step by step (Ctx.you reads ты while it exists)."""

    step: str = "surname"
    surname: str | None = None
    name: str | None = None
    patronymic: str | None = None
    birth: str | None = None  # ISO date
    muni: int | None = None
    snils: str | None = None
    done: bool = False  # every step answered once: a changed answer returns to the summary


@flow_state("teen-parent-code", draft=True)
class ParentCode(FlowState):
    code: str | None = None


def _draft(ctx: Ctx) -> SelfDraft:
    return ctx.started(SelfDraft)


async def _next(ctx: Ctx, step: str) -> Screen:
    draft = _draft(ctx)
    following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else None
    if draft.done or following is None:
        draft.done = True
        return await ctx.show(Screens.TEEN_SELF_CONFIRM)
    draft.step = following
    return await ctx.show(Screens.TEEN_SELF_MUNI if following == "muni" else Screens.TEEN_SELF_ASK)


@flow.action(StartSelf)
async def start_self(ctx: Ctx, _: StartSelf) -> Screen:
    if ctx.teen is not None:
        return await ctx.show(Screens.TEEN_CERT)
    ctx.begin(SelfDraft)
    return await ctx.show(Screens.TEEN_SELF_ASK)


@flow.screen(Screens.TEEN_SELF_ASK)
async def ask(ctx: Ctx) -> Screen:
    draft = ctx.flow(SelfDraft)
    step = draft.step if draft.step in TYPED else "surname"
    parts: list[Piece] = []
    if step == "surname" and not draft.done:
        parts.append(T("self-intro", {"min": TEEN_AGE, "max": ADULT_AGE - 1}))
    parts.append(T(f"self-ask-{step}"))
    rows = []
    if step == "patronymic":
        rows.append([Button(T("btn-skip"), SkipPatronymic())])
    rows.append([Button(T("btn-cancel"), CancelSelf())])
    return Screen(parts, rows, expect="text")


@flow.text(Screens.TEEN_SELF_ASK)
async def on_answer(ctx: Ctx, text: str) -> Screen:
    draft = _draft(ctx)
    step = draft.step
    if step in ("surname", "name", "patronymic"):
        setattr(draft, step, clean_name(text))
    elif step == "birth":
        born = parse_birth_date(text, ctx.today())
        age = age_on(born, ctx.today())
        if age < TEEN_AGE:
            # said kindly, at once: a younger child is registered by a parent
            raise DomainError("teen_self_too_young", age=TEEN_AGE)
        if age >= ADULT_AGE:
            raise DomainError("teen_self_adult", min=TEEN_AGE, max=ADULT_AGE - 1)
        draft.birth = born.isoformat()
    elif step == "snils":
        draft.snils = parse_snils(text)
    else:
        raise DomainError("stale-button")
    return await _next(ctx, step)


@flow.action(SkipPatronymic, on=(Screens.TEEN_SELF_ASK,))
async def skip(ctx: Ctx, _: SkipPatronymic) -> Screen:
    draft = _draft(ctx)
    if draft.step != "patronymic":
        raise DomainError("stale-button")
    draft.patronymic = None
    return await _next(ctx, "patronymic")


@flow.screen(Screens.TEEN_SELF_MUNI)
async def ask_muni(ctx: Ctx) -> Screen:
    return await municipality_step(
        ctx, "self-ask-muni", PickSelfMunicipality, SelfMunicipalityPage, CancelSelf()
    )


register_municipality_picker(flow, Screens.TEEN_SELF_MUNI, SelfMunicipalityPage)


@flow.action(PickSelfMunicipality, on=(Screens.TEEN_SELF_MUNI,))
async def on_muni(ctx: Ctx, act: PickSelfMunicipality) -> Screen:
    _draft(ctx).muni = await chosen_municipality(ctx, act.municipality_id)
    return await _next(ctx, "muni")


def _missing(draft: SelfDraft) -> str | None:
    for step in STEPS:
        if step != "patronymic" and getattr(draft, step) is None:
            return step
    return None


@flow.screen(Screens.TEEN_SELF_CONFIRM)
async def confirm(ctx: Ctx) -> Screen:
    draft = ctx.flow(SelfDraft)
    missing = _missing(draft)
    if missing is not None:  # a stale summary: ask what is missing
        draft.step, draft.done = missing, False
        return await ctx.show(
            Screens.TEEN_SELF_MUNI if missing == "muni" else Screens.TEEN_SELF_ASK
        )
    names = dict(await ctx.core.catalogue.municipalities())
    summary = T(
        "child-summary",
        {
            "surname": draft.surname or "—",
            "name": draft.name or "—",
            "patronymic": draft.patronymic or "—",
            "born": date.fromisoformat(draft.birth or ""),
            "snils": format_snils(draft.snils) if draft.snils else "—",
            "municipality": names.get(draft.muni or 0, "—"),
        },
    )
    return Screen(
        [T("self-confirm"), summary, T("self-consent", {"min": TEEN_AGE})],
        [
            [Button(T("btn-self-save"), SaveSelf())],
            [Button(T("btn-cancel"), CancelSelf())],
        ],
    )


@flow.action(SaveSelf, on=(Screens.TEEN_SELF_CONFIRM,))
async def save(ctx: Ctx, _: SaveSelf) -> Screen:
    draft = _draft(ctx)
    if _missing(draft) is not None:
        return await ctx.show(Screens.TEEN_SELF_CONFIRM)
    data = ChildInput(
        surname=draft.surname or "",
        name=draft.name or "",
        patronymic=draft.patronymic,
        birth_date=date.fromisoformat(draft.birth or ""),
        snils=draft.snils,
        municipality_id=draft.muni or 0,
    )
    event = ctx.event
    child_id = await ctx.core.family.register_teen(
        ctx.parent_id, event.platform, event.user_id, data
    )
    ctx.become(ctx.parent_id, teen=child_id)
    return await ctx.show(Screens.TEEN_CERT, T("self-registered"))


@flow.action(CancelSelf)
async def cancel(ctx: Ctx, _: CancelSelf) -> Screen:
    ctx.end_flow(SelfDraft)
    return await ctx.show(Screens.WELCOME, T("cancelled"))


# the child's own certificate, from their own account


def _me(ctx: Ctx) -> int:
    if ctx.teen is None:
        raise DomainError("teen_only")
    return ctx.teen


@flow.action(OpenMyCertificate)
async def to_certificate(ctx: Ctx, _: OpenMyCertificate) -> Screen:
    return await ctx.show(Screens.TEEN_CERT)


@flow.command("certificate")
async def certificate_command(ctx: Ctx, arg: str) -> Screen:
    return await ctx.show(Screens.TEEN_CERT)


@flow.screen(Screens.TEEN_CERT)
async def certificate(ctx: Ctx) -> Screen:
    me = _me(ctx)
    card = await ctx.core.certificates.child_card(ctx.parent_id, me)
    kid, cert = card.child, card.certificate
    parts: list[Piece] = [T("self-card", {"name": kid.full_name, "age": kid.age})]
    rows: list[list[Button]] = []
    if cert is None:
        parts.append(T("self-cert-none"))
        rows.append([Button(T("btn-self-cert-issue"), IssueMyCertificate())])
    else:
        office = cert.office
        parts.append(
            T(
                "self-cert",
                {
                    "status": cert.status.value,
                    "number": cert.number,
                    "funding": cert.funding_requested,
                    "position": cert.queue_position or 0,
                    "available": ctx.money(cert.available),
                    "reason": cert.rejection_reason or "—",
                    "municipality": office.municipality if office else "—",
                    "address": (office.address if office else "") or "—",
                    "hours": (office.hours if office else "") or "—",
                    "phone": (office.phone if office else "") or "—",
                },
            )
        )
        awaiting = cert.status == CertStatus.AWAITING and not cert.funding_requested
        if cert.status == CertStatus.ACCOUNTING or awaiting:
            rows.append([Button(T("btn-self-cert-fund"), FundMyCertificate())])
        if cert.status == CertStatus.REJECTED:
            rows.append([Button(T("btn-self-cert-issue"), IssueMyCertificate())])
    if await ctx.core.family.teen_alone(ctx.parent_id):
        rows.append([Button(T("btn-self-parent-code"), ShowParentCode())])
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(IssueMyCertificate, on=(Screens.TEEN_CERT,))
async def issue(ctx: Ctx, _: IssueMyCertificate) -> Screen:
    await ctx.core.certificates.issue(ctx.parent_id, _me(ctx), by_child=True)
    return await ctx.show(Screens.TEEN_CERT, T("self-cert-issued"))


@flow.action(FundMyCertificate, on=(Screens.TEEN_CERT,))
async def fund(ctx: Ctx, _: FundMyCertificate) -> Screen:
    status = await ctx.core.certificates.request_funding(ctx.parent_id, _me(ctx))
    notice = {
        CertStatus.FUNDED: "self-fund-granted",
        CertStatus.AWAITING: "self-fund-after-confirmation",
    }.get(status, "self-fund-queued")
    return await ctx.show(Screens.TEEN_CERT, T(notice))


@flow.action(ShowParentCode, on=(Screens.TEEN_CERT,))
async def parent_code(ctx: Ctx, _: ShowParentCode) -> Screen:
    ctx.begin(ParentCode).code = await ctx.core.family.teen_parent_code(ctx.parent_id, _me(ctx))
    return await ctx.show(Screens.TEEN_PARENT_CODE)


@flow.screen(Screens.TEEN_PARENT_CODE)
async def parent_code_screen(ctx: Ctx) -> Screen:
    code = ctx.flow(ParentCode).code
    if not code:
        raise DomainError("stale-button")
    return Screen(
        [T("self-parent-code", {"code": code})],
        [[Button(T("btn-back"), OpenMyCertificate())], [Button(T("btn-menu"), OpenMenu())]],
    )
