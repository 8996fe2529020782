"""Installing the Slack app in many workspaces: the install page, Slack's redirect, installations stored in
our database (SQLite or PostgreSQL, as the suite runs), and each team answered with its own token."""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from html import unescape
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from sqlmodel import Session

from bot.bootstrap import App
from bot.slack_app import SlackConfigError, build_slack_app
from bot.slack_oauth import OAuthCredentials, bot_scopes
from storage.slack_installations import SlackInstallationRow, SqlInstallationStore
from tests.integration.helpers import load_world
from tests.integration.slack_fakes import (
    FORM,
    REP,
    SAMPLES,
    Slack,
    interactions,
    new_id,
    post,
    running_slack,
    slash_body,
)

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")

CREDENTIALS = OAuthCredentials("1234.5678", "test-client-secret")


@dataclass
class Page:
    status: int
    headers: Message
    body: str


def get(url: str, headers: dict[str, str] | None = None) -> Page:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return Page(resp.status, resp.headers, resp.read().decode())
    except urllib.error.HTTPError as err:
        return Page(err.code, err.headers, err.read().decode())


@pytest.fixture(scope="module")
def slack(shared_app: App) -> Iterator[Slack]:
    with running_slack(shared_app, oauth=CREDENTIALS) as running:
        yield running


def base(slack: Slack) -> str:
    return slack.url.removesuffix("/slack/events")


def start_install(slack: Slack) -> tuple[str, str]:
    """Opens the install page; returns the state in its Add to Slack link and the cookie Bolt set with it."""
    page = get(base(slack) + "/slack/install")
    assert page.status == 200, page.body
    link = unescape(re.search(r'<a href="([^"]+)"', page.body).group(1))  # type: ignore[union-attr]
    state = parse_qs(urlparse(link).query)["state"][0]
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    return state, cookie


def finish_install(slack: Slack, state: str, cookie: str, code: str) -> Page:
    return get(f"{base(slack)}/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}",
               headers={"Cookie": cookie})


def install(slack: Slack, team: str, token: str) -> None:
    code = new_id("code")
    slack.api.grant(code, team, token)
    page = finish_install(slack, *start_install(slack), code=code)
    assert page.status == 200, page.body


def store(slack: Slack) -> SqlInstallationStore:
    return SqlInstallationStore(slack.app.engine)


def slash(slack: Slack, team: str, command: str, text: str, user: str = REP) -> tuple[int, str]:
    """Runs a slash command: the ack's status, and what the rep reads (the ack's words, else the answer posted
    to the response_url, waited for only when the ack was empty)."""
    hook = slack.hook()
    status, body = post(slack.url, slash_body(command=command, text=text, team=team, user=user, response_url=hook),
                        content_type=FORM)
    if status != 200 or body:
        return status, body
    (call,) = slack.api.wait_for(hook.rsplit("/", 1)[-1])
    return status, str(call.params["text"])


def test_the_install_page_offers_add_to_slack_with_our_client_id_scopes_and_a_state(slack: Slack) -> None:
    page = get(base(slack) + "/slack/install")
    assert page.status == 200 and page.headers.get_content_type() == "text/html"
    assert "Add to Slack" in page.body
    link = urlparse(unescape(re.search(r'<a href="([^"]+)"', page.body).group(1)))  # type: ignore[union-attr]
    query = parse_qs(link.query)
    assert (link.scheme, link.netloc, link.path) == ("https", "slack.com", "/oauth/v2/authorize")
    assert query["client_id"] == [CREDENTIALS.client_id]
    assert query["scope"][0].split(",") == bot_scopes() and "user_scope" not in query
    state = query["state"][0]
    assert len(state) >= 32 and f"slack-app-oauth-state={state}" in page.headers["Set-Cookie"]
    assert get(base(slack) + "/slack/install").body != page.body  # a new state for every installer


def test_the_redirect_stores_the_installation_and_the_team_is_then_answered_with_its_token(slack: Slack) -> None:
    team, token, code = new_id("T"), f"xoxb-{uuid.uuid4().hex}", new_id("code")
    slack.api.grant(code, team, token, installer="U0ADMIN")
    page = finish_install(slack, *start_install(slack), code=code)
    assert page.status == 200 and "Thank you" in page.body
    (exchange,) = [c for c in slack.api.of("oauth.v2.access") if c.params.get("code") == code]

    with Session(slack.app.engine) as s:
        row = s.get(SlackInstallationRow, f"slack:{team}")
    assert row is not None and (row.team_id, row.bot_token, row.installer_user_id) == (team, token, "U0ADMIN")
    assert row.scopes.split(",") == bot_scopes() and row.bot_user_id and row.bot_id == "B0BOT"
    assert token not in repr(row)  # a row that ends up in a log or a traceback does not leak the token

    load_world(slack.app, f"slack:{team}")
    status, body = slash(slack, team, "/log", "call with Frank at Globex, went fine")
    assert status == 200 and "Logged for Globex Corporation" in body
    assert "call with Frank at Globex, went fine" in interactions(slack.app, team, "Globex Corporation")
    # the rep's time zone was read from Slack with the stored token, not with any app-level token
    assert [c.token for c in slack.api.of("users.info") if c.params.get("user") == REP][-1:] == [token]
    assert exchange.token == ""  # the code was exchanged with the client's credentials, not a bot token


def test_a_dm_is_answered_with_the_installed_teams_token(slack: Slack) -> None:
    team, token = new_id("T"), f"xoxb-{uuid.uuid4().hex}"
    install(slack, team, token)
    before = len(slack.api.of("chat.postMessage"))
    assert slack.event(team, "help") == 200
    reply = slack.api.wait_for("chat.postMessage", before + 1)[before]
    assert reply.token == token and reply.params["channel"] == "D024BE91L" and "Touchpoint" in reply.params["text"]


def test_two_installed_workspaces_each_get_their_own_token_and_data(slack: Slack) -> None:
    (team_a, token_a), (team_b, token_b) = [(new_id("T"), f"xoxb-{uuid.uuid4().hex}") for _ in range(2)]
    install(slack, team_a, token_a)
    install(slack, team_b, token_b)
    assert store(slack).find_bot(enterprise_id=None, team_id=team_a).bot_token == token_a  # type: ignore[union-attr]
    assert store(slack).find_bot(enterprise_id=None, team_id=team_b).bot_token == token_b  # type: ignore[union-attr]

    load_world(slack.app, f"slack:{team_a}")
    for team, user in ((team_a, "U0AAA"), (team_b, "U0BBB")):
        assert slash(slack, team, "/dmu", "Globex", user=user)[0] == 200
    tokens = {c.params["user"]: c.token for c in slack.api.of("users.info") if c.params["user"] in ("U0AAA", "U0BBB")}
    assert tokens == {"U0AAA": token_a, "U0BBB": token_b}
    # team B's rep cannot see team A's accounts: the workspace comes from the signed request, not the token
    status, body = slash(slack, team_b, "/dmu", "Globex")
    assert status == 200 and "buying group" not in body
    status, body = slash(slack, team_a, "/dmu", "Globex")
    assert "buying group" in body


def test_a_reused_state_is_refused_and_its_code_never_exchanged(slack: Slack) -> None:
    state, cookie = start_install(slack)
    first, second = new_id("code"), new_id("code")
    slack.api.grant(first, new_id("T"), f"xoxb-{uuid.uuid4().hex}")
    thief_team = new_id("T")
    slack.api.grant(second, thief_team, f"xoxb-{uuid.uuid4().hex}")
    assert finish_install(slack, state, cookie, first).status == 200
    again = finish_install(slack, state, cookie, second)
    assert again.status == 401 and "Traceback" not in again.body
    assert not [c for c in slack.api.of("oauth.v2.access") if c.params.get("code") == second]
    assert store(slack).find_bot(enterprise_id=None, team_id=thief_team) is None


@pytest.mark.parametrize("forgery", ["unknown state", "no cookie", "cookie of another state", "no state"])
def test_a_forged_state_is_refused(slack: Slack, forgery: str) -> None:
    state, cookie = start_install(slack)
    other_state, other_cookie = start_install(slack)
    team, code = new_id("T"), new_id("code")
    slack.api.grant(code, team, f"xoxb-{uuid.uuid4().hex}")
    made_up = "x" * 43
    query, headers = {
        "unknown state": ({"code": code, "state": made_up}, {"Cookie": f"slack-app-oauth-state={made_up}"}),
        "no cookie": ({"code": code, "state": state}, {}),
        "cookie of another state": ({"code": code, "state": state}, {"Cookie": other_cookie}),
        "no state": ({"code": code}, {"Cookie": cookie}),
    }[forgery]
    page = get(f"{base(slack)}/slack/oauth_redirect?{urlencode(query)}", headers=headers)
    assert page.status in (400, 401) and "Traceback" not in page.body
    assert store(slack).find_bot(enterprise_id=None, team_id=team) is None
    assert not [c for c in slack.api.of("oauth.v2.access") if c.params.get("code") == code]
    # the genuine installers can still finish with their own states
    assert finish_install(slack, state, cookie, code).status == 200
    assert finish_install(slack, other_state, other_cookie, new_id("code")).status == 401  # no such code


def test_a_code_slack_refuses_stores_nothing(slack: Slack) -> None:
    page = finish_install(slack, *start_install(slack), code="never-granted")
    assert page.status == 401 and "Traceback" not in page.body


def test_a_team_that_never_installed_gets_no_answer_and_no_data(slack: Slack) -> None:
    team = new_id("T")
    status, body = slash(slack, team, "/log", "call with Frank at Globex")
    assert status == 200 and "Logged" not in body
    with Session(slack.app.engine) as s:
        from storage.tables import WorkspaceRow

        assert s.get(WorkspaceRow, f"slack:{team}") is None


def test_uninstalling_deletes_the_stored_token(slack: Slack) -> None:
    team, token = new_id("T"), f"xoxb-{uuid.uuid4().hex}"
    install(slack, team, token)
    envelope = {"token": "legacy", "team_id": team, "api_app_id": "A0TOUCH", "type": "event_callback",
                "event": {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"},
                "event_id": new_id("Ev"), "event_time": int(time.time())}
    assert post(slack.url, json.dumps(envelope), content_type="application/json")[0] == 200
    assert store(slack).find_bot(enterprise_id=None, team_id=team) is None
    status, body = slash(slack, team, "/touchpoint", "help")
    assert status == 200 and "Touchpoint" not in body


def test_no_token_reaches_the_logs(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    team, token = new_id("T"), f"xoxb-{uuid.uuid4().hex}"
    with caplog.at_level(logging.INFO):
        install(slack, team, token)
        slash(slack, team, "/touchpoint", "help")
    assert any("installation saved" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if token in r.getMessage()]


def test_without_a_token_or_oauth_credentials_the_app_says_what_to_set(app: App,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SlackConfigError, match="SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"):
        build_slack_app(app, signing_secret="s", token=None)
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "secret")
    bolt = build_slack_app(app, signing_secret="s", token=None)
    assert bolt.oauth_flow is not None and bolt.oauth_flow.client_id == "1.2"
