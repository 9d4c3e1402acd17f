"""Operator commands: thin wrappers over the core's port (``core.port.Operator``), one
module per concern: imports (loading data), money (months, years, payments, expiry),
staff (roles, the audit trail), reports (the figures); base holds what they share."""

from bot.handlers.cli.base import operator_text
from bot.handlers.cli.imports import (
    import_catalog_cmd,
    import_certificates_cmd,
    import_municipalities_cmd,
    migrate_cmd,
    seed_demo_cmd,
)
from bot.handlers.cli.money import (
    close_month_cmd,
    expire_applications_cmd,
    new_year_cmd,
    payments_cmd,
)
from bot.handlers.cli.reports import report_cmd
from bot.handlers.cli.staff import audit_cmd, grant_role_cmd, revoke_role_cmd, roles_cmd

OPERATOR_COMMANDS = (
    migrate_cmd,
    seed_demo_cmd,
    import_catalog_cmd,
    import_municipalities_cmd,
    import_certificates_cmd,
    close_month_cmd,
    new_year_cmd,
    expire_applications_cmd,
    grant_role_cmd,
    revoke_role_cmd,
    roles_cmd,
    audit_cmd,
    report_cmd,
    payments_cmd,
)

__all__ = ["OPERATOR_COMMANDS", "operator_text"]
