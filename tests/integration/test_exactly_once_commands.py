"""Retried deliveries never write twice: every writing command claims its delivery id in its own transaction,
an answer button claims its question by deleting it, and a repeated log that only asked asks again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.context import Actor
from bot.handlers import choose
from bot.replies import Button, Choice, Reply, Tone
from storage import tables as t
from tests.conftest import NOW
from tests.integration.helpers import load_world

_TABLES = (t.AccountRow, t.IndividualRow, t.InteractionRow, t.SignalRow, t.TouchRow, t.NextStepRow,
           t.StageEventRow, t.AttitudeEventRow, t.GoalRow, t.RepRow, t.PendingLogRow)


@pytest.fixture
def world(app: App, workspace: str) -> str:
    load_world(app, workspace)
    return workspace


def _snapshot(app: App, workspace: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the workspace a command may write, as plain tuples."""
    out: dict[str, list[tuple[str, ...]]] = {}
    with app.engine.connect() as conn:
        for model in _TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            rows = conn.execute(select(table).where(table.c.workspace_id == workspace)).all()
            out[table.name] = sorted(tuple(repr(v) for v in r) for r in rows)
    return out


def _logs(app: App, workspace: str) -> int:
    table = t.InteractionRow.__table__  # type: ignore[attr-defined]
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)
                                .where(table.c.workspace_id == workspace)).scalar_one())


def _say(app: App, actor: Actor, text: str, delivery: str | None = None) -> Reply:
    return app.dispatcher.handle_text(text, actor=actor, now=NOW, delivery_id=delivery)


def _option(reply: Reply, label: str) -> Button:
    return next(b for b in reply.choices if b.label == label or b.label.startswith(label))


# 1. every writing command claims its delivery id


def test_a_repeated_undo_delivery_does_not_undo_a_second_log(app: App, world: str, actor: Actor) -> None:
    before = _logs(app, world)
    assert _say(app, actor, "Call with Hank Scorpio at Globex, wants pricing", "Ev-log-1").tone == Tone.SUCCESS
    assert _say(app, actor, "Met Bill Lumbergh at Initech Software, keen on a demo", "Ev-log-2").tone == Tone.SUCCESS
    assert _say(app, actor, "undo", "Ev-undo").tone == Tone.SUCCESS
    assert _logs(app, world) == before + 1
    again = _say(app, actor, "undo", "Ev-undo")  # Teams re-sends the activity
    assert again.tone == Tone.INFO and again.headline == "Already done."
    assert _logs(app, world) == before + 1  # the first log is still there


def test_a_repeated_undo_button_delivery_writes_nothing(app: App, world: str, actor: Actor) -> None:
    logged = _say(app, actor, "Call with Hank Scorpio at Globex, wants pricing", "Ev-log")
    undo = next(b for b in logged.actions if b.action == "log.undo")
    first = app.dispatcher.handle_action(undo.action, undo.value, actor=actor, now=NOW, delivery_id="Ev-click")
    assert first.tone == Tone.SUCCESS
    again = app.dispatcher.handle_action(undo.action, undo.value, actor=actor, now=NOW, delivery_id="Ev-click")
    assert again.tone == Tone.INFO and again.headline == "Already done."


def _step_done(app: App, world: str, actor: Actor, delivery: str) -> Reply:
    table = t.NextStepRow.__table__  # type: ignore[attr-defined]
    with app.engine.connect() as conn:
        step = conn.execute(select(table.c.id).where(table.c.workspace_id == world)).scalars().first()
    return app.dispatcher.handle_action("step.done", {"step": str(step)}, actor=actor, now=NOW, delivery_id=delivery)


def _digest_button(app: App, world: str, actor: Actor, delivery: str) -> Reply:
    return app.dispatcher.handle_action("digest.settings", {"words": "settings 8:30"}, actor=actor, now=NOW,
                                        delivery_id=delivery)


def _words(text: str) -> Callable[[App, str, Actor, str], Reply]:
    return lambda app, _world, actor, delivery: _say(app, actor, text, delivery)


WRITES: dict[str, Callable[[App, str, Actor, str], Reply]] = {
    "edit": _words("edit Call with Frank Grimes at Globex, wants a pilot"),
    "stage set": _words("stage Globex set validation because legal review started"),
    "goals set": _words("goals set nps 2026-Q4 40"),
    "dmu add": _words("dmu add Jane Roe, CTO at Globex Corporation as decider"),
    "dmu role": _words("dmu role Frank Grimes decider"),
    "dmu attitude": _words("dmu attitude Frank Grimes -1 because he doubts our ROI"),
    "plain attitude": _words("Frank Grimes is a detractor because of the outage"),
    "plain role": _words("Frank Grimes is the economic buyer"),
    "dmu remove": _words("dmu remove Frank Grimes"),
    "digest settings": _words("digest settings 7:45 weekdays"),
    "digest off": _words("digest off"),
    "step done": _step_done,
    "digest button": _digest_button,
}


@pytest.mark.parametrize("command", list(WRITES))
def test_a_repeated_delivery_of_a_writing_command_writes_nothing_and_says_so(
        app: App, world: str, actor: Actor, command: str) -> None:
    assert _say(app, actor, "Call with Hank Scorpio at Globex, wants pricing", "Ev-log").tone == Tone.SUCCESS
    run = WRITES[command]
    assert run(app, world, actor, "Ev-cmd").tone == Tone.SUCCESS
    before = _snapshot(app, world)
    again = run(app, world, actor, "Ev-cmd")
    assert again.tone == Tone.INFO and again.headline == "Already done.", again
    assert _snapshot(app, world) == before
    assert run(app, world, actor, "Ev-other").tone != Tone.INFO  # a new delivery is not a repeat


def test_a_writing_command_that_failed_is_done_when_retried(app: App, world: str, actor: Actor) -> None:
    failed = _say(app, actor, "dmu role Nobody Known decider", "Ev-failed")
    assert failed.tone == Tone.ERROR  # rolled back: the claim went with it
    assert _say(app, actor, "stage Globex set validation because legal", "Ev-failed").tone == Tone.SUCCESS


# 2. an answer button claims its question by deleting it


class _Meet:
    """Holds an answer, after its checks, until the other click arrived (or a second passed: the other is
    waiting on the database), so that the two clicks overlap as much as the code lets them."""

    def __init__(self) -> None:
        self._arrived = 0
        self._cond = threading.Condition()

    def arrive(self) -> None:
        with self._cond:
            self._arrived += 1
            self._cond.notify_all()

    def wait(self) -> None:
        self.arrive()
        with self._cond:
            self._cond.wait_for(lambda: self._arrived >= 2, timeout=1.0)

    def first(self) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self._arrived >= 1, timeout=10)


def _race(app: App, actor: Actor, clicks: tuple[Button, Button], monkeypatch: pytest.MonkeyPatch) -> list[Reply]:
    """Two clicks from two threads: the second starts once the first passed its checks and is held, so that
    without a claim both go on with the same question; a Cancel counts as arrived when it has answered."""
    meet = _Meet()
    reread = choose._reread

    def held(*args: Any, **kwargs: Any) -> Any:
        meet.wait()
        return reread(*args, **kwargs)

    monkeypatch.setattr(choose, "_reread", held)
    replies: list[Reply | None] = [None, None]

    def click(i: int) -> None:
        b = clicks[i]
        replies[i] = app.dispatcher.handle_action(b.action, b.value, actor=actor, now=NOW, delivery_id=f"Ev-c{i}")
        if b.action == "log.cancel":
            meet.arrive()

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    threads[0].start()
    meet.first()
    threads[1].start()
    for th in threads:
        th.join(30)
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def _second_hank(app: App, actor: Actor) -> None:
    assert _say(app, actor, "dmu add Hank Moe, CTO at Globex Corporation").tone == Tone.SUCCESS


# each question: what sets it up, the note that asks it, and the answer to click
QUESTIONS: dict[str, tuple[Callable[[App, Actor], None] | None, str, str]] = {
    "pick account": (None, "Good meeting with Initech today, they want pricing", "Initech Logistics"),
    "create account": (None, "Intro call with Zenith Robotics, they had never heard of us", "Create Zenith Robotics"),
    "pick person": (_second_hank, "Call with Hank at Globex, wants pricing", "Hank Scorpio"),
}


def _ask(app: App, actor: Actor, question: str, delivery: str | None = None) -> tuple[Reply, str, str]:
    setup, words, label = QUESTIONS[question]
    if setup is not None:
        setup(app, actor)
    return _say(app, actor, words, delivery), words, label


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_a_double_click_on_an_answer_logs_once(app: App, world: str, actor: Actor, question: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    asked, _, label = _ask(app, actor, question)
    assert asked.tone == Tone.QUESTION, asked
    before = _logs(app, world)
    button = _option(asked, label)
    replies = _race(app, actor, (button, button), monkeypatch)
    assert sorted(r.tone for r in replies) == sorted([Tone.SUCCESS, Tone.ERROR]), replies
    assert any("already answered" in r.headline for r in replies)
    assert _logs(app, world) == before + 1
    if question == "create account":
        accounts = t.AccountRow.__table__  # type: ignore[attr-defined]
        with app.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(accounts).where(
                accounts.c.workspace_id == world, accounts.c.name == "Zenith Robotics")).scalar_one() == 1


def test_cancel_racing_a_pick_either_cancels_or_logs_never_both(app: App, world: str, actor: Actor,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    asked, _, _ = _ask(app, actor, "pick account")
    before = _logs(app, world)
    picked, cancelled = _race(app, actor, (_option(asked, "Initech Logistics"), _option(asked, "Cancel")),
                              monkeypatch)
    if cancelled.headline.startswith("Cancelled"):
        assert picked.tone == Tone.ERROR and _logs(app, world) == before
    else:
        assert picked.tone == Tone.SUCCESS and cancelled.tone == Tone.ERROR
        assert _logs(app, world) == before + 1


def test_an_answer_that_is_refused_keeps_the_question(app: App, world: str, actor: Actor) -> None:
    asked, _, _ = _ask(app, actor, "pick account")
    button = _option(asked, "Initech Logistics")
    stranger = Actor(actor.workspace_id, "U_OTHER", "console", "Other", "UTC")
    refused = app.dispatcher.handle_action(button.action, button.value, actor=stranger, now=NOW)
    assert refused.tone == Tone.ERROR and "Only the rep" in refused.headline
    saved = app.dispatcher.handle_action(button.action, button.value, actor=actor, now=NOW)
    assert saved.tone == Tone.SUCCESS


# 3. a repeated log that only asked asks again


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_a_repeated_log_that_asked_asks_the_same_question_again(app: App, world: str, actor: Actor,
                                                                question: str) -> None:
    asked, words, label = _ask(app, actor, question, "Ev-asked")
    assert asked.tone == Tone.QUESTION
    pending_before = _snapshot(app, world)["pending_log"]
    again = _say(app, actor, words, "Ev-asked")  # the first reply was lost; the platform re-sends
    assert again == asked  # the same question, the same buttons (the same pending note)
    assert _snapshot(app, world)["pending_log"] == pending_before
    before = _logs(app, world)
    assert app.dispatcher.handle_action(_option(again, label).action, _option(again, label).value, actor=actor,
                                        now=NOW).tone == Tone.SUCCESS
    assert _logs(app, world) == before + 1
    late = _say(app, actor, words, "Ev-asked")  # answered since: truthful, and nothing written
    assert late.tone == Tone.INFO and late.choices == ()
    assert _logs(app, world) == before + 1


def test_a_repeated_log_whose_question_was_cancelled_is_not_called_logged(app: App, world: str,
                                                                          actor: Actor) -> None:
    asked, words, _ = _ask(app, actor, "pick account", "Ev-asked")
    cancel = _option(asked, "Cancel")
    assert app.dispatcher.handle_action(cancel.action, cancel.value, actor=actor, now=NOW).tone == Tone.INFO
    before = _logs(app, world)
    again = _say(app, actor, words, "Ev-asked")
    assert again.tone == Tone.INFO and "logged" not in again.headline.lower(), again
    assert _logs(app, world) == before


def test_a_repeated_log_that_was_logged_still_says_so(app: App, world: str, actor: Actor) -> None:
    words = "Call with Hank Scorpio at Globex, wants pricing"
    assert _say(app, actor, words, "Ev-logged").tone == Tone.SUCCESS
    again = _say(app, actor, words, "Ev-logged")
    assert again.tone == Tone.INFO and again.headline == "Already logged that one."
    assert not any(isinstance(b, Choice) for b in again.blocks)
