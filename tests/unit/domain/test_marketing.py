from domain.marketing import Segment, ValueDriver, segments_of


def test_segments_in_use_are_counted_largest_first_and_keep_their_configured_drivers() -> None:
    retail = Segment("Retail", (ValueDriver.REVENUE_INCREASE,), ("spreadsheets",))
    found = segments_of(["Manufacturing", "retail", None, "Manufacturing", "Retail"], [retail])
    assert [(s.name, s.accounts) for s in found] == [("Manufacturing", 2), ("Retail", 2)]
    assert found[1].value_drivers == (ValueDriver.REVENUE_INCREASE,) and found[0].value_drivers == ()
