from domain.understanding import Directory, KnownAccount, KnownContact


def top(directory: Directory, query: str) -> str | None:
    found = directory.search_accounts(query, limit=3)
    return found[0][0].name if found else None


def test_picker_finds_accounts_by_typo_suffix_acronym_and_prefix(directory: Directory) -> None:
    assert top(directory, "cyberdine") == "Cyberdyne Systems"
    assert top(directory, "Tyrell Corporation") == "Tyrell Corp"
    assert top(directory, "GNB") == "Gringotts National Bank"
    assert top(directory, "nakat") == "Nakatomi Trading Co."
    assert top(directory, "oscorp inc") == "Oscorp Industries, Inc."


def test_picker_scores_are_ordered_and_bounded(directory: Directory) -> None:
    found = directory.search_accounts("acme", limit=5)
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 100 for s in scores)
    assert {a.name for a, _ in found[:2]} == {"Acme Corporation", "Acme Analytics Ltd"}


def test_picker_returns_nothing_for_nothing(directory: Directory) -> None:
    assert directory.search_accounts("", limit=5) == []
    assert directory.search_accounts("!!!", limit=5) == []
    assert directory.search_accounts("acme", limit=0) == []


def test_looks_up_accounts_and_their_contacts_by_id(directory: Directory) -> None:
    account = directory.account("cyber")
    assert account is not None and account.name == "Cyberdyne Systems"
    assert directory.account("missing") is None
    assert {c.name for c in directory.contacts_of("cyber")} == {"Katherine Dubois", "Miles Dyson"}
    assert directory.contacts_of("missing") == []


def test_an_empty_workspace_is_a_valid_directory() -> None:
    empty = Directory([], [])
    assert empty.search_accounts("anything") == []


def test_builds_from_generators_once() -> None:
    accounts = (KnownAccount(f"a{i}", f"Company {i} Holdings") for i in range(100))
    contacts = (KnownContact(f"c{i}", f"Person {i}", f"a{i}") for i in range(100))
    directory = Directory(accounts, contacts)
    assert directory.account("a42") is not None
    assert len(directory.contacts_of("a42")) == 1
