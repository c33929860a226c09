"""Keyset pages: rows in the order of their key columns, from just after the key of the last row served,
so pages stay stable while rows are added or removed."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_


def keyset_page(query: Select, key: Sequence[ColumnElement[Any]], after: Sequence[Any] | None, limit: int) -> Select:
    """`query` ordered by the `key` columns, at most `limit` rows, those after the key `after` (None: from
    the first)."""
    query = query.order_by(*key).limit(limit)
    return query if after is None else query.where(_after(key, after))


def _after(key: Sequence[ColumnElement[Any]], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose key sorts after `values`: a greater first column, or the same and a later rest."""
    first, *rest = key
    if not rest:
        return first > values[0]
    return or_(first > values[0], and_(first == values[0], _after(rest, values[1:])))
