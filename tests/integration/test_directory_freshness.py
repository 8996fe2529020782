"""The parser's index stays true when several bot processes share one database."""

from __future__ import annotations

from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.replies import Tone
from bot.settings import Settings
from domain.customer import Account, Individual
from domain.names import new_id
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


def _held_elsewhere(app: App, workspace: str, database_url: str) -> tuple[App, Actor]:
    """A second process holding the workspace's parser index, and a rep; the world is loaded."""
    other = bootstrap(Settings(DATABASE_URL=database_url))
    load_world(app, workspace)
    rep = Actor(workspace, "U_REP", tz="America/New_York")
    assert other.dispatcher.handle_text("Call with Frank at Globex, fine", actor=rep, now=NOW).tone == Tone.SUCCESS
    assert other.services.directory.cached(workspace) is not None
    return other, rep


def _add_account(app: App, workspace: str, name: str) -> str:
    with app.services.uow(workspace) as uow:
        account = Account(new_id(), name)
        uow.accounts.add(account)
        uow.commit()
    return account.id


def test_a_plain_words_log_naming_an_account_another_process_just_added_is_logged_against_it(
        app: App, workspace: str, database_url: str) -> None:
    other, rep = _held_elsewhere(app, workspace, database_url)
    quasar = _add_account(app, workspace, "Quasar Dynamics")
    reply = other.dispatcher.handle_text("Intro call with Quasar Dynamics, they want a demo next week", actor=rep,
                                         now=NOW, delivery_id="Ev-quasar")
    assert reply.tone == Tone.SUCCESS and "Quasar Dynamics" in reply.headline
    with app.services.uow(workspace) as uow:
        assert uow.interactions.count_for_account(quasar) == 1
        assert uow.accounts.count() == 5  # none created twice
    other.engine.dispose()


def test_a_log_command_naming_an_account_another_process_just_added_is_logged_against_it(
        app: App, workspace: str, database_url: str) -> None:
    other, rep = _held_elsewhere(app, workspace, database_url)
    quasar = _add_account(app, workspace, "Quasar Dynamics")
    reply = other.dispatcher.handle_text("log call with Quasar Dynamics, pricing looks fine", actor=rep, now=NOW)
    assert reply.tone == Tone.SUCCESS and "Quasar Dynamics" in reply.headline
    with app.services.uow(workspace) as uow:
        assert uow.interactions.count_for_account(quasar) == 1
    other.engine.dispose()


def test_words_that_only_name_an_account_another_process_just_added_show_it_instead_of_logging(
        app: App, workspace: str, database_url: str) -> None:
    other, rep = _held_elsewhere(app, workspace, database_url)
    quasar = _add_account(app, workspace, "Quasar Dynamics")
    reply = other.dispatcher.handle_text("Quasar Dynamics", actor=rep, now=NOW, delivery_id="Ev-only-name")
    assert reply.tone != Tone.QUESTION and "Quasar Dynamics" in reply.headline
    with app.services.uow(workspace) as uow:
        assert uow.interactions.count_for_account(quasar) == 0
        assert uow.pending.latest_for("U_REP", now=NOW) is None  # no "create it?" question was kept
    other.engine.dispose()


def test_a_log_naming_a_contact_another_process_just_added_links_that_contact(
        app: App, workspace: str, database_url: str) -> None:
    other, rep = _held_elsewhere(app, workspace, database_url)
    with app.services.uow(workspace) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        zelda = Individual(new_id(), globex.id, "Zelda Quist", "CFO")
        uow.individuals.add(zelda)
        uow.commit()
    reply = other.dispatcher.handle_text("Call with Zelda Quist at Globex, she wants pricing", actor=rep, now=NOW)
    assert reply.tone == Tone.SUCCESS
    with app.services.uow(workspace) as uow:
        (latest,) = uow.interactions.of_account(globex.id, limit=1)
        assert latest.individual_ids == (zelda.id,)
        assert [p.name for p in uow.individuals.of_account(globex.id)].count("Zelda Quist") == 1
    other.engine.dispose()


def test_a_prospect_that_buys_is_a_customer_to_the_parser_of_this_process_and_the_others(
        app: App, workspace: str, database_url: str) -> None:
    """The index holds each account's lifecycle (a customer's renewal talk is loyalty, a prospect's is selection):
    a log that makes a prospect a customer moves the change counter, even when it also created a person, whom this
    process would otherwise take in place without reading the account again."""
    other, rep = _held_elsewhere(app, workspace, database_url)
    globex = app.services.directory(workspace).exact("Globex Corporation")
    assert globex is not None and not globex.customer
    reply = app.dispatcher.handle_text("Globex signed the contract and sent the PO for 200 seats, "
                                       "met Wanda Okafor (Procurement) at Globex", actor=rep, now=NOW)
    assert reply.tone == Tone.SUCCESS
    for process in (app, other):
        known = process.services.directory(workspace).account(globex.id)
        assert known is not None and known.customer
        assert process.services.directory(workspace).contacts_named("wanda", "okafor")
    other.engine.dispose()
