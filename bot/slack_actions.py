"""Button clicks (action_id `tp:...`): the button's value names a dispatcher action and its ids.

Anyone can forge a value, so nothing here trusts it: the actor comes from Slack's signed payload and
the action handlers check that this rep, in this workspace, may do what the value asks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import slack_home
from bot.context import Actor
from bot.render.slack import SHARE_ACTION, decode_value, render_shared, render_slack
from bot.replies import Reply, Tone, error
from bot.slack_app import SlackBot
from bot.slack_commands import reads_only

log = logging.getLogger(__name__)

ACTION_ID = re.compile(r"^tp:")
# Answers that add to the conversation instead of replacing the message that was clicked.
KEEP_ORIGINAL = frozenset({"log.edit"})

Answer = Callable[[Reply, bool], None]  # (reply, replace the clicked message?)


def register(bolt: BoltApp, bot: SlackBot) -> None:
    @bolt.action(ACTION_ID)
    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                 client: WebClient) -> None:
        ack()  # nothing to say in the ack itself: the answer follows through the response_url
        actor = bot.actor(context, user_id=str((body.get("user") or {}).get("id") or ""))
        answer = _answerer(bot, body, client, actor)
        try:
            name, value = decode_value(str(action.get("value") or ""))
        except ValueError:
            log.info("refused a button value that is not ours: %.100r", action.get("value"))
            answer(error("That button is no longer supported. Please start again from a fresh message."), False)
            return
        if name == SHARE_ACTION:
            _share(bot, body.get("response_url"), actor, value, answer)
            return
        reply = bot.core.dispatcher.handle_action(name, value, actor=actor, now=bot.clock(),
                                                  delivery_id=f"slack:{body.get('trigger_id') or ''}")
        answer(reply, reply.tone != Tone.ERROR and name not in KEEP_ORIGINAL)


def _answerer(bot: SlackBot, body: dict[str, Any], client: WebClient, actor: Actor) -> Answer:
    """Messages answer through their response_url; Home buttons have none, so the Home tab is refreshed."""
    url = body.get("response_url")
    if url:
        def to_message(reply: Reply, replace: bool) -> None:
            options = {"replace_original": True} if replace else {"replace_original": False,
                                                                   "response_type": "ephemeral"}
            bot.sender.respond(str(url), render_slack(reply), **options)
        return to_message
    if (body.get("view") or {}).get("type") == "home":
        return lambda reply, _replace: slack_home.publish(bot, client, actor, notice=reply)
    return lambda reply, _replace: log.info("no way to answer a click: %s", reply.headline)


def _share(bot: SlackBot, url: str | None, actor: Actor, value: dict[str, str], answer: Answer) -> None:
    """Re-run the read-only question as the clicking rep and post the answer for the whole channel. The value can be
    forged, and a write must never run twice: only words that read are run."""
    words = value.get("command", "")
    if not reads_only(words):
        answer(error("Only answers to questions can be shared in a channel."), False)
        return
    reply = bot.core.dispatcher.handle_text(words, actor=actor, now=bot.clock())
    if reply.tone == Tone.ERROR or not url:
        answer(reply, False)
        return
    bot.sender.respond(url, render_shared(reply, by_user=actor.user_id), response_type="in_channel",
                       replace_original=False)
