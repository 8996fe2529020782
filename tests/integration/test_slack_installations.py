"""The installation and OAuth state stores on the real database (SQLite, or PostgreSQL under CI)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store import Installation
from sqlmodel import Session

from bot.bootstrap import App
from storage.slack_installations import SlackOAuthStateRow, SqlInstallationStore, SqlOAuthStateStore
from storage.uow import directory_version


def team() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


def installation(team_id: str | None, token: str, *, enterprise_id: str | None = None, org: bool = False,
                 installer: str = "U0ADMIN") -> Installation:
    return Installation(app_id="A0TOUCH", team_id=team_id, team_name="Acme Sales", enterprise_id=enterprise_id,
                        bot_token=token, bot_id="B0BOT", bot_user_id="U0BOT", bot_scopes="commands,chat:write",
                        user_id=installer, is_enterprise_install=org)


def test_a_saved_installation_is_found_by_team_and_a_reinstall_replaces_its_token(app: App) -> None:
    store, t = SqlInstallationStore(app.engine), team()
    store.save(installation(t, "xoxb-first"))
    found = store.find_installation(enterprise_id=None, team_id=t)
    assert found is not None and (found.bot_token, found.user_id, found.bot_scopes) == (
        "xoxb-first", "U0ADMIN", ["commands", "chat:write"])
    assert directory_version(app.engine, f"slack:{t}") == 0  # the workspace row exists from the install on
    store.save(installation(t, "xoxb-second", installer="U0OTHER"))
    bot = store.find_bot(enterprise_id=None, team_id=t)
    assert bot is not None and bot.bot_token == "xoxb-second" and bot.bot_user_id == "U0BOT"
    assert store.find_bot(enterprise_id=None, team_id=team()) is None


def test_only_the_installer_has_an_installation_of_their_own(app: App) -> None:
    store, t = SqlInstallationStore(app.engine), team()
    store.save(installation(t, "xoxb-x"))
    assert store.find_installation(enterprise_id=None, team_id=t, user_id="U0ADMIN") is not None
    assert store.find_installation(enterprise_id=None, team_id=t, user_id="U0SOMEONE") is None
    # a revoked user token (we never stored one) leaves the bot installed
    store.delete_installation(enterprise_id=None, team_id=t, user_id="U0ADMIN")
    assert store.find_bot(enterprise_id=None, team_id=t) is not None
    store.delete_installation(enterprise_id=None, team_id=t)
    assert store.find_installation(enterprise_id=None, team_id=t) is None


def test_an_org_wide_install_serves_every_team_of_the_org_and_no_other(app: App) -> None:
    store, org, t = SqlInstallationStore(app.engine), "E" + uuid.uuid4().hex[:8].upper(), team()
    store.save(installation(None, "xoxb-org", enterprise_id=org, org=True))
    for team_id in (None, t):  # Bolt asks with or without the team an org-wide request came from
        bot = store.find_bot(enterprise_id=org, team_id=team_id, is_enterprise_install=True)
        assert bot is not None and bot.bot_token == "xoxb-org" and bot.is_enterprise_install
    assert store.find_bot(enterprise_id=None, team_id=t) is None
    assert store.find_bot(enterprise_id="E0OTHER", team_id=None, is_enterprise_install=True) is None
    store.delete_all(enterprise_id=org, team_id=None)
    assert store.find_bot(enterprise_id=org, team_id=None, is_enterprise_install=True) is None


def test_a_team_install_inside_an_org_is_its_own_workspace(app: App) -> None:
    store, org, t = SqlInstallationStore(app.engine), "E" + uuid.uuid4().hex[:8].upper(), team()
    store.save(installation(t, "xoxb-team", enterprise_id=org))
    bot = store.find_bot(enterprise_id=org, team_id=t, is_enterprise_install=False)
    assert bot is not None and bot.bot_token == "xoxb-team"
    assert store.find_bot(enterprise_id=org, team_id=None, is_enterprise_install=True) is None


def test_a_state_is_good_once(app: App) -> None:
    states = SqlOAuthStateStore(app.engine)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("made-up") is False and states.consume("") is False and states.consume("x" * 500) is False


def test_an_expired_state_is_refused_and_swept(app: App) -> None:
    now = [datetime(2026, 11, 18, 12, 0, tzinfo=UTC)]
    states = SqlOAuthStateStore(app.engine, expiration_seconds=600, clock=lambda: now[0])
    late, fresh = states.issue(), states.issue()
    now[0] += timedelta(seconds=599)
    assert states.consume(fresh) is True
    now[0] += timedelta(seconds=2)
    assert states.consume(late) is False
    with Session(app.engine) as s:
        assert s.get(SlackOAuthStateRow, late) is not None
        states.issue()  # issuing sweeps what expired
        s.expire_all()
        assert s.get(SlackOAuthStateRow, late) is None


def test_two_redirects_racing_with_one_state_install_once(app: App) -> None:
    states = SqlOAuthStateStore(app.engine)
    def consume(state: str, start: threading.Barrier, results: list[bool]) -> None:
        start.wait()
        results.append(states.consume(state))

    for _ in range(5):
        state, start = states.issue(), threading.Barrier(4)
        results: list[bool] = []
        threads = [threading.Thread(target=consume, args=(state, start, results)) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(10)
        assert sorted(results) == [False, False, False, True]
