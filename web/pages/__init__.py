"""The console's pages, one module per screen."""

from fastapi import APIRouter

from web.pages import (
    batches,
    calendars,
    home,
    imports,
    inbox,
    links,
    nominations,
    officer,
    reports,
    search,
    signin,
    tools,
    worklist,
)

router = APIRouter(include_in_schema=False)
for module in (
    signin, home, batches, imports, officer, inbox, tools, calendars, reports, links, nominations,
    search, worklist,
):
    router.include_router(module.router)
