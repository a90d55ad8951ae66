"""Compiled workflows, one per published (track, version), built once per process."""

from __future__ import annotations

from lifecycle.definition import parse_definition
from lifecycle.engine import CompiledWorkflow
from lifecycle.persistence.tables import DefinitionVersion


class WorkflowRegistry:
    def __init__(self) -> None:
        self._compiled: dict[tuple[str, int, str], CompiledWorkflow] = {}

    def get(self, published: DefinitionVersion) -> CompiledWorkflow:
        # Compiled from the text stored at publication, not from the file on disk, so an
        # officer keeps the exact rules it started with whatever happens to the files.
        key = (published.track.slug, published.version, published.checksum)
        compiled = self._compiled.get(key)
        if compiled is None:
            source = f"{published.source_name} (published v{published.version})"
            compiled = CompiledWorkflow(parse_definition(published.source_text, source))
            self._compiled[key] = compiled
        return compiled
