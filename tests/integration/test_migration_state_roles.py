"""Migration 0008 gives the shipped v1 definitions already published their state roles.

A database published before roles existed holds the v1 texts without ``roles:``; after
the upgrade it holds exactly the shipped files (so ``attache init`` finds v1 unchanged)
and its officers keep working. A definition of the user's own without roles stops the
upgrade, naming it, rather than leave officers on a definition that no longer loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select, text

from lifecycle.clock import FakeClock
from lifecycle.definition import checksum
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import DefinitionVersion, Track
from lifecycle.services import Services
from lifecycle.services.setup import publish_definitions
from lifecycle.state_roles import StateRole
from tests.conftest import BACKENDS, START, postgres_database, postgres_url
from workflows.loader import load_definitions, shipped_files

MIGRATIONS = Path(__file__).parents[2] / "lifecycle" / "persistence" / "migrations"
ROLES = re.compile(r", roles: \[(?:(?:" + "|".join(StateRole) + r")(?:, )?)*\]")
# The shipped v1 files as published before state roles (their checksums are the ones
# migration 0008 recognises).
BEFORE_ROLES = {
    "workflows/definitions/junior-diplomats.v1.yaml":
        "4ea90b1752c2e9a38c41117ad404a5925e66ef202132df7fe474a22180e210a6",
    "workflows/definitions/aec-ascc.v1.yaml":
        "574dbd7e6ff22e0a344e9573892fa51ddf7b6a6d47841a4f9ca6b23a02e605e3",
}


@pytest.fixture(params=BACKENDS)
def at_0007(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database migrated up to 0007, the revision before state roles."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'old.db'}")
        database.upgrade("0007")
        yield database
        database.dispose()
        return
    with postgres_database(request.getfixturevalue("postgres_admin"), "attache_r") as name:
        database = Database(postgres_url(name))
        database.upgrade("0007")
        yield database
        database.dispose()


def _publish_old(database: Database, texts: dict[str, str]) -> None:
    with database.engine.begin() as connection:
        for number, (source, body) in enumerate(texts.items(), start=1):
            data = yaml.safe_load(body)
            connection.execute(
                insert(Track),
                {"id": number, "slug": data["track"], "title": data["title"],
                 "ref_prefix": data["ref_prefix"]},
            )
            connection.execute(
                insert(DefinitionVersion),
                {"track_id": number, "version": 1, "checksum": checksum(body),
                 "source_name": source, "source_text": body, "published_at": START},
            )


def _downgrade(database: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _stored(database: Database) -> dict[str, tuple[str, str]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(DefinitionVersion.source_name, DefinitionVersion.source_text,
                   DefinitionVersion.checksum)
        )
        return {name: (body, digest) for name, body, digest in rows}


def test_published_v1_texts_get_their_roles_and_equal_the_shipped_files(
    at_0007: Database,
) -> None:
    """After the upgrade the stored v1 texts are the shipped files, byte for byte, with
    matching checksums; publishing the shipped files again finds nothing changed; the
    downgrade gives back the texts as they were."""
    shipped = dict(shipped_files())
    old = {source: ROLES.sub("", shipped[source]) for source in BEFORE_ROLES}
    assert BEFORE_ROLES == {source: checksum(body) for source, body in old.items()}
    _publish_old(at_0007, old)

    at_0007.upgrade()

    assert {s: (shipped[s], checksum(shipped[s])) for s in BEFORE_ROLES} == _stored(at_0007)
    services = Services(at_0007, FakeClock(START))
    assert [] == publish_definitions(services, [
        f for f in load_definitions() if f.source in BEFORE_ROLES
    ])
    _downgrade(at_0007, "0007")
    assert {s: (old[s], checksum(old[s])) for s in BEFORE_ROLES} == _stored(at_0007)


def test_a_definition_of_ones_own_without_roles_stops_the_upgrade_naming_it(
    at_0007: Database,
) -> None:
    """A published definition that is not a shipped one and has no roles cannot be
    guessed at: the upgrade fails naming it, and the database stays at 0007."""
    shipped = dict(shipped_files())
    own = ROLES.sub("", shipped["workflows/definitions/aec-ascc.v1.yaml"]).replace(
        "track: aec-ascc", "track: our-own"
    )
    _publish_old(at_0007, {"/etc/attache/workflows/ours.v1.yaml": own})

    with pytest.raises(RuntimeError) as refused:
        at_0007.upgrade()

    assert "/etc/attache/workflows/ours.v1.yaml" in str(refused.value)
    assert "without `roles:`" in str(refused.value)
    with at_0007.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert "0007" == version.scalar()
