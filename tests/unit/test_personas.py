"""Buyer personas: the default file, and deriving a persona from a job title."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from domain.personas import Persona, PersonaFileError, load_personas, normalise_title, persona_for_title

EXPECTED_KEYS = {
    "finance_leader", "it_leader", "technical_evaluator", "operations_leader", "line_of_business_user",
    "procurement", "executive_sponsor", "marketing_leader", "sales_leader", "security_compliance", "hr_leader",
}


def key_of(title: str | None) -> str | None:
    persona = persona_for_title(title)
    return persona.key if persona else None


def test_the_default_file_defines_the_standard_b2b_personas_with_patterns_and_priorities() -> None:
    personas = load_personas()
    assert {p.key for p in personas} == EXPECTED_KEYS
    for p in personas:
        assert p.label and p.title_patterns and p.priorities


def test_loading_is_cached() -> None:
    assert load_personas() is load_personas()


@pytest.mark.parametrize(("title", "key"), [
    ("CFO", "finance_leader"), ("VP Finance", "finance_leader"), ("Finance Director", "finance_leader"),
    ("Head of IT", "it_leader"), ("Chief Information Officer", "it_leader"), ("Director of Engineering", "it_leader"),
    ("Plant Manager", "operations_leader"), ("Store Operations Lead", "operations_leader"),
    ("Procurement Manager", "procurement"), ("Head of Procurement", "procurement"),
    ("Solutions Architect", "technical_evaluator"), ("Senior Software Engineer", "technical_evaluator"),
    ("Business Analyst", "line_of_business_user"), ("Team Lead", "line_of_business_user"),
    ("General Manager", "executive_sponsor"), ("Managing Director", "executive_sponsor"),
    ("Marketing Manager", "marketing_leader"), ("VP Sales", "sales_leader"),
    ("Data Protection Officer", "security_compliance"), ("HR Director", "hr_leader"), ("VP People", "hr_leader"),
])
def test_common_titles_map_to_their_persona(title: str, key: str) -> None:
    assert key_of(title) == key


@pytest.mark.parametrize(("abbreviation", "key"), [
    ("CFO", "finance_leader"), ("CIO", "it_leader"), ("CTO", "it_leader"), ("COO", "executive_sponsor"),
    ("CISO", "security_compliance"), ("CEO", "executive_sponsor"), ("CMO", "marketing_leader"),
    ("CRO", "sales_leader"), ("CHRO", "hr_leader"),
])
def test_c_level_abbreviations_are_understood(abbreviation: str, key: str) -> None:
    assert key_of(abbreviation) == key
    assert key_of(abbreviation.lower()) == key


@pytest.mark.parametrize("title", [
    "VP of Finance", "vp finance", "V.P. Finance", "Vice President, Finance", "Vice-President of Finance",
    "Sr. VP Finance", "SVP Finance", "Finance VP", "VP, Finance & Accounting",
])
def test_case_punctuation_filler_words_and_seniority_do_not_matter(title: str) -> None:
    assert key_of(title) == "finance_leader"


def test_word_order_does_not_matter() -> None:
    assert key_of("Engineering Director") == key_of("Director of Engineering") == "it_leader"
    assert key_of("Operations Director") == key_of("Director of Operations") == "operations_leader"


@pytest.mark.parametrize(("title", "key"), [
    ("CISO", "security_compliance"),
    ("Chief Information Security Officer", "security_compliance"),
    ("Head of IT Security", "security_compliance"),
    ("Director of Security Engineering", "security_compliance"),
    ("IT Manager", "technical_evaluator"),
    ("IT Director", "it_leader"),
    ("Sales Operations Manager", "sales_leader"),
    ("Chief Operating Officer", "executive_sponsor"),
    ("Product Owner", "line_of_business_user"),
    ("Vice President of Sales", "sales_leader"),
])
def test_the_most_specific_pattern_wins(title: str, key: str) -> None:
    assert key_of(title) == key


def test_when_two_functions_are_named_the_first_one_wins() -> None:
    assert key_of("VP Sales & Marketing") == "sales_leader"
    assert key_of("Marketing and Sales Director") == "marketing_leader"


@pytest.mark.parametrize("title", [None, "", "   ", "Director", "Janitor", "Intern", "???"])
def test_unknown_or_empty_titles_have_no_persona(title: str | None) -> None:
    assert persona_for_title(title) is None


def test_titles_are_normalised_the_same_way_as_patterns() -> None:
    assert normalise_title("Sr. Dir., I.T.") == ("senior", "director", "it")
    assert normalise_title("CFO") == normalise_title("Chief Financial Officer")


def test_marketing_extends_the_file_not_the_code(tmp_path: Path) -> None:
    extended = load_personas_text(tmp_path, """
[personas.clinical_leader]
label = "Clinical leader"
title_patterns = ["Chief Medical Officer", "Head of Nursing"]
priorities = ["risk reduction", "patient outcomes"]
""")
    assert "clinical_leader" in {p.key for p in extended}
    found = persona_for_title("Head of Nursing", extended)
    assert found is not None and found.key == "clinical_leader"
    assert persona_for_title("Head of Nursing") is None  # the default set is untouched


def load_personas_text(tmp_path: Path, extra: str) -> tuple[Persona, ...]:
    default = Path(__file__).parents[2] / "domain" / "data" / "personas.toml"
    path = tmp_path / "personas.toml"
    path.write_text(default.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_personas(path)


@pytest.mark.parametrize("body", [
    "[personas.x]\ntitle_patterns = ['A']\npriorities = []\n",  # no label
    "[personas.x]\nlabel = 'X'\ntitle_patterns = 'CFO'\n",  # not a list
    "[personas.Bad-Key]\nlabel = 'X'\ntitle_patterns = ['A']\n",
    "label = 'no tables'\n",
])
def test_a_malformed_file_is_reported(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PersonaFileError):
        load_personas(path)


def test_matching_is_fast_enough_for_a_bulk_import() -> None:
    titles = [f"Senior Director of {f} {n}" for n in range(2000) for f in ("Finance", "IT Security", "Ops")]
    start = time.perf_counter()
    for t in titles:
        persona_for_title(t)
    uncached = (time.perf_counter() - start) / len(titles)
    start = time.perf_counter()
    for _ in range(10):
        for t in titles:
            persona_for_title(t)
    cached = (time.perf_counter() - start) / (10 * len(titles))
    assert uncached < 100e-6  # generous for slow CI machines; ~10 µs on a laptop
    assert cached < 20e-6
