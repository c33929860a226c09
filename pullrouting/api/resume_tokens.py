"""Resume tokens: a position in the events table, bound to the database, the principal and the stream it was
issued on. A client passes back the token of the last event it received and gets every later event it is
entitled to, exactly once.

A token is `pr2.<position>.<mac>`: the MAC is HMAC-SHA256, under this database's key (store/server_secrets.py,
the same for every instance), of the principal, the stream and the position. A token that does not verify
(forged, altered, issued by another database, to another principal or for another stream) is refused with
INVALID_ARGUMENT: it never reaches a position. Tokens of the format before (`pr1:`) carried a bare position
anyone could write; they are taken as expired: a fresh snapshot flagged `reset` (WatchOutbound:
RESUME_TOKEN_EXPIRED). Signing and binding are kept apart from what a position is (position_text and
parse_position)."""

import base64
import binascii
import hashlib
import hmac

from pullrouting.domain.errors import InvalidInput
from pullrouting.domain.principal import Principal
from pullrouting.store.positions import RESTART, Position

VERSION = "pr2"
LEGACY_PREFIX = "pr1:"
# Positions are transaction and event ids, in 64-bit columns.
MAX_ID = 2**63 - 1
# Between a position's numbers: the transaction, the event id, then the transactions it covers.
SEPARATOR = "_"


def position_text(position: Position) -> str:
    """A place in plain id order (SQLite, and events written before their order carried a transaction) is its
    id alone, as every token before migration 0010 wrote it: those keep their place."""
    if position.xact == 0 and not position.covered:
        return str(position.id)
    return SEPARATOR.join(str(number) for number in (position.xact, position.id, *sorted(position.covered)))


def parse_position(text: str) -> Position:
    """ValueError unless `text` is a position this service writes."""
    parts = text.split(SEPARATOR)
    if not all(part.lstrip("-").isdigit() for part in parts):
        raise ValueError(text)
    if len(parts) == 1:
        parts.insert(0, "0")
    xact, place, *covered = (int(part) for part in parts)
    in_range = 0 <= xact <= MAX_ID and RESTART.id <= place <= MAX_ID
    if not in_range or not all(xact <= above <= MAX_ID for above in covered):
        raise ValueError(text)
    return Position(xact, place, frozenset(covered))


class StreamTokens:
    """The tokens of one stream: one principal's WatchLists, or its WatchConversation of one conversation..."""

    def __init__(self, key: bytes, principal: Principal, stream: str) -> None:
        # The MAC's state after the key and the binding, made once per stream and copied for each token: a
        # stream's events each carry a token, and keying a new HMAC cost most of a token.
        self._keyed = hmac.new(key, f"{principal}\0{stream}\0".encode(), hashlib.sha256)

    def _mac(self, text: str) -> str:
        mac = self._keyed.copy()
        mac.update(text.encode())
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def encode(self, position: Position) -> str:
        text = position_text(position)
        return f"{VERSION}.{text}.{self._mac(text)}"

    def decode(self, token: str) -> Position | None:
        """The position a token carries; None for no token, RESTART for a token of the format before."""
        if not token:
            return None
        if "." not in token and _is_legacy(token):
            return RESTART
        version, _, rest = token.partition(".")
        text, _, mac = rest.partition(".")
        if version == VERSION and hmac.compare_digest(mac.encode(), self._mac(text).encode()):
            try:
                return parse_position(text)
            except ValueError:
                pass
        raise InvalidInput.of(
            "resume_token", "is not a resume token this service issued to this caller for this stream"
        )


class ResumeTokens:
    """Makes the tokens of each stream with this database's key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def for_stream(self, principal: Principal, stream: str) -> StreamTokens:
        return StreamTokens(self._key, principal, stream)


def _is_legacy(token: str) -> bool:
    """Whether `token` is of the format before: base64url of `pr1:<position>`."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return text.startswith(LEGACY_PREFIX) and text[len(LEGACY_PREFIX) :].lstrip("-").isdigit()
