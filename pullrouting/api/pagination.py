"""Page sizes and opaque page tokens (AIP-158). A token carries the sort key of the last item served, so
pages stay stable while items are added or removed."""

import base64
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pullrouting.domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidInput.of("page_size", "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(last_key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_page_token(token: str, key_length: int) -> list[Any] | None:
    """The sort key a token carries; None for the first page. INVALID_ARGUMENT when it is not ours."""
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        key = None
    if not isinstance(key, list) or len(key) != key_length:
        raise _not_ours()
    return key


def _not_ours() -> InvalidInput:
    return InvalidInput.of("page_token", "is not a page token this method issued")


def after_id(token: str) -> str | None:
    """The id a page token of an id-ordered listing resumes after; None for the first page."""
    key = decode_page_token(token, 1)
    if key is None:
        return None
    if not isinstance(key[0], str):
        raise _not_ours()
    return key[0]


def after_position(token: str) -> tuple[int, str] | None:
    """The (time or position, id) a page token of a listing in that order resumes after; None for the first
    page."""
    key = decode_page_token(token, 2)
    if key is None:
        return None
    position, resource_id = key
    if not isinstance(position, int) or not isinstance(resource_id, str):
        raise _not_ours()
    return position, resource_id


def page(items: list[T], size: int, key: Callable[[T], tuple[Any, ...]]) -> tuple[list[T], str]:
    """Splits `size + 1` fetched items into the page and the token of the next one (empty on the last)."""
    if len(items) <= size:
        return items, ""
    shown = items[:size]
    return shown, encode_page_token(list(key(shown[-1])))
