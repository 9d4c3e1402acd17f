"""Tables. Dialect-neutral: the same models run on SQLite and PostgreSQL."""

from core.storage.models.audit import AuditRecord
from core.storage.models.base import ACTIVE_SQL, Base, Money
from core.storage.models.catalogue import Follow, Group, Program, Provider, Review
from core.storage.models.contracts import Contract
from core.storage.models.money import (
    Absence,
    Application,
    Certificate,
    FundingOpen,
    LedgerEntry,
    MonthClose,
    Sequence,
    YearOpen,
)
from core.storage.models.notify import Broadcast, Outbox
from core.storage.models.people import (
    Child,
    Correction,
    Dispute,
    Identity,
    LinkCode,
    LinkFailure,
    LinkNumberFailure,
    Municipality,
    MunicipalityYear,
    Parent,
    RegisterEntry,
    Role,
)

__all__ = [
    "ACTIVE_SQL",
    "Absence",
    "Application",
    "AuditRecord",
    "Base",
    "Broadcast",
    "Certificate",
    "Child",
    "Contract",
    "Correction",
    "Dispute",
    "Follow",
    "FundingOpen",
    "Group",
    "Identity",
    "LedgerEntry",
    "LinkCode",
    "LinkFailure",
    "LinkNumberFailure",
    "Money",
    "MonthClose",
    "Municipality",
    "MunicipalityYear",
    "Outbox",
    "Parent",
    "Program",
    "Provider",
    "RegisterEntry",
    "Review",
    "Role",
    "Sequence",
    "YearOpen",
]
