"""The Slack app over real HTTP on loopback: signed requests built from Slack's payload samples go in,
a fake Slack Web API records what comes out, and the database shows what was saved."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from datetime import date
from typing import Any

import pytest
from slack_bolt import BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.slack_app import build_slack, build_slack_app
from bot.slack_commands import recorder
from bot.slack_guard import OUTSIDER
from bot.slack_inbox import Inbox
from bot.slack_server import make_web_app
from storage.slack_installations import InboxItem
from tests.conftest import NOW
from tests.integration.slack_fakes import (
    BOT_USER,
    FORM,
    REP,
    SAMPLES,
    SECRET,
    LoopbackServer,
    Slack,
    button,
    buttons,
    event_body,
    interactions,
    new_id,
    post,
    slash_body,
)

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")


def test_log_ambiguous_account_button_saves_and_undo_removes(slack: Slack, team: str) -> None:
    started = time.monotonic()
    question = slack.slash(team, "/log", "Good meeting with Initech today, they want pricing")
    assert time.monotonic() - started < 3  # answered inside Slack's ack deadline
    assert question["response_type"] == "ephemeral" and "Which account" in question["text"]
    assert {"Initech Software", "Initech Logistics"} <= {b["text"]["text"] for b in buttons(question)}

    saved = slack.click(team, button(question, "Initech Logistics"))
    assert saved["replace_original"] is True and "Logged for Initech Logistics" in saved["text"]
    assert "Good meeting with Initech today, they want pricing" in interactions(slack.app, team, "Initech Logistics")

    undone = slack.click(team, button(saved, "Undo"))
    assert undone["text"].startswith("Undone") and interactions(slack.app, team, "Initech Logistics") == []


def test_a_dm_in_plain_words_is_logged_in_the_reps_time_zone(slack: Slack, team: str) -> None:
    rep = "U0TOKYO"
    slack.api.tz[rep] = "Asia/Tokyo"  # 07:30 on Thursday Nov 19 there (17:30 Wednesday in New York)
    assert slack.event(team, "call with Hank at Globex, worried about price. next: send quote tomorrow",
                       user=rep) == 200
    posted = [c for c in slack.api.wait_for("chat.postMessage") if c.params["channel"] == "D024BE91L"
              and "Globex Corporation" in c.params["text"]]
    assert posted and "Logged for Globex Corporation" in posted[-1].params["text"]
    with slack.app.services.uow(f"slack:{team}") as uow:
        steps = uow.next_steps.open_for_owner(rep)
        assert [s.due for s in steps] == [date(2026, 11, 20)]


def test_a_mention_in_a_channel_is_answered_in_its_thread_without_the_mention(slack: Slack, team: str) -> None:
    before = len(slack.api.of("chat.postMessage"))
    assert slack.event(team, f"<@{BOT_USER}> dmu Globex", kind="app_mention") == 200
    call = slack.api.wait_for("chat.postMessage", before + 1)[-1]
    assert call.params["channel"] == "C0SALES" and call.params["thread_ts"]
    assert "Globex Corporation" in call.params["text"] and "buying group" in call.params["text"]


def test_a_retried_event_logs_once_and_answers_once(slack: Slack, team: str) -> None:
    event_id = new_id("Ev")
    text = "log call with Frank at Globex, went fine"
    before = len(slack.api.of("chat.postMessage"))
    assert slack.event(team, text, event_id=event_id) == 200
    assert slack.event(team, text, event_id=event_id, retry=1) == 200
    slack.api.wait_for("chat.postMessage", before + 1)
    time.sleep(0.3)  # a second answer would have been sent by now
    assert len(slack.api.of("chat.postMessage")) == before + 1
    assert interactions(slack.app, team, "Globex Corporation").count(text.removeprefix("log ")) == 1


def test_a_retry_reaching_another_process_still_logs_once(slack: Slack, team: str) -> None:
    other = build_slack_app(slack.app, signing_secret=SECRET, token="xoxb-test", clock=lambda: NOW,
                            client=WebClient(token="xoxb-test", base_url=slack.api_url + "/api/"))
    second = LoopbackServer(make_web_app(slack.app, other, signing_secret=SECRET)).start()
    try:
        event_id, text = new_id("Ev"), "log call with Frank at Globex, asked for a trial"
        answered = settled_count(slack, "chat.postMessage")  # earlier tests' answers may still be arriving
        assert slack.event(team, text, event_id=event_id) == 200
        status, _ = post(second.url + "/slack/events", event_body(team=team, user=REP, text=text, event_id=event_id),
                         content_type="application/json", headers={"X-Slack-Retry-Num": "1"})
        assert status == 200
        # the inbox already holds that event id: the second process acks the retry and runs nothing
        (reply,) = slack.api.wait_for("chat.postMessage", answered + 1)[answered:]
        time.sleep(0.5)
        assert len(slack.api.of("chat.postMessage")) == answered + 1 and "Logged for Globex" in reply.params["text"]
        assert interactions(slack.app, team, "Globex Corporation").count(text.removeprefix("log ")) == 1
    finally:
        second.stop()


def test_a_slash_command_mentioning_payload_is_not_lost(slack: Slack, team: str) -> None:
    reply = slack.slash(team, "/log", "call with Frank at Globex about the payload=limits")
    assert "Logged for Globex Corporation" in reply["text"]


def test_touchpoint_runs_any_command_and_share_posts_it_in_the_channel(slack: Slack, team: str) -> None:
    assert "Touchpoint" in slack.slash(team, "/touchpoint", "")["text"]  # help
    answer = slack.slash(team, "/touchpoint", "dmu Globex")
    assert "buying group" in answer["text"]
    shared = slack.click(team, button(answer, "Share in channel"))
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert "buying group" in shared["text"] and not buttons(shared)
    assert shared["blocks"][-1]["elements"][0]["text"] == f"Shared by <@{REP}>"
    forged = {**button(answer, "Share in channel"), "value": json.dumps({"a": "share", "v": {"command": "log x"}})}
    assert "Only answers" in slack.click(team, forged)["text"]


def test_a_log_confirmation_is_not_offered_for_sharing(slack: Slack, team: str) -> None:
    reply = slack.slash(team, "/log", "call with Frank at Globex, went fine")
    assert [b["text"]["text"] for b in buttons(reply)] == ["Undo", "Edit"]


def test_a_user_of_another_workspace_cannot_use_a_forged_button(slack: Slack, team: str) -> None:
    question = slack.slash(team, "/log", "Good meeting with Initech today")
    other_team = new_id("T")
    refused = slack.click(other_team, button(question, "Initech Software"))
    assert refused["replace_original"] is False and "Initech" not in refused["text"]
    assert interactions(slack.app, team, "Initech Software") == []
    # the rightful rep can still answer: the forged click changed nothing
    assert "Logged for Initech Software" in slack.click(team, button(question, "Initech Software"))["text"]


def test_a_colleague_cannot_undo_the_reps_log(slack: Slack, team: str) -> None:
    saved = slack.slash(team, "/log", "call with Frank at Globex, went fine")
    refused = slack.click(team, button(saved, "Undo"), user="U0COLLEAGUE")
    assert "Only the rep" in refused["text"]
    assert "call with Frank at Globex, went fine" in interactions(slack.app, team, "Globex Corporation")


@pytest.mark.parametrize("value", ["not json", '{"a": 1}', "[]"])
def test_a_button_value_that_is_not_ours_gets_a_polite_answer(slack: Slack, team: str, value: str) -> None:
    answer = slack.click(team, {"action_id": "tp:show:0", "type": "button", "value": value,
                                "text": {"type": "plain_text", "text": "x"}})
    assert "no longer supported" in answer["text"]


def test_requests_with_a_bad_signature_or_an_old_timestamp_are_refused(slack: Slack, team: str) -> None:
    hook = slack.hook()
    body = slash_body(command="/log", text="call with Frank at Globex", team=team, user=REP, response_url=hook)
    old = int(time.time()) - 6 * 60
    assert post(slack.url, body, content_type=FORM, sig="v0=" + "0" * 64)[0] == 401
    assert post(slack.url, body, content_type=FORM, sig="")[0] == 401
    assert post(slack.url, body, content_type=FORM, ts=old)[0] == 401
    assert post(slack.url, body, content_type=FORM, ts="soon")[0] == 401
    assert post(slack.url, body, content_type=FORM)[0] == 200  # the same request, correctly signed
    slack.api.wait_for(hook.rsplit("/", 1)[-1])
    assert interactions(slack.app, team, "Globex Corporation").count("call with Frank at Globex") == 1


@pytest.mark.parametrize("body,content_type", [
    ("payload=%7Bnot-json", FORM), ("payload=%5B1%2C2%5D", FORM), ("{broken", "application/json"),
    ("", FORM), ("[1]", "application/json"), ("payload=%7B%22type%22%3A%22block_actions%22%7D", FORM),
])
def test_malformed_bodies_get_a_4xx_not_a_500(slack: Slack, body: str, content_type: str) -> None:
    status, text = post(slack.url, body, content_type=content_type)
    assert 400 <= status < 500 and "Traceback" not in text


def test_url_verification_and_health(slack: Slack) -> None:
    status, body = post(slack.url, json.dumps({"type": "url_verification", "challenge": "c123"}),
                        content_type="application/json")
    assert status == 200 and "c123" in body
    with urllib.request.urlopen(slack.url.replace("/slack/events", "/healthz"), timeout=5) as resp:
        assert resp.status == 200 and json.loads(resp.read()) == {"ok": True}


def test_a_rate_limited_post_is_retried_after_retry_after(slack: Slack, team: str) -> None:
    before = len(slack.api.of("chat.postMessage"))
    slack.api.throttle["chat.postMessage"] = 1
    assert slack.event(team, "dmu Globex") == 200
    calls = slack.api.wait_for("chat.postMessage", before + 2)
    assert "buying group" in calls[-1].params["text"]


def test_a_request_naming_no_user_gets_a_polite_answer_and_no_traceback(slack: Slack, team: str,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    body = slash_body(command="/dmu", text="Globex", team=team, user="", response_url=slack.hook())
    with caplog.at_level(logging.INFO):
        status, text = post(slack.url, body, content_type=FORM)
    assert status == 200 and text.startswith("Sorry")
    assert any("incomplete Slack request" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]


def settled_count(slack: Slack, method: str, quiet: float = 0.5, timeout: float = 10) -> int:
    """The number of calls once none has arrived for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    count = len(slack.api.of(method))
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = len(slack.api.of(method))
        if now == count:
            return count
        count = now
    return count


def test_slash_commands_acked_without_bolt_are_recorded_answered_and_refused_like_the_others(
        slack: Slack, team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve_slack` on a spool acks slash commands on the event loop without Bolt's dispatch (`recorder`);
    everything else still goes to Bolt in the thread pool. Bolt no longer checks signatures: the server does."""
    bolt, bot = build_slack(slack.app, signing_secret=SECRET, token="xoxb-test", clock=lambda: NOW,
                            client=WebClient(token="xoxb-test", base_url=slack.api_url + "/api/"),
                            verify_requests=False)  # as serve_slack builds it: the server checks signatures first
    dispatched: list[dict[str, object]] = []
    bolt_dispatch = bolt.dispatch

    def counted(request: BoltRequest) -> BoltResponse:
        dispatched.append(dict(request.body))
        return bolt_dispatch(request)

    monkeypatch.setattr(bolt, "dispatch", counted)
    server = LoopbackServer(make_web_app(slack.app, bolt, signing_secret=SECRET,
                                         direct=recorder(bot, "xoxb-test"))).start()
    direct = Slack(slack.app, slack.api, slack.api_url, server.url + "/slack/events")
    try:
        reply = direct.slash(team, "/log", "call with Frank at Globex, wants a demo")
        assert "Logged for Globex Corporation" in reply["text"]
        assert "command" not in "".join(map(str, dispatched))  # acked and recorded without Bolt
        body = slash_body(command="/dmu", text="Globex", team=team, user="", response_url=slack.hook())
        status, text = post(direct.url, body, content_type=FORM)
        assert status == 200 and text.startswith("Sorry")  # the error boundary, as in Bolt
        outsider = slash_body(command="/dmu", text="Globex", team=team, user=REP, response_url=slack.hook())
        status, text = post(direct.url, outsider + "&user_team=T0OTHERORG", content_type=FORM)
        assert status == 200 and text == OUTSIDER  # the guard, as in Bolt
        assert post(direct.url, body, content_type=FORM, sig="v0=forged")[0] == 401
        assert post(direct.url, body, content_type=FORM, ts=int(time.time()) - 600)[0] == 401  # a replay
        assert direct.event(team, "log call with Frank at Globex, asked for a trial") == 200  # events: Bolt
        assert [d.get("type") for d in dispatched] == ["event_callback"]
    finally:
        server.stop()


def test_a_slash_command_acked_without_bolt_is_recorded_exactly_as_bolts_listener_records_it(slack: Slack,
                                                                                               team: str) -> None:
    """The same signed `/log`, acked by `recorder` and by Bolt's listener: the same inbox record."""
    recorded: list[tuple[str, str, str, dict[str, Any]]] = []

    class Capture:
        def record(self, key: str, *, workspace_id: str, kind: str, payload: dict[str, Any],
                   leased: bool = True) -> bool:
            recorded.append((key, workspace_id, kind, payload))
            return True

        def claim_stale(self, limit: int = 50) -> list[InboxItem]:
            return []

        def done(self, key: str) -> None:
            pass

    bolt, bot = build_slack(slack.app, signing_secret=SECRET, token="xoxb-test", clock=lambda: NOW,
                            client=WebClient(token="xoxb-test", base_url=slack.api_url + "/api/"),
                            inbox=Inbox(Capture(), wake=threading.Event()), verify_requests=False)
    body = slash_body(command="/touchpoint", text="log call w/ Frank @ <https://globex.com|Globex>",
                      team=team, user=REP, response_url=slack.hook())
    for direct in (recorder(bot, "xoxb-test"), None):
        server = LoopbackServer(make_web_app(slack.app, bolt, signing_secret=SECRET, direct=direct)).start()
        try:
            assert post(server.url + "/slack/events", body, content_type=FORM) == (200, "")
        finally:
            server.stop()
    assert len(recorded) == 2 and recorded[0] == recorded[1]
    key, workspace, kind, payload = recorded[0]
    assert workspace == f"slack:{team}" and kind == "command" and key.startswith("command:")
    assert payload["words"] == "log call w/ Frank @ Globex" and payload["user_id"] == REP
