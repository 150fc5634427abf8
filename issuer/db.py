"""Engine, sessions and the declarative base; the schema is owned by alembic (issuer/migrations)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, Table, create_engine, event, insert, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from issuer.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# How long a SQLite connection waits for another's write lock before "database is locked".
# Writers hold it only for one short transaction (a chunk of a batch is a few hundred ms), so
# this is a ceiling for pathological cases, not a wait anyone should see.
SQLITE_BUSY_SECONDS = 30
# True while serving a request that only reads (GET/HEAD): on SQLite its statements run each on
# its own (no BEGIN), so a page never queues behind a batch's write lock (WAL readers see the
# last commit). Not a deferred BEGIN: a GET that does write (a session's last-seen time) would
# then fail at once with "database is locked" whenever a batch had committed since its first
# read; on its own, the write waits for the lock like any other.
_reading: ContextVar[bool] = ContextVar("ler_db_reading", default=False)


@contextmanager
def reading():
    """Transactions begun inside this block only read (see `_reading`)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class Base(DeclarativeBase):
    pass


def _make_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if url.startswith("sqlite") and path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _make_sqlite_folder(url)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers proceed while a writer commits; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            # Safe with WAL (a crash loses no committed transaction's integrity, at most the
            # last commits before a power cut) and saves an fsync per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # We issue BEGIN ourselves (below); pysqlite's own deferred BEGIN is disabled.
            dbapi_connection.isolation_level = None

        waiting = engine.ler_writers_waiting = _Waiting()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):
            # A deferred transaction that reads and then writes fails with SQLITE_BUSY when
            # another writer committed in between (no busy wait applies). Taking the write
            # lock up front makes concurrent threads queue instead, as row locks do on PostgreSQL.
            # A read-only request begins nothing (see `_reading`): WAL lets it read while a batch writes.
            if not _reading.get():
                with waiting:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


class _Waiting:
    """How many of this process's threads wait for SQLite's write lock (in BEGIN IMMEDIATE)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def __enter__(self):
        with self.lock:
            self.count += 1

    def __exit__(self, *exc):
        with self.lock:
            self.count -= 1


# How long a long writer (a batch between two chunks) lets others go first, at most.
YIELD_SECONDS = 5.0


def yield_to_writers(sessions: sessionmaker[Session], seconds: float = YIELD_SECONDS) -> None:
    """Between two transactions of a long job, let this process's threads that wait for SQLite's
    write lock take it first (at most `seconds`). SQLite's busy handler sleeps between tries
    (up to 100 ms), so a batch that begins its next chunk at once after a commit wins the lock
    every time, and a console POST behind it could wait for the whole batch. A no-op on
    PostgreSQL (row locks queue fairly) and when no one waits."""
    waiting = getattr(sessions.kw.get("bind"), "ler_writers_waiting", None)
    deadline = time.monotonic() + seconds
    while waiting is not None and waiting.count > 0 and time.monotonic() < deadline:
        time.sleep(0.002)


@contextmanager
def reachable(url: str):
    """Turn "the database cannot be reached" into one line naming it (password hidden), for a
    process that is starting, instead of a driver's traceback."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        safe = make_url(url).render_as_string(hide_password=True)
        raise ConfigurationError(f"cannot reach the database {safe}: {reason}") from None


def alembic_config(url: str) -> AlembicConfig:
    # alembic (with mako and pygments) is imported only to migrate: ~0.15 s that reading
    # commands such as `ler verify` do not pay.
    from alembic.config import Config as AlembicConfig
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    # "heads": each domain adds its migrations on a branch of its own from the first revision,
    # so parallel work never collides on one linear history.
    _make_sqlite_folder(url)  # a first start with LER_KEY_PASSPHRASE set has no instance/ yet
    if revision == "heads" and _at_heads(url):
        return
    from alembic import command
    command.upgrade(alembic_config(url), revision)


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=(.*)$", re.M)


def _script_heads() -> set[str]:
    """The heads of the migration scripts, read from their `revision` and `down_revision` lines
    (empty when a script does not say them plainly: then alembic itself decides)."""
    revisions: set[str] = set()
    below: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return set()
        revisions.add(revision.group(1))
        below.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - below


def _at_heads(url: str) -> bool:
    """Whether the database is migrated to every head already, in one query: importing alembic
    (with mako and pygments) and running its upgrade to find nothing to do took most of a
    second of every command's start, `ler import`'s included."""
    heads = _script_heads()
    if not heads:
        return False
    from sqlalchemy.pool import NullPool
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            stored = set(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    except DBAPIError:
        return False   # no version table yet (a new database), or none reachable: alembic says which
    finally:
        engine.dispose()
    return stored == heads


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command
    command.downgrade(alembic_config(url), revision)


def insert_rows(session: Session, table: Table, rows: list[dict], returning: Sequence[Column] = ()) -> list[tuple]:
    """Insert `rows` (dicts with the same keys) into `table` in the session's transaction; the
    `returning` columns of the inserted rows (in no particular order).

    On PostgreSQL this is one `INSERT ... SELECT FROM unnest(...)` with one array parameter per
    column, sent in binary, not one parameter per value: psycopg parses a statement's
    placeholders in Python (uncached past 4 KB of SQL) and escapes text arrays with a regular
    expression per element, which for a chunk of 500 ledger rows cost more than PostgreSQL's
    own work. Elsewhere, an executemany INSERT."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        statement = insert(table)
        if not returning:
            session.execute(statement, rows)
            return []
        return [tuple(row) for row in session.execute(statement.returning(*returning), rows)]
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    given = set(rows[0])
    columns = [c for c in table.columns if c.name in given or _python_default(c)]
    params, selected, arrays = {}, [], []
    for n, column in enumerate(columns):
        if column.name in given:
            values = [row[column.name] for row in rows]
        else:
            make = _python_default(column)
            values = [make() for _ in rows]
        if isinstance(column.type, JSON):
            values = [json.dumps(value) for value in values]
            arrays.append(f"CAST(%(p{n})b AS TEXT[])")
            selected.append(f"CAST(u.c{n} AS {column.type.compile(dialect)})")
        else:
            arrays.append(f"CAST(%(p{n})b AS {column.type.compile(dialect)}[])")
            selected.append(f"u.c{n}")
        params[f"p{n}"] = values
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c.name) for c in columns)}) "
           f"SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) "
           f"AS u({', '.join(f'c{n}' for n in range(len(columns)))})")
    if returning:
        sql += " RETURNING " + ", ".join(quote(c.name) for c in returning)
    # psycopg's own cursor, on the session's connection and in its transaction: `%b` (binary)
    # placeholders are psycopg's, not SQLAlchemy's. What the session holds goes first, as
    # SQLAlchemy's autoflush would have sent it (the rows may refer to it).
    session.flush()
    with session.connection().connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def _python_default(column: Column):
    """A column's client-side default as a function of no arguments, or None."""
    default = column.default
    if default is None or default.is_sequence or default.is_clause_element:
        return None
    if default.is_callable:
        return lambda: default.arg(None)   # SQLAlchemy wraps it to take an execution context
    return lambda: default.arg


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]):
    """One transaction: committed if the block ends normally, rolled back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
