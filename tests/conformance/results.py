"""The outcome of every case played in a session, shared by the runner's hooks and tests."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from adapters import Adapter


class Results:
    """Outcome of every case played in this session, for the report and the summary."""

    def __init__(self) -> None:
        self.adapter: Optional[Adapter] = None
        self.records: List[Dict[str, Any]] = []

    def record(self, case: Any, outcome: str, message: str = "") -> None:
        self.records.append(
            {"id": case.id, "tags": list(case.tags), "outcome": outcome, "message": message}
        )
