"""Guards at the Slack door, over real signed HTTP: outsiders of a Slack Connect channel are refused for every kind
of request, Share never re-runs a write, a request that cannot be recorded is retried by Slack rather than lost,
and the log modal's picked account is the one logged."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from sqlalchemy.exc import OperationalError

from bot.slack_commands import NOT_RECORDED
from bot.slack_guard import OUTSIDER
from storage.slack_installations import SqlSlackInbox
from tests.integration.slack_fakes import (
    BOT_USER,
    FORM,
    REP,
    SAMPLES,
    Slack,
    button,
    buttons,
    click_body,
    event_body,
    interactions,
    new_id,
    post,
    shortcut_body,
    slash_body,
    submission_body,
)

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")
OUTSIDE_TEAM = "T0OUTSIDE"  # the other organisation of a Slack Connect channel
GUEST = "U0GUEST"


def connect_event(team: str, text: str, *, user_team: str = OUTSIDE_TEAM, kind: str = "app_mention") -> str:
    """An event from a Slack Connect channel: authorized for our team, written by a user of `user_team`."""
    envelope = json.loads(event_body(team=team, user=GUEST, text=text, event_id=new_id("Ev"), kind=kind))
    envelope["is_ext_shared_channel"] = True
    envelope["event"].update(user_team=user_team, user_profile={"team": user_team, "name": "guest"})
    return json.dumps(envelope)


def with_user_team(body: str, user_team: str, **fields: Any) -> str:
    """An interaction payload whose user belongs to `user_team` (the request's team unchanged)."""
    payload = json.loads(dict(parse_qsl(body))["payload"])
    payload["user"]["team_id"] = user_team
    payload.update(fields)
    return "payload=" + quote(json.dumps(payload))


def posted_to(slack: Slack, method: str, before: int) -> list[dict[str, Any]]:
    return [c.params for c in slack.api.of(method)[before:]]


def test_a_slack_connect_user_mentioning_the_bot_reads_nothing(slack: Slack, team: str) -> None:
    before, ephemeral = len(slack.api.of("chat.postMessage")), len(slack.api.of("chat.postEphemeral"))
    status, _ = post(slack.url, connect_event(team, f"<@{BOT_USER}> dmu Globex"), content_type="application/json")
    assert status == 200
    (note,) = slack.api.wait_for("chat.postEphemeral", ephemeral + 1)[ephemeral:]
    assert note.params["user"] == GUEST and note.params["text"] == OUTSIDER
    assert not any("Globex" in str(p) for p in posted_to(slack, "chat.postMessage", before))


def test_a_slack_connect_user_cannot_log_into_the_workspace(slack: Slack, team: str) -> None:
    ephemeral = len(slack.api.of("chat.postEphemeral"))
    body = connect_event(team, "call with Frank at Globex, outsider note", kind="message")
    assert post(slack.url, body, content_type="application/json")[0] == 200
    slack.api.wait_for("chat.postEphemeral", ephemeral + 1)
    assert not any("outsider note" in t for t in interactions(slack.app, team, "Globex Corporation"))


def test_a_member_in_a_shared_channel_is_still_answered(slack: Slack, team: str) -> None:
    before = len(slack.api.of("chat.postMessage"))
    body = connect_event(team, f"<@{BOT_USER}> dmu Globex", user_team=team)
    assert post(slack.url, body, content_type="application/json")[0] == 200
    assert "buying group" in slack.api.wait_for("chat.postMessage", before + 1)[-1].params["text"]


def test_a_slash_command_from_another_team_is_refused_in_the_ack(slack: Slack, team: str) -> None:
    hook = slack.hook()
    fields = dict(parse_qsl(slash_body(command="/log", text="call with Frank at Globex, slash outsider", team=team,
                                       user=GUEST, response_url=hook)))
    fields["user_team"] = OUTSIDE_TEAM
    assert post(slack.url, urlencode(fields), content_type=FORM) == (200, OUTSIDER)
    assert not any("slash outsider" in t for t in interactions(slack.app, team, "Globex Corporation"))
    assert not slack.api.of(hook.rsplit("/", 1)[-1])


def test_a_button_clicked_by_another_teams_user_is_refused(slack: Slack, team: str) -> None:
    question = slack.slash(team, "/log", "Good meeting with Initech today")
    hook = slack.hook()
    body = click_body(button=button(question, "Initech Software"), team=team, user=REP, response_url=hook)
    assert post(slack.url, with_user_team(body, OUTSIDE_TEAM), content_type=FORM)[0] == 200
    (refused,) = slack.api.wait_for(hook.rsplit("/", 1)[-1])
    assert refused.params["text"] == OUTSIDER and refused.params["replace_original"] is False
    assert interactions(slack.app, team, "Initech Software") == []


def test_a_shortcut_and_a_modal_from_another_teams_user_are_refused(slack: Slack, team: str) -> None:
    opened, hook = len(slack.api.of("views.open")), slack.hook()
    shortcut = shortcut_body(team=team, user=GUEST, callback_id="log_message", text="Hank at Globex is unhappy")
    assert post(slack.url, with_user_team(shortcut, OUTSIDE_TEAM, response_url=hook), content_type=FORM)[0] == 200
    assert slack.api.wait_for(hook.rsplit("/", 1)[-1])[0].params["text"] == OUTSIDER
    with slack.app.services.uow(f"slack:{team}") as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
    values = {"account": {"account": {"selected_option": {"value": globex.id}}},
              "note": {"note": {"type": "plain_text_input", "value": "modal outsider note"}}}
    view = json.loads(dict(parse_qsl(submission_body(team=team, user=GUEST, values=values,
                                                     view_id=new_id("V"))))["payload"])
    view["view"]["blocks"] = [{"type": "input", "block_id": "account"}]
    view["user"]["team_id"] = OUTSIDE_TEAM
    status, body = post(slack.url, "payload=" + quote(json.dumps(view)), content_type=FORM)
    assert status == 200 and json.loads(body) == {"response_action": "errors", "errors": {"account": OUTSIDER}}
    assert not any("modal outsider" in t for t in interactions(slack.app, team, "Globex Corporation"))
    assert len(slack.api.of("views.open")) == opened


@pytest.mark.parametrize("words", ["stage Globex set validation because they run a pilot",
                                   "dmu add Jane Roe at Globex", "dmu attitude Frank supporter", "digest off"])
def test_a_write_is_never_offered_for_sharing(slack: Slack, team: str, words: str) -> None:
    answer = slack.slash(team, "/touchpoint", words)
    assert "Share in channel" not in [b["text"]["text"] for b in buttons(answer)], answer["text"]


def test_a_forged_share_of_a_write_runs_nothing(slack: Slack, team: str) -> None:
    assert slack.slash(team, "/touchpoint", "digest on")["text"].startswith("Digest")
    answer = slack.slash(team, "/touchpoint", "dmu Globex")
    share = button(answer, "Share in channel")
    for words in ("digest off", "stage Globex set validation because forged"):
        forged = {**share, "value": json.dumps({"a": "share", "v": {"command": words}})}
        assert "Only answers" in slack.click(team, forged)["text"]
    with slack.app.services.uow(f"slack:{team}") as uow:
        rep = uow.reps.get(REP)
        assert rep is not None and rep.digest_enabled
    assert "validation" not in slack.slash(team, "/stage", "Globex")["text"].lower().split("\n")[0]


def failing_record(*_args: Any, **_kwargs: Any) -> bool:
    raise OperationalError("INSERT INTO slack_inbox", {}, Exception("database is locked"))


def test_an_event_that_cannot_be_recorded_is_retried_by_slack_and_then_logged(
        slack: Slack, team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    event_id, text = new_id("Ev"), "log call with Frank at Globex, recorded on the retry"
    before = len(slack.api.of("chat.postMessage"))
    with monkeypatch.context() as patch:
        patch.setattr(SqlSlackInbox, "record", failing_record)
        assert slack.event(team, text, event_id=event_id) >= 500  # Slack retries a 5xx, never a 200
    assert slack.event(team, text, event_id=event_id, retry=1) == 200
    assert "Logged for Globex" in slack.api.wait_for("chat.postMessage", before + 1)[-1].params["text"]
    assert interactions(slack.app, team, "Globex Corporation").count(text.removeprefix("log ")) == 1


def test_a_modal_that_cannot_be_recorded_stays_open_with_an_error(slack: Slack, team: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with slack.app.services.uow(f"slack:{team}") as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
    values = {"account": {"account": {"selected_option": {"value": globex.id}}},
              "note": {"note": {"type": "plain_text_input", "value": "a note kept in the modal"}}}
    body = submission_body(team=team, user=REP, values=values, view_id=new_id("V"))
    with monkeypatch.context() as patch:
        patch.setattr(SqlSlackInbox, "record", failing_record)
        status, answer = post(slack.url, body, content_type=FORM)
    assert status == 200 and json.loads(answer) == {"response_action": "errors", "errors": {"note": NOT_RECORDED}}
    before = len(slack.api.of("chat.postMessage"))
    assert post(slack.url, body, content_type=FORM) == (200, "")  # submitted again: recorded, the modal closes
    slack.api.wait_for("chat.postMessage", before + 1)
    assert sum("a note kept in the modal" in t for t in interactions(slack.app, team, "Globex Corporation")) == 1


def test_a_modal_note_naming_another_account_is_logged_for_the_picked_one(slack: Slack, team: str) -> None:
    with slack.app.services.uow(f"slack:{team}") as uow:
        logistics = uow.accounts.by_name("Initech Logistics")
        assert logistics is not None
    note = "Depot review; they compared us with Globex Corporation on price"
    values = {"account": {"account": {"selected_option": {"value": logistics.id}}},
              "note": {"note": {"type": "plain_text_input", "value": note}}}
    before = len(slack.api.of("chat.postMessage"))
    body = submission_body(team=team, user=REP, values=values, view_id=new_id("V"))
    assert post(slack.url, body, content_type=FORM) == (200, "")
    dm = slack.api.wait_for("chat.postMessage", before + 1)[before]
    assert "Which account" not in dm.params["text"] and "Logged for Initech Logistics" in dm.params["text"]
    assert sum(note in t for t in interactions(slack.app, team, "Initech Logistics")) == 1
    assert not any(note in t for t in interactions(slack.app, team, "Globex Corporation"))
