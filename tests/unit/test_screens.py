"""Every screen of every dialog, in every locale, rendered without a bot or a database.

The flows reach the core only through its port; here that is a fake answering from a Scene
(tests/support/fake_core.py), with no database; a strict
translator fails on any missing key or bad parameter. Buttons must fit Telegram's 64-byte
callback data and VK's 40-character labels.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.dialogs.context import Ctx, Policy
from bot.dialogs.events import Event
from bot.dialogs.flow import Routes
from bot.dialogs.flows import FLOWS
from bot.dialogs.screen import render
from bot.dialogs.screens import Screens
from bot.dialogs.signing import Signer
from bot.dialogs.state import DialogState
from bot.i18n import ADULT, LANGUAGES, Translator, format_args
from bot.words import inflect_name
from core import port
from core.broadcasts import broadcasts
from core.catalogue import catalogue, views
from core.certificates import certificates, confirmations
from core.enrolment import quotes, waiting_list
from core.errors import DomainError
from core.family import children, parents
from core.rules.calendar import Period, month_index
from core.rules.catalogue import Direction, Register
from core.rules.enrolment import AppStatus, CertStatus
from core.rules.money import Quote
from tests.support.fake_core import FakeCore, Scene
from tests.support.wording import wording_problems

NOW = datetime(2026, 11, 22, 10, 0)


class StrictTranslator(Translator):
    def __call__(self, lang, key, **params):  # type: ignore[no-untyped-def]
        bundle = self.bundles[lang]
        assert bundle.has_message(key), f"{lang}: missing key {key}"
        message = bundle.get_message(key).value
        text, errors = bundle.format_pattern(message, format_args(lang, params))
        assert not errors, f"{lang}:{key}: {errors}"
        return text


KID = children.ChildView(
    1, "Иванова", "Мария", "Петровна", date(2016, 3, 5), "11223344595", 1, "г. Биробиджан", 10
)
KID2 = children.ChildView(
    2, "Иванов", "Пётр", None, date(2012, 1, 1), None, 2, "Смидовичский район", 14
)
CERTS = {
    "none": None,
    "accounting": certificates.CertificateView(
        1, "01-0000001-8", CertStatus.ACCOUNTING, 0, 0, None, None
    ),
    "queued": certificates.CertificateView(1, "01-0000001-8", CertStatus.QUEUED, 0, 0, None, 3),
    "funded": certificates.CertificateView(
        1,
        "01-0000001-8",
        CertStatus.FUNDED,
        1_500_000,
        800_000,
        1_800_000,
        None,
        # funded in November: 10 of the school year's 12 months
        terms=certificates.FundingTerms(
            Period.SCHOOL, 1_800_000, 1_500_000, 10, month_index(2026, 11), date(2027, 8, 31)
        ),
    ),
    "closed": certificates.CertificateView(1, "01-0000001-8", CertStatus.CLOSED, 0, 0, None, None),
    "awaiting": certificates.CertificateView(
        1,
        "01-0000001-8",
        CertStatus.AWAITING,
        0,
        0,
        None,
        None,
        funding_requested=True,
        office=certificates.Office(
            "г. Биробиджан", "ул. Ленина, 5, каб. 3", "Пн–Пт 9:00–17:00", "+7 42622 2-00-00"
        ),
    ),
    "rejected": certificates.CertificateView(
        1,
        "01-0000001-8",
        CertStatus.REJECTED,
        0,
        0,
        None,
        None,
        rejection_reason="Дата рождения не совпадает со свидетельством",
        office=certificates.Office("Смидовичский район", "", "", ""),
    ),
}
PENDING = confirmations.Pending(
    1,
    "01-0000001-8",
    "Иванова",
    "Мария",
    "Петровна",
    date(2016, 3, 5),
    "11223344595",
    "г. Биробиджан",
    NOW,
    True,
)
CORRECTION = port.CorrectionView(
    1,
    1,
    "01-0000001-8",
    "г. Биробиджан",
    date(2016, 3, 5),
    "Иванова",
    "Мария",
    None,
    None,
    "Иванова",
    "Марья",
    "Петровна",
    "11223344595",
    "Опечатка в имени: в свидетельстве о рождении — Марья Петровна",
    NOW,
)
LINK_REQUEST = port.LinkRequest(
    1, "01-7770002-1", "Орлов", "Глеб", None, date(2013, 9, 1), "г. Биробиджан", NOW
)
DISPUTE = port.DisputeCard(
    1,
    port.DisputeRow(1, "Константинопольская", "Мария", "Александровна", date(2016, 3, 5), NOW),
    "11223344595",
    "Константинопольская Мария Александровна",
    date(2016, 3, 5),
    None,
    "г. Биробиджан",
    "01-0000001-8",
    "funded",
    2,
    1,
    1,
    3,
)
ROW = catalogue.ProgramRow(
    7,
    "Робототехника LEGO — очень длинное название программы",
    "МБУ ДО «Дом детского творчества», г. Биробиджан",
    250_000,
    7,
    12,
    3,
    "certified",
    1.25,
    municipality="г. Биробиджан",
    online=True,
)
CARD = catalogue.ProgramCard(
    7,
    "Робототехника",
    "Описание",
    "МБУ ДО «ДДТ»",
    False,
    1,
    "г. Биробиджан",
    "ул. Ленина, 1",
    48.7,
    132.9,
    Direction.TECHNICAL,
    Register.CERTIFIED,
    7,
    12,
    250_000,
    9,
    5,
    [
        catalogue.GroupView(70, "Группа 1", "Пн 15:00", 10, 3, teacher="Соколова Анна Викторовна"),
        catalogue.GroupView(71, "Группа 2", "Вт 16:00", 10, 0, 4),
    ],
)
QUOTE_CERT = quotes.ApplyQuote(
    1,
    70,
    7,
    Register.CERTIFIED,
    False,
    24322,
    24328,
    Quote(250_000, 7, 200_000),
    1_400_000,
    child_name="Мария",
)
QUOTE_NEXT_YEAR = quotes.ApplyQuote(
    1,
    70,
    7,
    Register.CERTIFIED,
    False,
    24327,
    24335,
    Quote(250_000, 9, 200_000),
    1_800_000,
    school_year=2027,
    next_year=True,
    later_year=True,
    nominal_known=False,
    later_months=5,
    child_name="Мария",
)
QUOTE_LATER = dataclasses.replace(QUOTE_NEXT_YEAR, next_year=False, nominal_known=True)
QUOTE_BUDGET = quotes.ApplyQuote(
    1, 70, 7, Register.SIGNIFICANT, False, 24322, 24328, Quote(0, 7, 0), 0, child_name="Мария"
)


def _payment(i: int) -> port.PaymentLine:
    provider = 1 if i < 9 else 2
    return port.PaymentLine(
        provider,
        f"P-{provider}",
        "МБУ ДО «Дом детского творчества» — очень длинное название организации"
        if provider == 1
        else "ИП Петрова",
        "biro",
        "Робототехника LEGO — очень длинное название программы" if i % 2 else "Шахматы",
        f"Группа {i % 3 + 1}",
        100 + i,
        "" if i == 4 else f"Константинопольская-Щедрина Александра Вячеславовна {i}",
        f"01-000000{i % 10}-8",
        8 - i % 3,
        8,
        250_000 - 10_000 * (i % 3),
    )


PAYMENTS = [_payment(i) for i in range(14)]  # two organisations, two pages, one erased
PROVIDER_MONTH = port.ProviderMonth(
    24321,
    PAYMENTS,
    [
        port.ProviderTotal(p, f"P-{p}", "Организация", n, sum(x.amount for x in PAYMENTS))
        for p, n in ((1, 9), (2, 5))
    ],
    [24322, 24321, 24320],
)
NO_MONTH = port.ProviderMonth(None, [], [], [])


def app_view(status: AppStatus, reason: str | None = None) -> views.ApplicationView:
    return views.ApplicationView(
        5,
        1,
        "Мария",
        7,
        "Робототехника",
        "ДДТ",
        "Группа 1",
        "Пн 15:00",
        status,
        250_000,
        200_000,
        1_000_000,
        reason,
        NOW,
        NOW + timedelta(days=1) if status == AppStatus.OFFERED else None,
    )


class Variant(SimpleNamespace):
    pass


def contract_view(status: str, **changes: object) -> port.ContractView:
    view = port.ContractView(
        id=3,
        application_id=5,
        status=status,
        child="Мария",
        provider="ДДТ",
        program="Робототехника",
        group="Группа 1",
        schedule="Пн 15:00",
        address="ул. Ленина, 5",
        first_day=date(2026, 11, 23) if status == "offered" else date(2026, 11, 2),
        last_day=date(2026, 12, 14) if status == "terminated" else None,
        first_month=24322,
        last_month=24328,
        monthly_price=250_000,
        monthly_share=200_000,
        deadline=NOW + timedelta(days=5),
        template=None,
        method="chat" if status in ("concluded", "terminated") else None,
        concluded_at=NOW if status in ("concluded", "terminated") else None,
        digest="ab" * 32 if status in ("concluded", "terminated") else None,
        text="ДОГОВОР-ОФЕРТА…" if status in ("concluded", "terminated") else None,
    )
    return dataclasses.replace(view, **changes)  # type: ignore[arg-type]


VARIANTS = [
    Variant(
        name="consented",
        consent=True,
        cert="funded",
        kids=[KID, KID2],
        page=[ROW],
        card=CARD,
        quote=QUOTE_CERT,
        apps=[app_view(s) for s in AppStatus],
        app=AppStatus.ENROLLED,
        contract=contract_view("concluded"),
    ),
    Variant(
        name="new parent",
        consent=False,
        cert="none",
        kids=[],
        page=[],
        card=CARD,
        quote=QUOTE_BUDGET,
        apps=[],
        app=AppStatus.SUBMITTED,
    ),
    *[
        Variant(
            name=f"certificate {c}",
            consent=True,
            cert=c,
            kids=[KID],
            page=[ROW],
            card=CARD,
            quote={"awaiting": QUOTE_NEXT_YEAR, "rejected": QUOTE_LATER}.get(c, QUOTE_BUDGET),
            apps=[app_view(AppStatus.REJECTED, "Нет мест")],
            app=AppStatus.REJECTED,
        )
        for c in ("none", "accounting", "queued", "closed", "awaiting", "rejected")
    ],
    Variant(
        name="waiting list",
        consent=True,
        cert="funded",
        kids=[KID],
        page=[ROW],
        card=CARD,
        quote=dataclasses.replace(QUOTE_CERT, full=True, waiting=3),
        apps=[app_view(AppStatus.WAITING), app_view(AppStatus.OFFERED)],
        app=AppStatus.WAITING,
    ),
    Variant(
        name="seat offered",
        consent=True,
        cert="funded",
        kids=[KID],
        page=[ROW],
        card=CARD,
        quote=dataclasses.replace(QUOTE_CERT, offered=True),
        apps=[app_view(AppStatus.EXPIRED, waiting_list.OFFER_LAPSED)],
        app=AppStatus.OFFERED,
    ),
    *[
        Variant(
            name=f"contract {status}",
            consent=True,
            cert="funded",
            kids=[KID],
            page=[ROW],
            card=CARD,
            quote=QUOTE_CERT,
            apps=[app_view(AppStatus.EXPIRED, port.CONTRACT_LAPSED)],
            app=AppStatus.FINISHED if status == "terminated" else AppStatus.ACCEPTED,
            contract=contract_view(
                status, template="Договор-оферта муниципалитета." if status == "offered" else None
            ),
        )
        for status in ("offered", "terminated", "lapsed", "declined", "void")
    ],
    Variant(
        name="contract on paper",
        consent=True,
        cert="funded",
        kids=[KID],
        page=[ROW],
        card=CARD,
        quote=QUOTE_CERT,
        apps=[app_view(AppStatus.ACCEPTED)],
        app=AppStatus.ACCEPTED,
        contract=contract_view("concluded", method="paper", digest=None, text=None),
    ),
    # the summer: the card says when applications for the next year open
    *[
        Variant(
            name=f"summer {season.state}",
            consent=True,
            cert="funded",
            kids=[KID],
            page=[ROW],
            card=CARD,
            quote=QUOTE_NEXT_YEAR,
            apps=[],
            app=AppStatus.SUBMITTED,
            season=season,
        )
        for season in (
            port.Season(port.SeasonState.OPENS, 2027, date(2027, 6, 1)),
            port.Season(port.SeasonState.NEXT_YEAR, 2027, date(2027, 6, 1)),
            port.Season(port.SeasonState.ENDED, 2027),
        )
    ],
]


def scene(v: Variant) -> Scene:
    """What the fake core answers for this variant."""
    parent = parents.ParentView(
        1,
        "ru",
        v.consent,
        NOW if v.consent else None,
        "2026-09" if v.consent else None,
        None if v.consent else NOW,
        True,
        ("confirmer", "coordinator", "provider"),
    )
    office = certificates.Office("г. Биробиджан", "ул. Ленина, 5", "Пн–Пт 9–17", "+7 1")
    return Scene(
        parent=parent,
        children=list(v.kids),
        certificate=CERTS[v.cert],
        page=list(v.page),
        card=v.card,
        quote=v.quote,
        applications=list(v.apps),
        application=app_view(v.app, "Группа набрана"),
        waiting=waiting_list.Waiting(2, 24) if v.app == AppStatus.WAITING else None,
        reserves=[port.Reserve("Робототехника", 800_000, 200_000, 24327)],
        entries=[
            port.Entry("credit", 1_500_000, 0, None, None, NOW),
            port.Entry("reserve", 1_000_000, 0, "Робототехника", None, NOW),
            port.Entry("debit", 200_000, 0, "Робототехника", 24322, NOW),
            port.Entry("debit", 150_000, 50_000, "Робототехника", 24323, NOW),
            port.Entry("release", 600_000, 0, "Робототехника", None, NOW),
            port.Entry("expire", 10_000, 0, None, None, NOW),
        ],
        pending=[PENDING] * 5 if v.consent else [],
        corrections=[CORRECTION] * 5 if v.consent else [],
        link_requests=[LINK_REQUEST] * 2 if v.consent else [],
        disputes=[DISPUTE] * 12 if v.consent else [],
        confirmed=v.cert in ("funded", "accounting"),
        correction_pending=v.cert == "funded",
        pending_total=12 if v.consent else 0,
        offices=[office, certificates.Office("Смидовичский район", "", "", "")]
        if v.consent
        else [],
        # a family in two messengers: the choice of where notices go is shown
        channels=parents.NoticeChannels(("tg", "max"), "tg"),
        provider_month=PROVIDER_MONTH if v.consent else NO_MONTH,
        progress=broadcasts.Progress(
            "sending" if v.consent else "cancelled", 2000, 1500, 3, 7, 490, None
        ),
        contract=getattr(v, "contract", None),
        season=getattr(v, "season", None),
    )


ROUTES = Routes.build(FLOWS)


@functools.cache
def strict() -> StrictTranslator:
    """One translator (loading the locales is not free): what ctx.words renders with."""
    return StrictTranslator()


def make_ctx(lang: str, core: FakeCore | None = None) -> Ctx:
    engine = SimpleNamespace(
        core=core or FakeCore(scene(VARIANTS[0])),
        t=strict(),
        timezone="Europe/Moscow",
        policy=Policy("ГАУ ДО «РМЦ»", "г. Биробиджан, ул. Ленина, 1", "pd@example.ru"),
        build=lambda ctx, name: ROUTES.screens[name](ctx),
    )
    state = DialogState(
        screen="menu",
        lang=lang,
        data={
            "pid": 1,
            "child": {"child_id": 1},
            "card": {"program_id": 7},
            "app": {"application_id": 5},
            "contract": {"application_id": 5},
            "provider": {"application_id": 5, "which": "studying"},
            "attendance": {"group_id": 7},
            "confirm": {
                "page": 1,
                "certificate_id": 1,
                "correction_id": 1,
                "link_id": 1,
                "field": "surname",
            },
            "dsp": {"page": 0, "dispute_id": 1},
            "cert-link": {"number": "01-0000001-8", "born": "2016-03-05"},
            "teen-invite": {"code": "1234 5678 9012", "child_id": 1},
            "teen-parent-code": {"code": "2345 6789 0123"},
            "faq": {"question": 10},
            "stmt": {"child_id": 1},
            "apply": {"group": 70, "child": 1, "phone": "+79141234567"},
            "q": {
                "direction": "technical",
                "muni": 1,
                "age": 10,
                "child": 1,
                "text": "робот",
                "near": [48.7, 132.9],
            },
            "child-draft": {
                "id": 1,
                "surname": "Иванова",
                "name": "Мария",
                "patronymic": None,
                "birth": "2016-03-05",
                "snils": "11223344595",
                "muni": 1,
                "answered": ["surname", "name", "patronymic", "birth", "snils", "muni"],
            },
            "muni-picker": {"query": "бир"},
            "bc": {
                "text": "Набор в кружки открыт!",
                "audience_chosen": True,
                "muni": 1,
                "ages": "10-13",
                "dirs": ["arts"],
                "program": 7,
                "program_name": "Робототехника",
                "program_query": "робот",
            },
            "bc-sent": {"broadcast_id": 9},
            "link": {"code": "123456"},
            "rate": {"application_id": 5, "stars": 4},
            "reviews": {"page": 1},
        },
    )
    return Ctx(engine, Event("tg", "1", "text"), 1, state)  # type: ignore[arg-type]


SIGNER = Signer(b"test")


@pytest.mark.parametrize(
    ("variant", "lang"),
    list(itertools.product(VARIANTS, LANGUAGES)),
    ids=lambda p: getattr(p, "name", p),
)
async def test_every_screen_renders(variant, lang):
    core = FakeCore(scene(variant))
    t = StrictTranslator()
    assert ROUTES.screens, "no screens registered"
    refused = set()
    # what this family has no data for: the engine shows the refusal above the menu
    may_refuse = {"statement"} if variant.cert not in ("funded", "closed") else set()
    if not variant.kids:
        may_refuse |= {"child", "child-remove-confirm", "confirm-card", "correction-card"}
        may_refuse |= {"link-request-card", "dispute-card", "confirm-amend"}
    contract = getattr(variant, "contract", None)
    if contract is None:
        may_refuse |= {"contract"}  # no contract on the application: "not found"
    if contract is None or contract.text is None:
        may_refuse |= {"contract-text"}  # none accepted in the chat
    if not variant.kids:
        may_refuse |= {"teen-cert"}
    for name, build in ROUTES.screens.items():
        ctx = make_ctx(lang, core)
        if name in (Screens.TEEN_CERT, Screens.TEEN_PARENT_CODE):
            # a child's own account (the family's eldest, 14 in the families with two)
            ctx.state.data["teen"] = core.scene.children[-1].id if core.scene.children else 0
        try:
            screen = await build(ctx)
        except DomainError as exc:
            refusal = exc.code
        else:
            refusal = None
        if refusal is not None:
            # this family has nothing for the screen (no child, say): the engine shows the
            # refusal above the menu, and the refusal must have words
            assert refusal in t.keys[lang], (name, refusal)
            refused.add(name)
            continue
        rendered = render(screen, lang, t, lambda a: SIGNER.sign("tg:1", a))
        assert rendered.text.strip(), name
        assert len(rendered.text) <= 4000, name
        for shown in (rendered.text, *(b.label for b in rendered.buttons)):
            assert wording_problems(shown, lang) == [], name
        for button in rendered.buttons:
            assert button.label.strip(), name
            assert len(button.label) <= 40, (name, button.label)
            if button.kind == "callback":
                assert len(button.payload.encode()) <= 64, (name, button.payload)
                assert SIGNER.verify("tg:1", button.payload) is not None
        assert len(rendered.rows) <= 10, name
        # every button leads somewhere: its action has a handler that takes it on this
        # screen (a button shown where its handler refuses it would always be "stale")
        for row in screen.rows:
            for b in row:
                if b.kind != "callback":
                    continue
                assert b.action is not None, (name, b.label)
                found = ROUTES.actions.get(type(b.action))
                assert found is not None, (name, type(b.action).__name__)
                _, on = found
                assert on is None or screen.name in on or name in on, (
                    name,
                    type(b.action).__name__,
                )
        assert core.calls == [], (name, core.calls)  # building a screen writes nothing
        # and no screen is a dead end: a button, or something to type (the menu is
        # always a command away, but a person should not need to know that)
        assert rendered.rows or screen.expect, name
    assert refused <= may_refuse, refused


def test_locales_parse_whole():
    from pathlib import Path

    from fluent.syntax import parse
    from fluent.syntax.ast import Junk

    root = Path(__file__).resolve().parents[2] / "locales"
    for path in sorted(root.rglob("*.ftl")):
        junk = [e.content[:60] for e in parse(path.read_text("utf-8")).body if isinstance(e, Junk)]
        assert not junk, (path.name, junk)


def test_locales_have_the_same_keys():
    t = Translator()
    assert t.keys["ru"] == t.keys["en"]
    assert len(t.keys["ru"]) > 150


def test_every_refusal_code_has_a_message():
    from core.errors import CODES

    t = Translator()
    for lang in LANGUAGES:
        missing = sorted(c for c in CODES if c not in t.keys[lang])
        assert not missing, (lang, missing)


def test_every_literal_key_in_code_exists():
    import re
    from pathlib import Path

    t = Translator()
    root = Path(__file__).resolve().parents[2] / "bot"
    used = set()
    for path in root.rglob("*.py"):
        used |= set(re.findall(r'\bT\(\s*"([a-z0-9_-]+)"', path.read_text(encoding="utf-8")))
        used |= set(
            re.findall(r'operator_text\(\s*"([a-z0-9_-]+)"', path.read_text(encoding="utf-8"))
        )
    assert used
    assert not sorted(used - t.keys["ru"])


def test_plurals_follow_the_language():
    t = Translator()
    assert t("ru", "children-title", count=1) == "В профиле 1 ребёнок."
    assert t("ru", "children-title", count=3) == "В профиле 3 ребёнка."
    assert t("ru", "children-title", count=5) == "В профиле 5 детей."
    assert t("ru", "children-title", count=22) == "В профиле 22 ребёнка."
    assert t("en", "children-title", count=1) == "1 child in the profile."
    assert t("en", "children-title", count=2) == "2 children in the profile."


def test_every_import_error_code_has_a_message():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "core"
    # every module of the core that refuses a cell (the imports' rows, their checks)
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(root.rglob("*.py")))
    codes = set(re.findall(r'RowError\(\s*"([a-z-]+)"', source))
    assert len(codes) >= 10
    t = Translator()
    for lang in LANGUAGES:
        assert {f"import-{c}" for c in codes} <= t.keys[lang]


def test_every_faq_answer_exists():
    from bot.dialogs.flows.help import QUESTIONS

    t = Translator()
    for lang in LANGUAGES:
        for n in range(1, QUESTIONS + 1):
            assert {f"faq-q{n}", f"faq-a{n}"} <= t.keys[lang], (lang, n)
            assert len(t(lang, f"faq-q{n}")) <= 40  # a button label on every platform


FUNDED_MONEY_LINES = {
    # funded in November of a school-year municipality
    ("ru", "school"): [
        "сертификат получил финансирование в середине года, поэтому на него пришло "
        "15\u00a0000\u00a0₽ — за 10 оставшихся месяцев из 12, с ноября 2026\u00a0г. до конца "
        "учебного года.",
        "Средства действуют до 31 августа 2027\u00a0г. включительно. С 1 сентября "
        "2027\u00a0г. весь неизрасходованный остаток сгорает",
    ],
    ("en", "school"): [
        "so it received 15,000\u00a0₽ for the 10 months of 12 that were left, from November 2026 "
        "to the end of the school year.",
        "The money is valid until August 31, 2027 inclusive. On September 1, 2027, "
        "everything left unspent expires",
    ],
    # funded in-year by a calendar-year municipality: one month left
    ("ru", "calendar"): [
        "за 1 оставшийся месяц из 12, с декабря 2026\u00a0г. до конца года.",
        "Средства действуют до 31 декабря 2026\u00a0г. включительно. С 1 января 2027\u00a0г. "
        "весь неизрасходованный остаток сгорает: на следующий год он не переносится.",
    ],
    ("en", "calendar"): [
        "for the one month of 12 that were left, from December 2026 to the end of the year.",
        "The money is valid until December 31, 2026 inclusive. On January 1, 2027, everything "
        "left unspent expires: it does not carry over to the next year.",
    ],
}


def _money_scene(period: str) -> Scene:
    funded = CERTS["funded"]
    if period == "calendar":
        terms = certificates.FundingTerms(
            Period.CALENDAR, 1_800_000, 150_000, 1, month_index(2026, 12), date(2026, 12, 31)
        )
        funded = dataclasses.replace(funded, total=150_000, reserved=0, terms=terms)
    return dataclasses.replace(scene(VARIANTS[0]), certificate=funded)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("period", ["school", "calendar"])
@pytest.mark.parametrize("screen", ["child", "balance"])
async def test_the_money_is_explained_where_it_is_shown(lang, period, screen):
    """The child's card and /balance say why the balance is below the nominal (the months
    left when funded, from when), until when the money is valid and what happens to the
    rest."""
    ctx = make_ctx(lang, FakeCore(_money_scene(period)))
    built = await ROUTES.screens[screen](ctx)
    text = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a)).text
    for line in FUNDED_MONEY_LINES[(lang, period)]:
        assert line in text, (line, text)
    assert wording_problems(text, lang) == []


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_full_year_s_nominal_needs_no_why(lang):
    whole = certificates.FundingTerms(
        Period.SCHOOL, 1_800_000, 1_800_000, None, None, date(2027, 8, 31)
    )
    cert = dataclasses.replace(CERTS["funded"], total=1_800_000, terms=whole)
    ctx = make_ctx(lang, FakeCore(dataclasses.replace(scene(VARIANTS[0]), certificate=cert)))
    text = render(
        await ROUTES.screens["child"](ctx), lang, strict(), lambda a: SIGNER.sign("tg:1", a)
    ).text
    assert FUNDED_MONEY_LINES[(lang, "school")][1] in text
    assert ("оставш" if lang == "ru" else "that were left") not in text


APP_DATES = {
    # submitted 22 November 10:00 UTC (13:00 in Moscow); the provider has 10 days
    "ru": [
        "Заявка подана 22 ноября 2026\u00a0г.",
        "Организация должна ответить до 2 декабря 2026\u00a0г., 13:00",
    ],
    "en": [
        "Application submitted on November 22, 2026",
        "The provider must answer by December 2, 2026, 13:00",
    ],
}


async def _screen_text(lang: str, name: str, app: views.ApplicationView) -> str:
    core = FakeCore(dataclasses.replace(scene(VARIANTS[0]), application=app))
    ctx = make_ctx(lang, core)
    built = await ROUTES.screens[name](ctx)
    text = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a)).text
    assert wording_problems(text, lang) == []
    return text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_an_application_card_says_when_and_until_when(lang):
    submitted = await _screen_text(lang, "app", app_view(AppStatus.SUBMITTED))
    for line in APP_DATES[lang]:
        assert line in submitted, (line, submitted)
    # answered: the date it was submitted stays, the deadline goes
    accepted = await _screen_text(lang, "app", app_view(AppStatus.ACCEPTED))
    assert APP_DATES[lang][0] in accepted
    assert APP_DATES[lang][1] not in accepted


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_cancelling_promises_the_reserve_back_only_when_there_is_one(lang):
    held = app_view(AppStatus.ACCEPTED)  # 10 000 ₽ reserved
    none = dataclasses.replace(app_view(AppStatus.SUBMITTED), reserved_left=0)
    with_reserve = await _screen_text(lang, "app-cancel-confirm", held)
    without = await _screen_text(lang, "app-cancel-confirm", none)
    back = "вернутся на сертификат" if lang == "ru" else "goes back to the certificate"
    assert back in with_reserve
    assert ("10\u00a0000" if lang == "ru" else "10,000") in with_reserve
    assert back not in without
    assert ("резерв" if lang == "ru" else "reserv") not in without.lower()


CARD_SUMMER = {
    "ru": ("1 июня 2027 г. откроется запись на 2027/28 учебный год.", "Педагог: Соколова"),
    "en": ("Applications for the 2027/28 school year open on June 1, 2027.", "Teacher: Sokolova"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_card_in_july_says_when_applications_open_and_offers_no_apply(lang):
    summer = next(v for v in VARIANTS if v.name == "summer opens")
    core = FakeCore(scene(summer))
    built = await ROUTES.screens[Screens.CARD](make_ctx(lang, core))
    rendered = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a))
    opens, teacher = CARD_SUMMER[lang]
    assert opens in rendered.text.replace("\u00a0", " "), rendered.text
    assert teacher.split(":")[0] in rendered.text
    assert wording_problems(rendered.text, lang) == []
    # nothing to apply to before that day: no group's button
    assert not any(type(b.action).__name__ == "ApplyToGroup" for row in built.rows for b in row)
    # running: the groups' buttons are there
    running = FakeCore(scene(VARIANTS[0]))
    built = await ROUTES.screens[Screens.CARD](make_ctx(lang, running))
    assert any(type(b.action).__name__ == "ApplyToGroup" for row in built.rows for b in row)


CARD_RATING = {
    "ru": ("⭐ 4,5 из 5 — 12 оценок семей", "★ «Ребёнку очень нравится"),
    "en": ("⭐ 4.5 of 5 — 12 ratings by families", "★ “Ребёнку очень нравится"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_card_shows_the_average_with_the_locale_s_decimal_and_the_count(lang):
    built = await ROUTES.screens[Screens.CARD](make_ctx(lang, FakeCore(scene(VARIANTS[0]))))
    text = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a)).text
    for shown in CARD_RATING[lang]:
        assert shown in text.replace("\u00a0", " "), text
    # a map location on a button: the program has coordinates
    assert any(type(b.action).__name__ == "ShowOnMap" for row in built.rows for b in row)
    venue = await ROUTES.screens[Screens.CARD_MAP](make_ctx(lang, FakeCore(scene(VARIANTS[0]))))
    assert venue.venue is not None
    assert (venue.venue.latitude, venue.venue.longitude) == (48.7, 132.9)


TEEN_PRIVACY = {
    # what a child registered alone reads of their own data, and of the withdrawal
    "ru": ("твоего сертификата", "Твои данные", "Если ты зарегистрируешься"),
    "en": ("your certificate needs", "Your data", "If you register again"),
}


@pytest.mark.parametrize(
    ("variant", "lang"),
    list(itertools.product(VARIANTS, LANGUAGES)),
    ids=lambda p: getattr(p, "name", p),
)
async def test_a_child_alone_reads_their_privacy_screens(variant, lang):
    """/privacy of a child registered alone (their own consent, their own data): built in
    both locales as the child's own account, addressed as ты, with the parent's words
    about «children in the profile» left out; a child invited by a parent is refused."""
    from bot.i18n import TEEN
    from tests.support.wording import address_problems

    stored, yours, again = TEEN_PRIVACY[lang]
    for alone in (True, False):
        core = FakeCore(dataclasses.replace(scene(variant), teen_alone=alone))
        for name in (Screens.PRIVACY, Screens.WITHDRAW_CONFIRM):
            ctx = make_ctx(lang, core)
            ctx.state.data["teen"] = core.scene.children[-1].id if core.scene.children else 2
            if not alone:
                with pytest.raises(DomainError, match="teen_not_allowed"):
                    await ROUTES.screens[name](ctx)
                continue
            built = await ROUTES.screens[name](ctx)
            shown = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a), TEEN)
            for text in (shown.text, *(b.label for b in shown.buttons)):
                assert wording_problems(text, lang) == [], (name, text)
                if lang == "ru":
                    assert address_problems(text, TEEN) == [], (name, text)
            assert len(shown.rows) <= 10 and all(len(b.label) <= 40 for b in shown.buttons)
            if name == Screens.PRIVACY:
                assert stored in shown.text, shown.text
                assert "Детей в профиле" not in shown.text
                assert "Children in the profile" not in shown.text
            elif variant.consent:
                assert yours in shown.text, shown.text
                if "№" in shown.text:  # a certificate closes: registering again
                    assert again in shown.text, shown.text


async def test_public_words_keep_nothing_of_a_family():
    """``Translator.public`` remembers a card's words once formatted and promises to keep
    nothing of a family: every screen is rendered for a family whose children's names are
    in its quotes, and no remembered text names them. The card's own words are there."""
    core = FakeCore(scene(VARIANTS[0]))
    t = StrictTranslator()
    for build in ROUTES.screens.values():
        try:
            screen = await build(make_ctx("ru", core))
        except DomainError:
            continue
        render(screen, "ru", t, lambda a: a)
    kept = list(t._public.values())
    assert any(CARD.name in text for text in kept), kept
    for child in (KID, KID2):
        for word in (child.name, child.surname, inflect_name(child.name, "gent")):
            assert not any(word in text for text in kept), word


def test_public_words_are_the_words_and_formatted_once():
    t = Translator()
    calls: list[str] = []
    bundle = t.bundles["ru"]
    original = bundle.format_pattern

    def counted(pattern, args=None):  # type: ignore[no-untyped-def]
        calls.append("x")
        return original(pattern, args)

    bundle.format_pattern = counted  # type: ignore[method-assign]
    params = {"name": "Группа 1", "schedule": "Пн 15:00", "free": 3, "seats": 10, "you": ADULT}
    first = t.public("ru", "card-group", params)
    assert first == t("ru", "card-group", **params)
    assert t.public("ru", "card-group", dict(params)) == first
    assert len(calls) == 2  # once for public (then remembered), once for the plain call
    assert t.public("ru", "card-group", params | {"free": 2}) != first  # its own words
    assert len(calls) == 3
