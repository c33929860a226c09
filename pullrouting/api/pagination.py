"""Page sizes and opaque page tokens (AIP-158). A token carries the sort key of the last item served, so
pages stay stable while items are added or removed."""

import base64
import json
from typing import Any

from pullrouting.domain.errors import InvalidInput

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
        raise InvalidInput.of("page_token", "is not a page token this method issued")
    return key
