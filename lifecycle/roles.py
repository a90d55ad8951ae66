"""Who may do what is decided by role; the roles themselves are fixed by the domain."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"
    VIEWER = "viewer"


COUNTRIES: dict[str, str] = {
    "KH": "Cambodia",
    "LA": "Lao PDR",
    "MM": "Myanmar",
    "VN": "Viet Nam",
}

# The home capital's zone is the sensible default for an officer's reminders.
COUNTRY_TIMEZONES: dict[str, str] = {
    "KH": "Asia/Phnom_Penh",
    "LA": "Asia/Vientiane",
    "MM": "Asia/Yangon",
    "VN": "Asia/Ho_Chi_Minh",
}

SECRETARIAT_TIMEZONE = "Asia/Jakarta"
