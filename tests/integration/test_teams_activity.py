"""Teams protocol helpers (pure functions) and the SDK boundary: botbuilder stays inside the Teams adapter."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from bot.render.teams import render_activity
from bot.replies import Button, Choice, Facts, Reply, Section, Tone
from bot.teams_activity import (
    Mention,
    base_conversation,
    delivery_key,
    mentions_of,
    tenant_of,
    timezone_of,
    words_of,
    workspace_of,
)
from bot.teams_app import to_activity
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
BOT = "28:c9e8c047-2a74-40a2-b28b-b262d5f5327c"


def entities(name: str) -> list[tuple[str | None, dict[str, object]]]:
    body = json.loads((SHARED / "platform-samples" / f"teams_{name}.json").read_text())
    return [(e.get("type"), e) for e in body.get("entities", [])]


def test_the_bots_mention_is_dropped_and_other_mentions_become_names() -> None:
    found = mentions_of(entities("message_channel_mention"))
    assert len(found) == 2 and found[0] == Mention(BOT, "<at>Teams TestBot</at>")
    assert words_of("<at>Teams TestBot</at> Hello <at>Jingjing Xia</at>", found, BOT) == "Hello Jingjing Xia"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("<at>Bot (beta)*</at> log call with Hank", "log call with Hank"),  # regex characters in the bot's name
        ("log call <at>Bot (beta)*</at> with Hank", "log call with Hank"),
        ("<p>log call&nbsp;with Hank &amp; Frank</p>", "log call with Hank & Frank"),
        ("line one<br>line two", "line one\nline two"),
        (None, ""),
    ],
)
def test_words_are_the_reps_plain_text(text: str | None, words: str) -> None:
    assert words_of(text, [Mention("28:bot", "<at>Bot (beta)*</at>")], "28:bot") == words


def test_without_a_bot_id_no_mention_is_dropped_silently() -> None:
    assert words_of("<at>Bot</at> hi", [Mention("28:bot", "<at>Bot</at>")], None) == "Bot hi"


def test_the_client_time_zone_is_used_and_utc_is_the_default() -> None:
    assert timezone_of(entities("message_personal")) == "America/Los_Angeles"
    assert timezone_of(entities("message_channel_mention")) == "UTC"  # clientInfo without a timezone
    assert timezone_of([]) == "UTC"


def test_the_tenant_comes_from_channel_data_else_the_conversation() -> None:
    assert tenant_of({"tenant": {"id": "t-1"}}, "t-2") == "t-1"
    assert tenant_of({"tenant": {}}, "t-2") == "t-2"
    assert tenant_of("[]", None) is None
    assert workspace_of("t-1") == "teams:t-1"


def test_delivery_keys_differ_across_conversations_and_fit_the_table() -> None:
    a, b = delivery_key("a:chat-1", "1485983408511"), delivery_key("a:chat-2", "1485983408511")
    assert a and b and a != b and len(a) <= 200
    assert delivery_key("a:chat-1", "1485983408511") == a
    assert delivery_key("a:chat-1", None) is None


def test_a_channel_thread_belongs_to_its_channel() -> None:
    assert base_conversation("19:abc@thread.skype;messageid=1485983194839") == "19:abc@thread.skype"
    assert base_conversation("a:1personal") == "a:1personal"


def test_only_the_teams_adapter_modules_import_botbuilder() -> None:
    offenders = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("domain/**/*.py"), *ROOT.glob("storage/**/*.py")]:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            sdk = any(n.split(".")[0] in {"botbuilder", "botframework"} for n in names)
            if sdk and not (path.parent.name == "bot" and path.name.startswith("teams_")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply("Logged for Globex.", (Facts((("Stage", "Validation"),)),), (Button("Undo", "log.undo", {"id": "1"}),)),
        Reply("Which account?", (Choice("Pick:", (Button("Initech", "log.pick", {"a": "1"}),)),), tone=Tone.QUESTION),
        Reply("Отчёт <at>x</at>", (Section("Дела", ("a", "b"), more=3),)),
    ],
)
def test_the_sdk_activity_carries_exactly_the_rendered_reply(reply: Reply) -> None:
    """to_activity builds the SDK object field by field: nothing the renderer sets may be lost on the way."""
    assert to_activity(reply).serialize() == render_activity(reply)
