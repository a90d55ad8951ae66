"""The funder's reports: figures as of a date, and the documents that show them."""

from lifecycle.reporting.figures import build_report
from lifecycle.reporting.model import Report, Scope

__all__ = ["Report", "Scope", "build_report"]
