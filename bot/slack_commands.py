"""Slash commands: `/log NOTE`, `/dmu ACCOUNT`, ... and `/touchpoint ANY COMMAND`: recorded, acknowledged at
once, then run after the ack and answered through the command's response_url (bot/slack_inbox.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltResponse
from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context
from sqlalchemy.exc import SQLAlchemyError

from bot import registry
from bot.handlers import digest, dmu, stage
from bot.render.slack import render_slack
from bot.replies import Reply, Tone
from bot.slack_app import SlackBot, polite_error
from bot.slack_guard import refuse_outsider
from bot.slack_people import IncompleteRequest, plain_words
from bot.slack_send import respond_now
from domain.errors import StorageUnavailable
from storage.slack_installations import InboxItem

KIND = "command"  # its kind in the inbox
NOT_RECORDED = "I can't reach the database right now. Nothing was saved; please try again in a minute."
UMBRELLA = "touchpoint"
# Commands that read: their answers may be shared in a channel, re-run when the Share button is clicked...
READ_ONLY = frozenset({"account", "dmu", "stage", "next", "digest", "goals", "help"})
# ...unless the words after the name are that command's own write syntax (`dmu add`, `stage X set Y`, `digest off`).
WRITES: dict[str, Callable[[str], bool]] = {
    "dmu": lambda rest: _first(rest) in dmu.EDITS,
    "stage": stage.is_override,
    "digest": lambda rest: _first(rest) in digest.SETTINGS,
    "goals": lambda rest: _first(rest) == "set",
}
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


def _first(text: str) -> str:
    return text.split(" ", 1)[0].lower()


def reads_only(words: str) -> bool:
    """Whether running these words again changes nothing: the Share button runs them as the clicking rep."""
    head, _, rest = words.strip().partition(" ")
    head, rest = head.lower(), rest.strip()
    writes = WRITES.get(head)
    return head in READ_ONLY and not (writes is not None and writes(rest))


def shareable(words: str, reply: Reply) -> bool:
    return reads_only(words) and reply.tone in (Tone.INFO, Tone.SUCCESS) and len(words) <= MAX_SHARED_WORDS


def register(bolt: BoltApp, bot: SlackBot) -> None:
    bot.inbox.on(KIND, lambda item, token: answer(bot, item, token))

    @bolt.command(_pattern())
    def on_slash(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        record(bot, command, context)
        # Recorded, so Slack may be told at once: the answer follows through the response_url. An ack without
        # a body shows the rep nothing, and nothing is lost if this process dies now.
        ack()


def _pattern() -> re.Pattern[str]:
    return re.compile("^/(" + "|".join(map(re.escape, slash_names())) + ")$")


def record(bot: SlackBot, command: dict[str, Any], context: BoltContext) -> None:
    """Records a slash command in the inbox, where a worker runs it: all there is to do before its ack."""
    workspace = bot.workspace(context)
    user, response_url = str(command.get("user_id") or ""), str(command.get("response_url") or "")
    if not user or not response_url:
        raise IncompleteRequest("the command names no Slack user or response_url")
    trigger = str(command.get("trigger_id") or uuid.uuid4())
    payload = {"words": words_of(str(command.get("command", "")), str(command.get("text") or "")),
               "user_id": user, "user_name": str(command.get("user_name") or ""), "response_url": response_url,
               "delivery_id": f"slack:{trigger}", "said_at": bot.clock().isoformat(),
               "team_id": context.team_id, "enterprise_id": context.enterprise_id,
               "is_enterprise_install": bool(context.is_enterprise_install)}
    try:
        bot.inbox.accept(f"command:{trigger}", workspace_id=workspace, kind=KIND, payload=payload,
                         token=context.bot_token)
    except SQLAlchemyError as exc:
        raise StorageUnavailable(NOT_RECORDED) from exc


def recorder(bot: SlackBot, token: str) -> Callable[[dict[str, Any]], BoltResponse | None]:
    """The ack of a slash command without Bolt's dispatch, for a server with one bot token: what Bolt would do
    for it (the request's ids, the outsider guard, `record`, the error boundary) and nothing else, in a little
    over half the time (bench/slack_record.py). Returns None for anything else, which Bolt then dispatches."""
    pattern = _pattern()

    def ack(body: dict[str, Any]) -> BoltResponse | None:
        if not pattern.match(str(body.get("command") or "")):
            return None
        context = build_context(BoltContext({"bot_token": token}), body)
        refused = refuse_outsider(body, context, bot.sender, bot.client)
        if refused is not None:
            return refused
        response = BoltResponse(status=200, body="")
        try:
            record(bot, body, context)
        except Exception as exc:  # noqa: BLE001 -- the same boundary as Bolt's: an apology, never a 500
            polite_error(exc, body, response)
        return response

    return ack


def answer(bot: SlackBot, item: InboxItem, token: str | None) -> None:
    """Runs a recorded command (in an inbox worker) and posts its answer, visible only to the rep."""
    p = item.payload
    actor = bot.people.actor(workspace=item.workspace_id, user_id=p["user_id"], name=p["user_name"],
                             token=token or bot.token_for(p))
    reply = bot.core.dispatcher.handle_text(p["words"], actor=actor, now=datetime.fromisoformat(p["said_at"]),
                                            delivery_id=p["delivery_id"])
    message = render_slack(reply, shareable=shareable(p["words"], reply), share_value={"command": p["words"]})
    respond_now(p["response_url"], message, response_type="ephemeral")
