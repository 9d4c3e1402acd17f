"""Search: it answers first and narrows after. One flow in four modules: the one question
(search_question), the results and their filters (search_results), nearest first
(search_near) and what they keep (search_state). Importing this module registers them
all on ``flow``. A program's card is a flow of its own: card.py."""

from __future__ import annotations

from bot.dialogs.flows import search_near, search_question, search_results
from bot.dialogs.flows.search_results import BackToResults
from bot.dialogs.flows.search_state import Query, flow

__all__ = ["BackToResults", "Query", "flow", "search_near", "search_question", "search_results"]
