"""The hot statements' IN of constants is written into the text (no list expanded at each
execution), and only plain words are: a quote or a space is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core.storage.db import one_of
from core.storage.models import Application


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_the_constants_are_in_the_text(dialect) -> None:  # type: ignore[no-untyped-def]
    compiled = (
        select(Application.id)
        .where(one_of(Application.status, ["waiting", "accepted"]))
        .compile(dialect=dialect)
    )
    assert "applications.status IN ('accepted', 'waiting')" in str(compiled)
    assert not compiled.post_compile_params and not compiled.literal_execute_params


@pytest.mark.parametrize("word", ["it's", "a b", "x;--", "ё"])
def test_only_plain_words(word: str) -> None:
    with pytest.raises(ValueError, match="not a plain word"):
        one_of(Application.status, ["waiting", word])
