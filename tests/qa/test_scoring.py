"""The score of a review and the rubric's checks (afterdesk/qa/scoring.py)."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.qa import services
from afterdesk.qa.models import Rubric
from afterdesk.qa.scoring import categories_validate, review_score

pytestmark = pytest.mark.django_db


def _values(rubric: Rubric, *values: int | None) -> dict[int, int | None]:
    return {c.pk: v for c, v in zip(rubric.categories.all(), values, strict=True)}


def test_weighted_mean_of_the_rated_categories(rubric: Rubric) -> None:
    # Greeting 4/5 → 75, Accuracy 5/5 → 100 (×2), Tone yes → 100, Templates 2/3 → 50.
    result = review_score(list(rubric.categories.all()), _values(rubric, 4, 5, 1, 2))
    assert result.score == pytest.approx((75 + 200 + 100 + 50) / 5)
    assert not result.critical_failed


def test_not_applicable_categories_are_left_out(rubric: Rubric) -> None:
    result = review_score(list(rubric.categories.all()), _values(rubric, None, 3, None, None))
    assert result.score == 50.0


def test_a_critical_category_under_half_makes_the_review_zero(rubric: Rubric) -> None:
    # Accuracy 2/5 → 25 < 50 while the others are perfect.
    result = review_score(list(rubric.categories.all()), _values(rubric, 5, 2, 1, 3))
    assert (result.score, result.critical_failed) == (0.0, True)
    # 3/5 is exactly 50: not under half.
    assert review_score(list(rubric.categories.all()), _values(rubric, 5, 3, 1, 3)).score > 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((5, None, 1, 3), "may not be N/A"),
        ((6, 5, 1, 3), "not on its scale"),
        ((5, 5, 2, 3), "not on its scale"),
        ((True, 5, 1, 3), "not on its scale"),
    ],
)
def test_ratings_off_the_scale_are_refused(rubric: Rubric, values: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        review_score(list(rubric.categories.all()), _values(rubric, *values))


def test_every_category_must_be_rated_and_only_the_rubrics(rubric: Rubric) -> None:
    categories = list(rubric.categories.all())
    with pytest.raises(ValidationError, match="rate 'Tone'"):
        review_score(categories, {c.pk: 3 for c in categories[:2]})
    with pytest.raises(ValidationError, match="not in this rubric"):
        review_score(categories, {**_values(rubric, 5, 5, 1, 3), 999999: 1})


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([], "at least one category"),
        ([{"name": "A", "weight": 0, "scale": "1-5"}], "sum to 0"),
        (
            [
                {"name": "A", "weight": 0, "scale": "1-5"},
                {"name": "B", "weight": "0", "scale": "1-3"},
            ],
            "sum to 0",
        ),
        ([{"name": "A", "weight": -1, "scale": "1-5"}], "0 to 1000"),
        ([{"name": "A", "weight": "x", "scale": "1-5"}], "not a number"),
        ([{"name": "A", "weight": "NaN", "scale": "1-5"}], "0 to 1000"),
        ([{"name": "A", "weight": 1, "scale": "1-10"}], "unknown scale"),
        ([{"name": "A", "weight": 1, "scale": "1-5", "check": "magic"}], "unknown check"),
        (
            [
                {"name": "A", "weight": 1, "scale": "1-5"},
                {"name": "a", "weight": 1, "scale": "1-5"},
            ],
            "twice",
        ),
        ([{"name": " ", "weight": 1, "scale": "1-5"}], "a name"),
    ],
)
def test_bad_rubrics_are_refused(categories: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        categories_validate(categories)


def test_a_rubric_with_reviews_keeps_its_categories(rubric: Rubric, supervisor: User) -> None:
    from afterdesk.accounts.models import Role
    from tests.factories import UserFactory
    from tests.qa.conftest import conversation, ratings

    agent = UserFactory(username="rita", role=Role.AGENT)
    ticket = conversation(agent, None)
    services.review_submit(
        by=supervisor,
        ticket=ticket,
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 5, 5, 1, 3),
    )
    from afterdesk.core.errors import Conflict

    with pytest.raises(Conflict, match="has reviews"):
        services.rubric_save(
            by=supervisor,
            rubric=rubric,
            name=rubric.name,
            categories=[{"name": "X", "weight": 1, "scale": "1-5"}],
        )
