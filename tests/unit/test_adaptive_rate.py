"""The reply budget adapts to Telegram's 429: halved when told, back to the setting
gradually, one halving per refusal however many sends in flight got it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.handlers.telegram.settings import TelegramSettings
from bot.notify.pacing import Adaptive


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refusal_halves_the_rate_and_it_climbs_back_linearly():
    clock = Clock()
    rate = Adaptive(30, recover_s=30, clock=clock)
    assert rate.rate() == 30
    rate.refused(2)
    assert rate.rate() == pytest.approx(15)
    clock.now += 2  # the pause: no climbing while told to wait
    assert rate.rate() == pytest.approx(15)
    clock.now += 6  # a fifth of the way back: 0.5 + 6/30
    assert rate.rate() == pytest.approx(30 * 0.7)
    clock.now += 9
    assert rate.rate() == 30  # whole again, and stays so
    clock.now += 100
    assert rate.rate() == 30
    assert rate.refusals == 1


def test_the_sends_in_flight_refused_together_slow_it_once():
    clock = Clock()
    rate = Adaptive(30, clock=clock)
    for _ in range(8):  # eight replies were on the wire when the 429 came
        rate.refused(1)
    assert rate.rate() == pytest.approx(15)
    assert rate.refusals == 1
    clock.now += 1.5  # a later refusal, after the pause: slower again
    rate.refused(1)
    assert rate.rate() == pytest.approx(30 * (0.5 + 0.5 / 30) / 2)  # half of where it was
    assert rate.refusals == 2


def test_it_never_stops_sending():
    clock = Clock()
    rate = Adaptive(30, floor=0.05, clock=clock)
    for _ in range(20):
        rate.refused(1)
        clock.now += 1.0
    assert rate.rate() >= 30 * 0.05


def test_the_reply_budget_is_the_bots_budget_unless_set():
    s = TelegramSettings(_env_file=None)  # type: ignore[call-arg]
    assert s.replies_per_second == s.rate == 30
    raised = TelegramSettings(_env_file=None, reply_rate=100)  # type: ignore[call-arg]
    assert raised.replies_per_second == 100 and raised.rate == 30
    with pytest.raises(ValidationError, match="greater than 0"):
        TelegramSettings(_env_file=None, reply_rate=0)  # type: ignore[call-arg]
