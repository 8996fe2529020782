"""Editing the buying group in chat, through the dispatcher, on a real database."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from bot.context import Actor
from bot.replies import Reply, Tone
from domain.customer import BuyingRole
from tests.conftest import NOW
from tests.integration.helpers import load_world


@pytest.fixture
def world(app: App, workspace: str) -> str:
    load_world(app, workspace)
    return workspace


def say(app: App, actor: Actor, text: str) -> Reply:
    return app.dispatcher.handle_text(text, actor=actor, now=NOW)


def people(app: App, ws: str, account: str) -> dict[str, tuple[tuple[BuyingRole, ...], int, str | None]]:
    with app.services.uow(ws) as uow:
        acc = uow.accounts.by_name(account)
        assert acc is not None
        return {p.name: (p.roles, p.attitude, p.persona) for p in uow.individuals.of_account(acc.id)}


def test_a_person_is_added_with_title_persona_and_roles(app: App, world: str, actor: Actor) -> None:
    reply = say(app, actor, "dmu add Marge Bouvier, VP Finance at Globex as economic buyer")
    assert reply.tone == Tone.SUCCESS
    assert people(app, world, "Globex Corporation")["Marge Bouvier"] == (
        (BuyingRole.ECONOMIC_BUYER,), 0, "finance_leader")


def test_a_role_is_set_in_plain_words(app: App, world: str, actor: Actor) -> None:
    assert say(app, actor, "Frank Grimes is the decider").tone == Tone.SUCCESS
    roles, _, _ = people(app, world, "Globex Corporation")["Frank Grimes"]
    assert BuyingRole.DECIDER in roles and BuyingRole.INFLUENCER in roles


def test_an_attitude_change_needs_a_reason_and_shows_in_the_dmu(app: App, world: str, actor: Actor) -> None:
    assert say(app, actor, "dmu attitude Hank Scorpio -1").tone == Tone.ERROR
    reply = say(app, actor, "dmu attitude Hank Scorpio -2 because he thinks we are overpriced")
    assert reply.tone == Tone.SUCCESS
    assert people(app, world, "Globex Corporation")["Hank Scorpio"][1] == -2
    view = say(app, actor, "dmu Globex")
    text = " ".join(line for block in view.blocks for line in getattr(block, "lines", ()))
    assert "detractor (-2) ↓" in text and "overpriced" in text
    assert say(app, actor, "Frank Grimes is an advocate because he demoed us to his boss").tone == Tone.SUCCESS
    assert people(app, world, "Globex Corporation")["Frank Grimes"][1] == 2


def test_a_person_is_removed_and_an_unknown_person_is_a_friendly_error(app: App, world: str, actor: Actor) -> None:
    assert say(app, actor, "dmu remove Frank Grimes").tone == Tone.SUCCESS
    assert "Frank Grimes" not in people(app, world, "Globex Corporation")
    missing = say(app, actor, "dmu remove Nobody Atall")
    assert missing.tone == Tone.ERROR and "dmu add" in missing.headline


def test_a_rep_sets_the_stage_back_with_a_reason_kept_as_evidence(app: App, world: str, actor: Actor) -> None:
    assert "Vendor selection" in say(app, actor, "stage Globex").headline
    assert say(app, actor, "stage Globex set pain recognition").tone == Tone.ERROR  # no reason
    reply = say(app, actor, "stage Globex set pain recognition because the new CIO restarted the project")
    assert reply.tone == Tone.SUCCESS
    view = say(app, actor, "stage Globex")
    assert "Pain recognition" in view.headline
    text = " ".join(line for block in view.blocks for line in getattr(block, "lines", ()))
    assert "override: the new CIO restarted the project" in text and "Vendor selection" in text


def test_the_pipeline_lists_the_reps_accounts_by_stage(app: App, world: str, actor: Actor) -> None:
    reply = say(app, actor, "pipeline")
    assert reply.headline.startswith("Your pipeline: 3 accounts")  # Umbrella belongs to someone else
    titles = [getattr(b, "title", "") for b in reply.blocks]
    assert titles[0] == "Vendor selection (1)" and "Stage unknown (2)" in titles


def test_digest_settings_are_shown_with_one_tap_changes_and_saved(app: App, world: str, actor: Actor) -> None:
    shown = say(app, actor, "digest settings")
    assert shown.headline == "Digest: 08:30 weekdays (America/New_York)"
    seven = next(b for b in shown.actions if b.label == "7:30")
    changed = app.dispatcher.handle_action(seven.action, seven.value, actor=actor, now=NOW)
    assert changed.tone == Tone.SUCCESS and "07:30 weekdays" in changed.headline
    assert "08:00 Mon, Tue, Wed, Thu" in say(app, actor, "digest settings 8am mon-thu").headline
    off = say(app, actor, "digest off")
    assert off.headline == "Digest: off."
    with app.services.uow(world) as uow:
        rep = uow.reps.get("U_REP")
        assert rep is not None and not rep.digest_enabled and rep.digest_days == frozenset({1, 2, 3, 4})


def test_a_query_naming_a_first_name_shared_across_accounts_asks_which_person(app: App, world: str,
                                                                             actor: Actor) -> None:
    assert say(app, actor, "dmu add Frank Castle, CFO at Initech Software").tone == Tone.SUCCESS
    question = say(app, actor, "next Frank")
    assert question.tone == Tone.QUESTION and question.headline == "Which Frank?"
    labels = sorted(b.label for b in question.choices)
    assert labels == ["Frank Castle (Initech Software)", "Frank Grimes (Globex Corporation)"]
    castle = next(b for b in question.choices if b.label.startswith("Frank Castle"))
    answer = app.dispatcher.handle_action(castle.action, castle.value, actor=actor, now=NOW)
    assert answer.headline.startswith("Next for Initech Software")
