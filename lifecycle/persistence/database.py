"""Connecting, migrating and running one transaction at a time."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from lifecycle.errors import ConfigurationError, Conflict, DatabaseNotReady

# Alembic (and Mako with it) is imported by the code that migrates: every command checks
# the schema is current, but only `attache init` and the tests change it, and the import
# costs more than most commands' own work.
if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///attache.db"
BUSY_TIMEOUT_MS = 15_000


def database_url(explicit: str | None = None) -> str:
    """``--database`` beats ``ATTACHE_DATABASE_URL`` beats the SQLite file default."""
    return explicit or os.environ.get("ATTACHE_DATABASE_URL") or DEFAULT_URL


class Database:
    shares_one_session = False  # see _JoinedDatabase

    def __init__(self, url: str) -> None:
        self.url = _normalise(url)
        self.engine = _create_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success; on any error rolls back everything.

        A lost optimistic-concurrency race or a unique key taken by a concurrent writer
        surfaces as ``Conflict``: the caller acted on data that changed under it.
        """
        session = self._sessions()
        try:
            with _busy_is_conflict(), session.begin():
                yield session
        except StaleDataError:
            raise Conflict(
                "someone else changed this officer at the same time; nothing was "
                "changed: reload and try again"
            ) from None
        except IntegrityError as exc:
            # The driver's text is multi-line SQL detail on PostgreSQL: keep it out of the
            # user's one line; it names a key another writer took first.
            del exc
            raise Conflict(
                "another change took the same key at the same moment; nothing was changed: "
                "try again"
            ) from None
        finally:
            session.close()

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """A transaction of plain Core statements on one connection, without an ORM
        session (committed on success): for a hot path of single statements, such as
        the dispatcher recording each send's outcome, where setting up and tearing
        down a session cost more than the statement."""
        with _busy_is_conflict(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def autocommitting(self) -> Iterator[Connection]:
        """One connection on which each statement commits on its own, before it returns:
        for a run of single-statement writes from one thread, such as the dispatcher's
        outcomes, one a message. A transaction each (``statements``) cost a checkout and,
        on PostgreSQL, a ping, a BEGIN and a COMMIT around the UPDATE: four round trips
        for one, each outcome as durable either way."""
        with _busy_is_conflict(), self.engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def joined(self, session: Session) -> Database:
        """This database as seen from inside ``session``'s open transaction: its
        ``transaction()`` and ``reading()`` hand out that session and commit nothing, so
        a use case run through it commits or rolls back with the caller's other writes."""
        return _JoinedDatabase(self, session)

    def upgrade(self, revision: str = "head") -> None:
        """Create or upgrade the schema to ``revision`` (idempotent).

        On SQLite, Alembic's batch mode rebuilds a table to alter it (copy, drop, rename),
        which foreign keys pointing at it would refuse once it holds data; so they are
        off while migrating and every reference is checked before the commit, as the
        SQLite documentation prescribes for schema changes.
        """
        sqlite = self.dialect == "sqlite"
        with self.engine.connect() as connection:
            if sqlite:  # only takes effect outside a transaction
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                from alembic import command

                with connection.begin():
                    config = _alembic_config()
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise DatabaseNotReady(
                                f"the upgrade would leave {len(broken)} broken references "
                                f"(first: {tuple(broken[0])}); nothing was changed"
                            )
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()

    def ensure_ready(self) -> None:
        path = make_url(self.url).database
        if self.dialect == "sqlite" and path and path != ":memory:" and not Path(path).exists():
            # Connecting would create an empty file: say what to do instead.
            raise DatabaseNotReady(
                f"database {self.display_url} does not exist: run 'attache init'"
            )
        head = head_revision()
        try:
            with self.engine.connect() as connection:
                current = _current_revision(connection)
        except OperationalError as exc:
            raise DatabaseNotReady(f"cannot open database {self.display_url}: {exc.orig}") from None
        if current is None:
            raise DatabaseNotReady(
                f"database {self.display_url} is not initialised: run 'attache init'"
            )
        if current != head:
            raise DatabaseNotReady(
                f"database {self.display_url} is at schema {current}, this version needs "
                f"{head}: run 'attache init' to upgrade"
            )

    def dispose(self) -> None:
        self.engine.dispose()


def _normalise(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"database URL {url!r} is not a URL (e.g. sqlite:///attache.db or "
            "postgresql://user@host/db)"
        ) from None
    # psycopg 3 is the PostgreSQL driver we support; plain postgresql:// means it.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database {parsed.get_backend_name()!r} is not supported: use sqlite or postgresql"
        )
    return parsed.render_as_string(hide_password=False)


def _create_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; synchronous=FULL makes an acknowledged
    # commit survive a power cut; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # SQLite's default page cache is 2 MiB, which the reminders' indexes outgrow within
    # a programme year: every bulk re-plan then fetched their pages from the OS again
    # (a third of its INSERT, bench 4a). 64 MiB per connection, filled only as read.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _migrations_folder() -> Path:
    return Path(str(resources.files("lifecycle.persistence") / "migrations"))


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_migrations_folder()))
    return config


# `revision = "0009"` as the files are written (quotes either way, a type annotation or
# not, as Alembic's templates have had them); a tuple (a merge) does not match.
_REVISION = re.compile(r"""^revision(?:: *[\w |\[\],]+)? *= *["']([^"']+)["'] *$""", re.M)
_DOWN_REVISION = re.compile(
    r"""^down_revision(?:: *[\w |\[\],]+)? *= *(?:None|["']([^"']+)["']) *$""", re.M
)


def head_revision() -> str:
    """The newest migration's id, read from the migration files' ``revision`` and
    ``down_revision`` lines without loading Alembic (or executing the migrations, as
    its script directory does); Alembic decides whenever the files do not say plainly
    (a branch, a merge, another layout). ``test_migrations`` holds the two equal."""
    revisions, parents = set(), set()
    for script in (_migrations_folder() / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if script.name == "__init__.py" and not revision:
            continue
        if len(revision) != 1 or len(down) != 1:
            return _alembic_head()
        revisions.add(revision[0])
        parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise DatabaseNotReady("this installation has no migrations")
    return head


def _current_revision(connection: Connection) -> str | None:
    """What Alembic's ``MigrationContext.get_current_revision`` answers, read directly."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise DatabaseNotReady(
            f"the database is at several schema versions at once ({', '.join(rows)}): "
            "run 'attache init'"
        )
    return rows[0] if rows else None


class _JoinedDatabase(Database):
    # One session (one connection) for everything: it must not be used from a second
    # thread, so the dispatcher records outcomes in its own thread only when this is False.
    shares_one_session = True
    """See ``Database.joined``: the outer transaction's owner commits, errors and all."""

    def __init__(self, outer: Database, session: Session) -> None:
        self.url = outer.url
        self.engine = outer.engine
        self._sessions = outer._sessions
        self._session = session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        yield self._session

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        yield self._session.connection()

    @contextmanager
    def autocommitting(self) -> Iterator[Connection]:
        yield self._session.connection()  # commits with the owner's transaction

    @contextmanager
    def reading(self) -> Iterator[Session]:
        yield self._session



@contextmanager
def _busy_is_conflict() -> Iterator[None]:
    """A database busy with another writer (SQLite's lock, PostgreSQL's serialization
    failure) is a ``Conflict`` the user may simply retry; any other error stays itself."""
    try:
        yield
    except OperationalError as exc:
        reason = str(exc.orig)
        if "locked" in reason or "could not serialize" in reason:
            raise Conflict("the database is busy with another change; try again") from None
        raise
