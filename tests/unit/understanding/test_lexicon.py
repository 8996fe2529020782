import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.understanding import Directory, KnownAccount, Lexicon, read_message
from domain.understanding.lexicon import merge
from domain.understanding.patterns import phrase_regex

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def test_admin_additions_extend_lists_and_merge_tables() -> None:
    base = {"a": [1], "t": {"x": 1, "y": [1]}, "s": "one\ntwo"}
    extra = {"a": [2], "t": {"y": [2], "z": 3}, "s": "three\n"}
    assert merge(base, extra) == {"a": [1, 2], "t": {"x": 1, "y": [1, 2], "z": 3}, "s": "one\ntwo\nthree\n"}


def test_an_extra_lexicon_dir_teaches_new_phrases(tmp_path: Path) -> None:
    (tmp_path / "signals.toml").write_text(
        '[[channel]]\nchannel = "chatter"\npolarity = "inherit"\nphrases = ["fediverse toot"]\n', encoding="utf-8"
    )
    (tmp_path / "stages.toml").write_text('[stage]\nvendor_selection = ["bake-off round"]\n', encoding="utf-8")
    lexicon = Lexicon.load([tmp_path])
    world = Directory([KnownAccount("a", "Quibble Labs")], [], lexicon=lexicon)
    reading = read_message("Quibble Labs fediverse toot: loved the bake-off round", now=NOW, directory=world)
    assert {s.channel.value for s in reading.signals} == {"chatter"}
    assert reading.stage is not None and reading.stage.stage.value == "vendor_selection"
    plain = read_message(
        "Quibble Labs fediverse toot", now=NOW, directory=Directory([KnownAccount("a", "Quibble Labs")], [])
    )
    assert {s.channel.value for s in plain.signals} == {"engagement"}


def test_the_shipped_lexicons_load() -> None:
    lexicon = Lexicon.default()
    assert "gmbh" in lexicon.words("names", "legal_suffixes")
    assert lexicon.section("signals", "channel")


def test_a_gap_that_ends_a_phrase_needs_no_word_after_it() -> None:
    rx = re.compile(phrase_regex("going with (the|their) (incumbent|current) ~"))
    assert rx.search("they're going with the incumbent") and rx.search("going with the incumbent this year")
