"""Import (world JSON, Salesforce and HubSpot CSV) and export round trips, with bad rows and crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.dataio import upsert
from bot.dataio.exporter import export_world
from bot.dataio.importer import import_file
from domain.errors import InvalidInput
from tests.integration.helpers import FIXTURES

SALESFORCE_ACCOUNTS = """Account ID,Account Name,Website,Industry,Type,Account Owner
001A,Acme Corporation,https://www.acme.example/,Manufacturing,Customer - Direct,U_REP
001B,Blue Sky Ltd,blusky.example,Retail,Prospect,U_REP
001C,,nameless.example,Retail,Prospect,U_REP
"""
HUBSPOT_CONTACTS = """First Name,Last Name,Job Title,Associated Company,Email,Buying Role
Jane,Doe,CFO,Acme Corporation,jane@acme.example,economic buyer
Joe,Bloggs,Head of IT,Nowhere Inc,joe@nowhere.example,
Ann,Lee,VP Operations,Blue Sky Ltd,ann@bluesky.example,wizard
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_salesforce_accounts_map_their_columns_and_report_bad_rows_by_line(app: App, workspace: str,
                                                                            tmp_path: Path) -> None:
    report = import_file(app, workspace, _write(tmp_path, "accounts.csv", SALESFORCE_ACCOUNTS))
    assert report.kind == "accounts" and report.saved["accounts"] == 2
    assert report.mapped["name"] == "Account Name" and report.mapped["domain"] == "Website"
    assert len(report.errors) == 1 and report.errors[0].startswith("line 4:")
    with app.services.uow(workspace) as uow:
        acme = uow.accounts.by_name("Acme Corporation")
        assert acme is not None and acme.domain == "acme.example" and acme.lifecycle.value == "customer"


def test_hubspot_contacts_keep_good_rows_and_explain_the_bad_ones(app: App, workspace: str, tmp_path: Path) -> None:
    import_file(app, workspace, _write(tmp_path, "accounts.csv", SALESFORCE_ACCOUNTS))
    report = import_file(app, workspace, _write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS))
    assert report.kind == "contacts" and report.saved["contacts"] == 1
    assert any(e.startswith("line 3:") and "Nowhere Inc" in e for e in report.errors)
    assert any(e.startswith("line 4:") and "buying role" in e for e in report.errors)
    assert report.mapped["title"] == "Job Title" and report.mapped["account"] == "Associated Company"
    with app.services.uow(workspace) as uow:
        acme = uow.accounts.by_name("Acme Corporation")
        assert acme is not None
        (jane,) = uow.individuals.of_account(acme.id)
        assert jane.name == "Jane Doe" and jane.persona == "finance_leader"


def test_reimporting_updates_instead_of_duplicating(app: App, workspace: str, tmp_path: Path) -> None:
    path = FIXTURES / "world.json"
    import_file(app, workspace, path)
    first = export_world(app, workspace)
    import_file(app, workspace, path)
    assert export_world(app, workspace) == first


def test_export_then_import_into_a_new_workspace_gives_the_same_world(app: App, workspace: str,
                                                                     tmp_path: Path) -> None:
    import_file(app, workspace, FIXTURES / "world.json")
    exported = export_world(app, workspace)
    copy = workspace + "-copy"
    app.ensure_workspace(copy)
    path = _write(tmp_path, "export.json", json.dumps(exported))
    import_file(app, copy, path)
    assert export_world(app, copy) == exported


def test_a_crash_mid_file_leaves_the_database_as_before(app: App, workspace: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import_file(app, workspace, _write(tmp_path, "accounts.csv", SALESFORCE_ACCOUNTS))
    before = export_world(app, workspace)
    calls = {"n": 0}
    real = upsert.Upserter.contact

    def crash_on_second(self: upsert.Upserter, row: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(self, row)  # type: ignore[arg-type]

    monkeypatch.setattr(upsert.Upserter, "contact", crash_on_second)
    with pytest.raises(RuntimeError):
        import_file(app, workspace, _write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS))
    assert export_world(app, workspace) == before


@pytest.mark.parametrize("name,text", [("broken.json", "{not json"), ("list.json", "[1, 2]"),
                                       ("nothing.csv", "Colour,Size\nred,3\n")])
def test_a_malformed_file_is_refused_with_a_clear_message(app: App, workspace: str, tmp_path: Path, name: str,
                                                          text: str) -> None:
    with pytest.raises(InvalidInput, match="Nothing was imported"):
        import_file(app, workspace, _write(tmp_path, name, text))
