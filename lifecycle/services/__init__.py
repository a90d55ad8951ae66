"""The use cases: one transaction each, the only API the CLI, web and scheduler call."""

from lifecycle.services.context import OfficerChangeListener, Services

__all__ = ["OfficerChangeListener", "Services"]
