"""`touchpoint serve` end to end: a real process, its health endpoint, and the digest scheduler inside it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time as clock
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App
from tests.integration.digest_fakes import FakeSlackApi
from tests.integration.teams_fakes import FakeConnector, LoopThread, serve
from tests.integration.test_digest_delivery import add_reps, add_teams_refs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stopped(proc: subprocess.Popen[str], timeout: float = 15) -> str:
    """Stops a server process as a deploy would (SIGTERM, then SIGKILL if it hangs); returns what it wrote to
    stderr."""
    proc.terminate()
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[1]


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            clock.sleep(0.2)
    raise AssertionError("server never became healthy")


@pytest.fixture
def connector() -> Iterator[tuple[FakeConnector, str, FakeSlackApi, str]]:
    loop = LoopThread()
    teams, slack = FakeConnector(), FakeSlackApi()
    teams_runner, teams_url = loop.run(serve(teams.app()))
    slack_runner, slack_url = loop.run(serve(slack.app()))
    yield teams, teams_url, slack, slack_url + "/api/"
    loop.run(teams_runner.cleanup())
    loop.run(slack_runner.cleanup())
    loop.stop()


def due_now() -> time:
    now = datetime.now(UTC)
    return (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0) if now.time() >= time(0, 1) \
        else time(0, 0)


def test_serve_teams_answers_activities_and_its_scheduler_sends_due_digests(
        app: App, database_url: str, tmp_path: Path, connector: tuple[FakeConnector, str, FakeSlackApi, str]) -> None:
    teams, teams_url, _, _ = connector
    workspace = f"teams:{uuid.uuid4()}"
    add_reps(app, workspace, ["aad-serve"], tz="UTC", at=due_now())
    add_teams_refs(app, workspace, ["aad-serve"], teams_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HOME": str(tmp_path)}
    env.pop("MicrosoftAppId", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "teams", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        deadline = clock.monotonic() + 30
        while not teams.sent and clock.monotonic() < deadline:
            clock.sleep(0.2)
        assert [s.conversation_id for s in teams.sent] == ["a:aad-serve"]  # the digest, sent by the scheduler
        activity = {"type": "message", "id": "m1", "text": "help", "channelId": "msteams", "serviceUrl": teams_url,
                    "from": {"id": "29:x", "aadObjectId": "aad-serve"}, "recipient": {"id": "28:bot"},
                    "conversation": {"id": "a:aad-serve", "conversationType": "personal"},
                    "channelData": {"tenant": {"id": workspace.split(":", 1)[1]}}}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/messages", json.dumps(activity).encode(),
                                         {"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status in (200, 201, 202)
        assert len(teams.sent) == 2 and "Touchpoint" in json.dumps(teams.sent[1].activity)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_serve_slack_refuses_to_start_without_its_secrets_and_starts_with_them(
        database_url: str, tmp_path: Path, connector: tuple[FakeConnector, str, FakeSlackApi, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=database_url, HOME=str(tmp_path))
    refused = subprocess.run([sys.executable, "-m", "bot", "serve", "slack"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1 and "SLACK_SIGNING_SECRET" in refused.stderr
    unreachable = {**env, "SLACK_SIGNING_SECRET": "s3cret", "SLACK_BOT_TOKEN": "xoxb-test",
                   "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}
    down = subprocess.run([sys.executable, "-m", "bot", "serve", "slack"], env=unreachable, capture_output=True,
                          text=True, timeout=120)
    assert down.returncode == 1 and "could not be reached" in down.stderr and "Traceback" not in down.stderr
    port = free_port()
    env.update(SLACK_SIGNING_SECRET="s3cret", SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=connector[3])
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "slack", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
