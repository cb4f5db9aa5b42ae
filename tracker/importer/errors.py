"""Errors of the seed loader, each naming the file and line it comes from."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class SeedError(Exception):
    """The seed data is not valid; nothing was written."""

    def __init__(self, problems: list[SeedProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
