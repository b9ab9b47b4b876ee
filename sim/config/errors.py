"""The errors a researcher sees for a bad scenario file or override."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class ScenarioError(ValueError):
    """A scenario is invalid: names the file, the field path and what was expected.

    ``origin`` names what set the bad value when it was not the file itself,
    e.g. ``--set years=ten``; the message then starts with it.
    """

    def __init__(self, file: Path | str | None, field: str, problem: str, origin: str = "") -> None:
        self.file = Path(file) if file is not None else None
        self.field = field
        self.problem = problem
        self.origin = origin
        source = str(self.file) if not origin else f"{origin} (scenario {self.file})" if self.file else origin
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[Path | None, str, str, str]]:
        """Picklable, so an error raised in a worker process reaches the parent intact."""
        return type(self), (self.file, self.field, self.problem, self.origin)

    @classmethod
    def listing(cls, file: Path | str | None, problems: Sequence[tuple[str, str]], origin: str = "") -> ScenarioError:
        """One error for several ``(field, problem)`` pairs: the first, then ``also field: problem`` lines."""
        (field, problem), *rest = problems
        problem += "".join(f"\n  also {f}: {p}" for f, p in rest)
        return cls(file, field, problem, origin)

    def blamed_on(self, origin: str) -> ScenarioError:
        """The same error, reported as coming from ``origin`` rather than the file."""
        return ScenarioError(self.file, self.field, self.problem, origin)


class ScenarioErrors(Exception):
    """Several scenarios are invalid; each is reported, not only the first."""

    def __init__(self, errors: Sequence[ScenarioError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self) -> tuple[type, tuple[list[ScenarioError]]]:
        return type(self), (self.errors,)
