"""Undo from the officer page: a coordinator's form, the same service and refusals."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote_plus

from fastapi.testclient import TestClient

from lifecycle.roles import Role
from lifecycle.services.views import officer_detail
from tests.web.conftest import World, form_with_csrf, session_cookie, unchanged


def test_a_coordinator_undoes_the_last_change_from_the_officer_page(
    world: World, client: TestClient
) -> None:
    signed = world.session(Role.COORDINATOR)
    page = client.get(f"/officers/{world.mine}", headers=session_cookie(signed))
    assert "Undo the last change" in page.text
    version = officer_detail(world.services, world.mine)["version"]
    # The seed's last transition (start_placement) is 32 days old: past the 7-day limit.
    with unchanged(world.services):
        late = client.post(
            f"/officers/{world.mine}/revert", headers=session_cookie(signed),
            data=form_with_csrf(signed, reason="Wrong click", expected_version=str(version)),
        )
    assert late.status_code == 400
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', late.text, re.S)
    assert found and "older than 7 days" in html.unescape(found.group(1))
    supervisor = world.session(Role.SUPERVISOR)
    with unchanged(world.services):
        refused = client.post(f"/officers/{world.mine}/revert", headers=session_cookie(supervisor),
                              data=form_with_csrf(supervisor, reason="Wrong click"))
    assert refused.status_code == 403


def test_an_undone_training_start_puts_the_officer_back(world: World, client: TestClient) -> None:
    from lifecycle.services import officers as act
    from tests.support import COORDINATOR

    act.advance(world.services, world.mine, "start_training", actor=COORDINATOR)
    signed = world.session(Role.COORDINATOR)
    done = client.post(f"/officers/{world.mine}/revert", headers=session_cookie(signed),
                       data=form_with_csrf(signed, reason="Training is next month"))
    assert done.status_code == 303, done.text
    assert "reverted 'start_training'" in unquote_plus(done.headers["location"])
    assert officer_detail(world.services, world.mine)["state"] == "placement"
