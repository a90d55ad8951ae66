"""Reading the published workflow definitions."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, defer

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


# A published version of a track named by its slug: one statement, the track from the
# join (not joined again), the definition's text read only if this process has not
# compiled it yet (WorkflowRegistry). The newest when no version is asked for.
_BY_SLUG = (
    select(DefinitionVersion)
    .join(DefinitionVersion.track)
    .options(contains_eager(DefinitionVersion.track), defer(DefinitionVersion.source_text))
    .where(Track.slug == bindparam("slug"))
)
_VERSION = _BY_SLUG.where(DefinitionVersion.version == bindparam("version"))
_LATEST = _BY_SLUG.order_by(DefinitionVersion.version.desc()).limit(1)


def compiled(services: Services, track: str, version: int | None = None) -> CompiledWorkflow:
    with services.db.reading() as session:
        if version is None:
            found = session.scalar(_LATEST, {"slug": track})
        else:
            found = session.scalar(_VERSION, {"slug": track, "version": version})
        if found is None:
            track_row = repo.track_by_slug(session, track)  # an unknown track, named as such
            if version is not None:
                raise NotFound(f"{track} has no version {version}")
            found = repo.latest_definition(session, track_row)  # says nothing is published
        return services.workflows.get(found)
