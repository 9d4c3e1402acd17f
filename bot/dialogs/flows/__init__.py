"""The flows, once for every surface. Importing this package registers them all."""

from bot.dialogs.flows import (  # noqa: F401
    apply,
    balance,
    cert_link,
    child_form,
    children,
    confirmer,
    contract,
    coordinator,
    faq,
    link,
    provider,
    search,
    start,
    teen,
)
