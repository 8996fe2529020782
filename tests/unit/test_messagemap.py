"""Message maps: the shipped default, fallbacks, the YAML file's error reports and round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.messagemap_file import (
    MessageMapFileError,
    default_message_map,
    dump_message_map,
    load_message_map_file,
    load_message_map_text,
)
from domain.buying import Stage
from domain.listening import TouchFamily
from domain.messagemap import GENERIC_PERSONA, ContentAsset, MessageMap, MessageMapEntry
from domain.personas import load_personas

PERSONA_KEYS = [p.key for p in load_personas()]


def entry(persona: str = "finance_leader", stage: Stage = Stage.UNAWARE, **kw: object) -> MessageMapEntry:
    fields: dict[str, object] = {
        "core_message": "Core", "supporting_points": ("One", "Two"), "proof_points": ("Proof",),
        "call_to_action": "Act", "assets": (), "channel": TouchFamily.COMMUNICATIONS,
    }
    fields.update(kw)
    return MessageMapEntry(persona, stage, **fields)  # type: ignore[arg-type]


def test_the_default_map_covers_every_persona_and_stage() -> None:
    mm = default_message_map()
    for key in [*PERSONA_KEYS, GENERIC_PERSONA]:
        for stage in Stage:
            found = mm.entry(key, stage)
            assert found is not None and found.persona_key == key and found.stage == stage
            assert 2 <= len(found.supporting_points) <= 3
            assert found.proof_points and found.assets and found.call_to_action


def test_the_default_map_references_only_catalogue_assets_that_serve_that_persona_and_stage() -> None:
    mm = default_message_map()
    for e in mm.entries:
        for asset_id in e.assets:
            asset = mm.asset(asset_id)
            assert asset is not None, asset_id
            persona = None if e.persona_key == GENERIC_PERSONA else e.persona_key
            assert asset.serves(persona, e.stage), (e.persona_key, e.stage, asset_id)
    assert all(a.url.startswith("https://touchpoint.example/") for a in mm.assets)


def test_the_default_channels_follow_the_tactic_of_each_stage() -> None:
    # Segment marketing talks; validation leans on influentials (references, analysts, peers).
    mm = default_message_map()
    assert {e.channel for e in mm.entries if e.stage == Stage.UNAWARE} == {TouchFamily.COMMUNICATIONS}
    validation = [e.channel for e in mm.entries if e.stage == Stage.VALIDATION]
    assert validation.count(TouchFamily.INFLUENTIALS) > len(validation) / 2


def test_an_unknown_or_missing_persona_falls_back_to_the_generic_entry() -> None:
    mm = default_message_map()
    generic = mm.entry(GENERIC_PERSONA, Stage.VALIDATION)
    assert mm.entry("druid", Stage.VALIDATION) == generic
    assert mm.entry(None, Stage.VALIDATION) == generic


def test_a_map_without_a_generic_entry_returns_none_for_uncovered_pairs() -> None:
    mm = MessageMap((entry(),))
    assert mm.entry("finance_leader", Stage.UNAWARE) is not None
    assert mm.entry("it_leader", Stage.UNAWARE) is None


def test_assets_already_sent_are_not_recommended_again() -> None:
    mm = default_message_map()
    e = mm.entry("finance_leader", Stage.VALIDATION)
    assert e is not None
    first, *rest = mm.assets_for(e)
    assert [a.id for a in mm.assets_for(e, frozenset({first.id}))] == [a.id for a in rest]


def test_entries_are_unique_per_persona_and_stage() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        MessageMap((entry(), entry(core_message="Other")))


def test_equal_maps_compare_equal_whatever_the_order_of_their_entries() -> None:
    a, b, c = entry(stage=Stage.CUSTOMER), entry(stage=Stage.UNAWARE), entry("it_leader")
    assert MessageMap((a, b, c)) == MessageMap((b, a, c))


def test_dump_then_load_gives_an_equal_map() -> None:
    mm = default_message_map()
    assert load_message_map_text(dump_message_map(mm)) == mm
    small = MessageMap(
        (entry(assets=("calc",), core_message='Quotes "and" colons: fine'),),
        (ContentAsset("calc", "ROI: calculator", "roi_calculator", (Stage.UNAWARE,), (), "https://x.example/c"),),
    )
    assert load_message_map_text(dump_message_map(small)) == small


BROKEN = """\
assets:
  - id: demo
    title: Demo
    kind: demo
    stages: [vendor_selection]
    personas: [finance_leader, wizard]
    url: https://touchpoint.example/a/demo
  - id: demo
    title: Demo again
    kind: brochure
    stages: [vendor_selection]
    url: https://touchpoint.example/a/demo-2
messages:
  finance_leader:
    unaware:
      core_message: Hello
      supporting_points: [One, Two]
      proof_points: []
      call_to_action: Read it
      assets: [demo, nope]
      channel: email
    unaware:
      core_message: A second unaware
    discovery:
      core_message: Not a stage
  wizard:
    customer:
      core_message: Hi
      supporting_points: [Only one]
      proof_points: []
      assets: []
      channel: experiences
      colour: blue
"""


def test_a_broken_file_reports_every_error_with_its_line_number() -> None:
    with pytest.raises(MessageMapFileError) as caught:
        load_message_map_text(BROKEN)
    errors = caught.value.errors
    expected = {
        6: "unknown persona 'wizard'",
        8: "duplicate asset id 'demo'",
        10: "unknown asset kind 'brochure'",
        20: "unknown asset id 'nope'",
        21: "channel",
        22: "duplicate key 'unaware'",
        24: "unknown stage",
        26: "unknown persona 'wizard'",
        27: "call_to_action: Field required",  # a missing field points at its entry
        29: "supporting_points",
        33: "colour",
    }
    for line, words in expected.items():
        assert any(e.startswith(f"line {line}: ") and words in e for e in errors), (line, words, errors)
    assert len(errors) == len(expected)
    assert [int(e.split(":")[0].removeprefix("line ")) for e in errors] == sorted(expected)


def test_a_yaml_syntax_error_reports_its_line() -> None:
    with pytest.raises(MessageMapFileError) as caught:
        load_message_map_text("assets: []\nmessages:\n  generic:\n    unaware: [unclosed\n  other: 1\n")
    assert caught.value.errors[0].startswith("line 5: ")


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"),
    ("- a list\n", "expected a mapping"),
    ("assets: []\n", "missing section 'messages'"),
    ("assets: []\nmessages: {}\nextras: 1\n", "unknown section 'extras'"),
])
def test_a_file_of_the_wrong_shape_is_explained(text: str, words: str) -> None:
    with pytest.raises(MessageMapFileError) as caught:
        load_message_map_text(text)
    assert any(words in e for e in caught.value.errors)


def test_loading_a_file_names_the_file_but_keeps_line_numbered_errors(tmp_path: Path) -> None:
    path = tmp_path / "maps.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(MessageMapFileError) as caught:
        load_message_map_file(path)
    assert caught.value.source == str(path) and str(path) in str(caught.value)
    assert all(e.startswith("line ") for e in caught.value.errors)


def test_personas_added_to_the_personas_file_are_accepted_when_passed_in() -> None:
    text = dump_message_map(MessageMap((entry("clinical_leader"),)))
    with pytest.raises(MessageMapFileError):
        load_message_map_text(text)
    mm = load_message_map_text(text, persona_keys=[*PERSONA_KEYS, "clinical_leader"])
    assert mm.entry("clinical_leader", Stage.UNAWARE) is not None
