"""Children: the list, a child's card with its certificate, add and edit step by step,
remove. Each wrong answer gets its own message and the same question again."""

from __future__ import annotations

from datetime import date

from bot.dialogs.engine import Ctx, registry
from bot.dialogs.flows.common import (
    back,
    forget_municipality_filter,
    label,
    menu_button,
    municipality_rows,
    register_municipality_picker,
    require_consent,
)
from bot.dialogs.screen import Button, Screen, T
from core.errors import DomainError
from core.rules.enrolment import CertStatus
from core.rules.numbers import is_id
from core.rules.people import clean_name, format_snils, parse_birth_date, parse_snils
from core.services import catalog, certificates, children, teens

STEPS = ("surname", "name", "patronymic", "birth", "snils", "muni")
OPTIONAL = frozenset({"patronymic", "snils"})


def _child_id(ctx: Ctx, raw: str | None = None) -> int:
    value = raw if raw is not None else ctx.data.get("child")
    if value is None or not is_id(str(value)):
        raise DomainError("child_not_found")
    return int(value)


@registry.screen("children")
async def children_screen(ctx: Ctx) -> Screen:
    async with ctx.reader() as uow:
        kids = await ctx.children(uow)  # a child's own account sees itself only
    parts = [T("children-title", {"count": len(kids)})]
    rows = [[Button(label(f"{k.name} {k.surname}"), f"child:{k.id}")] for k in kids]
    rows.append([Button(T("btn-add-child"), "child-add")])
    rows.append([Button(T("btn-cert-link"), "clink")])
    rows.append([menu_button()])
    return Screen(parts, rows)


@registry.action("children")
async def to_children(ctx: Ctx) -> Screen:
    await require_consent(ctx)
    return await ctx.show("children")


@registry.command("children")
async def children_command(ctx: Ctx, arg: str) -> Screen:
    return await to_children(ctx)


@registry.action("child")
async def to_child(ctx: Ctx, raw: str = "") -> Screen:
    ctx.data["child"] = _child_id(ctx, raw)
    return await ctx.show("child")


def _masked(snils: str | None) -> str:
    return "—" if not snils else "***-***-*" + format_snils(snils)[-5:]


@registry.screen("child")
async def child_screen(ctx: Ctx) -> Screen:
    child_id = _child_id(ctx)
    async with ctx.reader() as uow:
        kid = await children.view(uow, ctx.parent_id, child_id)
        cert = await certificates.view(uow, ctx.parent_id, child_id)
    parts = [
        T(
            "child-card",
            {
                "name": kid.full_name,
                "born": kid.birth_date,
                "age": kid.age,
                "municipality": kid.municipality,
                "snils": _masked(kid.snils),
            },
        )
    ]
    rows: list[list[Button]] = []
    if cert is None:
        parts.append(T("cert-none"))
        rows.append([Button(T("btn-cert-issue"), f"cert-issue:{child_id}")])
    else:
        parts.append(_cert_piece(ctx, cert))
        awaiting = cert.status == CertStatus.AWAITING and not cert.funding_requested
        if cert.status == CertStatus.ACCOUNTING or awaiting:
            rows.append([Button(T("btn-cert-fund"), f"cert-fund:{child_id}")])
        if cert.status == CertStatus.REJECTED:
            rows.append([Button(T("btn-cert-again"), f"cert-issue:{child_id}")])
    if kid.age >= teens.TEEN_AGE:
        rows.append([Button(T("btn-teen-invite"), f"teen-invite:{child_id}")])
    rows.append(
        [
            Button(T("btn-edit"), f"child-edit:{child_id}"),
            Button(T("btn-remove"), f"child-remove:{child_id}"),
        ]
    )
    rows.append([back("children"), menu_button()])
    return Screen(parts, rows)


def _cert_piece(ctx: Ctx, cert: certificates.CertificateView) -> T:
    if cert.status == CertStatus.FUNDED:
        return T(
            "cert-funded-card",
            {
                "number": cert.number,
                "nominal": ctx.money(cert.nominal or 0),
                "total": ctx.money(cert.total),
                "reserved": ctx.money(cert.reserved),
                "available": ctx.money(cert.available),
            },
        )
    if cert.status == CertStatus.QUEUED:
        return T("cert-queued-card", {"number": cert.number, "position": cert.queue_position})
    if cert.status in (CertStatus.AWAITING, CertStatus.REJECTED):
        office = cert.office
        return T(
            f"cert-{cert.status.value}-card",
            {
                "number": cert.number,
                "funding": cert.funding_requested,
                "reason": cert.rejection_reason or "—",
                "municipality": office.municipality if office else "—",
                "address": (office.address if office else "") or "—",
                "hours": (office.hours if office else "") or "—",
                "phone": (office.phone if office else "") or "—",
            },
        )
    return T(f"cert-{cert.status.value}-card", {"number": cert.number})


@registry.action("cert-issue", on=("child",))
async def cert_issue(ctx: Ctx, raw: str = "") -> Screen:
    child_id = _child_id(ctx, raw)
    await ctx.run(certificates.issue, ctx.parent_id, child_id)
    ctx.data["child"] = child_id
    return await ctx.show("child", T("cert-issued"))


@registry.action("cert-fund", on=("child",))
async def cert_fund(ctx: Ctx, raw: str = "") -> Screen:
    child_id = _child_id(ctx, raw)
    status = await ctx.run(certificates.request_funding, ctx.parent_id, child_id)
    ctx.data["child"] = child_id
    notice = {
        CertStatus.FUNDED: "cert-fund-granted",
        CertStatus.AWAITING: "cert-fund-after-confirmation",
    }.get(status, "cert-fund-queued")
    return await ctx.show("child", T(notice))


# --- adding and editing, step by step ------------------------------------------------


@registry.action("child-add")
async def child_add(ctx: Ctx) -> Screen:
    await require_consent(ctx)
    ctx.data["draft"] = {}
    ctx.data.pop("draft_back", None)
    return await ctx.show("ask-surname")


@registry.action("child-edit")
async def child_edit(ctx: Ctx, raw: str = "") -> Screen:
    child_id = _child_id(ctx, raw)
    async with ctx.reader() as uow:
        kid = await children.view(uow, ctx.parent_id, child_id)
    ctx.data["draft"] = {
        "id": kid.id,
        "surname": kid.surname,
        "name": kid.name,
        "patronymic": kid.patronymic,
        "birth": kid.birth_date.isoformat(),
        "snils": kid.snils,
        "muni": kid.municipality_id,
    }
    return await ctx.show("child-confirm")


def _draft(ctx: Ctx) -> dict:
    draft = ctx.data.get("draft")
    if not isinstance(draft, dict):
        raise DomainError("stale-button")
    return draft


async def _next(ctx: Ctx, step: str) -> Screen:
    if ctx.data.get("draft_back") == "confirm":
        return await ctx.show("child-confirm")
    following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else None
    return await ctx.show(f"ask-{following}" if following else "child-confirm")


def _ask(key: str, step: str) -> Screen:
    rows = []
    if step in OPTIONAL:
        rows.append([Button(T("btn-skip"), f"skip:{step}")])
    rows.append([Button(T("btn-cancel"), "child-cancel")])
    return Screen([T(key)], rows, expect="text")


for _step in ("surname", "name", "patronymic", "birth", "snils"):

    def _make(step: str):  # type: ignore[no-untyped-def]
        async def screen(ctx: Ctx) -> Screen:
            return _ask(f"ask-{step}", step)

        return screen

    registry.screen(f"ask-{_step}")(_make(_step))


@registry.text("ask-surname", "ask-name", "ask-patronymic")
async def on_name(ctx: Ctx, text: str) -> Screen:
    step = ctx.state.screen.removeprefix("ask-")
    _draft(ctx)[step] = clean_name(text)
    return await _next(ctx, step)


@registry.text("ask-birth")
async def on_birth(ctx: Ctx, text: str) -> Screen:
    born = parse_birth_date(text, ctx.engine.db.today())
    _draft(ctx)["birth"] = born.isoformat()
    return await _next(ctx, "birth")


@registry.text("ask-snils")
async def on_snils(ctx: Ctx, text: str) -> Screen:
    _draft(ctx)["snils"] = parse_snils(text)
    return await _next(ctx, "snils")


@registry.action("skip", on=("ask-patronymic", "ask-snils"))
async def skip(ctx: Ctx, step: str = "") -> Screen:
    if step not in OPTIONAL:
        raise DomainError("stale-button")
    _draft(ctx)[step] = None
    return await _next(ctx, step)


@registry.screen("ask-muni")
async def ask_muni(ctx: Ctx) -> Screen:
    notices, rows = await municipality_rows(ctx, "muni", "muni-page")
    rows.append([Button(T("btn-cancel"), "child-cancel")])
    return Screen([T("ask-muni"), *notices], rows, expect="text")


register_municipality_picker("ask-muni", "muni-page")


@registry.action("muni", on=("ask-muni",))
async def on_muni(ctx: Ctx, raw: str = "") -> Screen:
    async with ctx.reader() as uow:
        known = {mid for mid, _ in await catalog.municipalities(uow)}
    if not is_id(raw) or int(raw) not in known:
        raise DomainError("municipality_not_found")
    _draft(ctx)["muni"] = int(raw)
    forget_municipality_filter(ctx)
    return await _next(ctx, "muni")


@registry.screen("child-confirm")
async def child_confirm(ctx: Ctx) -> Screen:
    draft = _draft(ctx)
    missing = [s for s in STEPS if s not in draft]
    if missing:  # a stale confirm: ask what is missing
        return await ctx.show(f"ask-{missing[0]}")
    async with ctx.reader() as uow:
        names = dict(await catalog.municipalities(uow))
    parts = [
        T("child-confirm"),
        T(
            "child-summary",
            {
                "surname": draft["surname"],
                "name": draft["name"],
                "patronymic": draft["patronymic"] or "—",
                "born": date.fromisoformat(draft["birth"]),
                "snils": format_snils(draft["snils"]) if draft["snils"] else "—",
                "municipality": names.get(draft["muni"], "—"),
            },
        ),
    ]
    fields = [Button(T(f"btn-field-{s}"), f"field:{s}") for s in STEPS]
    rows = [[Button(T("btn-save"), "child-save")]]
    rows += [fields[i : i + 2] for i in range(0, len(fields), 2)]
    rows.append([Button(T("btn-cancel"), "child-cancel")])
    return Screen(parts, rows)


@registry.action("field", on=("child-confirm",))
async def change_field(ctx: Ctx, step: str = "") -> Screen:
    if step not in STEPS:
        raise DomainError("stale-button")
    ctx.data["draft_back"] = "confirm"
    return await ctx.show(f"ask-{step}")


@registry.action("child-save", on=("child-confirm",))
async def child_save(ctx: Ctx) -> Screen:
    draft = _draft(ctx)
    data = children.ChildInput(
        surname=draft["surname"],
        name=draft["name"],
        patronymic=draft["patronymic"],
        birth_date=date.fromisoformat(draft["birth"]),
        snils=draft["snils"],
        municipality_id=int(draft["muni"]),
    )
    if draft.get("id"):
        child_id = int(draft["id"])
        await ctx.run(children.update_child, ctx.parent_id, child_id, data)
    else:
        child_id = await ctx.run(children.add, ctx.parent_id, data)
    ctx.data.pop("draft", None)
    ctx.data.pop("draft_back", None)
    ctx.data["child"] = child_id
    return await ctx.show("child", T("child-saved"))


@registry.action("child-cancel")
async def child_cancel(ctx: Ctx) -> Screen:
    ctx.data.pop("draft", None)
    ctx.data.pop("draft_back", None)
    return await ctx.show("children", T("cancelled"))


@registry.screen("child-remove-confirm")
async def child_remove_confirm(ctx: Ctx) -> Screen:
    child_id = _child_id(ctx)
    async with ctx.reader() as uow:
        kid = await children.view(uow, ctx.parent_id, child_id)
    return Screen(
        [T("child-remove-confirm", {"name": kid.name})],
        [
            [Button(T("btn-remove-yes"), f"child-remove-yes:{child_id}")],
            [Button(T("btn-no"), f"child:{child_id}")],
        ],
    )


@registry.action("child-remove")
async def child_remove(ctx: Ctx, raw: str = "") -> Screen:
    ctx.data["child"] = _child_id(ctx, raw)
    return await ctx.show("child-remove-confirm")


@registry.action("child-remove-yes", on=("child-remove-confirm",))
async def child_remove_yes(ctx: Ctx, raw: str = "") -> Screen:
    child_id = _child_id(ctx, raw)
    # the child's own account (14+) goes with the child: its dialog is forgotten too
    async with ctx.reader() as uow:
        own = await teens.accounts(uow, child_id)
    await ctx.run(children.remove, ctx.parent_id, child_id)
    await ctx.engine.forget(*own)
    ctx.data.pop("child", None)
    return await ctx.show("children", T("child-removed"))
