"""Block Kit rendering: every reply shape passes slack_sdk's block models, stays in Slack's limits, and
user words can never ping a channel or disguise a link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.render.slack import decode_value, encode_value, render_slack
from bot.replies import Button, Choice, Facts, Reply, Section, Tone, error

Message = dict[str, Any]


def valid(message: Message, *, max_blocks: int = 50) -> Message:
    """Round-trip every block through slack_sdk's models (which raise on a violated limit), plus the limits
    the models leave out; returns the message for further checks."""
    assert message["text"].strip(), "a plain text fallback is always set"
    blocks = message["blocks"]
    assert 0 < len(blocks) <= max_blocks
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        assert parsed.to_dict() == raw  # to_dict() validates, recursively
        for f in raw.get("fields", []):
            assert len(f["text"]) <= 2000
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids)), "action_ids must be unique within a message"
    return message


def buttons(message: Message) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def mrkdwn_texts(message: Message) -> list[str]:
    out = [message["text"]]
    for b in message["blocks"]:
        out += [b["text"]["text"]] if "text" in b else []
        out += [f["text"] for f in b.get("fields", [])]
        out += [e["text"] for e in b.get("elements", []) if e.get("type") == "mrkdwn"]
    return out


def confirmation() -> Reply:
    value = {"interaction": "int_123"}
    return Reply("Logged for Globex Corporation.",
                 (Facts((("Account", "Globex Corporation"), ("People", "Hank Scorpio (CEO)"),
                         ("Next step", "send ROI calc — due Fri Nov 20 (in 2 days)"))),),
                 actions=(Button("Undo", "log.undo", value, "danger"), Button("Edit", "log.edit", value)),
                 tone=Tone.SUCCESS)


def test_a_log_confirmation_has_bold_headline_facts_and_undo_edit_buttons() -> None:
    message = valid(render_slack(confirmation()))
    assert message["blocks"][0]["text"]["text"] == ":white_check_mark: *Logged for Globex Corporation.*"
    assert message["blocks"][1]["fields"][0]["text"] == "*Account*\nGlobex Corporation"
    undo, edit = buttons(message)
    assert undo["style"] == "danger" and "style" not in edit
    assert undo["action_id"] == "tp:log.undo:0" and edit["action_id"] == "tp:log.edit:1"
    assert decode_value(undo["value"]) == ("log.undo", {"interaction": "int_123"})
    assert message["text"].startswith("Logged for Globex Corporation.\nAccount: Globex Corporation")


def test_an_ambiguity_with_twelve_options_is_one_actions_block_of_decodable_buttons() -> None:
    options = tuple(Button(f"Initech {i}", "log.pick_account", {"pending": "p1", "account": f"acc{i}"})
                    for i in range(12))
    reply = Reply("Which account was this?", (Choice("Pick the account:", options),), tone=Tone.QUESTION)
    message = valid(render_slack(reply))
    assert [b["type"] for b in message["blocks"]] == ["section", "section", "actions"]
    found = [decode_value(b["value"]) for b in buttons(message)]
    assert found == [("log.pick_account", {"pending": "p1", "account": f"acc{i}"}) for i in range(12)]
    assert "Initech 11" in message["text"]


def test_more_than_25_options_are_split_across_actions_blocks() -> None:
    options = tuple(Button(f"Option {i}", "show", {"account": str(i)}) for i in range(30))
    message = valid(render_slack(Reply("Pick one", (Choice("Which?", options),), tone=Tone.QUESTION)))
    assert [len(b["elements"]) for b in message["blocks"] if b["type"] == "actions"] == [25, 5]


def test_a_section_of_200_lines_is_cut_to_3000_characters_with_and_n_more() -> None:
    lines = tuple(f"Step {i}: call the buying group about the renewal terms" for i in range(200))
    message = valid(render_slack(Reply("Your digest", (Section("Due", lines, more=5),))))
    text = message["blocks"][1]["text"]["text"]
    shown = text.count("• ")
    assert len(text) <= 3000 and 10 < shown < 200
    assert text.startswith("*Due*\n• Step 0:")
    assert text.endswith(f"_… and {200 - shown + 5:,} more_")


def test_one_huge_line_is_clipped_not_rejected() -> None:
    message = valid(render_slack(Reply("x", (Section(None, ("&" * 5000,)),))))
    text = message["blocks"][1]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("&amp;…")  # never a half entity like "&am"


def test_fifteen_facts_become_two_sections_of_at_most_ten_fields() -> None:
    pairs = tuple((f"Label {i}", f"value {i}") for i in range(15))
    message = valid(render_slack(Reply("Account overview", (Facts(pairs),))))
    assert [len(b.get("fields", [])) for b in message["blocks"]] == [0, 10, 5]


def test_an_error_is_marked_and_has_no_buttons() -> None:
    message = valid(render_slack(error("That log was already undone.")))
    assert message["blocks"] == [{"type": "section", "text": {"type": "mrkdwn",
                                                              "text": ":warning: *That log was already undone.*"}}]
    assert message["text"] == "That log was already undone."


def test_a_huge_reply_is_cut_to_50_blocks_keeping_headline_and_actions() -> None:
    sections = tuple(Section(f"Account {i}", ("a line",)) for i in range(80))
    reply = Reply("Everything", sections, actions=(Button("Undo", "log.undo", {"interaction": "i"}),))
    message = valid(render_slack(reply, shareable=True, share_value={"command": "digest"}))
    blocks = message["blocks"]
    assert len(blocks) == 50 and blocks[0]["text"]["text"] == "*Everything*"
    assert blocks[-2]["type"] == "context" and "33 more not shown" in blocks[-2]["elements"][0]["text"]
    assert [decode_value(b["value"])[0] for b in buttons(message)] == ["log.undo", "share"]


def test_the_share_button_carries_its_value_and_only_appears_when_shareable() -> None:
    reply = Reply("Globex: 2 in the buying group")
    assert not buttons(valid(render_slack(reply)))
    (share,) = buttons(valid(render_slack(reply, shareable=True, share_value={"command": "dmu Globex"})))
    assert share["text"]["text"] == "Share in channel" and share["action_id"] == "tp:share:0"
    assert decode_value(share["value"]) == ("share", {"command": "dmu Globex"})


def test_long_button_labels_are_cut_to_75_characters() -> None:
    reply = Reply("q", (Choice("Which?", (Button("N" * 200, "show", {}),)),))
    (b,) = buttons(valid(render_slack(reply)))
    assert len(b["text"]["text"]) == 75 and b["text"]["text"].endswith("…")


def test_an_oversized_button_value_is_a_loud_error_not_a_broken_message() -> None:
    with pytest.raises(ValueError, match="Slack takes 2000"):
        encode_value(Button("x", "show", {"blob": "y" * 2100}))


@pytest.mark.parametrize("raw", ["", "nope", "[]", '{"v":{}}', '{"a":1}', '{"a":"x","v":[]}'])
def test_foreign_button_values_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        decode_value(raw)


EVIL = ["<!channel> pricing approved", "ping <@U123ABC> and <!here>", "<https://evil.example|Your bank>",
        "Tom & Jerry <b>", "<!subteam^S123|@sales>"]


@pytest.mark.parametrize("words", EVIL)
def test_user_words_are_escaped_everywhere_slack_parses_markup(words: str) -> None:
    reply = Reply(f"Logged: {words}", (Facts((("Note", words),)), Section(words, (words,)),
                                       Choice(words, (Button(words, "show", {"n": words}),))),
                  tone=Tone.SUCCESS)
    message = valid(render_slack(reply))
    for text in mrkdwn_texts(message):
        assert "<" not in text and ">" not in text, text
        assert re.search(r"&(?!amp;|lt;|gt;)", text) is None, text
    headline = message["blocks"][0]["text"]["text"]
    assert headline == ":white_check_mark: *Logged: " + words.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;") + "*"
    (b,) = buttons(message)
    assert b["text"]["text"] == words  # plain_text is not parsed by Slack: shown as typed
    assert decode_value(b["value"]) == ("show", {"n": words})


def test_terminal_and_bidi_control_characters_are_dropped() -> None:
    message = valid(render_slack(Reply("evil\u202egnp.exe\x1b[31m")))
    assert message["blocks"][0]["text"]["text"] == "*evilgnp.exe[31m*"


@settings(max_examples=150, deadline=None)
@given(headline=st.text(min_size=1, max_size=400), lines=st.lists(st.text(max_size=300), max_size=60),
       pairs=st.lists(st.tuples(st.text(max_size=50), st.text(max_size=2500)), max_size=25),
       labels=st.lists(st.text(max_size=120), max_size=40))
def test_any_text_renders_valid_escaped_blocks(headline: str, lines: list[str], pairs: list[tuple[str, str]],
                                               labels: list[str]) -> None:
    reply = Reply(headline, (Section("t", tuple(lines)), Facts(tuple(pairs)),
                             Choice("q", tuple(Button(label, "show", {"l": label[:20]}) for label in labels))),
                  actions=(Button("Undo", "log.undo", {"interaction": "i"}, "danger"),))
    message = valid(render_slack(reply, shareable=True))
    assert all("<" not in t and ">" not in t for t in mrkdwn_texts(message))
    assert decode_value(buttons(message)[-1]["value"])[0] == "share"


def test_app_home_stacks_replies_within_100_blocks_with_unique_action_ids() -> None:
    from slack_sdk.models.views import View

    from bot.render.slack import render_home

    digest = Reply("3 due", (Section("Due", ("a", "b")),),
                   actions=tuple(Button(f"Done: step {i}", "step.done", {"step": str(i)}) for i in range(3)))
    many = [digest] + [Reply(f"Part {i}", tuple(Section(f"S{j}", ("x",)) for j in range(10))) for i in range(12)]
    view = render_home(many, notice=error("<!channel> that step is gone"))
    assert View(**view).to_dict() == view and view["type"] == "home"
    assert len(view["blocks"]) <= 100 and "more in" in view["blocks"][-1]["elements"][0]["text"]
    assert view["blocks"][1]["elements"][0]["text"] == ":warning: &lt;!channel&gt; that step is gone"
    ids = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["tp:step.done:0", "tp:step.done:1", "tp:step.done:2"]
