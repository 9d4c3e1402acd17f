"""/stats and the provider's month file, built on the fake core in every locale: the
screen's summary, its two PNG charts and its XLSX; each file sent once a press, never
again when the screen is shown anew (a page turn, a stray message); and a person with no
staff role refused with words of their own."""

from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import load_workbook

from bot.dialogs.actions import OpenMenu, OpenStats
from bot.dialogs.flows import provider_month, stats
from bot.dialogs.screen import Attachment, render
from bot.dialogs.screens import Screens
from bot.i18n import LANGUAGES
from core.errors import DomainError
from tests.support.fake_core import FakeCore, sample_report
from tests.unit.test_screens import (
    PROVIDER_MONTH,
    ROUTES,
    SIGNER,
    VARIANTS,
    make_ctx,
    scene,
    strict,
)

PNG = b"\x89PNG\r\n\x1a\n"


def core_with(*roles: str, **changes: object) -> FakeCore:
    base = scene(next(v for v in VARIANTS if v.consent))
    parent = dataclasses.replace(base.parent, roles=roles)
    return FakeCore(dataclasses.replace(base, parent=parent, **changes))  # type: ignore[arg-type]


async def press(ctx, act):  # type: ignore[no-untyped-def]
    handler, _ = ROUTES.actions[type(act)]
    return await handler(ctx, act)


def workbook(f: Attachment):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(f.data), read_only=True)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ["coordinator", "confirmer", "operator"])
async def test_stats_shows_the_summary_two_charts_and_the_tables(lang, role):
    ctx = make_ctx(lang, core_with(role))
    screen = await press(ctx, OpenStats())
    assert screen.name == Screens.STATS
    shown = render(screen, lang, strict(), lambda a: SIGNER.sign("tg:1", a))
    registered = {"ru": "Зарегистрировано детей: 2\xa0400", "en": "registered: 2,400"}[lang]
    assert "г. Биробиджан" in shown.text and registered in shown.text
    assert [(f.kind, f.filename.rsplit(".", 1)[1]) for f in screen.files] == [
        ("picture", "png"),
        ("picture", "png"),
        ("document", "xlsx"),
    ]
    assert all(f.data.startswith(PNG) for f in screen.files[:2])
    assert screen.files[0].filename == "stats-birobidzhan-2026-11-22-coverage.png"
    book = workbook(screen.files[2])
    assert len(book.sheetnames) == 5
    assert all(f.caption for f in shown.files)
    # shown again (not pressed): the same words, no file resent
    again = await ctx.show(Screens.STATS)
    assert again.files == ()
    # the refresh button sends them once more
    assert [type(b.action) for row in screen.rows for b in row] == [OpenStats, OpenMenu]
    assert len((await press(ctx, OpenStats())).files) == 3


async def test_the_region_is_named_in_the_files_of_a_regional_report():
    ctx = make_ctx("ru", core_with("operator", report=sample_report(None)))
    screen = await press(ctx, OpenStats())
    assert screen.files[2].filename == "stats-region-2026-11-22.xlsx"
    text = render(screen, "ru", strict(), str).text
    assert text.startswith("Отчёт: регион")


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_stats_is_refused_with_words_to_anyone_without_a_staff_role(lang):
    ctx = make_ctx(lang, core_with("provider"))
    with pytest.raises(DomainError) as refused:
        await press(ctx, OpenStats())
    assert refused.value.code == "stats_not_allowed"
    words = strict()(lang, refused.value.code)
    assert ("координаторам" if lang == "ru" else "coordinators") in words
    menu = await ctx.show(Screens.MENU)
    assert OpenStats not in {type(b.action) for row in menu.rows for b in row}


@pytest.mark.parametrize("role", ["coordinator", "confirmer", "operator"])
async def test_the_staff_menu_offers_stats(role):
    ctx = make_ctx("ru", core_with(role))
    menu = await ctx.show(Screens.MENU)
    assert OpenStats in {type(b.action) for row in menu.rows for b in row}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_providers_month_file_is_the_whole_month_once_a_press(lang):
    ctx = make_ctx(lang, core_with("provider", provider_month=PROVIDER_MONTH))
    first = await ctx.show(Screens.PROVIDER_MONTH)
    assert first.files == ()  # opening the month sends no file
    button = next(
        b
        for row in first.rows
        for b in row
        if isinstance(b.action, provider_month.ProviderMonthFile)
    )
    label = render(first, lang, strict(), str)
    assert ("Файл для бухгалтерии" if lang == "ru" else "File for the accounts") in str(
        [b.label for b in label.buttons]
    )
    # on the second page, the file still holds every contract of the month
    await press(ctx, provider_month.ProviderMonthPage(PROVIDER_MONTH.month or 0, 1))
    screen = await press(ctx, button.action)
    assert ctx.flow(provider_month.Reading).page == 1  # the page read stays
    (f,) = screen.files
    assert (f.kind, f.filename) == ("document", "payments-2026-10.xlsx")
    rows = list(workbook(f).active.iter_rows(values_only=True))
    contracts = [r for r in rows[1:] if r[-1] is not None and any(r[:-1])]
    assert len(rows) - 1 >= len(PROVIDER_MONTH.lines)
    assert len(contracts) >= len(PROVIDER_MONTH.lines)
    assert render(screen, lang, strict(), str).files[0].caption
    # a page turn after it, or the month shown again: no file resent
    turned = await press(ctx, provider_month.ProviderMonthPage(PROVIDER_MONTH.month or 0, 0))
    assert turned.files == ()
    assert (await ctx.show(Screens.PROVIDER_MONTH)).files == ()


def test_the_stats_flow_is_listed():
    assert stats.flow in __import__("bot.dialogs.flows", fromlist=["FLOWS"]).FLOWS
