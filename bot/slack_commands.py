"""Slash commands: `/log NOTE`, `/dmu ACCOUNT`, ... and `/touchpoint ANY COMMAND`; answered in the ack."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack
from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext

from bot import registry
from bot.render.slack import render_slack
from bot.replies import Reply, Tone
from bot.slack_app import SlackBot
from bot.slack_people import plain_words

UMBRELLA = "touchpoint"
# Answers that only read: safe to share in a channel, and safe to re-run when the Share button is clicked.
READ_ONLY = frozenset({"account", "dmu", "stage", "next", "digest", "goals", "help"})
MAX_SHARED_WORDS = 500  # the share button carries the words; Slack caps a button value at 2000 characters


def slash_names() -> list[str]:
    return [c.name for c in registry.commands() if c.slash] + [UMBRELLA]


def words_of(command: str, text: str) -> str:
    """What the rep asked, as the dispatcher reads it: `/dmu Globex` -> `dmu Globex`."""
    name = command.lstrip("/").lower()
    text = plain_words(text)
    if name == UMBRELLA:
        return text or "help"
    return f"{name} {text}".strip()


def shareable(words: str, reply: Reply) -> bool:
    head = words.split(" ", 1)[0].lower()
    return head in READ_ONLY and reply.tone in (Tone.INFO, Tone.SUCCESS) and len(words) <= MAX_SHARED_WORDS


def register(bolt: BoltApp, bot: SlackBot) -> None:
    pattern = re.compile("^/(" + "|".join(map(re.escape, slash_names())) + ")$")

    @bolt.command(pattern)
    def on_slash(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        words = words_of(str(command.get("command", "")), str(command.get("text") or ""))
        actor = bot.actor(context, name=str(command.get("user_name") or ""))
        trigger = command.get("trigger_id")
        reply = bot.core.dispatcher.handle_text(words, actor=actor, now=bot.clock(),
                                                delivery_id=f"slack:{trigger}" if trigger else None)
        # Ephemeral: only the rep sees it; the share button posts it for the channel on purpose.
        ack(response_type="ephemeral",
            **render_slack(reply, shareable=shareable(words, reply), share_value={"command": words}))
