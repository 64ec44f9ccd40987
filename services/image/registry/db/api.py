"""The image repository: every query glance-registry runs, in SQLAlchemy Core.

It works on a :class:`launcher.db.api.Database`, whose private oslo.db
transaction context opens its engine lazily (after fork) and turns driver
errors into the launcher's one-line errors. Every method is one
transaction. Access rules live here too, as a :class:`Scope`, so the
same checks guard the JSON API and any future caller.
"""

import dataclasses
import datetime
from typing import Any

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection

from launcher.db.api import Database
from services.image.common.sorting import SORT_KEYS
from services.image.registry.db import models

IMAGES = models.Image.__table__
PROPERTIES = models.ImageProperty.__table__
TAGS = models.ImageTag.__table__

CORE = tuple(c.name for c in IMAGES.columns if c.name not in ("deleted",))
# NULLs sort as these, so that keyset pagination can compare every row.
_NULL_AS = {
    "name": "",
    "owner": "",
    "disk_format": "",
    "container_format": "",
    "size": -1,
}
FILTERS = ("name", "status", "visibility", "owner", "disk_format", "container_format")


class RegistryError(Exception):
    """Base of what the JSON API turns into a 4xx."""

    code = 400


class ImageNotFound(RegistryError):
    code = 404

    def __init__(self, image_id: str) -> None:
        super().__init__(f"No image found with ID {image_id}")


class Forbidden(RegistryError):
    code = 403


class Conflict(RegistryError):
    code = 409


@dataclasses.dataclass(frozen=True)
class Scope:
    """Who asks: admins see and change everything, others their own."""

    project_id: str | None = None
    is_admin: bool = True

    def visible(self) -> ColumnElement[bool]:
        if self.is_admin:
            return true()
        public = IMAGES.c.visibility.in_(("public", "community"))
        if self.project_id is None:
            return public
        return or_(public, IMAGES.c.owner == self.project_id)

    def may_change(self, image: dict[str, Any]) -> bool:
        return self.is_admin or (
            self.project_id is not None and image["owner"] == self.project_id
        )


@dataclasses.dataclass(frozen=True)
class Changes:
    """An update: core values, properties set and removed, tags, a status guard."""

    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    set_properties: dict[str, str] = dataclasses.field(default_factory=dict)
    remove_properties: tuple[str, ...] = ()
    tags: tuple[str, ...] | None = None
    expected_status: str | None = None


@dataclasses.dataclass(frozen=True)
class ListQuery:
    """Filters, keyset pagination and order of a list request."""

    filters: dict[str, Any] = dataclasses.field(default_factory=dict)
    tags: tuple[str, ...] = ()
    marker: str | None = None
    limit: int = 25
    sort_key: str = "created_at"
    sort_dir: str = "desc"


def _iso(value: datetime.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _row_dict(row: Any) -> dict[str, Any]:
    image = {name: getattr(row, name) for name in CORE}
    for key in ("created_at", "updated_at", "deleted_at"):
        image[key] = _iso(image[key])
    image["deleted"] = bool(row.deleted)
    image["properties"] = {}
    image["tags"] = []
    return image


def _live(image_id: str) -> ColumnElement[bool]:
    return and_(IMAGES.c.id == image_id, IMAGES.c.deleted == false())


def _sort_column(key: str) -> Any:
    column = IMAGES.c[key]
    if key in _NULL_AS:
        return func.coalesce(column, literal(_NULL_AS[key]))
    return column


class ImageRepo:
    """Images, their properties and tags, in one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- reads ---------------------------------------------------------------

    def get(self, image_id: str, scope: Scope = Scope()) -> dict[str, Any]:
        with self.database.connect() as connection:
            return self._get(connection, image_id, scope)

    def list_images(
        self, query: ListQuery, scope: Scope = Scope()
    ) -> list[dict[str, Any]]:
        """One page of images, ordered by ``sort_key`` then id."""
        if query.sort_key not in SORT_KEYS:
            raise RegistryError(f"Unsupported sort_key {query.sort_key!r}")
        with self.database.connect() as connection:
            statement = select(IMAGES).where(
                IMAGES.c.deleted == false(), scope.visible()
            )
            statement = statement.where(*self._filters(query))
            if query.marker is not None:
                marker = self._get(connection, query.marker, scope)
                statement = statement.where(_after(query, marker))
            statement = statement.order_by(*_order(query)).limit(query.limit)
            images = [_row_dict(row) for row in connection.execute(statement)]
            _attach(connection, images)
            return images

    @staticmethod
    def _filters(query: ListQuery) -> list[ColumnElement[bool]]:
        conditions = [
            IMAGES.c[k] == v for k, v in query.filters.items() if k in FILTERS
        ]
        if "os_hidden" in query.filters:
            conditions.append(IMAGES.c.os_hidden == bool(query.filters["os_hidden"]))
        for tag in query.tags:
            tagged = select(TAGS.c.image_id).where(TAGS.c.value == tag)
            conditions.append(IMAGES.c.id.in_(tagged))
        return conditions

    def _get(
        self, connection: Connection, image_id: str, scope: Scope
    ) -> dict[str, Any]:
        row = connection.execute(
            select(IMAGES).where(_live(image_id), scope.visible())
        ).one_or_none()
        if row is None:
            raise ImageNotFound(image_id)
        image = _row_dict(row)
        _attach(connection, [image])
        return image

    # -- writes --------------------------------------------------------------

    def create(
        self,
        values: dict[str, Any],
        properties: dict[str, str] | None = None,
        tags: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        now = timeutils.utcnow()
        row = {"created_at": now, "updated_at": now, "deleted": False, **values}
        try:
            with self.database.connect() as connection:
                connection.execute(insert(IMAGES).values(**row))
                _set_properties(connection, row["id"], properties or {})
                _set_tags(connection, row["id"], tags)
                return self._get(connection, row["id"], Scope())
        except db_exc.DBDuplicateEntry:
            raise Conflict(f"Image with ID {row['id']} already exists") from None

    def update(
        self, image_id: str, changes: Changes, scope: Scope = Scope()
    ) -> dict[str, Any]:
        """Apply ``changes``; 409 when ``expected_status`` no longer holds."""
        with self.database.connect() as connection:
            image = self._get(connection, image_id, scope)
            if not scope.may_change(image):
                raise Forbidden(f"You are not permitted to modify image {image_id}")
            guard = _live(image_id)
            if changes.expected_status is not None:
                guard = and_(guard, IMAGES.c.status == changes.expected_status)
            values = {**changes.values, "updated_at": timeutils.utcnow()}
            if (
                connection.execute(
                    update(IMAGES).where(guard).values(**values)
                ).rowcount
                != 1
            ):
                raise Conflict(
                    f"Image {image_id} is {image['status']}, "
                    f"not {changes.expected_status}"
                )
            _remove_properties(connection, image_id, changes.remove_properties)
            _set_properties(connection, image_id, changes.set_properties)
            if changes.tags is not None:
                connection.execute(delete(TAGS).where(TAGS.c.image_id == image_id))
                _set_tags(connection, image_id, changes.tags)
            return self._get(connection, image_id, Scope())

    def delete(self, image_id: str, scope: Scope = Scope()) -> dict[str, Any]:
        """Soft-delete; protected images refuse (403). Returns the image as it was."""
        with self.database.connect() as connection:
            image = self._get(connection, image_id, scope)
            if not scope.may_change(image):
                raise Forbidden(f"You are not permitted to delete image {image_id}")
            if image["protected"]:
                raise Forbidden(f"Image {image_id} is protected and cannot be deleted")
            now = timeutils.utcnow()
            connection.execute(
                update(IMAGES)
                .where(_live(image_id))
                .values(deleted=True, deleted_at=now, updated_at=now, status="deleted")
            )
            return image

    def add_tag(self, image_id: str, tag: str, scope: Scope = Scope()) -> None:
        with self.database.connect() as connection:
            image = self._get(connection, image_id, scope)
            if not scope.may_change(image):
                raise Forbidden(f"You are not permitted to modify image {image_id}")
            if tag not in image["tags"]:
                _set_tags(connection, image_id, (tag,))
            _touch(connection, image_id)

    def remove_tag(self, image_id: str, tag: str, scope: Scope = Scope()) -> None:
        with self.database.connect() as connection:
            image = self._get(connection, image_id, scope)
            if not scope.may_change(image):
                raise Forbidden(f"You are not permitted to modify image {image_id}")
            gone = connection.execute(
                delete(TAGS).where(TAGS.c.image_id == image_id, TAGS.c.value == tag)
            ).rowcount
            if not gone:
                raise ImageNotFound(f"{image_id} tag {tag}")
            _touch(connection, image_id)

    def purge(self, deleted_before: datetime.datetime, batch: int = 1000) -> int:
        """Remove up to ``batch`` images soft-deleted before the cutoff, for good."""
        with self.database.connect() as connection:
            doomed = [
                row.id
                for row in connection.execute(
                    select(IMAGES.c.id)
                    .where(
                        IMAGES.c.deleted == true(), IMAGES.c.deleted_at < deleted_before
                    )
                    .limit(batch)
                )
            ]
            if not doomed:
                return 0
            for table in (PROPERTIES, TAGS):
                connection.execute(delete(table).where(table.c.image_id.in_(doomed)))
            connection.execute(delete(IMAGES).where(IMAGES.c.id.in_(doomed)))
            return len(doomed)


def _order(query: ListQuery) -> list[Any]:
    column = _sort_column(query.sort_key)
    if query.sort_dir == "asc":
        return [column.asc(), IMAGES.c.id.asc()]
    return [column.desc(), IMAGES.c.id.desc()]


def _after(query: ListQuery, marker: dict[str, Any]) -> ColumnElement[bool]:
    """Rows after ``marker`` in the list order (keyset pagination)."""
    column = _sort_column(query.sort_key)
    raw = marker[query.sort_key]
    if query.sort_key in ("created_at", "updated_at"):
        raw = IMAGES.c[query.sort_key]  # compare in SQL with the stored value
        value = select(raw).where(IMAGES.c.id == marker["id"]).scalar_subquery()
    else:
        value = literal(_NULL_AS.get(query.sort_key) if raw is None else raw)
    if query.sort_dir == "asc":
        return or_(column > value, and_(column == value, IMAGES.c.id > marker["id"]))
    return or_(column < value, and_(column == value, IMAGES.c.id < marker["id"]))


def _attach(connection: Connection, images: list[dict[str, Any]]) -> None:
    """Fill in properties and tags of ``images`` with two queries."""
    by_id = {image["id"]: image for image in images}
    if not by_id:
        return
    for row in connection.execute(
        select(PROPERTIES.c.image_id, PROPERTIES.c.name, PROPERTIES.c.value).where(
            PROPERTIES.c.image_id.in_(by_id)
        )
    ):
        by_id[row.image_id]["properties"][row.name] = row.value
    for row in connection.execute(
        select(TAGS.c.image_id, TAGS.c.value)
        .where(TAGS.c.image_id.in_(by_id))
        .order_by(TAGS.c.id)
    ):
        by_id[row.image_id]["tags"].append(row.value)


def _set_properties(
    connection: Connection, image_id: str, properties: dict[str, str]
) -> None:
    if not properties:
        return
    _remove_properties(connection, image_id, tuple(properties))
    connection.execute(
        insert(PROPERTIES),
        [{"image_id": image_id, "name": k, "value": v} for k, v in properties.items()],
    )


def _remove_properties(
    connection: Connection, image_id: str, names: tuple[str, ...]
) -> None:
    if names:
        connection.execute(
            delete(PROPERTIES).where(
                PROPERTIES.c.image_id == image_id, PROPERTIES.c.name.in_(names)
            )
        )


def _set_tags(connection: Connection, image_id: str, tags: tuple[str, ...]) -> None:
    unique = list(dict.fromkeys(tags))
    if unique:
        connection.execute(
            insert(TAGS), [{"image_id": image_id, "value": tag} for tag in unique]
        )


def _touch(connection: Connection, image_id: str) -> None:
    connection.execute(
        update(IMAGES).where(_live(image_id)).values(updated_at=timeutils.utcnow())
    )
