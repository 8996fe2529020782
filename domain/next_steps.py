"""Next steps: dated commitments we made to an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass
class NextStep:
    id: str
    account_id: str
    owner_id: str
    text: str
    due: date | None = None
    done: bool = False
    individual_ids: tuple[str, ...] = ()
    interaction_id: str | None = None

    def is_overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today

    def is_due(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due <= today
