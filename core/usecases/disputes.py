"""Disputes (core.certificates.disputes): a family says a stranger registered their child,
and a МОЦ's confirmer moves the child to it, or not, after seeing the documents. Each use
case is one unit of work; a resolution moves a child, its certificate and its
applications between families in one transaction."""

from __future__ import annotations

from core import port
from core.certificates import disputes
from core.usecases.base import Area


class Disputes(Area):
    async def file(self, parent_id: int, data: port.ChildInput) -> int:
        return await self.db.run(disputes.file, parent_id, data)

    async def pending(self, staff_id: int, page: int) -> tuple[list[port.DisputeRow], int]:
        return await self.db.read(disputes.pending, staff_id, page=page)

    async def card(self, staff_id: int, dispute_id: int) -> port.DisputeCard:
        return await self.db.read(disputes.card, staff_id, dispute_id)

    async def move(self, staff_id: int, dispute_id: int) -> list[str]:
        return await self.db.run(disputes.move, staff_id, dispute_id)

    async def reject(self, staff_id: int, dispute_id: int, reason: str) -> None:
        await self.db.run(disputes.reject, staff_id, dispute_id, reason)
