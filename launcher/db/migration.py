"""Run the alembic migrations of the launcher and of its plug-ins, in code.

The launcher's tree ships inside the package (``launcher/db/migrations``),
so nothing needs an alembic.ini at runtime. A bundled or third-party
daemon that keeps its own tables ships its own tree and lists it under the
``svc_launch.migrations`` entry-point namespace as a :class:`Tree`;
:func:`upgrade` (``svc-launch db sync``) and :func:`is_current` (the
launcher's start-up check) then cover it without the launcher knowing its
name. Every tree has its own version table, so trees sharing one database
never overwrite each other's revision, and each tree's ``include_name``
filter keeps autogenerate from proposing to drop the others' tables.
"""

import ast
import contextlib
import dataclasses
import os
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, column, inspect, select, table
from sqlalchemy.engine import Connection

from launcher import errors
from launcher.db import models
from launcher.db.api import Database

if TYPE_CHECKING:
    from alembic.config import Config

# alembic is imported only where a migration runs or a revision graph needs
# walking: importing it costs about half a second, and every launch asks
# "is the schema current?", which a SELECT and the scripts' own revision
# identifiers answer (see is_current).

VERSION_TABLE = "svc_launch_alembic_version"
SCRIPT_LOCATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
NAMESPACE = "svc_launch.migrations"


@dataclasses.dataclass(frozen=True)
class Tree:
    """One alembic tree: where its scripts are, its version table, its tables."""

    name: str
    script_location: str
    version_table: str
    metadata: MetaData

    def include_name(
        self, name: str | None, type_: str, parent_names: dict[str, Any]
    ) -> bool:
        """Let autogenerate see only this tree's tables, not its neighbours'."""
        if type_ == "table":
            return name in self.metadata.tables
        return True

    def context_options(self) -> dict[str, Any]:
        """MigrationContext options shared by env.py, :func:`current` and tests."""
        return {
            "version_table": self.version_table,
            "target_metadata": self.metadata,
            "include_name": self.include_name,
        }


LAUNCHER = Tree("svc_launch", SCRIPT_LOCATION, VERSION_TABLE, models.Base.metadata)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """The launcher tree's filter (kept for callers of the one-tree API)."""
    return LAUNCHER.include_name(name, type_, parent_names)


def context_options() -> dict[str, Any]:
    """The launcher tree's MigrationContext options."""
    return LAUNCHER.context_options()


def trees() -> list[Tree]:
    """The launcher's tree first, then the plug-ins' by entry-point name.

    Entry points are read on each call (cheap, and tests install plug-ins
    at runtime); a plug-in's module is imported only here, never at
    import time of the launcher.
    """
    found = sorted(metadata.entry_points(group=NAMESPACE), key=lambda ep: ep.name)
    plugins = [_load(ep) for ep in found]
    return [LAUNCHER, *(t for t in plugins if t.name != LAUNCHER.name)]


def _load(entry_point: metadata.EntryPoint) -> Tree:
    """Load one plug-in's tree; a broken one is a one-line error naming it."""
    try:
        tree = entry_point.load()
        if callable(tree) and not isinstance(tree, Tree):
            tree = tree()
    except Exception as exc:
        raise errors.DefinitionLoadError(
            f"migration tree {entry_point.name!r} ({entry_point.value}) in "
            f"{NAMESPACE} failed to load: {type(exc).__name__}: {exc}",
            "fix or uninstall the package that provides it",
        ) from None
    if not isinstance(tree, Tree):
        raise errors.DefinitionLoadError(
            f"entry point {entry_point.name!r} in {NAMESPACE} is not a "
            f"launcher.db.migration.Tree: {type(tree).__name__}"
        )
    return tree


def alembic_config(
    connection: Connection | None = None, tree: Tree = LAUNCHER
) -> "Config":
    """An alembic Config built in code; env.py runs on ``connection``."""
    from alembic.config import Config

    config = Config()
    # Config values go through ConfigParser interpolation: escape '%'.
    config.set_main_option("script_location", tree.script_location.replace("%", "%%"))
    config.attributes["connection"] = connection
    config.attributes["tree"] = tree
    return config


def run_env() -> None:
    """The body of every tree's env.py: migrate on the connection given.

    alembic executes env.py; it finds the connection and the tree in the
    Config that :func:`alembic_config` built.
    """
    from alembic import context

    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported")
    connection = context.config.attributes.get("connection")
    tree = context.config.attributes.get("tree", LAUNCHER)
    if connection is None:
        raise RuntimeError(
            "run migrations through launcher.db.migration, which passes a "
            "connection; there is no alembic.ini"
        )
    context.configure(connection=connection, **tree.context_options())
    with context.begin_transaction():
        context.run_migrations()


def upgrade(url: str | Database, revision: str = "head") -> None:
    """Bring every tree to its head; a no-op when already there.

    ``revision`` other than "head" moves the launcher's tree only (a tool
    for tests); the plug-in trees are then left alone. All trees migrate
    in one transaction. ``url`` may be a :class:`Database`, which in-memory
    SQLite needs: that database exists only on its own engine.
    """
    from alembic import command

    with _connection(url) as connection:
        command.upgrade(alembic_config(connection), revision)
        if revision != "head":
            return
        for tree in trees()[1:]:
            command.upgrade(alembic_config(connection, tree), "head")


def current(url: str | Database, tree: Tree = LAUNCHER) -> str | None:
    """The revision ``tree`` is at in the database, or None if never migrated."""
    with _connection(url) as connection:
        return _current(connection, tree)


def _current(connection: Connection, tree: Tree) -> str | None:
    from alembic.runtime.migration import MigrationContext

    migration_context = MigrationContext.configure(
        connection, opts=tree.context_options()
    )
    return migration_context.get_current_revision()


def head(tree: Tree = LAUNCHER) -> str:
    """The newest revision shipped in ``tree``."""
    from alembic.script import ScriptDirectory

    found = ScriptDirectory.from_config(alembic_config(tree=tree)).get_current_head()
    assert found is not None, f"no revisions in tree {tree.name}"
    return found


def is_current(url: str | Database) -> bool:
    """True when every tree is at its head; lets the CLI refuse to start.

    The fast path reads each version table and each tree's script headers;
    alembic decides only for a tree whose scripts it alone can read
    (branch labels, dependencies, computed identifiers).
    """
    with _connection(url) as connection:
        for tree in trees():
            heads = script_heads(tree)
            if heads is None:
                if _current(connection, tree) != head(tree):
                    return False
            elif stamped(connection, tree) != heads:
                return False
        return True


def stamped(connection: Connection, tree: Tree) -> set[str]:
    """The revisions recorded in ``tree``'s version table; empty if none."""
    if not inspect(connection).has_table(tree.version_table):
        return set()
    versions = table(tree.version_table, column("version_num"))
    return set(connection.execute(select(versions.c.version_num)).scalars())


_HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


def script_heads(tree: Tree) -> set[str] | None:
    """The tree's head revisions, read from its scripts without alembic.

    None when a script is beyond this reader: headers that are not
    literals, branch labels or cross-tree dependencies.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (Path(tree.script_location) / "versions").glob("*.py"):
        headers = _script_headers(path)
        if headers is None or headers.get("branch_labels") or headers.get("depends_on"):
            return None
        if "revision" not in headers:
            continue
        revisions.add(headers["revision"])
        down = headers.get("down_revision") or ()
        parents.update((down,) if isinstance(down, str) else down)
    return revisions - parents or None


def _script_headers(path: Path) -> dict[str, Any] | None:
    headers: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _HEADER_NAMES:
                try:
                    headers[target.id] = ast.literal_eval(value)
                except ValueError:
                    return None
    return headers


@contextlib.contextmanager
def _connection(target: str | Database) -> Iterator[Connection]:
    db = target if isinstance(target, Database) else Database(target)
    try:
        with db.connect() as connection:
            yield connection
    finally:
        if db is not target:
            db.dispose()
