"""The app for an external ASGI server (``uvicorn --factory web.asgi:app``).

Configured like the CLI: ``ATTACHE_DATABASE_URL`` and the other ``ATTACHE_*`` settings
(or a TOML file named by ``ATTACHE_CONFIG``). It never runs the scheduler: in
production that is its own process (``attache scheduler run``), so the number of web
workers and the number of schedulers are chosen separately.
"""

from __future__ import annotations

from fastapi import FastAPI

from console.settings import Settings
from lifecycle.clock import SystemClock
from lifecycle.persistence.database import Database, database_url
from lifecycle.services import Services
from notifications.wiring import with_reminders
from web.app import create_app


def app() -> FastAPI:
    settings = Settings.load()
    services = with_reminders(Services(Database(database_url()), SystemClock()))
    services.db.ensure_ready()
    secure = (settings.get("ATTACHE_SECURE_COOKIES") or "true").lower() in ("1", "true", "yes")
    return create_app(services, settings.renderer(), secure_cookies=secure)
