"""Proactive messages: write to a rep in a conversation they had with the bot (the digest, reminders)."""

from __future__ import annotations

import logging

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from bot.replies import Reply
from bot.teams_app import to_activity
from bot.teams_refs import StoredRef
from bot.teams_server import ADAPTER_KEY, AUTH_KEY, REFS_KEY

log = logging.getLogger(__name__)


async def send_proactive(server: web.Application, ref: StoredRef, reply: Reply) -> None:
    """Send `reply` into the stored conversation; raises when the connector refuses (e.g. the bot was removed)."""
    reference = ConversationReference().deserialize(ref.reference)
    failed: list[Exception] = []

    async def send(turn_context: TurnContext) -> None:
        # The SDK gives the continuation activity a made-up id and would "reply" to it; a new message is meant.
        turn_context.activity.id = None
        try:
            await turn_context.send_activity(to_activity(reply))
        except Exception as exc:  # noqa: BLE001  # re-raised below: kept from on_turn_error's error card
            failed.append(exc)

    # With authentication on, the turn's claims must name this bot's app id; off, there is none.
    await server[ADAPTER_KEY].continue_conversation(reference, send, bot_app_id=server[AUTH_KEY].APP_ID or None)
    if failed:
        raise failed[0]


async def notify_rep(server: web.Application, workspace_id: str, user_id: str, reply: Reply) -> bool:
    """Reach a rep privately: in their 1:1 chat with the bot, never a channel or group chat they also talked to
    it in (a briefing names their accounts, deals and risks). False when no 1:1 chat works."""
    for ref in server[REFS_KEY].of_user(workspace_id, user_id):
        if ref.conversation_type != "personal":
            continue
        try:
            await send_proactive(server, ref, reply)
            return True
        except Exception:  # a removed bot or deleted chat must not stop the digest for other reps
            log.warning("proactive send to %s failed", ref.conversation_id, exc_info=True)
    return False
