"""Keyset pages: rows in the order of their key columns, from just after the key of the last row served,
so pages stay stable while rows are added or removed."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_


def keyset_page(
    query: Select,
    key: Sequence[ColumnElement[Any]],
    after: Sequence[Any] | None,
    limit: int,
    descending: Sequence[bool] = (),
) -> Select:
    """`query` ordered by the `key` columns (ascending, or descending where `descending` says so), at most
    `limit` rows, those after the key `after` (None: from the first)."""
    directions = list(descending) or [False] * len(key)
    query = query.order_by(
        *(column.desc() if down else column.asc() for column, down in zip(key, directions, strict=True))
    ).limit(limit)
    return query if after is None else query.where(_after(key, directions, after))


def _after(key: Sequence[ColumnElement[Any]], descending: Sequence[bool], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose key sorts after `values`: a first column further in its direction, or the same and a later
    rest."""
    first, *rest = key
    beyond = first < values[0] if descending[0] else first > values[0]
    if not rest:
        return beyond
    return or_(beyond, and_(first == values[0], _after(rest, descending[1:], values[1:])))
