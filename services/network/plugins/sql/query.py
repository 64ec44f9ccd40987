"""List queries in SQL: filters, sorting and keyset pagination.

Paging is by keyset (rows after the marker's sort values), not OFFSET, so
a page costs the same wherever it starts and a concurrent insert never
shifts later pages.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, Table, and_, false, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.network import exceptions as exc
from services.network.plugins.base import ListQuery


def build(
    connection: Connection,
    table: Table,
    columns: Mapping[str, Any],
    query: ListQuery,
) -> Select:
    """SELECT from ``table`` for ``query``; ``columns`` maps API names."""
    statement = select(table)
    for name, values in query.filters.items():
        statement = statement.where(_filter(columns[name], values))
    sorts = [(columns[key], asc) for key, asc in query.sorts]
    if "id" not in [key for key, _ in query.sorts]:
        sorts.append((table.c.id, True))
    if query.page_reverse:
        sorts = [(column, not asc) for column, asc in sorts]
    if query.marker is not None:
        statement = statement.where(_after(connection, table, sorts, query.marker))
    statement = statement.order_by(
        *(column.asc() if asc else column.desc() for column, asc in sorts)
    )
    if query.limit is not None:
        statement = statement.limit(query.limit)
    return statement


def _filter(column: Any, values: list[Any]) -> ColumnElement[bool]:
    if not values:
        return false()
    return column == values[0] if len(values) == 1 else column.in_(values)


def _after(
    connection: Connection,
    table: Table,
    sorts: list[tuple[Any, bool]],
    marker: str,
) -> ColumnElement[bool]:
    """Rows strictly after the marker row in the (total) sort order."""
    row = connection.execute(
        select(*(column for column, _ in sorts)).where(table.c.id == marker)
    ).first()
    if row is None:
        raise exc.MarkerNotFound(marker=marker)
    clauses = []
    for i, (column, asc) in enumerate(sorts):
        equal = [sorts[j][0] == row[j] for j in range(i)]
        beyond = column > row[i] if asc else column < row[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)
