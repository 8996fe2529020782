"""The parser contract on corpora: our held-out world (other names and wording) and, when present, the dev corpus."""

import io
import json
from pathlib import Path

import pytest

from bot.parse_contract import run_contract

HERE = Path(__file__).parent
DEV = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "dev"


def accuracy(cases_path: Path, world_path: Path) -> dict[str, float]:
    out = io.StringIO()
    lines = cases_path.read_text(encoding="utf-8").splitlines()
    run_contract(world_path, lines, out)
    got = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    cases = [json.loads(line) for line in lines if line.strip()]
    fields = ("intent", "account", "people", "signals", "stage", "next_step")
    hits = {f: 0.0 for f in fields}
    for case in cases:
        want, row = case["expect"], got[case["id"]]
        for f in fields:
            if f == "people":
                hits[f] += {p.casefold() for p in want[f]} == {p.casefold() for p in row[f]}
            elif f == "signals":
                hits[f] += {(s["channel"], s["polarity"]) for s in want[f]} == {
                    (s["channel"], s["polarity"]) for s in row[f]
                }
            elif f == "account" and isinstance(want[f], dict) and "ambiguous" in want[f]:
                hits[f] += isinstance(row[f], dict) and sorted(row[f].get("ambiguous", [])) == sorted(
                    want[f]["ambiguous"]
                )
            else:
                hits[f] += row[f] == want[f]
    return {f: hits[f] / len(cases) for f in fields}


@pytest.mark.parametrize(
    ("cases", "world"),
    [("cases.jsonl", "world.json"), ("cases2.jsonl", "world2.json"), ("cases3.jsonl", "world3.json")],
)
def test_reads_the_held_out_corpora_with_other_names_and_wording(cases: str, world: str) -> None:
    scores = accuracy(HERE / "heldout" / cases, HERE / "heldout" / world)
    assert all(score >= 0.9 for score in scores.values()), scores


@pytest.mark.skipif(not DEV.exists(), reason="the shared dev corpus is not beside this clone")
def test_reads_the_dev_corpus() -> None:
    scores = accuracy(DEV / "cases.jsonl", DEV / "world.json")
    assert all(score >= 0.9 for score in scores.values()), scores


def test_a_bad_line_is_reported_and_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    good = json.dumps({"id": "ok", "now": "2026-11-18T17:30:00", "tz": "America/New_York", "text": "help"})
    run_contract(HERE / "heldout" / "world.json", ["{not json", good, json.dumps({"id": "x"})], out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["ok"] and rows[0]["intent"] == "help"
    assert len(capsys.readouterr().err.splitlines()) == 2
