"""The flows, once for every messenger, listed explicitly: the engine is built from
``FLOWS`` (nothing registers itself by being imported). A flow declared twice, or a screen,
button action, input or command two flows both declare, is refused when the engine is
built."""

from bot.dialogs.flow import Flow
from bot.dialogs.flows import (
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
    search,
    start,
    teen,
)

FLOWS: tuple[Flow, ...] = (
    start.flow,
    search.flow,
    apply.flow,
    balance.flow,
    children.flow,
    child_form.flow,
    cert_link.flow,
    link.flow,
    teen.flow,
    faq.flow,
    confirmer.flow,
    coordinator.flow,
    provider.flow,
)
