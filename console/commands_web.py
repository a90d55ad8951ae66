"""``attache serve``: the web console and API, with the reminder scheduler beside them."""

from __future__ import annotations

import click

from console.commands_setup import pass_state
from console.context import CliState
from console.output import fail, ok
from lifecycle.errors import ConfigurationError


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--no-scheduler", is_flag=True, help="serve only; run 'attache scheduler run' elsewhere"
)
@click.option("--interval", default=60, show_default=True, help="seconds between dispatch passes")
@pass_state
def serve(state: CliState, host: str, port: int, no_scheduler: bool, interval: int) -> None:
    """Serve the console on http://HOST:PORT (and run the scheduler unless told not to)."""
    import uvicorn

    from notifications.dispatch import Dispatcher
    from notifications.scheduler import ReminderScheduler
    from web.app import create_app

    settings = state.settings()
    services = state.services()
    renderer = settings.renderer()
    scheduler = None
    if not no_scheduler:
        problems = renderer.check()
        for problem in problems:
            fail(str(problem))
        if problems:
            raise ConfigurationError("the scheduler will not start with broken templates")
        dispatcher = Dispatcher(
            services, settings.channel(services.clock), renderer, settings.dispatch()
        )
        scheduler = ReminderScheduler(services, dispatcher, interval, background=True)
        scheduler.start_in_background()
        ok(f"scheduler: dispatch every {interval}s to {settings.channel_name()}")
    secure = (settings.get("ATTACHE_SECURE_COOKIES") or "").lower() in ("1", "true", "yes")
    app = create_app(services, renderer, secure_cookies=secure)
    ok(f"Attache console on http://{host}:{port}/ (Ctrl-C stops it)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        if scheduler is not None:
            scheduler.shutdown()
