"""ты for a child of 14+ in an account of their own, Вы for a parent, never a mix (issue 29).

One text for both, chosen by the Fluent variable $you (bot/i18n.py): every screen a teen can
reach is built as the teen's own account and rendered with you=teen, and must hold no Вы-form;
every screen rendered for a parent must hold no ты-form.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bot.dialogs.actions import OpenPrivacy
from bot.dialogs.flow import Routes
from bot.dialogs.flows import FLOWS, teen_own
from bot.dialogs.screen import render
from bot.dialogs.screens import Screens
from bot.i18n import ADULT, LANGUAGES, TEEN
from core.errors import DomainError
from tests.support.fake_core import FakeCore
from tests.support.wording import address_problems
from tests.unit.test_screens import SIGNER, VARIANTS, StrictTranslator, make_ctx, scene

ROUTES = Routes.build(FLOWS)
# the screens of the flows a teen may use (Flow(..., teen=True)), and the teen's menu
TEEN_SCREENS = sorted(
    {name for flow in FLOWS if flow.teen for name in flow.screens} | {Screens.MENU}
)
# the screens of the flows a child registered alone may use too (Flow(..., alone=True)):
# the family's data are theirs while no parent's account is in the family
ALONE_SCREENS = sorted({name for flow in FLOWS if flow.alone for name in flow.screens})
TEEN_ID = 2  # KID2 in tests/unit/test_screens.py: 14 years old
# read only by a child of 14+: their own certificate, and their registration without a parent
# (Ctx.you is ты while its draft exists, before the account is theirs)
ONLY_TEENS = set(teen_own.flow.screens)


async def _shown(variant, lang: str, you: str, names) -> list[tuple[str, str]]:
    core = FakeCore(scene(variant))
    t = StrictTranslator()
    out = []
    for name in names:
        ctx = make_ctx(lang, core)
        if you == TEEN:
            ctx.state.data["teen"] = TEEN_ID
        try:
            screen = await ROUTES.screens[name](ctx)
        except DomainError as exc:
            out.append((name, t(lang, exc.code, you=you, **exc.params)))
            continue
        rendered = render(screen, lang, t, lambda a: SIGNER.sign("tg:1", a), you)
        out += [(name, s) for s in (rendered.text, *(b.label for b in rendered.buttons))]
    return out


def test_a_teen_reaches_the_screens_that_matter():
    assert {"menu", "results", "card", "apply-quote", "apps", "balance", "help"} <= set(
        TEEN_SCREENS
    )
    assert {"privacy", "withdraw-confirm"} <= set(ALONE_SCREENS)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
async def test_a_teen_is_addressed_as_ty(variant):
    # the fake core's teen is alone (scene.teen_alone): their privacy screens are theirs
    found = [
        f"{name}: {p}"
        for name, text in await _shown(variant, "ru", TEEN, [*TEEN_SCREENS, *ALONE_SCREENS])
        for p in address_problems(text, TEEN)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("variant", "lang"),
    list(itertools.product(VARIANTS, LANGUAGES)),
    ids=lambda p: getattr(p, "name", p),
)
async def test_a_parent_is_addressed_as_vy(variant, lang):
    found = [
        f"{name}: {p}"
        for name, text in await _shown(
            variant, lang, ADULT, [s for s in ROUTES.screens if s not in ONLY_TEENS]
        )
        for p in address_problems(text, ADULT)
    ]
    assert found == []


def test_the_teen_text_differs_where_it_addresses():
    t = StrictTranslator()
    assert address_problems(t("ru", "unexpected-text-search", text="робот", you=TEEN), TEEN) == []
    assert t("ru", "unexpected-text", you=TEEN) != t("ru", "unexpected-text", you=ADULT)


def test_every_answer_and_refusal_a_teen_may_read_says_ty():
    """The FAQ answers (each reachable from /help) and the refusals of the teen's flows."""
    from bot.dialogs.flows.help import QUESTIONS

    t = StrictTranslator()
    keys = [f"faq-a{n}" for n in range(1, QUESTIONS + 1)]
    keys += ["faq-office-unknown", "help-text", "help-faq-intro", "menu-no-consent"]
    keys += ["unknown-command", "stale-button", "unexpected-text", "unexpected-location"]
    keys += ["error-unavailable", "error-slow", "error-internal", "teen-joined", "menu-teen"]
    keys += ["child_not_found", "certificate_not_found", "link_code_invalid", "teen_not_allowed"]
    keys += ["welcome", "consent-ask", "data-erased"]  # a child alone who withdrew reads them
    for key in keys:
        for alone in (True, False):  # /help: a child alone keeps /privacy
            said = t("ru", key, you=TEEN, alone=alone, count=1)
            assert address_problems(said, TEEN) == [], (key, alone)
        if key not in ("teen-joined", "menu-teen"):  # a teen's own words
            said = t("ru", key, you=ADULT, alone=False, count=1)
            assert address_problems(said, ADULT) == [], key
    # a child registering alone reads these, some before the account is theirs
    own = ["teen_self_too_young", "teen_self_adult", "teen_self_registered", "teen_self_snils"]
    for key in [*own, "teen_has_parent"]:
        said = t("ru", key, you=TEEN, age=14, min=14, max=17)
        assert address_problems(said, TEEN) == [], key


def test_the_help_leads_a_teen_only_where_a_teen_may_go():
    t = StrictTranslator()
    for lang in LANGUAGES:
        teen = t(lang, "help-text", you=TEEN, alone=False)
        assert "/children" not in teen and "/privacy" not in teen, lang
        alone = t(lang, "help-text", you=TEEN, alone=True)
        assert "/children" not in alone and "/privacy" in alone, lang
        adult = t(lang, "help-text", you=ADULT, alone=False)
        assert "/children" in adult and "/privacy" in adult, lang


@pytest.mark.parametrize("alone", [False, True], ids=["invited", "alone"])
async def test_the_help_screen_shows_privacy_to_a_child_alone_only(alone):
    core = FakeCore(replace(scene(VARIANTS[0]), teen_alone=alone))
    ctx = make_ctx("ru", core)
    ctx.state.data["teen"] = TEEN_ID
    screen = await ROUTES.screens[Screens.HELP](ctx)
    shown = render(screen, "ru", StrictTranslator(), lambda a: SIGNER.sign("tg:1", a), TEEN)
    assert ("/privacy" in shown.text) is alone
    assert address_problems(shown.text, TEEN) == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("teen", [True, False], ids=["child-alone", "parent"])
async def test_after_withdrawing_a_child_alone_is_still_addressed_as_ty(lang, teen):
    """The answer to the withdrawal (the welcome) and what follows it: ты for a child who
    registered alone, Вы for a parent."""
    from unittest.mock import AsyncMock

    from bot.dialogs.flows.privacy import WithdrawYes

    core = FakeCore(replace(scene(next(v for v in VARIANTS if v.consent)), teen_alone=teen))
    ctx = make_ctx(lang, core)
    ctx.engine.forget = AsyncMock()
    if teen:
        ctx.state.data["teen"] = TEEN_ID
    handler, _ = ROUTES.actions[WithdrawYes]
    screen = await handler(ctx, WithdrawYes())
    you = TEEN if teen else ADULT
    assert ctx.you == you and ctx.teen is None
    t = StrictTranslator()
    shown = render(screen, lang, t, lambda a: SIGNER.sign("tg:1", a), ctx.you)
    ctx.keep_flows()
    later = make_ctx(lang, core)  # the next event: /start shows the welcome again
    later.state.data = ctx.state.data
    assert later.you == you
    again = render(await ROUTES.screens[Screens.WELCOME](later), lang, t, lambda a: "x", later.you)
    if lang == "ru":
        assert address_problems(shown.text, you) == [], shown.text
        assert address_problems(again.text, you) == [], again.text
        assert ("Привет" in shown.text) is teen


def test_a_child_registering_alone_reads_ty_before_the_account_is_theirs():
    core = FakeCore(scene(VARIANTS[0]))
    ctx = make_ctx("ru", core)
    assert ctx.you == ADULT
    ctx.begin(teen_own.SelfDraft)
    assert ctx.you == TEEN
    ctx.end_flow(teen_own.SelfDraft)
    assert ctx.you == ADULT
    ctx.state.data["teen"] = TEEN_ID
    assert ctx.you == TEEN


@pytest.mark.parametrize("alone", [False, True], ids=["invited", "alone"])
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
async def test_no_button_leads_a_teen_to_a_parent_only_screen(variant, alone):
    """Every button on a screen a child's own account reaches (invited by a parent, or
    registered alone) is one the child may press: none ends in «only a parent can». A
    child alone reaches the privacy screens too (the menu leads there), and presses their
    buttons; a child invited by a parent is refused the screens themselves."""
    core = FakeCore(replace(scene(variant), teen_alone=alone))
    may = ROUTES.teen | ROUTES.alone if alone else ROUTES.teen
    reached = set()
    refused: list[tuple[Screens, str]] = []
    for name in [*TEEN_SCREENS, *ALONE_SCREENS]:
        ctx = make_ctx("ru", core)
        ctx.state.data["teen"] = core.scene.children[-1].id if core.scene.children else TEEN_ID
        try:
            screen = await ROUTES.screens[name](ctx)
        except DomainError as exc:
            refused.append((name, exc.code))
            continue
        assert alone or name not in ALONE_SCREENS, name
        for row in screen.rows:
            for b in row:
                if b.kind == "callback" and b.action is not None:
                    assert type(b.action) in may, (name, type(b.action).__name__)
                    reached.add(type(b.action))
    if not alone:
        assert [(n, "teen_not_allowed") for n in ALONE_SCREENS] == [
            r for r in refused if r[0] in ALONE_SCREENS
        ]
    if alone and variant.consent:
        assert OpenPrivacy in reached  # the menu's «Мои данные»
    elif not alone:
        assert OpenPrivacy not in reached


# a family's notices a child registered alone receives (bot/notify/worker.py renders them
# with you=teen); the staff's, the parent's about a teen and the erasure's (sent once the
# account is no longer a teen's) are not theirs
NOT_A_TEENS = {
    "n-teen-linked",
    "n-provider-month",
    "n-month-closed",
    "n-data-erased",
    "n-dispute-moved",
    "n-dispute-removed",
    "n-dispute-rejected",
}
SAMPLE = {
    "threshold": "100 ₽",
    "child": "Алина",
    "program": "Робототехника",
    "share": "1 000 ₽",
    "copay": "0 ₽",
    "needed": "1 ₽",
    "available": "0 ₽",
    "until": "10.12.2026",
    "provider": "ЦДТ",
    "address": "ул. Ленина, 1",
    "group": "Группа 1",
    "schedule": "пн",
    "number": "01-1",
    "field": "snils",
}


def _notice_keys() -> list[str]:
    from pathlib import Path

    ftl = Path(__file__).resolve().parents[2] / "locales" / "ru" / "dialogs.ftl"
    keys = [line.split(" =")[0] for line in ftl.read_text("utf-8").splitlines()]
    return [k for k in keys if k.startswith("n-") and k not in NOT_A_TEENS]


@pytest.mark.parametrize("key", _notice_keys())
@pytest.mark.parametrize("flags", ["yes", "no"])
def test_a_child_alone_reads_every_notice_as_ty(key, flags):
    from bot.i18n import translator

    t = translator()
    params = {**SAMPLE, "certificate": flags, "paid": flags}
    assert address_problems(t("ru", key, you=TEEN, **params), "teen") == []
    assert address_problems(t("ru", key, you=ADULT, **params), "adult") == []
