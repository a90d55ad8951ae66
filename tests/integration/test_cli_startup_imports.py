"""What the ``attache`` command imports before it has anything to do (issue 13).

Each check is a fresh interpreter, since this test process has imported everything
already; what it reports is the set of modules in ``sys.modules`` when it is done.
"""

from __future__ import annotations

import json
import subprocess
import sys

from lifecycle.services import Services
from tests.integration import PROCESS_TIMEOUT, cli_env
from tests.support import nominate, seed_programme

# The heavy modules, and the rest of what only some commands need.
HEAVY = ("alembic", "matplotlib", "weasyprint", "openpyxl", "holidays")
NEEDED_BY_SOME = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "jinja2", "apscheduler",
                  "argon2", "rich", "transitions", "yaml", "pydantic", "psycopg")
# What a read of one officer has no use for: the nomination use cases (the decision
# notices' listener lives apart from them), the upload check's file sniffing, and the
# reminder rules with the outbox (imported by the planner when it first plans).
NOT_FOR_A_READ = ("lifecycle.services.nominations", "lifecycle.services.documents",
                  "filetype", "notifications.rules", "lifecycle.persistence.outbox")

PROBE = """
import json, sys
from console.app import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*args: str) -> tuple[str, int, set[str]]:
    """Run ``attache ARGS`` in a fresh interpreter: its output, exit code, and the
    top-level packages it imported."""
    output, code, modules = modules_imported_by(*args)
    return output, code, {m.split(".")[0] for m in modules}


def modules_imported_by(*args: str) -> tuple[str, int, set[str]]:
    """Run ``attache ARGS`` in a fresh interpreter: its output, exit code, and every
    module it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
        encoding="utf-8", env=cli_env(), timeout=PROCESS_TIMEOUT, check=True,
    )  # fmt: skip
    *output, last = done.stdout.splitlines()
    report = json.loads(last)
    return "\n".join(output), report["code"], set(report["modules"])


def test_help_imports_none_of_the_heavy_modules() -> None:
    """`attache --help` lists every command and imports only Click besides the standard
    library: no database, web, template, PDF, spreadsheet or holiday code."""
    output, code, packages = imported_by("--help")
    assert (0, True) == (code, "officer" in output and "reminders" in output), output
    assert [] == [name for name in HEAVY + NEEDED_BY_SOME if name in packages]
    third_party = {
        name for name in packages - set(sys.stdlib_module_names)
        if not name.startswith("_") and name not in ("console", "lifecycle")
    }  # fmt: skip
    assert {"click"} == third_party


def test_showing_an_officer_imports_none_of_the_heavy_modules(
    services: Services, database_url: str
) -> None:
    """A read checks the schema is current without Alembic and plans no reminder, so it
    loads no migration, holiday, PDF, chart or spreadsheet code, and the listeners every
    command registers bring in no nomination or document use case."""
    seed_programme(services)
    (ref,) = nominate(services, 1)
    output, code, modules = modules_imported_by(
        "--database", database_url, "officer", "show", ref
    )
    assert (0, True) == (code, ref in output), output
    assert [] == [name for name in HEAVY if name in {m.split(".")[0] for m in modules}]
    assert [] == [name for name in NOT_FOR_A_READ if name in modules]
