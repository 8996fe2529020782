from domain.buying import Stage
from domain.customer import BuyingRole
from domain.stage_rules import infer_stage, recency_weight
from tests.unit.domain.builders import NOW, days_ago, evidence, person


def test_an_account_without_evidence_has_no_stage() -> None:
    assert infer_stage([], person_weights={}, now=NOW).stage is None


def test_the_furthest_stage_shown_by_the_evidence_wins() -> None:
    result = infer_stage([evidence(Stage.PAIN_RECOGNITION, 20), evidence(Stage.VENDOR_SELECTION, 5)],
                         person_weights={}, now=NOW)
    assert result.stage == Stage.VENDOR_SELECTION


def test_stages_do_not_move_backwards_without_an_override() -> None:
    result = infer_stage([evidence(Stage.VALIDATION, 20), evidence(Stage.PAIN_RECOGNITION, 1)],
                         person_weights={}, now=NOW)
    assert result.stage == Stage.VALIDATION


def test_a_reps_override_moves_the_stage_back_and_is_kept_as_evidence() -> None:
    override = evidence(Stage.PAIN_RECOGNITION, 2, source="override", reason="deal reset after reorg")
    result = infer_stage([evidence(Stage.VALIDATION, 20), override], person_weights={}, now=NOW)
    assert result.stage == Stage.PAIN_RECOGNITION
    assert override in result.evidence


def test_evidence_after_an_override_moves_the_stage_forward_again() -> None:
    items = [evidence(Stage.PAIN_RECOGNITION, 5, source="override"), evidence(Stage.VENDOR_SELECTION, 1)]
    assert infer_stage(items, person_weights={}, now=NOW).stage == Stage.VENDOR_SELECTION


def test_evidence_from_a_decider_gives_more_confidence_than_from_a_user() -> None:
    decider = person("Dee Cider", BuyingRole.DECIDER)
    user = person("Ursula Ser", BuyingRole.USER)
    weights = {decider.id: decider.weight(), user.id: user.weight()}
    by_decider = infer_stage([evidence(Stage.VALIDATION, 1, who=decider.id)], person_weights=weights, now=NOW)
    by_user = infer_stage([evidence(Stage.VALIDATION, 1, who=user.id)], person_weights=weights, now=NOW)
    assert by_decider.confidence > by_user.confidence


def test_old_evidence_weighs_less_than_fresh_evidence() -> None:
    assert recency_weight(days_ago(60), NOW) < recency_weight(days_ago(1), NOW)
    assert abs(recency_weight(days_ago(30), NOW) - 0.5) < 1e-9
