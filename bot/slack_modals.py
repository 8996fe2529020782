"""Shortcuts and the log modal: "Log to Touchpoint" on a message, "Log a call" from anywhere, the
account picker's options, and the submission (recorded before the ack, logged by the inbox worker, confirmed
in the rep's DM)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import Ack
from slack_bolt import App as BoltApp
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import slack_events
from bot.context import Actor
from bot.slack_app import SlackBot
from bot.slack_commands import NOT_RECORDED
from bot.slack_people import IncompleteRequest, plain_words
from bot.slack_views import ACCOUNT, CALLBACK_ID, MAX_NOTE, Prefill, account_options, log_modal, read_submission
from domain.understanding import AccountKind, read_message
from storage.slack_installations import InboxItem

log = logging.getLogger(__name__)

KIND = "view"  # a submitted log modal, in the inbox


def register(bolt: BoltApp, bot: SlackBot) -> None:
    # logged by the inbox worker; the confirmation goes to the rep's DM (a user id is a channel)
    bot.inbox.on(KIND, lambda item, token: reply(bot, item, token))

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
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        workspace = bot.workspace(context)
        user = str((body.get("user") or {}).get("id") or "")
        if not user:
            raise IncompleteRequest("the submission names no Slack user")
        note, errors = read_submission(view.get("state") or {}, lambda account_id: account_name(workspace, account_id))
        if note is None:
            ack(response_action="errors", errors=errors)
            return
        view_id = str(view.get("id") or uuid.uuid4())
        payload = {"account_id": note.account_id, "note": note.text, "user_id": user, "channel": user,
                   "delivery_id": f"slack:view:{view_id}", "said_at": bot.clock().isoformat(),
                   "team_id": context.team_id, "enterprise_id": context.enterprise_id,
                   "is_enterprise_install": bool(context.is_enterprise_install)}
        try:  # recorded before the ack: once the modal closes, the note cannot be lost
            bot.inbox.accept(f"view:{view_id}", workspace_id=workspace, kind=KIND, payload=payload,
                             token=context.bot_token)
        except SQLAlchemyError as exc:  # the modal stays open with the note in it: the rep submits again
            log.warning("a log modal could not be recorded: %s", exc)
            ack(response_action="errors", errors={"note": NOT_RECORDED})
            return
        ack()

    def account_name(workspace: str, account_id: str) -> str | None:
        """One indexed read of this workspace's account (the parser's index may not be built in this process)."""
        with bot.core.services.uow(workspace) as uow:
            account = uow.accounts.get(account_id)
        return account.name if account else None


def reply(bot: SlackBot, item: InboxItem, token: str | None) -> None:
    """Logs a recorded submission for the account the rep picked, and confirms it in the rep's DM."""
    p = item.payload
    if "account_id" not in p:  # recorded before submissions kept the account apart: logged as a DM
        slack_events.reply(bot, item, token)
        return
    slack_events.reply(bot, item, token, ask=lambda rep, now: bot.core.dispatcher.handle_log(
        p["note"], account_id=p["account_id"], actor=rep, now=now, delivery_id=p["delivery_id"]))


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
