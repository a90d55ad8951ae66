"""Finds the shipped track definitions (and a user's extra folder) and loads them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lifecycle.definition import WorkflowDefinition, checksum, parse_definition
from lifecycle.errors import ConfigurationError


@dataclass(frozen=True)
class DefinitionFile:
    """One definition with the exact text it was parsed from (published verbatim)."""

    source: str
    text: str
    definition: WorkflowDefinition

    @property
    def checksum(self) -> str:
        return checksum(self.text)


def shipped_files() -> list[tuple[str, str]]:
    folder = resources.files("workflows") / "definitions"
    return sorted(
        (f"workflows/definitions/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def load_definitions(extra_folder: Path | None = None) -> list[DefinitionFile]:
    """Every definition, shipped and extra, validated; two files may not claim one version."""
    sources = shipped_files()
    if extra_folder is not None:
        if not extra_folder.is_dir():
            raise ConfigurationError(f"workflow folder {extra_folder} does not exist")
        sources += sorted(
            (str(path), path.read_text(encoding="utf-8")) for path in extra_folder.glob("*.yaml")
        )
    loaded: dict[tuple[str, int], DefinitionFile] = {}
    for source, text in sources:
        file = DefinitionFile(source, text, parse_definition(text, source))
        earlier = loaded.get(file.definition.key)
        if earlier is not None:
            track, version = file.definition.key
            raise ConfigurationError(
                f"{source}: track {track!r} version {version} is already defined "
                f"in {earlier.source}"
            )
        loaded[file.definition.key] = file
    return list(loaded.values())
