"""Goals and measurement: targets per metric and period, compared with actuals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput

METRICS: dict[str, str] = {
    "accounts_reaching_stage": "accounts reaching a stage",
    "stage_conversion": "stage conversion (%): accounts reaching a stage of those at the stage before",
    "dmu_coverage": "DMU coverage of key roles (%)",
    "average_attitude": "average attitude (-2..+2)",
    "nps": "NPS from sampling",
    "renewal_rate": "renewal rate from loyalty (%)",
    "chatter_polarity": "chatter polarity (-1..+1)",
}
LAGGING = {"accounts_reaching_stage", "stage_conversion", "renewal_rate", "nps"}


@dataclass
class Goal:
    id: str
    metric: str  # a METRICS key, "accounts_reaching_stage:validation" for a stage
    period: str  # "2026-Q4", "2026-11"
    target: float

    @property
    def base_metric(self) -> str:
        return self.metric.split(":", 1)[0]

    @property
    def is_leading(self) -> bool:
        return self.base_metric not in LAGGING


def validate_metric(metric: str) -> str:
    base = metric.split(":", 1)[0]
    if base not in METRICS:
        raise InvalidInput(f"Unknown goal metric '{metric}'. Known: {', '.join(METRICS)}.")
    return metric


def period_bounds(period: str) -> tuple[date, date]:
    """First day and the day after the last day of a period ("2026-Q4", "2026-11", "2026")."""
    try:
        if "-Q" in period:
            year, q = period.split("-Q")
            start = date(int(year), 3 * (int(q) - 1) + 1, 1)
            end_month = start.month + 3
        elif "-" in period:
            year, month = period.split("-")
            start = date(int(year), int(month), 1)
            end_month = start.month + 1
        else:
            start = date(int(period), 1, 1)
            end_month = 13
    except ValueError:
        raise InvalidInput(f"'{period}' is not a period. Use 2026-Q4, 2026-11 or 2026.") from None
    end = date(start.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
