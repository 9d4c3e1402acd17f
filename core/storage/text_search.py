"""The substring condition of catalogue search, answered from an index on each dialect.

Both databases run the same `LIKE '%word%'` on programs.search_text. PostgreSQL's planner
answers it from the pg_trgm GIN index (migration 0002) by itself. On SQLite the FTS5
trigram table (same migration) is asked first for the matching ids: when they are few,
the search continues on those ids alone; when they are many, the plain LIKE is cheaper,
because walking the name index in order stops as soon as a page is full.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, column, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.models import Program

FTS = table("programs_fts", column("rowid"), column("search_text"))
FEW = 1000  # up to this many matches, the ids from the index drive the query
IGNORED_TABLES = ("programs_fts",)  # objects that are not in the models
IGNORED_INDEXES = ("ix_programs_search_trgm",)


def _pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _like(col, words: list[str]) -> ColumnElement[bool]:
    return and_(*(col.like(_pattern(w), escape="\\") for w in words))


async def contains_all(
    session: AsyncSession, dialect: str, words: list[str]
) -> ColumnElement[bool]:
    """``words`` are already folded (lower case, ё→е)."""
    plain = _like(Program.search_text, words)
    indexed = [w for w in words if len(w) >= 3]  # trigrams need three characters
    if dialect != "sqlite" or not indexed:
        return plain
    # a trigram phrase matches the word anywhere (LIKE with ESCAPE would bypass the index)
    phrase = " AND ".join('"' + w.replace('"', '""') + '"' for w in indexed)
    ids = (
        await session.scalars(
            select(FTS.c.rowid)
            .where(literal_column("programs_fts").op("MATCH")(phrase))
            .limit(FEW + 1)
        )
    ).all()
    if len(ids) > FEW:
        return plain
    return and_(Program.id.in_(ids), plain)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's comparisons: the search accelerators are not in the models."""
    if type_ == "table" and name and name.startswith(IGNORED_TABLES):
        return False
    return not (type_ == "index" and name in IGNORED_INDEXES)
