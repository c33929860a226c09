"""Who is calling: the role and, for agents, ingestors and supervisors, which one. Taken from the token, never
a field."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    INGESTOR = "ingestor"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Principal:
    role: Role
    # The agent's, ingestor's or supervisor's id; None for the admin.
    id: str | None = None

    def __str__(self) -> str:
        return self.role.value if self.id is None else f"{self.role.value}:{self.id}"


ADMIN = Principal(Role.ADMIN)
