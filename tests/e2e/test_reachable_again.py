"""A parent who blocked the bot and came back gets notices again, in every messenger: a
notice refused (Telegram 403, VK 901, MAX 403) marks the account unreachable, and the
person's next update of any kind lifts the mark, so the next notice is delivered."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.notify.build import build_worker, close_worker
from core.family import parents
from core.outbox.outbox import emit
from core.storage.models import Identity, Outbox
from tests.e2e.conftest import running_bot
from tests.support.services import REDIS_URL, require_redis

USER = 7301


async def _notice(h, platform: str, user: int) -> int:
    """One notice to the person's family; returns its outbox row."""
    async with h.app.db.uow() as uow:
        parent_id = await uow.session.scalar(
            select(Identity.parent_id).where(
                Identity.platform == platform, Identity.external_id == str(user)
            )
        )
        assert parent_id is not None
        await emit(uow, parent_id, "data_erased", {"children": 0})
        await uow.commit()
    async with h.app.db.reader() as uow:
        return int(await uow.session.scalar(select(Outbox.id).order_by(Outbox.id.desc())))


async def _send(h, row: int) -> str:
    """The worker sends what is due; the row's status afterwards."""
    worker = build_worker(h.app)
    try:
        for _ in range(50):
            await worker.step()
            async with h.app.db.reader() as uow:
                status = await uow.session.scalar(select(Outbox.status).where(Outbox.id == row))
            if status != "pending":
                return str(status)
            await asyncio.sleep(0.05)
    finally:
        await close_worker(worker)
    raise AssertionError("the notice was not handled")


async def _marked(h, platform: str, user: int) -> bool:
    async with h.app.db.reader() as uow:
        at = await uow.session.scalar(
            select(Identity.unreachable_at).where(
                Identity.platform == platform, Identity.external_id == str(user)
            )
        )
    return at is not None


async def _until_marked(h, platform: str, user: int, marked: bool) -> None:
    for _ in range(100):
        if await _marked(h, platform, user) == marked:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the account's mark did not become {marked}")


async def test_telegram_unblocked_gets_notices_again(telegram_bot):
    h = telegram_bot
    assert "Здравствуйте" in (await h.tg.ask(h.tg.message(USER, "/start"))).text
    h.tg.block(USER)
    assert await _send(h, await _notice(h, "tg", USER)) == "unreachable"
    assert await _marked(h, "tg", USER)
    answer = await h.tg.ask(h.tg.unblock(USER))  # "Restart": /start
    assert "Здравствуйте" in answer.text
    row = await _notice(h, "tg", USER)
    assert await _send(h, row) == "delivered"
    assert "Ваши данные удалены" in h.tg.sent[-1].text
    assert not await _marked(h, "tg", USER)


async def test_telegram_any_update_lifts_the_mark_a_button_press_too(telegram_bot):
    h = telegram_bot
    start = await h.tg.ask(h.tg.message(USER, "/start"))
    h.tg.block(USER)
    assert await _send(h, await _notice(h, "tg", USER)) == "unreachable"
    h.tg.blocked.discard(USER)  # unblocked from the chat's menu, no /start
    pressed = await h.tg.ask(h.tg.press(USER, start.button("согласие")["callback_data"]))
    assert pressed.text
    assert await _send(h, await _notice(h, "tg", USER)) == "delivered"


async def test_vk_allowed_again_gets_notices_again(vk_bot):
    h = vk_bot
    assert "Здравствуйте" in (await h.vk.ask(h.vk.message(USER, "/start"))).text
    h.vk.cant_send.add(USER)  # messages closed without a word to the bot
    assert await _send(h, await _notice(h, "vk", USER)) == "unreachable"
    assert await _marked(h, "vk", USER)
    answer = await h.vk.ask(h.vk.message(USER, "/help"))  # writing lets it answer again
    assert "Команды" in answer.text
    assert await _send(h, await _notice(h, "vk", USER)) == "delivered"
    assert "Ваши данные удалены" in h.vk.sent[-1].text


async def test_vk_message_allow_lifts_the_mark_and_message_deny_sets_it(vk_bot):
    h = vk_bot
    await h.vk.ask(h.vk.message(USER, "/start"))
    await h.vk.deny(USER)
    await _until_marked(h, "vk", USER, True)
    await h.vk.allow(USER)
    await _until_marked(h, "vk", USER, False)
    assert await _send(h, await _notice(h, "vk", USER)) == "delivered"


async def test_max_restarted_gets_notices_again(max_bot):
    h = max_bot
    assert "Здравствуйте" in (await h.max.ask(h.max.start_bot(USER))).text
    await h.max.stop_bot(USER)
    await _until_marked(h, "max", USER, True)  # bot_stopped
    await h.app.db.run(parents.mark_reachable, "max", str(USER))
    # the mark the worker's 403 leaves behaves the same
    assert await _send(h, await _notice(h, "max", USER)) == "unreachable"
    assert await _marked(h, "max", USER)
    answer = await h.max.ask(h.max.start_bot(USER))
    assert "Здравствуйте" in answer.text
    assert await _send(h, await _notice(h, "max", USER)) == "delivered"
    assert "Ваши данные удалены" in h.max.sent[-1].text


async def test_max_message_after_a_refused_notice_lifts_the_mark(max_bot):
    h = max_bot
    await h.max.ask(h.max.message(USER, "/start"))
    h.max.blocked.add(USER)
    assert await _send(h, await _notice(h, "max", USER)) == "unreachable"
    h.max.blocked.discard(USER)
    assert "Команды" in (await h.max.ask(h.max.message(USER, "/help"))).text
    assert await _send(h, await _notice(h, "max", USER)) == "delivered"


async def test_max_stale_button_is_not_a_blocked_person(max_bot):
    """Answering a button MAX no longer knows gets 404: the screen goes as a new message
    and the person stays reachable."""
    h = max_bot
    start = await h.max.ask(h.max.start_bot(USER))
    payload = start.button("согласие")["payload"]
    again = await h.max.ask(h.max.press(USER, payload, stale=True))
    assert again.method == "messages"  # sent anew after the refused answer
    assert "not.found" in h.max.refused
    await asyncio.sleep(0.2)
    assert not await _marked(h, "max", USER)
    assert await _send(h, await _notice(h, "max", USER)) == "delivered"


@pytest.mark.redis
async def test_telegram_with_dialog_states_in_redis(sqlite_template, tmp_path):
    """Replicas keep the dialog state in Redis: the worker drops it there."""
    require_redis()
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        extra_settings={"redis_url": REDIS_URL},
    ) as h:
        assert h.tg is not None
        await h.tg.ask(h.tg.message(USER, "/start"))
        h.tg.block(USER)
        assert await _send(h, await _notice(h, "tg", USER)) == "unreachable"
        await h.tg.ask(h.tg.unblock(USER))
        assert await _send(h, await _notice(h, "tg", USER)) == "delivered"
