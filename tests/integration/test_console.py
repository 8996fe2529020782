"""The console end to end: the real `touchpoint` command in a subprocess, on its own database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.helpers import FIXTURES


def touchpoint(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("touchpoint", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "bot"]
    return subprocess.run([*cmd, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TOUCHPOINT_DB"}}
    base.update(TOUCHPOINT_DB=str(tmp_path / "tp.db"), TOUCHPOINT_WORKSPACE=f"console:{tmp_path.name}",
                TOUCHPOINT_USER="U_REP", TOUCHPOINT_TZ="America/New_York", HOME=str(tmp_path))
    if database_url.startswith("postgresql"):
        base["DATABASE_URL"] = database_url
    return base


def test_a_chat_session_logs_asks_and_answers_through_stdin(env: dict[str, str]) -> None:
    assert touchpoint("import", str(FIXTURES / "world.json"), env=env).returncode == 0
    session = "\n".join([
        "Good meeting with Initech today, they want pricing",
        "2",
        "dmu globex",
        "quit",
    ])
    result = touchpoint("chat", env=env, stdin=session + "\n")
    assert result.returncode == 0, result.stderr
    assert "Which account was this?" in result.stdout
    assert "Logged for Initech" in result.stdout
    assert "Hank Scorpio" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_once_answers_one_message_and_exits(env: dict[str, str]) -> None:
    touchpoint("import", str(FIXTURES / "world.json"), env=env)
    result = touchpoint("chat", "--once", "stage globex", env=env)
    assert result.returncode == 0 and "Vendor selection" in result.stdout


def test_an_unknown_command_word_is_read_as_plain_words_and_an_empty_one_fails(env: dict[str, str]) -> None:
    result = touchpoint("chat", "--once", "   ", env=env)
    assert result.returncode == 1 and "didn't get any words" in result.stdout


def test_the_demo_is_one_command_away(env: dict[str, str]) -> None:
    result = touchpoint("chat", "--demo", "--once", "digest", env=env)
    assert result.returncode == 0, result.stderr
    assert "Demo workspace loaded" in result.stdout


def test_an_unreachable_database_gets_a_clear_message_and_a_failing_exit(env: dict[str, str]) -> None:
    env = {**env, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = touchpoint("chat", "--once", "help", env=env)
    assert result.returncode != 0
    assert "can't open the database" in result.stderr and "Traceback" not in result.stderr


def test_a_read_only_database_is_refused_cleanly_and_nothing_is_half_written(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k != "DATABASE_URL"}  # a SQLite file, whatever the run's database
    assert touchpoint("import", str(FIXTURES / "world.json"), env=env).returncode == 0
    db = env["TOUCHPOINT_DB"]
    # SQLite's read-only open mode: the same refusal a read-only file gives, even to root (CI runs as root)
    read_only = {**env, "DATABASE_URL": f"sqlite:///file:{db}?mode=ro&uri=true"}
    result = touchpoint("chat", "--once", "log call with Hank at Globex, went well", env=read_only)
    assert result.returncode != 0
    assert "read-only" in result.stdout and "Traceback" not in result.stdout + result.stderr
    after = touchpoint("export", env=env)
    assert "went well" not in after.stdout


def test_a_malformed_import_file_fails_with_a_reason(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = touchpoint("import", str(bad), env=env)
    assert result.returncode == 1 and "not valid JSON" in result.stderr


def test_a_message_map_is_loaded_atomically_and_bad_files_report_line_numbers(env: dict[str, str],
                                                                            tmp_path: Path) -> None:
    exported = touchpoint("messagemap", "export", env=env)
    assert exported.returncode == 0 and "core_message" in exported.stdout
    doc = yaml.safe_load(exported.stdout)
    first_persona = next(iter(doc["messages"].values()))
    next(iter(first_persona.values()))["core_message"] = "Tested at Acme: payback in one quarter."
    custom = yaml.safe_dump(doc, sort_keys=False, width=120)
    good = tmp_path / "good.yaml"
    good.write_text(custom)
    assert touchpoint("messagemap", "load", str(good), env=env).returncode == 0
    assert touchpoint("messagemap", "export", env=env).stdout == custom
    broken_lines = custom.splitlines()
    stage_line = next(i for i, line in enumerate(broken_lines) if line.strip().startswith("channel:"))
    broken_lines[stage_line] = broken_lines[stage_line].split(":")[0] + ": carrier pigeon"
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(broken_lines) + "\n")
    result = touchpoint("messagemap", "load", str(bad), env=env)
    assert result.returncode == 1 and "nothing was loaded" in result.stderr
    assert f"line {stage_line + 1}:" in result.stderr
    assert touchpoint("messagemap", "export", env=env).stdout == custom  # the good map is still in place
