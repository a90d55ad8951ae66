"""Reading the published workflow definitions."""

from __future__ import annotations

from sqlalchemy import select

from lifecycle.engine import CompiledWorkflow
from lifecycle.errors import NotFound
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import DefinitionVersion, Track
from lifecycle.services.context import Services
from lifecycle.services.views import JSONDict


def published(services: Services) -> list[JSONDict]:
    with services.db.reading() as session:
        rows = session.scalars(
            select(DefinitionVersion).join(Track).order_by(Track.slug, DefinitionVersion.version)
        )
        return [
            {
                "track": d.track.slug,
                "version": d.version,
                "title": d.track.title,
                "ref_prefix": d.track.ref_prefix,
                "source": d.source_name,
                "published_at": d.published_at.isoformat(),
            }
            for d in rows
        ]


def compiled(services: Services, track: str, version: int | None = None) -> CompiledWorkflow:
    with services.db.reading() as session:
        track_row = repo.track_by_slug(session, track)
        if version is None:
            return services.workflows.get(repo.latest_definition(session, track_row))
        found = session.scalar(
            select(DefinitionVersion).where(
                DefinitionVersion.track_id == track_row.id, DefinitionVersion.version == version
            )
        )
        if found is None:
            raise NotFound(f"{track} has no version {version}")
        return services.workflows.get(found)
