"""The search's filters and "nothing found"'s widenings (issue 29), on both databases.

The catalogue is made from a list of specs; each expected count is computed here from
the specs by plain Python (not by the query under test)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from core.catalogue import catalogue
from core.errors import DomainError
from core.port import COUNT_CAP, SearchQuery
from core.rules.catalogue import BUDGET_REGISTERS, Direction
from core.usecases import UseCases
from tests.support.world import HEADER, parent_with_child, setup_region

DIRECTIONS = ("technical", "sports", "arts")
STREETS = ("ул. Ленина", "ул. Калинина", "пр. 60-летия СССР")


@dataclass(frozen=True)
class Spec:
    n: int
    direction: str
    muni: str
    ages: tuple[int, int]
    register: str
    price: int
    seats: int
    online: bool
    ovz: bool
    name: str
    street: str
    lat: float


def _specs() -> list[Spec]:
    out = []
    for n in range(1, 37):
        register = ("certified", "significant", "certified", "other")[n % 4]
        out.append(
            Spec(
                n=n,
                direction=DIRECTIONS[n % 3],
                muni="town" if n % 5 else "village",
                ages=((5, 9), (7, 12), (10, 17), (14, 17))[n % 4],
                register=register,
                price=0 if register != "certified" else 1000 + 100 * (n % 3),
                seats=0 if n % 7 == 0 else 5,
                online=n % 6 == 0,
                ovz=n % 4 == 1,
                name=("Шахматы" if n % 9 == 0 else "Кружок") + f" {n:02d}",
                street=STREETS[n % 3],
                lat=48.70 + n * 0.001,
            )
        )
    return out


SPECS = _specs()


def _row(s: Spec) -> str:
    return (
        f"prov{s.n % 2},Провайдер {s.n % 2},нет,p{s.n},{s.name},Описание,{s.muni},"
        f'"г. Город, {s.street}, {s.n}",{s.lat:.3f},132.9,{s.direction},{s.register},'
        f"{s.ages[0]},{s.ages[1]},{s.price},9,5,g{s.n},Группа {s.n},Пн 15:00,{s.seats},"
        f"{'да' if s.online else 'нет'},{'да' if s.ovz else 'нет'}"
    )


async def _setup(db) -> None:  # type: ignore[no-untyped-def]
    from core.catalogue import catalogue_import

    await setup_region(db, rows=[])
    async with db.uow() as uow:
        report = await catalogue_import.import_catalogue(
            uow, HEADER + ",online,ovz\n" + "\n".join(_row(s) for s in SPECS) + "\n"
        )
        assert report.ok, report.errors
        await uow.commit()


async def _total(db, **kw) -> int:  # type: ignore[no-untyped-def]
    async with db.uow() as uow:
        return (await catalogue.search(uow, SearchQuery(**kw))).total


def _count(**want) -> int:  # type: ignore[no-untyped-def]
    """The programs of SPECS meeting ``want``, counted by hand."""

    def ok(s: Spec) -> bool:
        return all(
            [
                want.get("direction") in (None, s.direction),
                want.get("muni") in (None, s.muni),
                want.get("age") is None or s.ages[0] <= want["age"] <= s.ages[1],
                want.get("pay") != "free" or s.price == 0,
                want.get("pay") != "paid" or s.price > 0,
                not want.get("online") or s.online,
                not want.get("ovz") or s.ovz,
                not want.get("seats") or s.seats > 0,
                want.get("word") is None or want["word"] in s.name.lower(),
            ]
        )

    return sum(ok(s) for s in SPECS)


async def test_each_filter_finds_what_it_says(db):
    await _setup(db)
    assert await _total(db) == len(SPECS)
    assert await _total(db, online=True) == _count(online=True) > 0
    assert await _total(db, ovz=True) == _count(ovz=True) > 0
    assert await _total(db, pay="free") == _count(pay="free") > 0
    assert await _total(db, pay="paid") == _count(pay="paid") > 0
    assert await _total(db, free_seats_only=True) == _count(seats=True) > 0
    assert await _total(db, municipality_id=2) == _count(muni="village") > 0
    assert await _total(db, age=15) == _count(age=15) > 0
    assert await _total(db, direction=Direction.ARTS) == _count(direction="arts") > 0
    assert await _total(db, text="шахматы") == _count(word="шахматы") > 0
    # combined: each condition narrows the others
    assert await _total(
        db, direction=Direction.SPORTS, pay="free", ovz=True, municipality_id=1
    ) == _count(direction="sports", pay="free", ovz=True, muni="town")
    # "by my certificate" with no certificate read: nothing (never everything)
    assert await _total(db, pay="mine") == 0
    assert await _total(db, pay="mine", registers=("certified",)) == _count(pay="paid")


async def test_ten_a_page_in_a_stable_order(db):
    await _setup(db)
    seen = []
    for page in itertools.count():
        async with db.uow() as uow:
            result = await catalogue.search(uow, SearchQuery(page=page))
        assert len(result.items) <= 10
        assert result.pages == 4  # 36 programs
        seen += [r.name for r in result.items]
        # each line can tell namesakes apart: the district and the provider
        assert all(r.municipality in ("Город", "Село") for r in result.items)
        if not result.has_next:
            break
    assert seen == sorted(s.name for s in SPECS)


async def test_nothing_found_offers_each_widening_with_its_count(db):
    await _setup(db)
    # online, paid, for a 6-year-old, in the village: nothing at all
    want = {"online": True, "pay": "paid", "age": 6, "muni": "village"}
    assert _count(**want) == 0
    async with db.uow() as uow:
        page = await catalogue.search(
            uow,
            SearchQuery(online=True, pay="paid", age=6, municipality_id=2),
        )
    assert page.total == 0 and page.items == []
    names = {"text": "word", "age": "age", "muni": "muni", "pay": "pay"}
    expected = {}
    for key in ("text", "age", "muni", "pay", "online", "ovz"):
        rest = {k: v for k, v in want.items() if k != names.get(key, key)}
        n = _count(**rest)
        if n:
            expected[key] = min(n, COUNT_CAP + 1)
    assert dict(page.widen) == expected
    assert expected  # the catalogue is made so that some widening finds something


async def test_a_child_sees_why_not_and_by_my_certificate(db):
    await _setup(db)
    # a child of 10 (born 2016) with a certificate of учёта only
    parent_id, child_id = await parent_with_child(db, certificate="accounting")
    core = UseCases(db)
    page = await core.catalogue.search(SearchQuery(page_size=40), parent_id, child_id)
    why = {r.name: (r.why_not.code if r.why_not else None) for r in page.items}
    by_spec = {s.name: s for s in SPECS}
    for name, code in why.items():
        s = by_spec[name]
        if not s.ages[0] <= 10 <= s.ages[1]:
            assert code == "program_age_mismatch", name
        elif s.register == "certified":
            assert code == "funded_certificate_required", name
        else:
            assert code is None, name  # a budget program, of the age: it may be applied to
    mine = await core.catalogue.search(SearchQuery(pay="mine", page_size=40), parent_id, child_id)
    budget = {r.value for r in BUDGET_REGISTERS}
    assert mine.total == sum(s.register in budget for s in SPECS) > 0
    # the card of a program the child cannot apply to says why and offers no button
    refused = next(r for r in page.items if r.why_not is not None)
    card = await core.catalogue.card(refused.id, parent_id, child_id)
    assert not card.applicable
    assert isinstance(card.why_not, DomainError)


async def test_a_typed_address_is_matched_to_a_street_of_the_catalogue(db):
    await _setup(db)
    core = UseCases(db)
    found = await core.catalogue.match_street(1, "Калинина, 12")
    assert found.street == "ул. Калинина" and found.municipality == "Город"
    on_it = [s.lat for s in SPECS if s.street == "ул. Калинина" and s.muni == "town"]
    assert abs(found.lat - sum(on_it) / len(on_it)) < 1e-4
    assert (await core.catalogue.match_street(None, "проспект 60-летия СССР 3")).street == (
        "пр. 60-летия СССР"
    )
    missing = await core.catalogue.match_street(1, "Набережная 5")
    assert missing.street is None
    assert set(missing.examples) <= set(STREETS) and len(missing.examples) == 3
