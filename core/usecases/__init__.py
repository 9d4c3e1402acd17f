"""The port (``core.port``) implemented once over the database: each use case is one unit
of work — a read without a write lock (Database.read), or a transaction committed and run
again on a deadlock (Database.run) — composed of the areas' functions. One module per
port area; jobs and operator serve the worker and the CLI."""

from __future__ import annotations

from datetime import date

from core.storage.db import Database
from core.usecases.broadcasts import Broadcasts
from core.usecases.catalogue import Catalogue
from core.usecases.certificates import Certificates
from core.usecases.disputes import Disputes
from core.usecases.enrolment import Enrolment
from core.usecases.family import Family
from core.usecases.staff import Staff


class UseCases:
    """``core.port.Core`` over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.family = Family(db)
        self.certificates = Certificates(db)
        self.catalogue = Catalogue(db)
        self.enrolment = Enrolment(db)
        self.staff = Staff(db)
        self.broadcasts = Broadcasts(db)
        self.disputes = Disputes(db)

    def today(self) -> date:
        return self.db.today()
