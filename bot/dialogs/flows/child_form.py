"""Adding and editing a child, step by step: surname, name, patronymic, birth date, СНИЛС,
municipality, then a summary to save or change a field. Each wrong answer gets its own
message and the same question again."""

from __future__ import annotations

import re
from dataclasses import field
from datetime import date

from bot.dialogs.actions import Action, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.children import AddChild, EditChild, Shown
from bot.dialogs.flows.common import (
    MunicipalityPage,
    chosen_municipality,
    municipality_step,
    register_municipality_picker,
    require_consent,
)
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import ChildInput, ChildView
from core.rules.people import clean_name, format_snils, parse_birth_date, parse_snils

flow = Flow("child_form")

STEPS = ("surname", "name", "patronymic", "birth", "snils", "muni")
OPTIONAL = frozenset({"patronymic", "snils"})


@action("skip")
class SkipStep(Action):
    step: str  # one of OPTIONAL


@action("muni-page")
class ChildMunicipalityPage(MunicipalityPage):
    pass


@action("muni")
class PickChildMunicipality(Action):
    municipality_id: int


@action("field")
class ChangeField(Action):
    step: str  # one of STEPS


@action("child-save-cert")
class SaveAndIssue(Action):
    """A new child saved and the certificate requested in one press."""


@action("child-save")
class SaveChild(Action):
    pass


@action("child-cancel")
class CancelChild(Action):
    pass


@flow_state("child-draft", draft=True)
class ChildDraft(FlowState):
    """A child being added or edited, step by step (the steps answered so far)."""

    id: int | None = None  # editing this child; None: a new one
    surname: str | None = None
    name: str | None = None
    patronymic: str | None = None
    birth: str | None = None  # ISO date
    snils: str | None = None
    muni: int | None = None
    answered: list[str] = field(default_factory=list)
    back_to_confirm: bool = False  # a field changed from the summary returns to it

    def put(self, step: str, value: str | int | None) -> None:
        if step not in STEPS:
            raise DomainError("stale-button")
        setattr(self, step, value)
        if step not in self.answered:
            self.answered.append(step)


@flow.action(AddChild)
async def child_add(ctx: Ctx, _: AddChild) -> Screen:
    await require_consent(ctx)
    ctx.begin(ChildDraft)  # a new child
    return await ctx.show(Screens.ASK_SURNAME)


@flow.action(EditChild)
async def child_edit(ctx: Ctx, act: EditChild) -> Screen:
    child_id = act.child_id
    kid = await ctx.core.family.child(ctx.parent_id, child_id)
    draft = ctx.begin(ChildDraft)
    draft.id = kid.id
    for step, value in (
        ("surname", kid.surname),
        ("name", kid.name),
        ("patronymic", kid.patronymic),
        ("birth", kid.birth_date.isoformat()),
        ("snils", kid.snils),
        ("muni", kid.municipality_id),
    ):
        draft.put(step, value)
    return await ctx.show(Screens.CHILD_CONFIRM)


def _draft(ctx: Ctx) -> ChildDraft:
    return ctx.started(ChildDraft)


async def _next(ctx: Ctx, step: str) -> Screen:
    if _draft(ctx).back_to_confirm:
        return await ctx.show(Screens.CHILD_CONFIRM)
    following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else None
    return await ctx.show(Screens(f"ask-{following}") if following else Screens.CHILD_CONFIRM)


def _ask(key: str, step: str) -> Screen:
    rows = []
    if step in OPTIONAL:
        rows.append([Button(T("btn-skip"), SkipStep(step))])
    rows.append([Button(T("btn-cancel"), CancelChild())])
    return Screen([T(key)], rows, expect="text")


@flow.screen(Screens.ASK_SURNAME)
async def ask_surname(ctx: Ctx) -> Screen:
    return _ask("ask-surname", "surname")


# a СНИЛС ending the whole line: 11 digits, in groups or not (123-456-789 01)
TRAILING_SNILS = re.compile(r"(?<![0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{2}$")


@flow.screen(Screens.ASK_NAME)
async def ask_name(ctx: Ctx) -> Screen:
    return _ask("ask-name", "name")


@flow.screen(Screens.ASK_PATRONYMIC)
async def ask_patronymic(ctx: Ctx) -> Screen:
    return _ask("ask-patronymic", "patronymic")


@flow.screen(Screens.ASK_BIRTH)
async def ask_birth(ctx: Ctx) -> Screen:
    return _ask("ask-birth", "birth")


@flow.screen(Screens.ASK_SNILS)
async def ask_snils(ctx: Ctx) -> Screen:
    return _ask("ask-snils", "snils")


@flow.text(Screens.ASK_SURNAME, Screens.ASK_NAME, Screens.ASK_PATRONYMIC)
async def on_name(ctx: Ctx, text: str) -> Screen:
    step = ctx.state.screen.removeprefix("ask-")
    draft = _draft(ctx)
    if step == "surname" and not draft.back_to_confirm:
        # the СНИЛС may end the whole line too (11 digits, separators allowed): a bad one
        # is refused with its own words and the parent types the line again
        found = TRAILING_SNILS.search(text.strip())
        snils = parse_snils(found.group(0)) if found else None
        words = (text.strip()[: found.start()] if found else text).split()
        if 1 < len(words) <= 4:
            return await _whole_name(ctx, draft, words, snils)
    draft.put(step, clean_name(text))
    return await _next(ctx, step)


async def _whole_name(
    ctx: Ctx, draft: ChildDraft, words: list[str], snils: str | None = None
) -> Screen:
    """«Иванова Мария Петровна 05.03.2016 112-233-445 95» in one message: the surname, the
    name, the patronymic when given (none: none), the date of birth when it ends the
    text, and the СНИЛС after it when given (then it is not asked)."""
    born = None
    if len(words) > 2:
        try:
            born = parse_birth_date(words[-1], ctx.today())
        except DomainError:
            born = None
        else:
            words = words[:-1]
    if len(words) > 3:  # four words and no date: a surname of several words
        draft.put("surname", clean_name(" ".join(words)))
        return await _next(ctx, "surname")
    draft.put("surname", clean_name(words[0]))
    draft.put("name", clean_name(words[1]))
    draft.put("patronymic", clean_name(words[2]) if len(words) > 2 else None)
    if born is None:
        return await ctx.show(Screens.ASK_BIRTH)
    draft.put("birth", born.isoformat())
    if snils is None:
        return await ctx.show(Screens.ASK_SNILS)
    draft.put("snils", snils)
    return await _next(ctx, "snils")


@flow.text(Screens.ASK_BIRTH)
async def on_birth(ctx: Ctx, text: str) -> Screen:
    born = parse_birth_date(text, ctx.today())
    _draft(ctx).put("birth", born.isoformat())
    return await _next(ctx, "birth")


@flow.text(Screens.ASK_SNILS)
async def on_snils(ctx: Ctx, text: str) -> Screen:
    _draft(ctx).put("snils", parse_snils(text))
    return await _next(ctx, "snils")


@flow.action(SkipStep, on=(Screens.ASK_PATRONYMIC, Screens.ASK_SNILS))
async def skip(ctx: Ctx, act: SkipStep) -> Screen:
    if act.step not in OPTIONAL:
        raise DomainError("stale-button")
    _draft(ctx).put(act.step, None)
    return await _next(ctx, act.step)


@flow.screen(Screens.ASK_MUNI)
async def ask_muni(ctx: Ctx) -> Screen:
    return await municipality_step(
        ctx, "ask-muni", PickChildMunicipality, ChildMunicipalityPage, CancelChild()
    )


register_municipality_picker(flow, Screens.ASK_MUNI, ChildMunicipalityPage)


@flow.action(PickChildMunicipality, on=(Screens.ASK_MUNI,))
async def on_muni(ctx: Ctx, act: PickChildMunicipality) -> Screen:
    _draft(ctx).put("muni", await chosen_municipality(ctx, act.municipality_id))
    return await _next(ctx, "muni")


@flow.screen(Screens.CHILD_CONFIRM)
async def child_confirm(ctx: Ctx) -> Screen:
    draft = _draft(ctx)
    missing = [s for s in STEPS if s not in draft.answered]
    if missing:  # a stale confirm: ask what is missing
        return await ctx.show(Screens(f"ask-{missing[0]}"))
    names = dict(await ctx.core.catalogue.municipalities())
    parts = [
        T("child-confirm"),
        T(
            "child-summary",
            {
                "surname": draft.surname or "—",
                "name": draft.name or "—",
                "patronymic": draft.patronymic or "—",
                "born": date.fromisoformat(draft.birth or ""),
                "snils": format_snils(draft.snils) if draft.snils else "—",
                "municipality": names.get(draft.muni or 0, "—"),
            },
        ),
    ]
    fields = [Button(T(f"btn-field-{s}"), ChangeField(s)) for s in STEPS]
    rows = [[Button(T("btn-save"), SaveChild())]]
    if draft.id is None:  # a new child: saved and the certificate asked for, one press
        rows.append([Button(T("btn-save-and-issue"), SaveAndIssue())])
    rows += [fields[i : i + 2] for i in range(0, len(fields), 2)]
    rows.append([Button(T("btn-cancel"), CancelChild())])
    return Screen(parts, rows)


@flow.action(ChangeField, on=(Screens.CHILD_CONFIRM,))
async def change_field(ctx: Ctx, act: ChangeField) -> Screen:
    if act.step not in STEPS:
        raise DomainError("stale-button")
    _draft(ctx).back_to_confirm = True
    return await ctx.show(Screens(f"ask-{act.step}"))


@flow.action(SaveChild, on=(Screens.CHILD_CONFIRM,))
async def child_save(ctx: Ctx, _: SaveChild) -> Screen:
    draft = _draft(ctx)
    data = ChildInput(
        surname=draft.surname or "",
        name=draft.name or "",
        patronymic=draft.patronymic,
        birth_date=date.fromisoformat(draft.birth or ""),
        snils=draft.snils,
        municipality_id=draft.muni or 0,
    )
    if draft.id is not None:
        child_id = draft.id
        if await ctx.core.family.child_confirmed(ctx.parent_id, child_id):
            kid = await ctx.core.family.child(ctx.parent_id, child_id)
            if _identity(kid) != _identity(data):
                # checked against the documents: a confirmer corrects it (or refuses
                # another birth date or СНИЛС as another child, said before the reason)
                if data.birth_date != kid.birth_date or (kid.snils and data.snils != kid.snils):
                    raise DomainError("correction_other_child")
                return await ctx.show(Screens.CORRECTION_WHY)
        await ctx.core.family.update_child(ctx.parent_id, child_id, data)
    else:
        try:
            child_id = await ctx.core.family.add_child(ctx.parent_id, data)
        except DomainError as exc:
            if exc.code != "child_registered_elsewhere":
                raise
            # a stranger may have registered the child: the family may dispute it, the
            # draft kept for the dispute (bot/dialogs/flows/disputes.py)
            return await ctx.show(Screens.DISPUTE_OFFER, T("child_registered_elsewhere"))
    ctx.end_flow(ChildDraft)
    ctx.flow(Shown).child_id = child_id
    return await ctx.show(Screens.CHILD, T("child-saved"))


@flow.action(SaveAndIssue, on=(Screens.CHILD_CONFIRM,))
async def child_save_and_issue(ctx: Ctx, _: SaveAndIssue) -> Screen:
    draft = _draft(ctx)
    if draft.id is not None:
        raise DomainError("stale-button")
    child_id = await ctx.core.family.add_child(
        ctx.parent_id,
        ChildInput(
            surname=draft.surname or "",
            name=draft.name or "",
            patronymic=draft.patronymic,
            birth_date=date.fromisoformat(draft.birth or ""),
            snils=draft.snils,
            municipality_id=draft.muni or 0,
        ),
    )
    ctx.end_flow(ChildDraft)
    ctx.flow(Shown).child_id = child_id
    # the request itself waits for the parent's full name, for the passport check at the
    # МОЦ (children.py: CERT_APPLICANT, as from the child's card)
    return await ctx.show(Screens.CERT_APPLICANT, T("child-saved"))


def _identity(kid: ChildView | ChildInput) -> tuple[object, ...]:
    return (kid.surname, kid.name, kid.patronymic, kid.birth_date, kid.snils)


@flow.screen(Screens.CORRECTION_WHY)
async def correction_why(ctx: Ctx) -> Screen:
    """A confirmed child's new data: what and why, for the МОЦ's confirmer."""
    draft = _draft(ctx)
    if draft.id is None:
        raise DomainError("stale-button")
    return Screen(
        [T("correction-ask-why")], [[Button(T("btn-cancel"), CancelChild())]], expect="text"
    )


@flow.text(Screens.CORRECTION_WHY)
async def on_correction_why(ctx: Ctx, text: str) -> Screen:
    draft = _draft(ctx)
    if draft.id is None:
        raise DomainError("stale-button")
    data = ChildInput(
        surname=draft.surname or "",
        name=draft.name or "",
        patronymic=draft.patronymic,
        birth_date=date.fromisoformat(draft.birth or ""),
        snils=draft.snils,
        municipality_id=draft.muni or 0,
    )
    await ctx.core.family.request_correction(ctx.parent_id, draft.id, data, text)
    ctx.end_flow(ChildDraft)
    ctx.flow(Shown).child_id = draft.id
    return await ctx.show(Screens.CHILD, T("correction-requested"))


@flow.action(CancelChild)
async def child_cancel(ctx: Ctx, _: CancelChild) -> Screen:
    ctx.end_flow(ChildDraft)
    return await ctx.show(Screens.CHILDREN, T("cancelled"))
