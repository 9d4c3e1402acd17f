"""The audit trail: who (a staff member, the operator, the system) did what, when, on
which child, application, certificate or municipality, and how it ended.

One call, in the unit of work of the action it records, so the record commits with the
action or not at all::

    await audit.record(uow, staff_id, "confirm", certificate_id=cert.id, outcome="funded")
    await audit.record(uow, "operator:anna", "close-month", detail="2026-10")

``actor`` is a staff member's parent id (the ``staff_id`` every staff use case receives)
or a string: "operator:<OS user>" for an operator command, "system" for the worker. The
municipality is found from the certificate, the application or the child when not given,
so every record about a child can be filtered by its municipality. Ids only: never put a
name, a birth date, a СНИЛС or a phone in ``detail``.

The table is append-only: there is no update or delete here, and the database refuses
both (migration 0020). Records outlive the family's withdrawal (no foreign keys).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    AuditRecord,
    Certificate,
    Child,
    Identity,
    Municipality,
    Program,
)

Actor = int | str

# what is recorded (a new kind of act adds its name here)
ACTIONS = frozenset(
    {
        # a МОЦ's confirmer
        "confirm",
        "reject",
        "correct",
        "amend",  # a typo corrected at the desk (core.certificates.amendments)
        "link-number",
        "dispute",  # a child moved to the family that disputed its registration, or not
        "desk-read",  # the desk's list read, searched or not (the query's kind, keyed)
        "desk-card",  # a request's card opened: the child's data, the СНИЛС among them
        # a provider's staff
        "accept",
        "enrol",
        "reject-application",
        "end-studies",
        "contract-paper",  # the contract recorded as signed on paper
        "attendance-absent",  # a child marked absent on a class day (табель)
        "attendance-present",  # the mark taken back
        # a coordinator
        "announce",
        "cancel-announcement",
        "hide-review",  # a family's review of a program hidden
        # the operator
        "grant",
        "revoke",
        "import-catalog",
        "import-municipalities",
        "import-certificates",
        "close-month",
        "open-year",
        # a read of the region's aggregates (core.reports)
        "report",
        "payments",  # the month's payment register exported
    }
)
DETAIL_MAX = 300
DIGEST = 16  # hex characters of a keyed digest in ``detail``


def keyed_digest(secret: bytes, label: str, value: object) -> str:
    """What a person typed or read (a surname, a СНИЛС), as the trail may hold it: an
    HMAC with the deployment's REGISTER_SECRET, recognised by whoever holds the value and
    the secret, never read back."""
    shown = "" if value is None else str(value)
    return hmac.new(secret, f"{label}:{shown}".encode(), hashlib.sha256).hexdigest()[:DIGEST]


def actor_name(actor: Actor) -> str:
    return f"staff:{actor}" if isinstance(actor, int) else actor


async def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    child_id: int | None = None,
    application_id: int | None = None,
    certificate_id: int | None = None,
    municipality: int | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """Add one record to the trail, in this unit of work (``municipality``: its id)."""
    if action not in ACTIONS:
        raise ValueError(f"not an audited action: {action}")
    s = uow.session
    if municipality is None:
        municipality = await _municipality(uow, child_id, application_id, certificate_id)
    accounts = None
    if isinstance(actor, int):
        found = await s.scalars(
            select(Identity.platform + ":" + Identity.external_id)
            .where(Identity.parent_id == actor, Identity.child_id.is_(None))
            .order_by(Identity.id)
        )
        accounts = " ".join(found)[:200] or None
    s.add(
        AuditRecord(
            at=uow.now,
            actor=actor_name(actor)[:80],
            accounts=accounts,
            action=action,
            outcome=outcome[:40],
            municipality_id=municipality,
            child_id=child_id,
            application_id=application_id,
            certificate_id=certificate_id,
            detail=detail[:DETAIL_MAX] if detail else None,
        )
    )
    await s.flush()


async def _municipality(
    uow: UnitOfWork, child_id: int | None, application_id: int | None, certificate_id: int | None
) -> int | None:
    if certificate_id is not None:
        query = select(Certificate.municipality_id).where(Certificate.id == certificate_id)
    elif application_id is not None:
        query = (
            select(Program.municipality_id)
            .join(Application, Application.program_id == Program.id)
            .where(Application.id == application_id)
        )
    elif child_id is not None:
        query = select(Child.municipality_id).where(Child.id == child_id)
    else:
        return None
    return await uow.session.scalar(query)


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    at: datetime
    actor: str
    accounts: str | None
    action: str
    outcome: str
    municipality: str | None
    child_id: int | None
    application_id: int | None
    certificate_id: int | None
    detail: str | None


COLUMNS = (
    "id",
    "at_utc",
    "actor",
    "accounts",
    "action",
    "outcome",
    "municipality",
    "child_id",
    "application_id",
    "certificate_id",
    "detail",
)


async def rows(
    uow: UnitOfWork,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    municipality_id: int | None = None,
) -> list[Row]:
    """The records from ``since`` (inclusive) to ``until`` (exclusive), naive UTC, of one
    municipality or all, in the order they were written."""
    query = (
        select(AuditRecord, Municipality.code)
        .outerjoin(Municipality, Municipality.id == AuditRecord.municipality_id)
        .order_by(AuditRecord.id)
    )
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    if until is not None:
        query = query.where(AuditRecord.at < until)
    if municipality_id is not None:
        query = query.where(AuditRecord.municipality_id == municipality_id)
    found = (await uow.session.execute(query)).all()
    return [
        Row(
            r.id,
            r.at,
            r.actor,
            r.accounts,
            r.action,
            r.outcome,
            code,
            r.child_id,
            r.application_id,
            r.certificate_id,
            r.detail,
        )
        for r, code in found
    ]


def to_csv(found: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in found:
        writer.writerow(
            [
                r.id,
                r.at.isoformat(sep=" "),
                r.actor,
                r.accounts or "",
                r.action,
                r.outcome,
                r.municipality or "",
                r.child_id or "",
                r.application_id or "",
                r.certificate_id or "",
                r.detail or "",
            ]
        )
    return out.getvalue()


async def municipality_id(uow: UnitOfWork, code: str) -> int | None:
    return await uow.session.scalar(select(Municipality.id).where(Municipality.code == code))
