"""A parameter longer than python-fluent lets a placeable be is still shown whole."""

from __future__ import annotations

from bot.i18n import translator


def test_a_long_parameter_is_shown_whole():
    t = translator()
    text = "Объявление 😀 " * 1000  # 14,000 characters: fluent alone refuses over 2,500
    assert t("ru", "n-broadcast", text=text) == "📣 " + text
    assert t("en", "n-broadcast", text=text).endswith(text)
    # short ones as before
    assert t("ru", "n-broadcast", text="Коротко") == "📣 Коротко"
