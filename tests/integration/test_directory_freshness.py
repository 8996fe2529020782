"""The parser's index stays true when several bot processes share one database."""

from __future__ import annotations

from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.replies import Tone
from bot.settings import Settings
from tests.conftest import NOW
from tests.integration.helpers import load_world


def test_an_account_added_through_one_process_is_resolvable_by_the_next_message_on_another(
        app: App, workspace: str, database_url: str) -> None:
    other = bootstrap(Settings(DATABASE_URL=database_url))  # a second process: its own engine and index
    load_world(app, workspace)
    rep = Actor(workspace, "U_REP", tz="America/New_York")
    assert other.dispatcher.handle_text("stage Globex", actor=rep, now=NOW).tone != Tone.ERROR  # index built
    question = app.dispatcher.handle_text("Intro call with Quasar Dynamics, no pain yet", actor=rep, now=NOW)
    create = next(b for b in question.choices if b.label.startswith("Create"))
    assert app.dispatcher.handle_action(create.action, create.value, actor=rep, now=NOW).tone == Tone.SUCCESS
    reply = other.dispatcher.handle_text("account quasar dynamics", actor=rep, now=NOW)
    assert reply.tone != Tone.ERROR and "Quasar Dynamics" in reply.headline
    other.engine.dispose()
