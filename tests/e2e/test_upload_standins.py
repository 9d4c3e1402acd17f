"""The stand-ins check uploads as the platforms document them, whatever a client sends:
driven here by the real clients directly, past the bot's own checks, so that a bot that
stopped checking would be caught by the stand-in, not waved through."""

from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import pytest
import requests
import vk_api
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import MaxApiError
from maxapi.types.attachments.upload import AttachmentPayload, AttachmentUpload
from vk_api.upload import VkUpload

from bot.handlers.max.handler import make_bot as make_max
from bot.handlers.telegram.handler import make_bot as make_telegram
from bot.handlers.vk.handler import make_vk
from tests.support.max_server import FakeMax
from tests.support.tg_server import FakeTelegram
from tests.support.uploads import MB, png
from tests.support.vk_server import FakeVk

CHAT = 9001


@pytest.fixture
async def tg():
    server = FakeTelegram()
    await server.start()
    bot = make_telegram(server.token, server.base)
    yield server, bot
    await bot.session.close()
    await server.stop()


async def test_telegram_stand_in_checks_photos_and_documents(tg):
    server, bot = tg

    async def refused(coro) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(TelegramBadRequest) as caught:
            await coro
        return caught.value.message

    def upload(data: bytes, name: str = "a.png") -> BufferedInputFile:
        return BufferedInputFile(data, filename=name)

    header = {"pixels": False}
    sent = await bot.send_photo(CHAT, upload(png(5000, 5000, **header)), caption="ok")
    assert sent.message_id and server.sent[-1].file.width == 5000  # at the limit
    assert "PHOTO_INVALID_DIMENSIONS" in await refused(
        bot.send_photo(CHAT, upload(png(5001, 5000, **header)))
    )
    assert "PHOTO_INVALID_DIMENSIONS" in await refused(
        bot.send_photo(CHAT, upload(png(2001, 100, **header)))
    )
    assert "IMAGE_PROCESS_FAILED" in await refused(bot.send_photo(CHAT, upload(b"GIF8 no")))
    forged = bytearray(png(100, 100, **header))
    forged[20] ^= 0xFF  # the height changed, the IHDR's CRC not
    assert "IMAGE_PROCESS_FAILED" in await refused(bot.send_photo(CHAT, upload(bytes(forged))))
    assert "too big" in await refused(
        bot.send_photo(CHAT, upload(png(10, 10, pad=10 * MB, **header)))
    )
    assert "caption is too long" in await refused(
        bot.send_photo(CHAT, upload(png(10, 10, **header)), caption="я" * 1025)
    )
    assert "wrong file identifier" in await refused(bot.send_photo(CHAT, "AgACAgIAAxkBAAI"))
    assert "non-empty" in await refused(bot.send_document(CHAT, upload(b"", "a.csv")))
    assert "too big" in await refused(
        bot.send_document(CHAT, upload(b"\0" * (50 * MB + 1), "big.bin"))
    )
    await bot.send_document(CHAT, upload(b"a;b\n", "t.csv"))
    assert [(s.method, s.file.filename) for s in server.sent] == [
        ("sendPhoto", "a.png"),
        ("sendDocument", "t.csv"),
    ]


@pytest.fixture
async def vk():
    server = FakeVk()
    await server.start()
    yield server, make_vk(server.token, server.base)
    await server.stop()


def _vk_checks(server: FakeVk, client: vk_api.VkApi) -> None:
    api = client.get_api()

    def code(call) -> int:  # type: ignore[no-untyped-def]
        with pytest.raises(vk_api.exceptions.ApiError) as caught:
            call()
        return caught.value.code

    def photo(data: bytes, name: str = "a.png") -> io.BytesIO:
        buffer = io.BytesIO(data)
        buffer.name = name
        return buffer

    # the documented round trip works through vk_api's own VkUpload
    saved = VkUpload(client).photo_messages(photo(png(300, 200)), peer_id=CHAT)[0]
    attachment = f"photo{saved['owner_id']}_{saved['id']}_{saved['access_key']}"
    api.messages.send(peer_id=CHAT, message="", random_id=1, attachment=attachment)
    assert [f.width for f in server.sent[-1].files] == [300]
    # an upload server refusal (1:21) leaves saveMessagesPhoto nothing valid to save
    assert code(lambda: VkUpload(client).photo_messages(photo(png(2100, 100)), CHAT)) == 100
    assert server.upload_refusals[-2:] == [
        "image dimensions",
        "photos.saveMessagesPhoto: photos_list is invalid",
    ]
    # the upload server's answer edited on the way: its hash no longer matches
    url = api.photos.getMessagesUploadServer(peer_id=CHAT)["upload_url"]
    answer = requests.post(url, files={"photo": ("a.png", png(50, 50))}, timeout=10).json()
    edited = dict(answer, photo=answer["photo"].replace("[{", '[{"x": 1, '))
    assert code(lambda: api.photos.saveMessagesPhoto(**edited)) == 121
    api.photos.saveMessagesPhoto(**answer)
    assert code(lambda: api.photos.saveMessagesPhoto(**answer)) == 100  # saved once only
    # an upload URL takes one file
    again = requests.post(url, files={"photo": ("a.png", png(50, 50))}, timeout=10).json()
    assert "error" in again
    # documents: type doc with the peer, saved once, sent by their attachment
    doc = VkUpload(client).document(
        photo(b"a;b\n1;2\n", "t.csv"), title="t.csv", message_peer_id=CHAT, doc_type="doc"
    )["doc"]
    assert doc["title"] == "t.csv" and doc["size"] == 8
    assert code(lambda: api.docs.getMessagesUploadServer(type="doc")) == 100  # no peer
    assert code(lambda: api.docs.save(file="forged|0000")) == 100
    # an attachment nobody uploaded, or without its access key
    for forged in (f"doc{doc['owner_id']}_{doc['id']}", "photo-777_999_abc"):
        assert (
            code(
                lambda f=forged: api.messages.send(
                    peer_id=CHAT, message="x", random_id=2, attachment=f
                )
            )
            == 100
        )


async def test_vk_stand_in_checks_the_upload_round_trip(vk):
    server, client = vk
    await asyncio.to_thread(_vk_checks, server, client)


@pytest.fixture
async def mx():
    server = FakeMax()
    await server.start()
    bot = make_max(server.token, server.base)
    yield server, bot
    await bot.close_session()
    await server.stop()


async def test_max_stand_in_checks_uploads_and_tokens(mx):
    server, bot = mx
    session = await bot.ensure_session()

    async def post(url: str, data: bytes, field: str = "data") -> tuple[int, dict]:
        form = aiohttp.FormData()
        form.add_field(field, data, filename="a.png", content_type="image/png")
        async with session.post(url, data=form) as response:
            return response.status, json.loads(await response.text())

    target = await bot.get_upload_url(UploadType.IMAGE)
    status, answer = await post(target.url, png(7680, 10, pixels=False))
    assert status == 200
    token = next(iter(answer["photos"].values()))["token"]
    assert (await post(target.url, png(10, 10)))[0] == 404  # one file per URL
    image = AttachmentUpload(type=UploadType.IMAGE, payload=AttachmentPayload(token=token))
    await bot.send_message(user_id=CHAT, text="ok", attachments=[image])
    assert [f.width for f in server.sent[-1].files] == [7680]
    # too wide for MAX, not a picture, the wrong field
    for data, field, why in (
        (png(7681, 10, pixels=False), "data", "image dimensions"),
        (b"plain text", "data", "not an image"),
        (png(10, 10), "photo", "one file in the field data expected"),
    ):
        url = (await bot.get_upload_url(UploadType.IMAGE)).url
        assert (await post(url, data, field))[0] == 400
        assert server.upload_refusals[-1] == why
    # a token nobody issued, or an image's token offered as a file
    for kind, forged in ((UploadType.IMAGE, "forged"), (UploadType.FILE, token)):
        attachment = AttachmentUpload(type=kind, payload=AttachmentPayload(token=forged))
        with pytest.raises(MaxApiError) as caught:
            await bot.send_message(user_id=CHAT, text="x", attachments=[attachment])
        assert caught.value.code == 400
    assert len(server.sent) == 1


async def test_the_stand_ins_check_map_locations(tg, vk, mx):
    """sendVenue, messages.send with lat/long and a MAX location attachment, each sent by
    its real client past the bot's Venue check: within range and complete they are taken,
    otherwise refused as the platforms document."""
    from maxapi.enums.attachment import AttachmentType
    from maxapi.types.attachments import Location

    server, bot = tg
    await bot.send_venue(CHAT, 48.79, 132.92, "Робототехника", "ул. Ленина, 1")
    assert server.sent[-1].venue == {
        "latitude": 48.79,
        "longitude": 132.92,
        "title": "Робототехника",
        "address": "ул. Ленина, 1",
    }
    for lat, lon, title, address in ((91, 0, "a", "b"), (0, -181, "a", "b"), (0, 0, "a", "")):
        with pytest.raises(TelegramBadRequest):
            await bot.send_venue(CHAT, lat, lon, title, address)

    vk_server, client = vk

    def vk_checks() -> None:
        api = client.get_api()
        api.messages.send(
            peer_id=CHAT, message="ул. Ленина, 1", random_id=7, lat=48.79, long=132.92
        )
        assert vk_server.sent[-1].location == (48.79, 132.92)
        for values in ({"lat": 90.5, "long": 0}, {"lat": 10}, {"lat": 0, "long": 180.5}):
            with pytest.raises(vk_api.exceptions.ApiError) as caught:
                api.messages.send(peer_id=CHAT, message="x", random_id=8, **values)
            assert caught.value.code == 100

    await asyncio.to_thread(vk_checks)

    max_server, max_bot = mx

    def place(lat: float | None, lon: float | None) -> Location:
        return Location(type=AttachmentType.LOCATION, latitude=lat, longitude=lon, bot=None)

    await max_bot.send_message(
        user_id=CHAT, text="ул. Ленина, 1", attachments=[place(48.79, 132.92)]
    )
    located = [a for a in max_server.sent[-1].attachments if a.get("type") == "location"]
    assert [(a["latitude"], a["longitude"]) for a in located] == [(48.79, 132.92)]
    for lat, lon in ((-90.5, 0), (0, 200), (None, 10)):
        with pytest.raises(MaxApiError) as caught:
            await max_bot.send_message(user_id=CHAT, text="x", attachments=[place(lat, lon)])
        assert caught.value.code == 400
