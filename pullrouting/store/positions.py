"""Positions in the event order, the same on both databases.

An event's place is (xact, id). On PostgreSQL `xact` is the id of the transaction that wrote it (ids are
taken from one counter, so the order is the same for every reader), on SQLite always 0 (its single writer
commits in `id` order). Readers only ever deliver events of transactions older than every transaction still
running (the horizon, see store/events.py), so nothing can later commit at a place already passed.

A position taken with a snapshot (a stream's start) may have seen some transactions above its place that
committed early: `covered` names them, and their events are not delivered again. The set empties as the
stream moves past them."""

from dataclasses import dataclass

NOTHING: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Position:
    xact: int
    id: int
    covered: frozenset[int] = NOTHING

    @property
    def key(self) -> tuple[int, int]:
        return (self.xact, self.id)

    def precedes(self, xact: int, id: int) -> bool:
        """Whether the event at (xact, id) comes after this position and is not already covered by it."""
        return (xact, id) > (self.xact, self.id) and xact not in self.covered

    def passed_by(self, xact: int, id: int) -> bool:
        """Whether the event at (xact, id) comes after this position and after all it covers: so does every later
        event."""
        return (xact, id) > (self.xact, self.id) and all(covered < xact for covered in self.covered)

    def moved_to(self, xact: int, id: int) -> "Position":
        """This position moved forward to (xact, id), keeping what it covers beyond there."""
        if not self.covered:
            return Position(xact, id)
        return Position(xact, id, frozenset(covered for covered in self.covered if covered >= xact))


# The place before every event.
START = Position(0, 0)
# Carried by the items of an unfinished snapshot: resuming from it starts over with a snapshot.
RESTART = Position(0, -1)
