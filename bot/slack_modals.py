"""Shortcuts and the log modal: "Log to Touchpoint" on a message, "Log a call" from anywhere, the
account picker's options, and the submission (saved before the ack; the confirmation goes to the DM)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.context import Actor
from bot.render.slack import render_slack
from bot.slack_app import SlackBot
from bot.slack_people import plain_words
from bot.slack_views import ACCOUNT, CALLBACK_ID, MAX_NOTE, Prefill, account_options, log_modal, read_submission
from domain.understanding import AccountKind, read_message


def register(bolt: BoltApp, bot: SlackBot) -> None:
    @bolt.shortcut("log_call")
    def on_log_call(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        bot.sender.call(client, "views.open", trigger_id=body.get("trigger_id"), view=log_modal(Prefill()))

    @bolt.shortcut("log_message")
    def on_log_message(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        actor = bot.actor(context, user_id=str((body.get("user") or {}).get("id") or ""))
        text = plain_words(str((body.get("message") or {}).get("text") or ""))[:MAX_NOTE]
        view = log_modal(prefill(bot, actor, text), title="Log to Touchpoint")
        bot.sender.call(client, "views.open", trigger_id=body.get("trigger_id"), view=view)

    @bolt.options(ACCOUNT)
    def on_account_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
        directory = bot.core.services.directory(bot.workspace(context))  # only this workspace's accounts
        ack(options=account_options(directory, str(payload.get("value") or "")))

    @bolt.view(CALLBACK_ID)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                  client: WebClient) -> None:
        actor = bot.actor(context, user_id=str((body.get("user") or {}).get("id") or ""))
        words, errors = read_submission(view.get("state") or {}, bot.core.services.directory(actor.workspace_id))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        # Saved before the ack: once the modal closes, the note is in the database.
        reply = bot.core.dispatcher.handle_text(words, actor=actor, now=bot.clock(),
                                                delivery_id=f"slack:view:{view.get('id') or ''}")
        ack()
        bot.sender.call(client, "chat.postMessage", channel=actor.user_id, **render_slack(reply))


def prefill(bot: SlackBot, actor: Actor, text: str) -> Prefill:
    """What the parser understood from the message, for the rep to confirm or correct."""
    if not text:
        return Prefill()
    local_now = bot.clock().astimezone(actor.zone)
    reading = read_message(text, now=local_now, directory=bot.core.services.directory(actor.workspace_id))
    known = reading.account.account if reading.account.kind == AccountKind.KNOWN else None
    step = reading.next_step
    return Prefill(account=known, people=", ".join(p.name for p in reading.people), note=text,
                   next_step=step.text if step else "", due=step.due if step else None)
