"""Page sizes and opaque page tokens (AIP-158). A token carries the sort key of the last item served, so
pages stay stable while items are added or removed."""

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pullrouting.api.control_characters import CONTROL
from pullrouting.domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# Far more than any key this service writes; a longer token is refused before it is decoded.
MAX_PAGE_TOKEN_LENGTH = 512
# Integers in a key are times and positions, compared with 64-bit columns.
INT64 = range(-(2**63), 2**63)


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidInput.of("page_size", "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(last_key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_page_token(token: str, key_types: tuple[type[int] | type[str], ...]) -> tuple[Any, ...] | None:
    """The sort key a token carries, one value of each of `key_types` (int: a 64-bit integer, str: a string
    without control characters); None for the first page. INVALID_ARGUMENT for anything else: a forged token
    reaches no query."""
    if not token:
        return None
    key = _decoded(token) if len(token) <= MAX_PAGE_TOKEN_LENGTH else None
    if not (
        isinstance(key, list)
        and len(key) == len(key_types)
        and all(_fits(value, kind) for value, kind in zip(key, key_types, strict=True))
    ):
        raise InvalidInput.of("page_token", "is not a page token this method issued")
    return tuple(key)


def _decoded(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, RecursionError):
        return None


def _fits(value: Any, kind: type[int] | type[str]) -> bool:
    # Exact types: JSON true is a Python bool, which isinstance would take for an int.
    if kind is int:
        return type(value) is int and value in INT64
    return type(value) is str and not CONTROL.search(value)


def after_id(token: str) -> str | None:
    """The id a page token of an id-ordered listing resumes after; None for the first page."""
    key = decode_page_token(token, (str,))
    return None if key is None else key[0]


def after_position(token: str) -> tuple[int, str] | None:
    """The (time or position, id) a page token of a listing in that order resumes after; None for the first
    page."""
    key = decode_page_token(token, (int, str))
    if key is None:
        return None
    position, resource_id = key
    return position, resource_id


def page(items: list[T], size: int, key: Callable[[T], tuple[Any, ...]]) -> tuple[list[T], str]:
    """Splits `size + 1` fetched items into the page and the token of the next one (empty on the last)."""
    if len(items) <= size:
        return items, ""
    shown = items[:size]
    return shown, encode_page_token(list(key(shown[-1])))
