"""The commonest sales words of German, Spanish, Portuguese and French notes read as their English words."""

from collections.abc import Callable
from datetime import date

import pytest

from domain.buying import Stage
from domain.understanding import Reading


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Termin mit Hiro Sato bei Acme, lief gut. Nächster Schritt: Angebot bis Freitag", date(2026, 11, 20)),
        ("Reunión con Nina Petrova, próximo paso: demo el lunes", date(2026, 11, 23)),
        ("Rendez-vous avec Katherine Dubois, prochaine étape : offre vendredi", date(2026, 11, 20)),
        ("Llamada con Robert Chen, próximo paso: enviar propuesta el jueves", date(2026, 11, 19)),
    ],
)
def test_a_meeting_and_its_next_step_in_other_languages(read: Callable[..., Reading], text: str, due: date) -> None:
    reading = read(text)
    assert {s.channel.value for s in reading.signals} == {"engagement"}
    assert reading.next_step is not None and reading.next_step.due == due


def test_how_it_went_in_german(read: Callable[..., Reading]) -> None:
    assert [s.polarity.value for s in read("Termin mit Hiro Sato bei Acme, lief gut").signals] == ["positive"]


@pytest.mark.parametrize("text", ["Oscorp firmó contrato hoy", "Tyrell assinou o contrato hoje"])
def test_a_contract_signed_in_other_languages_is_a_purchase(read: Callable[..., Reading], text: str) -> None:
    reading = read(text)
    assert {(s.channel.value, s.polarity.value) for s in reading.signals} == {("purchase", "positive")}
    assert reading.stage is not None and reading.stage.stage == Stage.CUSTOMER


@pytest.mark.parametrize(
    "text", ["Hiro says the bistro team loved the demo", "Met Robert Chen at the Montage hotel, friendly chat"]
)
def test_english_words_holding_a_foreign_one_are_left_alone(read: Callable[..., Reading], text: str) -> None:
    reading = read(text)
    assert reading.next_step is None
    assert [s.polarity.value for s in reading.signals] == ["positive"]
