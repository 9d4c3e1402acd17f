"""Nearest first read through the latitude indexes gives exactly the order of sorting every
program by distance, on every page, near the programs and far from them."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from bench._data import build_catalog
from core.catalogue import catalogue
from core.storage.models import Program


def _brute(rows, here, municipality):  # type: ignore[no-untyped-def]
    lat0, lon0 = here
    k = math.cos(math.radians(lat0))
    located = [r for r in rows if municipality is None or r.municipality_id == municipality]
    return [
        r.id
        for r in sorted(
            located,
            key=lambda r: ((r.lat - lat0) ** 2 + ((r.lon - lon0) * k) ** 2, r.id),
        )
    ]


@pytest.mark.parametrize("here", [(48.75, 132.95), (48.70, 132.90), (47.0, 131.0), (60.0, 150.0)])
async def test_nearest_first_pages_match_a_full_sort(db, here):
    await build_catalog(db, 2000, munis=4)
    async with db.reader() as uow:
        rows = (
            await uow.session.execute(
                select(Program.id, Program.lat, Program.lon, Program.municipality_id).where(
                    Program.active.is_(True)
                )
            )
        ).all()
    for municipality in (None, 2):
        expected = _brute(rows, here, municipality)
        for page in (0, 1, 7):
            q = catalogue.SearchQuery(municipality_id=municipality, near=here, page=page)
            async with db.reader() as uow:
                got = await catalogue.search(uow, q)
            want = expected[page * q.page_size : (page + 1) * q.page_size]
            assert [i.id for i in got.items] == want, (here, municipality, page)
