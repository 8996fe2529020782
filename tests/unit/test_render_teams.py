"""The Teams renderer: every Reply shape becomes a valid Adaptive Card 1.5 that fits Teams and escapes user words."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from bot.render.teams import CARD_TYPE, CHOOSE, MAX_BYTES, escape, read_submit, render_activity, render_card, size_of
from bot.replies import Button, Choice, Facts, Reply, Section, Tone, error

EVIL = "[click](https://evil.example) <at>Everyone</at> **loud** _it_ `code` # head"


@cache
def validator() -> jsonschema.Draft6Validator:
    schema = json.loads((files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text())
    return jsonschema.Draft6Validator(schema)


def assert_valid(card: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(card), key=str)
    assert not errors, errors[0].message


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"] if e["type"] == "TextBlock"]


def all_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(card.get("actions", []))
    for element in card["body"]:
        if element["type"] == "ActionSet":
            found += element["actions"]
    return found


def confirmation() -> Reply:
    return Reply(
        "Logged for Globex Corporation: call with Hank Scorpio",
        (Facts((("Stage", "Vendor selection"), ("Next", "Send ROI calc by Fri 20 Nov"))),),
        actions=(
            Button("Undo", "log.undo", {"interaction": "i-1"}, "danger"),
            Button("Edit", "log.edit", {"interaction": "i-1"}, "primary"),
        ),
        tone=Tone.SUCCESS,
    )


def ambiguity(n: int) -> Reply:
    options = tuple(
        Button(f"Initech {i}", "log.pick_account", {"pending": "p-1", "account": f"a-{i}"}) for i in range(n)
    )
    return Reply("Which account was this?", (Choice("Pick the account for this note:", options),), tone=Tone.QUESTION)


def long_section() -> Reply:
    lines = tuple(f"Step {i}: call the buyer about the renewal terms and the security review" for i in range(300))
    return Reply("Your digest", (Section("Due and overdue", lines, more=5),))


SHAPES = {
    "confirmation": confirmation(),
    "ambiguity_12": ambiguity(12),
    "ambiguity_4": ambiguity(4),
    "long_section": long_section(),
    "facts": Reply("Globex Corporation", (Facts((("Stage", "Validation"), ("Owner", EVIL))),)),
    "error": error("Something went wrong on my side and nothing was saved."),
    "evil": Reply(
        EVIL,
        (Section(EVIL, (EVIL,)), Choice(EVIL, (Button(EVIL, "show", {"x": "1"}),))),
        actions=(Button(EVIL, "log.undo"),),
    ),
    "many_actions": Reply("Pick", actions=tuple(Button(f"B{i}", "show", {"i": str(i)}) for i in range(9))),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_reply_shape_is_a_valid_adaptive_card_1_5_within_teams_limits(name: str) -> None:
    activity = render_activity(SHAPES[name])
    card = render_card(SHAPES[name])
    assert_valid(card)
    assert card["version"] == "1.5" and card["$schema"].startswith("http://adaptivecards.io/schemas/")
    assert activity["type"] == "message" and activity["attachments"][0]["contentType"] == CARD_TYPE
    assert activity["summary"] and card["fallbackText"]
    assert size_of(activity) <= MAX_BYTES
    assert len(card.get("actions", [])) <= 6
    assert all(len(e["actions"]) <= 6 for e in card["body"] if e["type"] == "ActionSet")


def test_the_validator_rejects_a_card_outside_the_schema() -> None:
    card = render_card(confirmation())
    card["body"][0]["weight"] = "heavy"
    with pytest.raises(AssertionError):
        assert_valid(card)


def test_a_confirmation_has_styled_undo_and_edit_submits_carrying_action_and_ids() -> None:
    card = render_card(confirmation())
    undo, edit = card["actions"]
    assert undo == {
        "type": "Action.Submit",
        "title": "Undo",
        "style": "destructive",
        "data": {"tp_action": "log.undo", "tp_value": {"interaction": "i-1"}},
    }
    assert edit["style"] == "positive" and edit["data"]["tp_action"] == "log.edit"
    assert card["body"][0]["weight"] == "bolder" and card["body"][0]["wrap"] is True
    assert card["body"][0]["color"] == "good"
    assert read_submit(undo["data"]) == ("log.undo", {"interaction": "i-1"})


def test_facts_become_a_fact_set() -> None:
    card = render_card(SHAPES["facts"])
    (facts,) = [e for e in card["body"] if e["type"] == "FactSet"]
    assert facts["facts"][0] == {"title": "Stage", "value": "Validation"}


def test_an_error_is_shown_in_the_attention_colour() -> None:
    assert render_card(SHAPES["error"])["body"][0]["color"] == "attention"


def test_a_few_options_are_buttons() -> None:
    card = render_card(ambiguity(4))
    (action_set,) = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert [a["title"] for a in action_set["actions"]] == ["Initech 0", "Initech 1", "Initech 2", "Initech 3"]
    assert action_set["actions"][2]["data"] == {
        "tp_action": "log.pick_account",
        "tp_value": {"pending": "p-1", "account": "a-2"},
    }


def test_twelve_options_become_a_dropdown_whose_submit_decodes_to_the_picked_option() -> None:
    card = render_card(ambiguity(12))
    (dropdown,) = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert len(dropdown["choices"]) == 12 and dropdown["choices"][7]["title"] == "Initech 7"
    (submit,) = all_actions(card)
    assert submit["data"]["tp_action"] == CHOOSE
    # What Teams posts back: the submit's data merged with the card's inputs.
    posted = {**submit["data"], dropdown["id"]: dropdown["choices"][7]["value"]}
    assert read_submit(posted) == ("log.pick_account", {"pending": "p-1", "account": "a-7"})


def test_a_300_line_section_is_cut_with_and_n_more_and_fits_the_size_limit() -> None:
    activity = render_activity(long_section())
    shown = [t for t in texts(activity["attachments"][0]["content"]) if t.startswith("• Step")]
    assert 0 < len(shown) < 300
    assert f"… and {300 - len(shown) + 5} more" in texts(activity["attachments"][0]["content"])
    assert size_of(activity) <= MAX_BYTES


def test_an_enormous_reply_still_fits() -> None:
    huge_line = "x" * 5000
    sections = [Section(f"S{i}", (huge_line,) * 300) for i in range(40)]
    choice = Choice("Pick", tuple(Button("o" * 500, "show", {"v": "v" * 200}) for _ in range(400)))
    reply = Reply("h" * 10_000, (*sections, choice))
    activity = render_activity(reply)
    assert size_of(activity) <= MAX_BYTES
    assert_valid(activity["attachments"][0]["content"])


def test_non_ascii_text_is_budgeted_as_the_escaped_json_the_sdk_sends() -> None:
    lines = tuple("Встреча с закупками 🚀 — обсудили цену и сроки внедрения" * 3 for _ in range(300))
    activity = render_activity(Reply("Отчёт", (Section("Дела", lines),)))
    assert len(json.dumps(activity).encode()) <= MAX_BYTES
    assert_valid(activity["attachments"][0]["content"])


def test_user_words_never_become_links_markup_or_mentions() -> None:
    activity = render_activity(SHAPES["evil"])
    dumped = json.dumps(activity, ensure_ascii=False)
    assert "<at>" not in dumped and "</at>" not in dumped
    card = activity["attachments"][0]["content"]
    markdown = [*texts(card), card["fallbackText"]]  # button titles and the summary are shown as plain text
    assert all("[click](" not in m and "**loud**" not in m for m in markdown)
    assert r"\[click\](https://evil.example)" in card["body"][0]["text"]
    assert r"\*\*loud\*\*" in card["body"][0]["text"] and r"\_it\_" in card["body"][0]["text"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("- not a list", "\\- not a list"),
        ("1. not numbered", "1\\. not numbered"),
        ("> not a quote", "\\> not a quote"),
        ("line one\nline two", "line one\n\nline two"),
        ("a\\b", "a\\\\b"),
        ("bell\x07 and \u202eflip", "bell and flip"),
        ("price < 10k and x>y", "price < 10k and x>y"),
    ],
)
def test_escape_keeps_plain_text_plain(raw: str, shown: str) -> None:
    assert escape(raw) == shown


@pytest.mark.parametrize(
    "value",
    [
        None,
        "x",
        {},
        {"tp_action": 3},
        {"tp_action": "log.undo", "tp_value": "x"},
        {"tp_action": CHOOSE, "tp_input": "tp_choice_0"},
        {"tp_action": CHOOSE, "tp_input": "i", "i": "not json"},
        {"tp_action": CHOOSE, "tp_input": "i", "i": "[1, {}]"},
    ],
)
def test_foreign_or_broken_submits_are_not_read_as_actions(value: object) -> None:
    assert read_submit(value) is None
