"""Finding officers across batches by name (in any script, with or without Vietnamese
diacritics), reference, e-mail or ministry.

Names are compared folded: Unicode NFKD with the combining marks dropped, "đ" as "d",
and case-folded, so "nguyen van an" finds "Nguyễn Văn An" and "ĐỖ" finds "Đỗ". Scripts
without such marks (Khmer, Lao, Myanmar) fold to themselves and are found as typed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer
from lifecycle.roles import COUNTRIES, Role
from lifecycle.services.context import Services, require_role

SEARCHERS = (Role.COORDINATOR, Role.VIEWER)  # admins always
MAX_RESULTS = 50
# Letters that NFKD keeps whole although readers treat them as a base letter with a mark.
_BASE_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"})


def fold(text: str) -> str:
    """``text`` as search compares it: no diacritics, no case, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_BASE_LETTERS))
    # Only marks on Latin letters go: a Khmer, Lao or Myanmar vowel sign is a letter of
    # the word, and dropping it would make different names equal.
    bare = "".join(
        ch for ch in decomposed
        if not (unicodedata.combining(ch) and "\u0300" <= ch <= "\u036f")
    )
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


@dataclass(frozen=True)
class Found:
    ref: str
    name: str
    batch: str
    country: str
    country_name: str
    ministry: str
    email: str
    state: str
    state_label: str


def find_officers(services: Services, query: str, *, actor: str) -> tuple[list[Found], bool]:
    """Officers matching every word of ``query``, by reference order; and whether there
    were more than ``MAX_RESULTS`` (only that many are returned)."""
    words = fold(query).split()
    with services.db.reading() as session:
        require_role(repo.user_by_email(session, actor), SEARCHERS, "searching officers")
        if not words:
            return [], False
        found: list[Found] = []
        for officer in session.scalars(select(Officer).order_by(Officer.ref)):
            haystack = fold(" ".join(
                (officer.name, officer.ref, officer.email, officer.ministry, officer.position or "")
            ))
            if all(word in haystack for word in words):
                definition = services.workflows.get(officer.definition).definition
                found.append(Found(
                    officer.ref, officer.name, officer.batch.ref, officer.country,
                    COUNTRIES[officer.country], officer.ministry, officer.email, officer.state,
                    definition.state(officer.state).label,
                ))
                if len(found) > MAX_RESULTS:
                    return found[:MAX_RESULTS], True
        return found, False
