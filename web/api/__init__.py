"""The JSON REST API under /api: the same services as the CLI, bearer-token auth."""

from fastapi import APIRouter

from web.api import (
    batches,
    delegation,
    imports,
    officers,
    people,
    reminders,
    reports,
    worklist,
)
from web.errors import PROBLEM_RESPONSES

# Documenting 422 here also replaces FastAPI's default 422 body, which we never send.
router = APIRouter(prefix="/api", responses=PROBLEM_RESPONSES)
for module in (worklist, officers, delegation, batches, imports, people, reminders, reports):
    router.include_router(module.router)
