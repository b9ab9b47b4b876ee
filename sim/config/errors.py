"""The one error a researcher sees for a bad scenario file."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(ValueError):
    """A scenario file is invalid: names the file, the field path and what was expected."""

    def __init__(self, file: Path | str, field: str, problem: str) -> None:
        self.file = Path(file)
        self.field = field
        self.problem = problem
        where = f"{self.file}: {field}" if field else str(self.file)
        super().__init__(f"{where}: {problem}")
