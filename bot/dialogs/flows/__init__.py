"""The flows, once for every surface. Importing this package registers them all."""

from bot.dialogs.flows import (  # noqa: F401
    apply,
    balance,
    cert_link,
    child_form,
    children,
    confirmer,
    coordinator,
    faq,
    link,
    provider,
    provider_month,
    search,
    start,
    teen,
)
