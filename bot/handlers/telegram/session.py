"""The Bot API's requests as JSON where there is no file to upload.

aiogram posts every request as a form; a form percent-encodes each byte of a Cyrillic text
(six characters a letter, in Python's urllib), which took about 4 % of a replica's CPU in
the opening-day storm (py-spy, issue 30). The Bot API takes the same parameters as
``application/json`` "except for uploading files" (core.telegram.org/bots/api, "Making
requests"): a request with a file is still a multipart form, as aiogram builds it. The
values are aiogram's own, prepared as for the form but not turned into strings (numbers
and booleans stay JSON numbers and booleans, a keyboard stays an object), and a value the
form would leave out (None, an empty string) is left out here too.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiohttp import FormData
from aiohttp.payload import JsonPayload

_DUMPS = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


class JsonSession(AiohttpSession):
    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData:
        files: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":
                continue
            values[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        # aiohttp posts any payload given as the form; the method's return type is
        # aiogram's, which only ever passes it on to aiohttp
        return cast(FormData, JsonPayload(values, dumps=_DUMPS))
