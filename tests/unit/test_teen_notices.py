"""A child of 14+ registered alone reads their family's notices themselves, as ты: the
outbox worker renders them with ``$you`` = teen (bot/notify/worker.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import Translator
from bot.notify.render import Renderer
from bot.notify.worker import _AsTeen
from core.port import Claimed
from tests.support.wording import address_problems


class _Facts:
    async def child_name(self, child_id: int) -> str | None:
        return "Алина"

    def __getattr__(self, name: str) -> Any:  # nothing else is read for these notices
        raise AssertionError(name)


@pytest.mark.parametrize("status", ["awaiting", "rejected", "accounting", "queued", "funded"])
async def test_a_child_alone_reads_their_certificate_notices_as_ty(status):
    t = Translator()
    row = Claimed(1, 1, "certificate_status", None, {"child_id": 3, "status": status}, 0)
    teen = await Renderer(_AsTeen(t), 0).render(_Facts(), row, "ru")  # type: ignore[arg-type]
    adult = await Renderer(t, 0).render(_Facts(), row, "ru")  # type: ignore[arg-type]
    assert teen is not None and adult is not None
    assert address_problems(teen.text, "teen") == [], teen.text
    assert "/children" not in teen.text  # a parent's command
    assert address_problems(adult.text, "adult") == [], adult.text
