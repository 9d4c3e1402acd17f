"""What to show, separate from how a platform sends it (aiogram_dialog's split).

A Screen is text pieces (locale keys with parameters) and rows of buttons, each button a
typed action (bot/dialogs/actions.py). A handler renders it with `render` and turns the
result into its markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.dialogs.actions import Action
from bot.i18n import ADULT, Translator


@dataclass(frozen=True, slots=True)
class T:
    """A localized piece: a locale key and its parameters. ``public``: parameters that
    name nobody (a program's card), so that its words may be remembered once formatted
    (``Translator.public``)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    public: bool = False

    @classmethod
    def of(cls, key: str, **params: Any) -> T:
        return cls(key, params)


@dataclass(frozen=True, slots=True)
class Data:
    """A piece that is data, not words (a program's name): shown as is."""

    text: str


@dataclass(frozen=True, slots=True)
class Lines:
    """Pieces shown as one paragraph, a line each (a list: a statement's entries)."""

    items: Sequence[T | Data]


Piece = T | Data | Lines


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a screen sends besides its text: a picture (a chart, shown in the chat) or a
    document (a table to download). Each messenger uploads it by its own method and checks
    its own limits first (bot/handlers/uploads.py)."""

    kind: str  # "picture" | "document"
    filename: str
    data: bytes = field(repr=False)
    caption: Piece | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("picture", "document"):
            raise ValueError(f"an attachment is a picture or a document, not {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Venue:
    """A place shown on the messenger's own map after the screen's text: Telegram's venue
    (sendVenue), a VK location (messages.send with lat and long), a MAX location attachment;
    the terminal prints the address and the coordinates. Its title and address are data (a
    program's name and address), shown as they are."""

    latitude: float
    longitude: float
    title: str
    address: str

    def __post_init__(self) -> None:
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValueError("a venue's latitude is -90..90 and its longitude -180..180")
        if not self.title.strip() or not self.address.strip():
            raise ValueError("a venue has a title and an address")


@dataclass(frozen=True, slots=True)
class Button:
    label: Piece
    action: Action | None  # packed and signed by the engine before it leaves
    kind: str = "callback"  # "callback" | "location" | "url"
    url: str | None = None


@dataclass
class Screen:
    parts: Sequence[Piece]
    rows: list[list[Button]] = field(default_factory=list)
    expect: str | None = None  # "text" or "location": what typing should answer
    name: str = ""  # the screen id, for tests and logs
    # sent after the text, each a message of its own with its caption
    files: tuple[Attachment, ...] = ()
    venue: Venue | None = None  # a place on the map, sent after the text (before files)

    def add_row(self, *buttons: Button) -> Screen:
        self.rows.append(list(buttons))
        return self


@dataclass(frozen=True, slots=True)
class RButton:
    label: str
    payload: str  # signed action
    kind: str = "callback"
    url: str | None = None


@dataclass(frozen=True, slots=True)
class RFile:
    """An attachment with its caption in the person's language."""

    kind: str  # "picture" | "document"
    filename: str
    data: bytes = field(repr=False)
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    rows: list[list[RButton]]
    expect: str | None = None
    name: str = ""
    files: tuple[RFile, ...] = ()
    lang: str = ""  # the language it was rendered in (a surface's own words: a refusal)
    venue: Venue | None = None

    @property
    def buttons(self) -> list[RButton]:
        return [b for row in self.rows for b in row]


def piece(t: Translator, lang: str, p: Piece, you: str = ADULT) -> str:
    """A piece in words; ``you`` is who reads (bot/i18n.py: ты for a teen, Вы otherwise)."""
    if isinstance(p, Data):
        return p.text
    if isinstance(p, Lines):
        return "\n".join(piece(t, lang, i, you) for i in p.items)
    if not p.params:
        return t.plain(lang, p.key, you)
    params = {
        k: piece(t, lang, v, you) if isinstance(v, T | Data) else v for k, v in p.params.items()
    }
    if p.public:
        return t.public(lang, p.key, {"you": you, **params})
    return t(lang, p.key, **{"you": you, **params})


def render(screen: Screen, lang: str, t: Translator, sign, you: str = ADULT) -> Rendered:  # type: ignore[no-untyped-def]
    # whole, however long: each handler sends a long text as several messages within its
    # platform's limit (bot/handlers/split.py)
    text = "\n\n".join(s for s in (piece(t, lang, p, you) for p in screen.parts) if s)
    rows = [
        [
            RButton(
                piece(t, lang, b.label, you),
                sign(b.action.pack()) if b.kind == "callback" and b.action else "",
                b.kind,
                b.url,
            )
            for b in row
        ]
        for row in screen.rows
    ]
    files = tuple(
        RFile(f.kind, f.filename, f.data, piece(t, lang, f.caption) if f.caption else "")
        for f in screen.files
    )
    return Rendered(
        text=text,
        rows=rows,
        expect=screen.expect,
        name=screen.name,
        files=files,
        lang=lang,
        venue=screen.venue,
    )
