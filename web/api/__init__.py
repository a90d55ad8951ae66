"""The JSON REST API under /api: the same services as the CLI, bearer-token auth."""

from fastapi import APIRouter

from web.api import batches, imports, officers, people, reminders

router = APIRouter(prefix="/api")
for module in (officers, batches, imports, people, reminders):
    router.include_router(module.router)
