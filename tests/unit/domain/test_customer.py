import pytest

from domain.customer import DMU, BuyingRole, parse_roles
from domain.errors import InvalidInput
from tests.unit.domain.builders import account, detractor_cfo, multi_threaded_dmu, person


def test_roles_are_read_from_plain_words() -> None:
    assert parse_roles(["economic buyer", "Decider"]) == (BuyingRole.ECONOMIC_BUYER, BuyingRole.DECIDER)


def test_an_unknown_role_is_an_error_a_rep_can_read() -> None:
    with pytest.raises(InvalidInput, match="not a buying role"):
        parse_roles(["wizard"])


def test_a_dmu_without_economic_buyer_or_decider_reports_both_missing() -> None:
    dmu = DMU(account(), [person("Una User", BuyingRole.USER)])
    assert dmu.missing_key_roles() == [BuyingRole.ECONOMIC_BUYER, BuyingRole.DECIDER]
    assert dmu.is_single_threaded


def test_a_detractor_cfo_is_listed_as_a_detractor() -> None:
    cfo = detractor_cfo()
    dmu = DMU(account(), [cfo, *multi_threaded_dmu()[1:]])
    assert dmu.detractors() == [cfo]
    assert cfo.attitude_label == "detractor"


def test_a_multi_threaded_deal_is_not_single_threaded() -> None:
    assert not DMU(account(), multi_threaded_dmu()).is_single_threaded
