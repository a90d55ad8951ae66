"""Finding officers from the search box, in any script, accents optional."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lifecycle.errors import PermissionDenied
from lifecycle.roles import Role
from lifecycle.services import search, setup
from tests.support import COORDINATOR, SUPERVISOR
from tests.web.conftest import World, session_cookie


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐỖ THỊ  Hà", "do thi ha"),
        ("ឈី រដ្ឋា", "ឈី រដ្ឋា"),  # Khmer's vowel signs are letters: kept
        ("ສົມພອນ", "ສົມພອນ"),
        ("နှင်းဝေ", "နှင်းဝေ"),
    ],
)
def test_folding_drops_latin_accents_and_case_only(typed: str, folded: str) -> None:
    assert search.fold(typed) == folded


def nominate_vietnamese(world: World) -> str:
    return setup.nominate(
        world.services, batch="JD17", name="Nguyễn Thị Thu Hương", country="KH",
        ministry="Bộ Ngoại giao", email="huong.nguyen@mofa.example", actor=COORDINATOR,
    ).ref


def test_the_search_box_finds_names_without_their_accents(
    world: World, client: TestClient
) -> None:
    ref = nominate_vietnamese(world)
    cookie = session_cookie(world.session(Role.COORDINATOR))
    for query in ("nguyen huong", "NGUYỄN", "Thu Huong", ref.lower(), "huong.nguyen@", "bo ngoai"):
        page = client.get("/search", params={"q": query}, headers=cookie)
        assert page.status_code == 200
        assert f'data-ref="{ref}"' in page.text, query
    khmer = client.get("/search", params={"q": "ឈី"}, headers=cookie)
    assert f'data-ref="{world.mine}"' in khmer.text and f'data-ref="{world.theirs}"' in khmer.text
    none = client.get("/search", params={"q": "nobody like this"}, headers=cookie)
    assert 'data-testid="no-results"' in none.text


def test_only_coordinators_viewers_and_admins_search(world: World, client: TestClient) -> None:
    with pytest.raises(PermissionDenied):
        search.find_officers(world.services, "officer", actor=SUPERVISOR)
    refused = client.get("/search", params={"q": "officer"},
                         headers=session_cookie(world.session(Role.SUPERVISOR)))
    assert refused.status_code == 403
