"""The flows, once for every messenger, listed explicitly: the engine is built from
``FLOWS`` (nothing registers itself by being imported). A flow declared twice, or a screen,
button action, input or command two flows both declare, is refused when the engine is
built. A flow's module is named after its command (/apps is apps.py); the flows reached
only by a button (child_form, cert_link, teen, teen_own, confirm_requests) are named
after what they do."""

from bot.dialogs.flow import Flow
from bot.dialogs.flows import (
    apps,
    attendance,
    balance,
    broadcast,
    card,
    cert_link,
    child_form,
    children,
    confirm,
    confirm_requests,
    contract,
    disputes,
    help,
    link,
    privacy,
    provider_month,
    queue,
    rating,
    reviews,
    search,
    start,
    stats,
    teen,
    teen_own,
)

FLOWS: tuple[Flow, ...] = (
    start.flow,
    privacy.flow,
    search.flow,
    card.flow,
    apps.flow,
    rating.flow,
    contract.flow,
    balance.flow,
    children.flow,
    child_form.flow,
    cert_link.flow,
    link.flow,
    teen.flow,
    teen_own.flow,
    help.flow,
    confirm.flow,
    confirm_requests.flow,
    disputes.flow,
    broadcast.flow,
    reviews.flow,
    queue.flow,
    provider_month.flow,
    attendance.flow,
    stats.flow,
)
