"""The console's pages, one module per screen."""

from fastapi import APIRouter

from web.pages import batches, home, inbox, officer, signin, tools

router = APIRouter(include_in_schema=False)
for module in (signin, home, batches, officer, inbox, tools):
    router.include_router(module.router)
