"""Digest delivery on a real database to loopback Slack and Teams fakes: on time, exactly once, robust."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.bootstrap import App, bootstrap
from bot.digest_channels import channels_from_env
from bot.digest_runner import run_due
from bot.settings import Settings
from domain.names import new_id
from domain.next_steps import NextStep
from domain.tenancy import Rep
from storage.conversation_refs import ConversationRef, SqlConversationRefs
from storage.digest_sends import LEASE, DigestSends
from tests.conftest import _drop_pg_database, _fresh_pg_database, fresh_database
from tests.integration.digest_fakes import FakeSlackApi
from tests.integration.helpers import load_world
from tests.integration.teams_fakes import FakeConnector, LoopThread, serve

NOW = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)  # 09:00 in New York, a Wednesday


@dataclass
class Fakes:
    slack: FakeSlackApi
    slack_url: str
    teams: FakeConnector
    teams_url: str


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    loop = LoopThread()
    slack, teams = FakeSlackApi(), FakeConnector()
    runners: list[web.AppRunner] = []
    urls = []
    for fake in (slack, teams):
        runner, url = loop.run(serve(fake.app()))
        runners.append(runner)
        urls.append(url)
    yield Fakes(slack, urls[0] + "/api/", teams, urls[1])
    for runner in runners:
        loop.run(runner.cleanup())
    loop.stop()


def add_reps(app: App, workspace: str, ids: list[str], *, tz: str = "America/New_York",
             at: time = time(8, 30)) -> None:
    app.ensure_workspace(workspace)
    with app.services.uow(workspace) as uow:
        for rep_id in ids:
            uow.reps.upsert(Rep(rep_id, rep_id, tz=tz, digest_time=at, digest_days=frozenset(range(1, 8))))
            uow.commit()


def add_teams_refs(app: App, workspace: str, ids: list[str], service_url: str) -> None:
    refs = SqlConversationRefs(app.engine)
    tenant = workspace.split(":", 1)[1]
    for rep_id in ids:
        reference = {"channelId": "msteams", "serviceUrl": service_url, "bot": {"id": "28:bot", "name": "Touchpoint"},
                     "user": {"id": f"29:{rep_id}", "aadObjectId": rep_id},
                     "conversation": {"id": f"a:{rep_id}", "conversationType": "personal", "tenantId": tenant}}
        refs.save(ConversationRef(workspace, rep_id, f"a:{rep_id}", "personal", service_url, reference, NOW))


def channels(app: App, fakes: Fakes) -> dict[str, object]:
    return channels_from_env(app, {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakes.slack_url})  # type: ignore


def _mrkdwn(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for v in node.values() for t in _mrkdwn(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn(v)]
    return []


def slack_ws() -> str:
    return f"slack:T{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def own_app(tmp_path: Path) -> Iterator[App]:
    """An app on a database of its own: no other test's reps are due in it (a pass sends to every due rep)."""
    with fresh_database(tmp_path) as url:
        app = bootstrap(Settings(DATABASE_URL=url))
        yield app
        app.engine.dispose()


def test_due_digests_reach_slack_and_teams_once_and_a_second_pass_sends_nothing(own_app: App, fakes: Fakes) -> None:
    app = own_app
    sws, tws = slack_ws(), f"teams:{uuid.uuid4()}"
    add_reps(app, sws, ["U1", "U2", "U3"])
    add_reps(app, tws, ["aad-1", "aad-2"], tz="Europe/Berlin", at=time(14, 30))
    add_teams_refs(app, tws, ["aad-1", "aad-2"], fakes.teams_url)
    first = run_due(app, channels(app, fakes), now=NOW)  # type: ignore[arg-type]
    assert sorted(p["channel"] for p in fakes.slack.posted if p["channel"].startswith("D-U")) == ["D-U1", "D-U2",
                                                                                                    "D-U3"]
    assert sorted(s.conversation_id for s in fakes.teams.sent) == ["a:aad-1", "a:aad-2"]
    assert first["sent"] == 5
    again = run_due(app, channels(app, fakes), now=NOW + timedelta(minutes=30))  # type: ignore[arg-type]
    assert again["sent"] == 0 and len(fakes.teams.sent) == 2


def test_a_digest_waits_for_the_reps_local_time(app: App, fakes: Fakes) -> None:
    sws = slack_ws()
    add_reps(app, sws, ["U1"], tz="Asia/Kolkata", at=time(20, 0))  # 20:00 IST = 14:30 UTC
    run_due(app, channels(app, fakes), now=NOW)  # type: ignore[arg-type]
    assert not [p for p in fakes.slack.posted if p["channel"] == "D-U1"]
    run_due(app, channels(app, fakes), now=NOW + timedelta(minutes=31))  # type: ignore[arg-type]
    assert len([p for p in fakes.slack.posted if p["channel"] == "D-U1"]) == 1


def test_a_429_is_waited_out_and_the_digest_still_arrives_once(app: App, fakes: Fakes) -> None:
    sws = slack_ws()
    add_reps(app, sws, ["U9"])
    fakes.slack.rate_limit_next = 1
    run_due(app, channels(app, fakes), now=NOW)  # type: ignore[arg-type]
    mine = [p for p in fakes.slack.posted if p["channel"] == "D-U9"]
    assert len(mine) == 1 and fakes.slack.attempts >= 2
    assert DigestSends(app.engine).status(sws, "U9", NOW.date()) == "sent"


def test_an_unreachable_rep_is_recorded_and_not_retried(app: App, fakes: Fakes) -> None:
    sws = slack_ws()
    add_reps(app, sws, ["U_GONE"])
    fakes.slack.error_for["U_GONE"] = "user_not_found"
    run_due(app, channels(app, fakes), now=NOW)  # type: ignore[arg-type]
    sends = DigestSends(app.engine)
    assert sends.status(sws, "U_GONE", NOW.date()) == "unreachable"
    assert not sends.claim(sws, "U_GONE", NOW.date(), now=NOW + timedelta(hours=1))


def test_a_crash_between_claim_and_send_is_retried_after_the_lease_and_not_doubled(app: App, fakes: Fakes) -> None:
    sws = slack_ws()
    add_reps(app, sws, ["U5"])
    sends = DigestSends(app.engine)
    assert sends.claim(sws, "U5", NOW.date(), now=NOW)  # ...and the process dies here
    run_due(app, channels(app, fakes), now=NOW + timedelta(minutes=1))  # type: ignore[arg-type]
    assert not [p for p in fakes.slack.posted if p["channel"] == "D-U5"]  # still leased to the dead process
    run_due(app, channels(app, fakes), now=NOW + LEASE + timedelta(minutes=1))  # type: ignore[arg-type]
    run_due(app, channels(app, fakes), now=NOW + LEASE + timedelta(minutes=2))  # type: ignore[arg-type]
    assert len([p for p in fakes.slack.posted if p["channel"] == "D-U5"]) == 1


def test_a_quiet_day_is_skipped_for_a_rep_who_prefers_that(app: App, fakes: Fakes) -> None:
    sws = slack_ws()
    add_reps(app, sws, ["U7"])
    with app.services.uow(sws) as uow:
        rep = uow.reps.get("U7")
        assert rep is not None
        rep.digest_skip_quiet = True
        uow.reps.upsert(rep)
        uow.commit()
    run_due(app, channels(app, fakes), now=NOW)  # type: ignore[arg-type]
    assert DigestSends(app.engine).status(sws, "U7", NOW.date()) == "skipped"
    assert not [p for p in fakes.slack.posted if p["channel"] == "D-U7"]


def test_the_digest_content_reaches_the_rep(app: App, fakes: Fakes) -> None:
    sws = slack_ws()
    add_reps(app, sws, ["U_REP"])
    load_world(app, sws)
    with app.services.uow(sws) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        uow.next_steps.add(NextStep(new_id(), globex.id, "U_REP", "Call Hank about the <!channel> budget",
                                    NOW.date()))
        uow.commit()
    run_due(app, channels(app, fakes), now=NOW)  # type: ignore[arg-type]
    (message,) = [p for p in fakes.slack.posted if p["channel"] == "D-U_REP"]
    blocks = json.loads(message["blocks"]) if isinstance(message["blocks"], str) else message["blocks"]
    markup = [message["text"], *_mrkdwn(blocks)]  # where Slack would turn <!channel> into a ping
    assert any("Send the security pack" in t and "overdue" in t for t in markup)
    assert not any("<!channel>" in t for t in markup) and any("&lt;!channel&gt;" in t for t in markup)


def test_two_sender_processes_on_postgresql_send_exactly_one_digest_to_each_of_500_reps(
        pg_admin_url: str, fakes: Fakes, tmp_path: Path) -> None:
    from bot.bootstrap import bootstrap
    from bot.settings import Settings

    url, name = _fresh_pg_database(pg_admin_url)
    try:
        app = bootstrap(Settings(DATABASE_URL=url))
        now = datetime.now(UTC)
        at = max(time(0, 0), (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)) \
            if now.time() >= time(0, 1) else time(0, 0)
        sws, tws = slack_ws(), f"teams:{uuid.uuid4()}"
        slack_reps, teams_reps = [f"U{n:03d}" for n in range(250)], [f"aad-{n:03d}" for n in range(250)]
        add_reps(app, sws, slack_reps, tz="UTC", at=at)
        add_reps(app, tws, teams_reps, tz="UTC", at=at)
        add_teams_refs(app, tws, teams_reps, fakes.teams_url)
        app.engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "HOME": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-test",
               "SLACK_API_URL": fakes.slack_url}
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "digest", "run"], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        slack_to = [p["channel"] for p in fakes.slack.posted]
        teams_to = [s.conversation_id for s in fakes.teams.sent]
        assert len(slack_to) == 250 and len(set(slack_to)) == 250
        assert len(teams_to) == 250 and len(set(teams_to)) == 250
    finally:
        _drop_pg_database(pg_admin_url, name)


def test_a_workspace_installed_through_oauth_gets_its_digest_with_its_own_token(app: App, fakes: Fakes) -> None:
    from storage.slack_installations import SlackInstallationRow

    team = f"T{uuid.uuid4().hex[:8].upper()}"
    sws = f"slack:{team}"
    add_reps(app, sws, ["U_OAUTH"])
    with app.services.uow(sws) as uow:
        uow.session.add(SlackInstallationRow(workspace_id=sws, team_id=team, bot_token="xoxb-installed",
                                             installed_at=NOW))
        uow.commit()
    oauth_channels = channels_from_env(app, {"SLACK_API_URL": fakes.slack_url})  # no single-workspace token
    run_due(app, oauth_channels, now=NOW)
    delivered = [(p["channel"], t) for p, t in zip(fakes.slack.posted, fakes.slack.tokens, strict=True)]
    assert ("D-U_OAUTH", "xoxb-installed") in delivered
