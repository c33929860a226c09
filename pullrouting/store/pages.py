"""Snapshots and histories sent a page at a time, and which later events they already show.

A stream reads its snapshot (or history) one page at a time, each page in a read transaction of its own, so
it holds one page instead of the whole snapshot, and a client that stops reading holds no transaction. Each
page is current to the event position it was read at. Items come in the order of a key that never changes
((create_time, id)), and a page answers for the keys after the previous page's last up to its own last (the
final page: every key after). An event about an item whose key a page answers for, at or before that page's
position, is already in the snapshot (the item as it was then, or its absence): the stream skips it. Any
later event is news to the client, and the stream sends it."""

import bisect
from dataclasses import dataclass
from typing import Generic, TypeVar

from pullrouting.store.positions import Position

T = TypeVar("T")
# (create_time, id) of a conversation or a message.
Key = tuple[int, str]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    # The event position the page is current to.
    position: Position
    # Fewer items than asked for: nothing comes after this page.
    final: bool


class Shown:
    """The pages a snapshot was sent in: their last keys and positions, a few numbers a page."""

    def __init__(self) -> None:
        self._last_keys: list[Key] = []
        self._positions: list[Position] = []
        self._final_position: Position | None = None

    def add(self, page: Page[object], last_key: Key | None) -> None:
        """Records a page once sent; `last_key` is the key of its last item."""
        if page.final:
            self._final_position = page.position
        else:
            assert last_key is not None
            self._last_keys.append(last_key)
            self._positions.append(page.position)

    def shows(self, key: Key, xact: int, id: int) -> bool:
        """Whether the event at (xact, id) about the item with `key` is already in the snapshot. Keys past the
        pages of a snapshot that stopped early are in no page."""
        index = bisect.bisect_left(self._last_keys, key)
        if index < len(self._last_keys):
            return not self._positions[index].precedes(xact, id)
        return self._final_position is not None and not self._final_position.precedes(xact, id)

    def past(self, xact: int, id: int) -> bool:
        """Whether the event at (xact, id) comes after every page: it and every later one is in none."""
        pages = [*self._positions, *([self._final_position] if self._final_position is not None else [])]
        return all(page.passed_by(xact, id) for page in pages)
