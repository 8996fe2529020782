from collections.abc import Callable

import pytest

from domain.understanding import AccountKind, Reading


def names(reading: Reading) -> set[str]:
    return {a.name for a in reading.account.candidates}


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("Cyberdne Systems wants a demo", "Cyberdyne Systems"),  # typo
        ("Tyrell Corporation signed", "Tyrell Corp"),  # other legal suffix
        ("tyrell asked for a quote", "Tyrell Corp"),  # suffix dropped, lower case
        ("Oscorp Industries wants a pilot", "Oscorp Industries, Inc."),
        ("Massive Dynamic AG sent the security questionnaire", "Massive Dynamic GmbH"),
        ("GNB renewed", "Gringotts National Bank"),  # registered acronym
        ("Nakatomi's CFO called", "Nakatomi Trading Co."),  # possessive of an alias
        ("ollivanders wands paid the invoice", "Ollivander's Wands"),  # possessive in the name, written without
        ("mtg w/ cyberdyne tmrw went well", "Cyberdyne Systems"),
        ("demo for massive dynamic went great", "Massive Dynamic GmbH"),
    ],
)
def test_resolves_a_known_account_however_it_is_written(read: Callable[..., Reading], text: str, account: str) -> None:
    reading = read(text)
    assert reading.account.kind == AccountKind.KNOWN
    assert reading.account.account is not None and reading.account.account.name == account
    assert 0 < reading.account.score <= 100


def test_a_short_name_that_fits_two_accounts_is_ambiguous(read: Callable[..., Reading]) -> None:
    reading = read("good meeting with acme today")
    assert reading.account.kind == AccountKind.AMBIGUOUS
    assert names(reading) == {"Acme Corporation", "Acme Analytics Ltd"}


def test_an_alias_written_exactly_decides_between_two_accounts(directory: object) -> None:
    from domain.understanding import Directory, KnownAccount

    alias_world = Directory([KnownAccount("a", "Umbra Ltd", ("Umbra",)), KnownAccount("b", "Umbra Foods")], [])
    from domain.understanding import read_message
    from tests.unit.understanding.conftest import WEDNESDAY

    reading = read_message("Umbra wants a demo", now=WEDNESDAY, directory=alias_world)
    assert reading.account.account is not None and reading.account.account.name == "Umbra Ltd"


def test_a_known_contact_decides_an_ambiguous_short_name(read: Callable[..., Reading]) -> None:
    reading = read("call with hiro from acme, he liked the roadmap")
    assert reading.account.account is not None and reading.account.account.name == "Acme Corporation"


def test_a_known_contact_alone_names_the_account(read: Callable[..., Reading]) -> None:
    reading = read("Griphook says the board approved the budget")
    assert reading.account.account is not None and reading.account.account.name == "Gringotts National Bank"


def test_two_accounts_in_one_log_line_are_ambiguous_between_them(read: Callable[..., Reading]) -> None:
    reading = read("Tyrell and Oscorp both asked for the API docs")
    assert reading.account.kind == AccountKind.AMBIGUOUS
    assert names(reading) == {"Tyrell Corp", "Oscorp Industries, Inc."}


def test_an_account_named_as_a_case_study_is_not_the_subject(read: Callable[..., Reading]) -> None:
    reading = read("Nina at Nakatomi wants proof. Send the Tyrell case study on Monday")
    assert reading.account.account is not None and reading.account.account.name == "Nakatomi Trading Co."


@pytest.mark.parametrize(
    ("text", "new"),
    [
        ("Intro call with Zephyr Robotics, they had never heard of us", "Zephyr Robotics"),
        ("First meeting with Borealis Freight GmbH today", "Borealis Freight GmbH"),
        ("Discovery call with Quillon about their reporting mess", "Quillon"),
        # everyday words before an organisation word or legal form still make a company's name
        ("Call with Blue Harbor Logistics at 3pm about the renewal", "Blue Harbor Logistics"),
        ("Harbor Logistics wants a demo next week", "Harbor Logistics"),
        ("Called Harbor Logistics about the renewal", "Harbor Logistics"),
        ("Spoke to IBM Global Services about the pilot", "IBM Global Services"),
        # a person's name before "at": the company is the name after it
        ("Call with Zed Quorn at Vexillo Dynamics, wants pricing", "Vexillo Dynamics"),
        ("Email from Björn Lindqvist at Nordvik AB asking for the security whitepaper", "Nordvik AB"),
        # a first word that is the company's own, and legal forms in capitals or in two words
        ("Bakker Installatietechniek BV downloaded our whitepaper", "Bakker Installatietechniek BV"),
        ("Taiyo Shoji KK: Takeshi Mori from IT asked for a quote", "Taiyo Shoji KK"),
        ("Coral Coast Seafoods Pty Ltd - Hamish Reid (GM) says spoilage costs them", "Coral Coast Seafoods Pty Ltd"),
        # more of the words that end a company's name
        ("New logo: Quintal Cafés - intro call, they count stock on paper", "Quintal Cafés"),
        ("Ardent Bakeries downloaded our ordering whitepaper", "Ardent Bakeries"),
        ("Lowveld Clinics wants pricing for 12 sites", "Lowveld Clinics"),
    ],
)
def test_a_company_not_in_the_workspace_is_new_as_written(read: Callable[..., Reading], text: str, new: str) -> None:
    reading = read(text)
    assert reading.account.kind == AccountKind.NEW
    assert reading.account.new_name == new


def test_a_message_naming_no_account_has_none(read: Callable[..., Reading]) -> None:
    assert read("how are we doing against our goals?").account.kind == AccountKind.NONE


def test_everyday_words_are_not_read_as_accounts(directory: object) -> None:
    from domain.understanding import Directory, KnownAccount, read_message
    from tests.unit.understanding.conftest import WEDNESDAY

    world = Directory([KnownAccount("t", "Target"), KnownAccount("s", "Summit Health")], [])
    assert read_message("we hit our target this week", now=WEDNESDAY, directory=world).account.kind == AccountKind.NONE
    reading = read_message("Met the team at Target about loyalty data", now=WEDNESDAY, directory=world)
    assert reading.account.account is not None and reading.account.account.name == "Target"


def test_an_exact_name_or_alias_finds_its_account_and_a_shared_short_name_finds_none() -> None:
    from domain.understanding import Directory, KnownAccount

    d = Directory([KnownAccount("a1", "Contoso Ltd"),
                   KnownAccount("a2", "Contoso Pharmaceuticals", ("Contoso Pharma",)),
                   KnownAccount("a3", "Fabrikam, Inc.")], [])
    assert d.exact("contoso ltd") is not None and d.exact("contoso ltd").id == "a1"  # type: ignore[union-attr]
    assert d.exact("CONTOSO PHARMA").id == "a2"  # type: ignore[union-attr]
    assert d.exact("Fabrikam Inc").id == "a3"  # type: ignore[union-attr]
    assert d.exact("contoso") is None  # two accounts: the parser asks which
    assert d.exact("Contoso Ltd, worried about price") is None


def test_a_known_contacts_account_outweighs_a_one_word_name_we_do_not_know(read: Callable[..., Reading]) -> None:
    reading = read("Katherine replied to my email - they're also talking to Siemens and one local vendor")
    assert reading.account.account is not None and reading.account.account.name == "Cyberdyne Systems"


def test_a_name_particle_alone_names_no_account() -> None:
    from domain.understanding import Directory, KnownAccount, read_message
    from tests.unit.understanding.conftest import WEDNESDAY

    world = Directory([KnownAccount("v", "Van der Berg Zorg BV"), KnownAccount("m", "Meridian Freightways")], [])
    reading = read_message("Meridian Freightways ops lead Nguyen Van An wants route optimisation", now=WEDNESDAY,
                           directory=world)
    assert reading.account.account is not None and reading.account.account.name == "Meridian Freightways"


def test_a_new_company_sharing_a_first_word_with_an_account_is_new_and_a_legal_form_is_not() -> None:
    from domain.understanding import Directory, KnownAccount, read_message
    from tests.unit.understanding.conftest import WEDNESDAY

    world = Directory([KnownAccount("b", "Blue Yonder Airlines"), KnownAccount("g", "Globex Corporation")], [])
    reading = read_message("Call with Zed Quorn at Blue Harbor Logistics", now=WEDNESDAY, directory=world)
    assert reading.account.kind == AccountKind.NEW and reading.account.new_name == "Blue Harbor Logistics"
    reading = read_message("Met the CFO of Globex Holdings GmbH", now=WEDNESDAY, directory=world)
    assert reading.account.account is not None and reading.account.account.name == "Globex Corporation"
