"""PostgreSQL copies of template databases for the tests, made once and reset between
tests, on one background thread per test process.

``CREATE DATABASE ... TEMPLATE`` writes the whole database (about 8 MB, mostly the
system catalogues) through the WAL, and ``DROP DATABASE`` waits on the disk as well:
0.3-1 s apiece measured here on a loaded machine, a third of the whole suite's time when
every PostgreSQL test waited for both. A copy a test has used is instead put back as its
template was, in one transaction of about 20-50 ms: every connection to it closed, its
rows deleted and the template's rows copied back in (binary ``COPY``, so every type
round-trips exactly), its sequences set back. Whatever a reset would not put back, a
changed schema, a database setting, a new function, is caught by comparing the catalogue
with the template's; such a copy is dropped and a new one made. The test that takes a
copy gets a database equal to its template that no other test is using.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

# Everything in the catalogue a test could change and a reset of the rows would not put
# back: tables, columns, defaults, constraints, indexes, functions, triggers, enum labels, and the
# database's own settings. Sorted, so two equal catalogues give the same text.
_CATALOGUE = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind) AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  UNION ALL
  SELECT format('col %s.%s.%s %s %s %s', n.nspname, c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  UNION ALL
  SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace NOT IN
      (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema'))
  UNION ALL
  SELECT format('idx %s', indexdef) FROM pg_indexes
   WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT format('fn %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT format('trg %s %s %s', tgrelid::regclass, tgname, tgenabled)
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT format('enum %s %s %s', enumtypid::regtype, enumsortorder, enumlabel) FROM pg_enum
  UNION ALL
  SELECT format('set %s', array_to_string(setconfig, ','))
    FROM pg_db_role_setting WHERE setdatabase =
      (SELECT oid FROM pg_database WHERE datname = current_database())
) AS catalogue
"""

# The tables a reset fills, parents before children (rows are deleted in reverse).
_TABLES = """
WITH RECURSIVE tables AS (
  SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
), depth (oid, level) AS (
  SELECT oid, 0 FROM tables
  UNION ALL
  SELECT con.conrelid, depth.level + 1 FROM depth
    JOIN pg_constraint con ON con.confrelid = depth.oid AND con.contype = 'f'
   WHERE con.conrelid <> con.confrelid AND depth.level < 50
)
SELECT tables.name FROM tables JOIN depth USING (oid)
 GROUP BY tables.name ORDER BY max(depth.level), tables.name
"""

_SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), start_value, last_value FROM pg_sequences
 WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
"""


@dataclass(frozen=True)
class _Snapshot:
    """What a template holds that a test may change: its rows and its sequences."""

    catalogue: str
    tables: Sequence[str]
    rows: dict[str, bytes]  # binary COPY of each table that has rows, parents first
    sequences: Sequence[tuple[str, int, int | None]]  # name, start, last (None: unused)


class DatabaseCopies:
    """Copies of template databases, each used by one test at a time and reset after."""

    def __init__(self, admin: str, prefix: str) -> None:
        self._admin = admin
        self._prefix = prefix
        # One thread: the server does one create, reset or drop of ours at a time.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-copies")
        self._lock = threading.Lock()
        self._snapshots: dict[str, _Snapshot] = {}
        self._ready: dict[str, deque[Future[str]]] = {}  # per template, copies put back
        self._template_of: dict[str, str] = {}

    def take(self, template: str) -> str:
        """A database equal to ``template``, for the caller alone until it gives it back."""
        with self._lock:
            ready = self._ready.setdefault(template, deque())
            copy = ready.popleft() if ready else self._worker.submit(self._create, template)
        name = copy.result()
        self._template_of[name] = template
        return name

    def give_back(self, name: str) -> None:
        """Close every connection to ``name`` and put it back as its template was, on the
        background thread: the next test that takes a copy of that template gets it."""
        template = self._template_of.pop(name)
        with self._lock:
            self._ready[template].append(self._worker.submit(self._reset, name, template))

    def close(self) -> None:
        """Drop every copy: nothing is left on the server, and a reset that failed fails
        the session here rather than passing unseen."""
        with self._lock:
            copies = [copy for ready in self._ready.values() for copy in ready]
            self._ready = {}
        failures = []
        for copy in copies:
            try:
                self._worker.submit(self._drop, copy.result()).result()
            except Exception as failure:  # drop the others first, then say what failed
                failures.append(failure)
        self._worker.shutdown(wait=True)
        if failures:
            raise failures[0]

    def _create(self, template: str) -> str:
        name = f"{self._prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        if template not in self._snapshots:  # the first copy is the template, unused
            self._snapshots[template] = self._snapshot(name)
        return name

    def _reset(self, name: str, template: str) -> str:
        snapshot = self._snapshots[template]
        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with psycopg.connect(self._url(name)) as conn:
            [(catalogue,)] = conn.execute(_CATALOGUE).fetchall()
            if catalogue != snapshot.catalogue:
                conn.close()
                self._drop(name)
                return self._create(template)
            # Nothing here needs to survive a crash of the server, only to be seen by
            # the next connection: the commit need not wait for the disk.
            conn.execute("SET LOCAL synchronous_commit = off")
            # As a replica applying changes does: no triggers (the audit trail's guard
            # refuses deletes, as it should for everybody else) and no foreign-key checks.
            conn.execute("SET LOCAL session_replication_role = replica")
            for table in reversed(snapshot.tables):
                conn.execute(f"DELETE FROM {table}")
            for table, data in snapshot.rows.items():
                with conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data)
            for sequence, start, last in snapshot.sequences:
                value, called = (start, False) if last is None else (last, True)
                conn.execute("SELECT setval(%s, %s, %s)", (sequence, value, called))
        return name

    def _snapshot(self, name: str) -> _Snapshot:
        with psycopg.connect(self._url(name)) as conn:
            [(catalogue,)] = conn.execute(_CATALOGUE).fetchall()
            tables = [table for (table,) in conn.execute(_TABLES)]
            rows = {}
            for table in tables:
                [(filled,)] = conn.execute(f"SELECT EXISTS (SELECT FROM {table})").fetchall()
                if filled:
                    with conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                        rows[table] = b"".join(bytes(block) for block in copy)
            sequences = [
                (str(name), int(start), last) for name, start, last in conn.execute(_SEQUENCES)
            ]
        return _Snapshot(catalogue, tables, rows, sequences)

    def _drop(self, name: str) -> None:
        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _url(self, name: str) -> str:
        return make_url(self._admin).set(database=name).render_as_string(hide_password=False)
