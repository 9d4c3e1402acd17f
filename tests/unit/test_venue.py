"""A screen's map location (Venue): its limits are checked when it is made, and the terminal
prints the address and the coordinates where a messenger would pin it on its map."""

from __future__ import annotations

import io

import pytest

from bot.dialogs.screen import RButton, Rendered, Venue
from bot.handlers.console.handler import show
from bot.handlers.console.sender import Terminal


def test_a_venue_within_the_earth_and_named():
    Venue(48.79461, 132.92181, "Робототехника", "г. Биробиджан, ул. Ленина, 1")
    for lat, lon in ((90.5, 0), (-91, 0), (0, 180.1), (0, -181)):
        with pytest.raises(ValueError, match="latitude"):
            Venue(lat, lon, "Робототехника", "ул. Ленина, 1")
    with pytest.raises(ValueError, match="title"):
        Venue(48.7, 132.9, " ", "ул. Ленина, 1")
    with pytest.raises(ValueError, match="address"):
        Venue(48.7, 132.9, "Робототехника", "")


def test_the_terminal_prints_the_address_and_the_coordinates():
    out = io.StringIO()
    venue = Venue(48.79461, 132.92181, "Робототехника", "г. Биробиджан, ул. Ленина, 1")
    screen = Rendered("📍 Робототехника", [[RButton("◀ К программе", "x")]], venue=venue)
    show(screen, Terminal(out))
    printed = out.getvalue()
    assert "г. Биробиджан, ул. Ленина, 1" in printed
    assert "48.79461, 132.92181" in printed
    # the buttons keep their numbers after it
    assert printed.rstrip().endswith("[1] ◀ К программе")
