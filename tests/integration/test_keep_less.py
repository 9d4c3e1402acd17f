"""Keep less: the phone given with an application is erased when the application ends,
whatever ends it; what is typed where a button was expected is not kept before consent
(nor what looks like a СНИЛС or a phone); the privacy policy names the operator and the
periods from the settings."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.dialogs.context import Policy
from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore
from bot.i18n import translator
from core.accounting import month_close, new_year
from core.enrolment import decisions, enrolment
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import Application
from core.usecases import UseCases, jobs
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

PHONE = "+79141234567"


async def _staff(db):
    async with db.uow() as uow:
        pid = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        await uow.commit()
    return pid


async def _enrolled(db, staff, app):
    assert (await db.run(accept_contract, staff, app)).done
    assert (await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)).done


@pytest.mark.parametrize(
    "end",
    ["cancelled", "rejected", "expired", "left", "studies ended", "program ended", "new year"],
)
async def test_the_phone_goes_when_the_application_ends(db, clock, end):
    # a program of September and October, so that closing October ends it
    await setup_region(db, rows=[catalogue_row(1, price=1000, months=(9, 10))])
    parent, child = await parent_with_child(db)
    staff = await _staff(db)
    g = await group_id(db, "g1")
    app = await db.run(enrolment.apply, parent, child, g, phone=PHONE)
    async with db.reader() as uow:
        assert (await uow.session.get(Application, app)).contact_phone == PHONE
    if end == "cancelled":
        await db.run(enrolment.cancel, parent, app)
    elif end == "rejected":
        await db.run(decisions.provider_decide, staff, app, AppStatus.REJECTED, "Мест нет")
    elif end == "expired":
        clock.advance(days=11)
        assert await jobs.expire_unanswered(db, 10) == 1
    elif end == "left":
        await _enrolled(db, staff, app)
        await db.run(enrolment.leave, parent, app)
    elif end == "studies ended":
        await _enrolled(db, staff, app)
        await db.run(decisions.provider_finish, staff, app, db.today())
    elif end == "program ended":
        await _enrolled(db, staff, app)
        clock.set(datetime(2026, 11, 2, 9, 0))
        await db.run(month_close.close_month, month_index(2026, 10))
    else:  # the new year ends what the old one left open (here: an accepted application)
        assert (await db.run(accept_contract, staff, app)).done
        clock.set(datetime(2027, 9, 1, 6, 0))
        await db.run(new_year.open_year, 2027, close_missing=True)
    async with db.reader() as uow:
        done = await uow.session.get(Application, app)
    assert done.status in {"cancelled", "rejected", "expired", "finished"}
    assert done.contact_phone is None


def _engine(db, states, policy=None):
    return Engine(
        FLOWS, UseCases(db), states, translator(), Signer(b"k"), policy=policy, deadline=10
    )


async def test_what_is_typed_before_consent_is_not_kept(db):
    await setup_region(db, rows=[catalogue_row(1)])
    states = MemoryStateStore()
    engine = _engine(db, states)
    await engine.handle(Event("tg", "7", "command", text="start"))
    # a СНИЛС typed on the welcome screen, before any consent: no search offered for it,
    # and nothing of it in the dialog state
    reply = await engine.handle(Event("tg", "7", "text", text="112-233-445 95"))
    assert "найдём одним нажатием" not in reply.screen.text
    assert "112-233-445 95" not in repr((await states.get("tg:7")).data)
    reply = await engine.handle(Event("tg", "7", "text", text="робототехника"))
    assert "робототехника" not in repr((await states.get("tg:7")).data)
    # after consent, words are offered as a search (kept until pressed), numbers are not
    payload = engine.signer.sign("tg:7", "consent")
    await engine.handle(Event("tg", "7", "button", payload=payload))
    reply = await engine.handle(Event("tg", "7", "text", text="робототехника"))
    assert "найдём одним нажатием" in reply.screen.text
    assert (await states.get("tg:7")).data.get("typed") == "робототехника"
    reply = await engine.handle(Event("tg", "7", "text", text="+7 914 123-45-67"))
    assert "найдём одним нажатием" not in reply.screen.text
    assert "typed" not in (await states.get("tg:7")).data


async def test_the_policy_names_the_operator_and_the_periods_of_the_settings(db):
    await setup_region(db, rows=[])
    policy = Policy(
        "ГАУ ДО «РМЦ ЕАО»", "г. Биробиджан, ул. Шолом-Алейхема, 1", "pd@rmc.example", 3, 7
    )
    engine = _engine(db, MemoryStateStore(), policy)
    await engine.handle(Event("tg", "8", "command", text="start"))
    reply = await engine.handle(
        Event("tg", "8", "button", payload=engine.signer.sign("tg:8", "policy"))
    )
    text = reply.screen.text
    for shown in (
        "Оператор персональных данных: ГАУ ДО «РМЦ ЕАО»",
        "г. Биробиджан, ул. Шолом-Алейхема, 1",
        "pd@rmc.example",
        "через 7 дн.",
        "не дольше 3 ч.",
        "пока заявка не закончится",
    ):
        assert shown in text, shown
    # unset: the policy says so instead of naming nobody
    bare = _engine(db, MemoryStateStore())
    await bare.handle(Event("tg", "9", "command", text="start"))
    reply = await bare.handle(
        Event("tg", "9", "button", payload=bare.signer.sign("tg:9", "policy"))
    )
    assert "не указан" in reply.screen.text


def test_the_settings_reach_the_policy():
    from bot.app import policy_of
    from bot.config import Settings

    settings = Settings(
        _env_file=None,
        operator_name="ГАУ ДО «РМЦ»",
        operator_address="ул. Ленина, 1",
        operator_contact="+7 42622 0-00-00",
        state_ttl_s=5400,
        application_expiry_days=5,
    )
    assert policy_of(settings) == Policy("ГАУ ДО «РМЦ»", "ул. Ленина, 1", "+7 42622 0-00-00", 2, 5)
