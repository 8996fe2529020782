"""Logging in plain words through the dispatcher, on a real database: save, ask, answer, undo, retry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.bootstrap import App
from bot.context import Actor
from bot.replies import Choice, Reply, Tone
from tests.conftest import NOW
from tests.integration.helpers import load_world


@pytest.fixture
def world(app: App, workspace: str) -> str:
    load_world(app, workspace)
    return workspace


def say(app: App, actor: Actor, text: str, **kw: str) -> Reply:
    return app.dispatcher.handle_text(text, actor=actor, now=NOW, **kw)


def click(app: App, actor: Actor, reply: Reply, label_part: str) -> Reply:
    button = next(b for b in reply.choices if label_part in b.label)
    return app.dispatcher.handle_action(button.action, button.value, actor=actor, now=NOW)


def test_a_plain_words_log_records_signal_person_and_next_step(app: App, world: str, actor: Actor) -> None:
    reply = say(app, actor, "log call with Hank at Globex, worried about price. next: send ROI calc by Friday")
    assert reply.tone == Tone.SUCCESS and "Globex Corporation" in reply.headline
    assert [b.action for b in reply.actions] == ["log.undo", "log.edit"]
    with app.services.uow(world) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        (latest,) = uow.interactions.of_account(globex.id, limit=1)
        hank = next(p for p in uow.individuals.of_account(globex.id) if p.name == "Hank Scorpio")
        assert hank.id in latest.individual_ids
        steps = uow.next_steps.open_for_owner("U_REP")
        assert any(s.due == date(2026, 11, 20) and s.interaction_id == latest.id for s in steps)
        assert any(s.interaction_id == latest.id for s in uow.signals.of_account(globex.id))


def test_undo_removes_everything_the_log_wrote_and_restores_attitude(app: App, world: str, actor: Actor) -> None:
    with app.services.uow(world) as uow:
        before = {p.name: p.attitude for p in uow.individuals.all()}
    reply = say(app, actor, "Great call with Hank Scorpio at Globex, he loved the demo. Send quote tomorrow")
    assert reply.tone == Tone.SUCCESS
    undone = click(app, actor, reply, "Undo")
    assert undone.tone == Tone.SUCCESS
    with app.services.uow(world) as uow:
        assert {p.name: p.attitude for p in uow.individuals.all()} == before
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        assert len(uow.interactions.of_account(globex.id, limit=50)) == 1  # only the imported one
        assert [s.text for s in uow.next_steps.open_for_account(globex.id)] == ["Send the security pack"]


def test_an_ambiguous_account_is_asked_about_and_the_answer_saves_the_note(app: App, world: str, actor: Actor
                                                                          ) -> None:
    question = say(app, actor, "Good meeting with Initech today, they want pricing")
    assert question.tone == Tone.QUESTION
    choice = next(b for b in question.blocks if isinstance(b, Choice))
    assert {o.label for o in choice.options} >= {"Initech Software", "Initech Logistics"}
    saved = click(app, actor, question, "Initech Logistics")
    assert saved.tone == Tone.SUCCESS and "Initech Logistics" in saved.headline
    again = click(app, actor, question, "Initech Software")  # the question was answered: nothing doubles
    assert again.tone == Tone.ERROR


def test_a_new_company_is_offered_and_undo_removes_the_created_account(app: App, world: str, actor: Actor) -> None:
    question = say(app, actor, "Intro call with Zenith Robotics, they had never heard of us")
    assert question.tone == Tone.QUESTION and "Zenith Robotics" in question.headline
    saved = click(app, actor, question, "Create")
    assert saved.tone == Tone.SUCCESS
    with app.services.uow(world) as uow:
        assert uow.accounts.by_name("Zenith Robotics") is not None
    click(app, actor, saved, "Undo")
    with app.services.uow(world) as uow:
        assert uow.accounts.by_name("Zenith Robotics") is None


def test_a_retried_delivery_never_logs_twice(app: App, world: str, actor: Actor) -> None:
    first = say(app, actor, "log call with Frank at Globex, went fine", delivery_id="Ev-1")
    second = say(app, actor, "log call with Frank at Globex, went fine", delivery_id="Ev-1")
    assert first.tone == Tone.SUCCESS and "Already" in second.headline
    with app.services.uow(world) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        assert len(uow.interactions.of_account(globex.id, limit=50)) == 2


def test_only_the_rep_who_logged_can_undo(app: App, world: str, actor: Actor) -> None:
    reply = say(app, actor, "log call with Frank at Globex, went fine")
    intruder = replace(actor, user_id="U_SOMEONE_ELSE")
    refused = click(app, intruder, reply, "Undo")
    assert refused.tone == Tone.ERROR and "Only the rep" in refused.headline


def test_a_forged_button_cannot_reach_another_workspaces_account(app: App, world: str, actor: Actor,
                                                                 workspace: str) -> None:
    other_ws = workspace + "-other"
    app.ensure_workspace(other_ws)
    question = say(app, actor, "Good meeting with Initech today")
    button = next(b for b in question.choices if b.label == "Initech Software")
    outsider = replace(actor, workspace_id=other_ws)
    refused = app.dispatcher.handle_action(button.action, button.value, actor=outsider, now=NOW)
    assert refused.tone == Tone.ERROR
    shown = app.dispatcher.handle_action("show", {"command": "dmu", "account": button.value["account"]},
                                         actor=outsider, now=NOW)
    assert shown.tone == Tone.ERROR and "Initech" not in shown.headline


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07\x1b", "x" * 10_000])
def test_bad_input_gets_a_friendly_error_and_saves_nothing(app: App, world: str, actor: Actor, text: str) -> None:
    reply = say(app, actor, text)
    assert reply.tone == Tone.ERROR and "Traceback" not in reply.headline
    with app.services.uow(world) as uow:
        assert sum(len(uow.interactions.of_account(a.id, limit=50)) for a in uow.accounts.all()) == 1


@pytest.mark.parametrize("target", ["nan", "inf", "-inf", "1e999"])
def test_a_goal_target_that_is_no_plain_number_is_refused_and_nothing_is_stored(app: App, world: str, actor: Actor,
                                                                                 target: str) -> None:
    with app.services.uow(world) as uow:
        before = uow.goals.all()
    reply = say(app, actor, f"goals set nps 2026-Q4 {target}")
    assert reply.tone == Tone.ERROR and "plain number" in reply.headline
    with app.services.uow(world) as uow:
        assert uow.goals.all() == before
    assert say(app, actor, "goals set nps 2026-Q4 40").tone == Tone.SUCCESS


@pytest.mark.parametrize("field", ["name", "title"])
def test_a_person_too_long_to_store_is_refused_politely_and_nothing_is_stored(app: App, world: str, actor: Actor,
                                                                             field: str) -> None:
    long = " ".join(["Quorn"] * 40)  # 239 characters: PostgreSQL would refuse the row
    text = f"dmu add {long} at Globex" if field == "name" else f"dmu add Zed Quorn, {long} at Globex"
    with app.services.uow(world) as uow:
        before = len(uow.individuals.all())
    reply = say(app, actor, text)
    assert reply.tone == Tone.ERROR and f"That {field} is 239 characters long" in reply.headline
    with app.services.uow(world) as uow:
        assert len(uow.individuals.all()) == before


def test_queries_answer_from_the_stored_data(app: App, world: str, actor: Actor) -> None:
    dmu = say(app, actor, "dmu globex")
    assert "Globex Corporation" in dmu.headline and "2 in the buying group" in dmu.headline
    assert dmu.headline.endswith(", 1 gap"), dmu.headline  # not "1 gaps"
    stage = say(app, actor, "stage Globex")
    assert "Vendor selection" in stage.headline
    overview = say(app, actor, "account Globex")
    assert "Globex Corporation" in overview.headline
    digest = say(app, actor, "digest")
    assert "1 overdue" in digest.headline  # the security pack, due yesterday
    assert any("Send the security pack (1 day overdue)" in line for b in digest.blocks for line in b.lines)
    goals = say(app, actor, "goals")
    assert "goals on track" in goals.headline
    nxt = say(app, actor, "next Globex")
    assert "Next for Globex Corporation" in nxt.headline and "overdue" in nxt.headline


def test_free_text_questions_route_by_intent(app: App, world: str, actor: Actor) -> None:
    assert "buying group" in say(app, actor, "who's in the buying group at Globex?").headline
    assert "Vendor selection" in say(app, actor, "where is Globex in the buying process?").headline


def test_undo_by_word_takes_back_the_last_chat_log_and_never_imported_history(app: App, world: str,
                                                                             actor: Actor) -> None:
    assert say(app, actor, "undo").tone == Tone.ERROR  # only the imported demo call exists
    say(app, actor, "log call with Frank at Globex, went fine")
    assert say(app, actor, "undo").tone == Tone.SUCCESS
    assert say(app, actor, "undo").tone == Tone.ERROR
    with app.services.uow(world) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        assert [i.text for i in uow.interactions.of_account(globex.id)] == ["Demo for Frank's team, they liked it"]


def test_edit_replaces_the_last_log_with_the_corrected_note(app: App, world: str, actor: Actor) -> None:
    say(app, actor, "log call with Frank at Globex, send deck tomorrow")
    edited = say(app, actor, "edit call with Frank at Globex, send deck on Monday")
    assert edited.tone == Tone.SUCCESS
    with app.services.uow(world) as uow:
        steps = [s for s in uow.next_steps.open_for_owner("U_REP") if "deck" in s.text]
        assert [s.due for s in steps] == [date(2026, 11, 23)]


def test_two_contacts_with_one_first_name_are_asked_about_and_never_guessed(app: App, world: str,
                                                                           actor: Actor) -> None:
    assert say(app, actor, "dmu add Frank Zappa, CTO at Globex").tone == Tone.SUCCESS
    question = say(app, actor, "Call with Frank at Globex, he wants the API docs")
    assert question.tone == Tone.QUESTION and "Which Frank" in question.headline
    saved = click(app, actor, question, "Frank Zappa")
    assert saved.tone == Tone.SUCCESS
    with app.services.uow(world) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        latest = uow.interactions.of_account(globex.id, limit=1)[0]
        zappa = uow.individuals.by_name(globex.id, "Frank Zappa")
        assert zappa is not None and latest.individual_ids == (zappa.id,)
        assert uow.individuals.by_name(globex.id, "Frank") is None  # nobody invented


def test_a_note_whose_account_was_picked_in_a_form_is_saved_there_and_a_foreign_id_is_refused(
        app: App, world: str, actor: Actor) -> None:
    with app.services.uow(world) as uow:
        initech = uow.accounts.by_name("Initech Logistics")
        assert initech is not None
    saved = app.dispatcher.handle_log("good call, they want pricing. send quote tomorrow", account_id=initech.id,
                                      actor=actor, now=NOW)
    assert saved.tone == Tone.SUCCESS and "Initech Logistics" in saved.headline
    outsider = replace(actor, workspace_id=world + "-other")
    app.ensure_workspace(outsider.workspace_id)
    refused = app.dispatcher.handle_log("good call", account_id=initech.id, actor=outsider, now=NOW)
    assert refused.tone == Tone.ERROR
