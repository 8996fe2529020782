"""Shortcuts, the log modal and App Home over real HTTP: signed requests from Slack's samples in, the views
Touchpoint opens or publishes checked through slack_sdk's view models, what a submission saves in the DB."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk.models.views import View

from bot.context import Actor
from tests.conftest import NOW
from tests.integration.slack_fakes import (
    FORM,
    REP,
    SAMPLES,
    Slack,
    click_body,
    home_opened_body,
    interactions,
    new_id,
    options_body,
    post,
    shortcut_body,
    submission_body,
    world_team,
)

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")
WORLD_REP = "U_REP"  # owns the fixture world's accounts and next steps


def valid_view(view: dict[str, Any], *, max_blocks: int = 100) -> dict[str, Any]:
    """slack_sdk's View model raises on a broken view; the round trip must keep every field."""
    assert View(**view).to_dict() == view
    assert len(view["blocks"]) <= max_blocks
    return view


def opened_view(slack: Slack, trigger_body: str) -> dict[str, Any]:
    trigger = json.loads(dict(parse_qsl(trigger_body))["payload"])["trigger_id"]
    (call,) = slack.api.wait_for("views.open", where=lambda params: params["trigger_id"] == trigger)
    return valid_view(call.params["view"])


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    element: dict[str, Any] = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    return element


def account_id(slack: Slack, team: str, name: str) -> str:
    with slack.app.services.uow(f"slack:{team}") as uow:
        account = uow.accounts.by_name(name)
        assert account is not None
        return account.id


def test_the_message_shortcut_opens_a_modal_prefilled_with_what_was_understood(slack: Slack, team: str) -> None:
    text = "Hank at <https://globex.example|Globex> says the price is too high &amp; wants a cheaper tier. " \
           "Next: send ROI calc by Friday"
    body = shortcut_body(team=team, user=REP, callback_id="log_message", text=text)
    assert post(slack.url, body, content_type=FORM)[0] == 200
    view = opened_view(slack, body)
    assert view["callback_id"] == "log_modal" and view["title"]["text"] == "Log to Touchpoint"
    assert block(view, "account")["initial_option"]["value"] == account_id(slack, team, "Globex Corporation")
    assert block(view, "people")["initial_value"] == "Hank Scorpio"
    assert block(view, "note")["initial_value"].startswith("Hank at Globex says the price is too high & wants")
    assert block(view, "next")["initial_value"].startswith("send ROI calc")
    assert block(view, "due")["initial_date"] == "2026-11-20"


def test_the_global_shortcut_opens_an_empty_log_modal(slack: Slack, team: str) -> None:
    body = shortcut_body(team=team, user=REP, callback_id="log_call")
    assert post(slack.url, body, content_type=FORM)[0] == 200
    view = opened_view(slack, body)
    assert view["title"]["text"] == "Log a call" and "initial_option" not in block(view, "account")
    assert block(view, "due")["type"] == "datepicker" and block(view, "account")["type"] == "external_select"


def test_the_account_picker_searches_only_the_reps_workspace(slack: Slack, team: str) -> None:
    status, body = post(slack.url, options_body(team=team, user=REP, query="initech"), content_type=FORM)
    assert status == 200
    assert {o["text"]["text"] for o in json.loads(body)["options"]} == {"Initech Software", "Initech Logistics"}
    outsider = new_id("T")
    status, body = post(slack.url, options_body(team=outsider, user=REP, query="initech"), content_type=FORM)
    assert status == 200 and json.loads(body)["options"] == []


def submit(slack: Slack, team: str, account: str, note: str, **more: Any) -> tuple[int, str]:
    values: dict[str, Any] = {"account": {"account": {"type": "external_select",
                                                      "selected_option": {"value": account}}},
                              "note": {"note": {"type": "plain_text_input", "value": note}}}
    for key, value in more.items():
        field = "selected_date" if key == "due" else "value"
        values[key] = {key: {field: value}}
    return post(slack.url, submission_body(team=team, user=REP, values=values, view_id=new_id("V")),
                content_type=FORM)


def test_submitting_the_modal_saves_the_log_and_confirms_it_in_the_dm(slack: Slack, team: str) -> None:
    logistics = account_id(slack, team, "Initech Logistics")
    before = len(slack.api.of("chat.postMessage"))
    status, body = submit(slack, team, logistics, "Quarterly review, they want pricing for two more depots",
                          people="Peter Gibbons", next="send the depot quote", due="2026-11-25")
    assert status == 200 and not body  # an empty ack closes the modal: the submission is recorded, then logged
    dm = slack.api.wait_for("chat.postMessage", before + 1)[before]
    assert dm.params["channel"] == REP and "Logged for Initech Logistics" in dm.params["text"]
    assert "Peter Gibbons" in dm.params["text"]
    assert sum("two more depots" in t for t in interactions(slack.app, team, "Initech Logistics")) == 1
    with slack.app.services.uow(f"slack:{team}") as uow:
        assert [s.due for s in uow.next_steps.open_for_account(logistics)] == [date(2026, 11, 25)]


def test_a_resent_submission_is_logged_once(slack: Slack, team: str) -> None:
    logistics = account_id(slack, team, "Initech Logistics")
    values = {"account": {"account": {"selected_option": {"value": logistics}}},
              "note": {"note": {"type": "plain_text_input", "value": "Resent note about the depots"}}}
    body = submission_body(team=team, user=REP, values=values, view_id=new_id("V"))
    before = len(slack.api.of("chat.postMessage"))
    assert post(slack.url, body, content_type=FORM)[0] == 200
    assert post(slack.url, body, content_type=FORM, headers={"X-Slack-Retry-Num": "1"})[0] == 200
    slack.api.wait_for("chat.postMessage", before + 1)
    assert sum("Resent note" in t for t in interactions(slack.app, team, "Initech Logistics")) == 1


def test_a_submission_naming_another_workspaces_account_is_refused(slack: Slack, team: str) -> None:
    other = world_team(slack)
    foreign = account_id(slack, other, "Globex Corporation")
    status, body = submit(slack, team, foreign, "sneaky note", next="steal the deal")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"account"}
    assert "sneaky note" not in interactions(slack.app, other, "Globex Corporation")
    assert "sneaky note" not in interactions(slack.app, team, "Globex Corporation")


def test_a_submission_with_a_due_date_but_no_step_is_sent_back(slack: Slack, team: str) -> None:
    status, body = submit(slack, team, account_id(slack, team, "Globex Corporation"), "call", due="2026-11-25")
    assert status == 200
    assert json.loads(body) == {"response_action": "errors", "errors": {"next": "Say what is due on that date."}}


def test_opening_app_home_publishes_the_reps_briefing(slack: Slack, team: str) -> None:
    before = len(slack.api.of("views.publish"))
    assert post(slack.url, home_opened_body(team=team, user=WORLD_REP), content_type="application/json")[0] == 200
    call = slack.api.wait_for("views.publish", before + 1)[-1]
    assert call.params["user_id"] == WORLD_REP
    view = valid_view(call.params["view"])
    rep = Actor(f"slack:{team}", WORLD_REP, "slack", tz="America/New_York")  # the fake users.info's tz
    briefing = slack.app.dispatcher.handle_text("digest", actor=rep, now=NOW).headline
    texts = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and briefing in texts and "Send the security pack" in texts

    done = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["text"]["text"].startswith("Done:"))
    status, _ = post(slack.url, click_body(button=done, team=team, user=WORLD_REP, response_url=None),
                     content_type=FORM)
    assert status == 200
    refreshed = valid_view(slack.api.wait_for("views.publish", before + 2)[-1].params["view"])
    assert "Send the security pack" not in json.dumps(refreshed["blocks"][2:])  # below the notice: no longer due
    with slack.app.services.uow(f"slack:{team}") as uow:
        assert uow.next_steps.open_for_owner(WORLD_REP) == []


def test_digest_settings_are_changed_from_app_home(slack: Slack, team: str) -> None:
    before = len(slack.api.of("views.publish"))
    assert post(slack.url, home_opened_body(team=team, user=WORLD_REP), content_type="application/json")[0] == 200
    view = valid_view(slack.api.wait_for("views.publish", before + 1)[-1].params["view"])
    assert "Digest: 08:30 weekdays" in json.dumps(view)
    off = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["text"]["text"] == "Turn off")
    status, _ = post(slack.url, click_body(button=off, team=team, user=WORLD_REP, response_url=None),
                     content_type=FORM)
    assert status == 200
    refreshed = valid_view(slack.api.wait_for("views.publish", before + 2)[-1].params["view"])
    assert "Digest: off" in json.dumps(refreshed) and "Turn on" in json.dumps(refreshed)
    with slack.app.services.uow(f"slack:{team}") as uow:
        rep = uow.reps.get(WORLD_REP)
        assert rep is not None and not rep.digest_enabled
