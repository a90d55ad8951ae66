from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import get_type_hints

import pytest

from notifications.sample_context import sample_context
from notifications.template_context import TEMPLATE_NAMES, TemplateContext

DOCS = Path(__file__).parents[3] / "docs" / "templates.md"


EVERY = {"recipient", "programme", "reminder", "links"}
ABOUT_AN_OFFICER = EVERY | {"officer", "batch", "stage"}
CONTRACT = {  # docs/templates.md, "The context"
    "coordinator_digest": EVERY | {"items"},
    "signoff_due": ABOUT_AN_OFFICER | {"supervisor"},
    "signoff_overdue": ABOUT_AN_OFFICER | {"supervisor"},
    "signoff_escalation": ABOUT_AN_OFFICER | {"supervisor"},
    "nomination_received": ABOUT_AN_OFFICER | {"nomination"},
    "nomination_decided": ABOUT_AN_OFFICER | {"nomination"},
}


@pytest.mark.parametrize("name", [*TEMPLATE_NAMES, "a_coordinators_new_template"])
def test_every_sample_has_exactly_the_documented_keys(name: str) -> None:
    """The check renders with what real reminders carry, no more: an officer in
    induction has no supervisor, so a template using one must fail the check."""
    assert CONTRACT.get(name, ABOUT_AN_OFFICER) == set(sample_context(name))
    assert set(sample_context(name)) <= set(get_type_hints(TemplateContext))


def test_samples_are_independent_copies() -> None:
    """Changing one sample does not change the next one handed out."""
    first = sample_context("signoff_due")
    original = first["officer"]["name"]
    first["officer"]["name"] = "changed"
    first["reminder"]["missing"].append("changed")
    second = sample_context("signoff_due")
    assert original == second["officer"]["name"]
    assert "changed" not in second["reminder"]["missing"]


def test_the_samples_cover_four_scripts() -> None:
    """Khmer, Lao, Myanmar and Vietnamese (Latin with diacritics) letters are sampled."""
    names = "".join(item["officer_name"] for item in sample_context("coordinator_digest")["items"])
    scripts = {unicodedata.name(char).split()[0] for char in names if not char.isascii()}
    expected = {"KHMER", "LAO", "MYANMAR", "LATIN"}
    assert expected == scripts


def test_the_documentation_describes_every_field() -> None:
    """docs/templates.md and the TypedDicts describe the same context."""
    documented = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", DOCS.read_text(encoding="utf-8")))
    fields = set()
    for key, hint in get_type_hints(TemplateContext).items():
        record = getattr(hint, "__args__", (hint,))[0]  # list[DigestItem] -> DigestItem
        if hasattr(record, "__annotations__"):
            fields |= {f"{key}.{field}" for field in get_type_hints(record)}
    undocumented = fields - documented
    assert not undocumented


def test_the_documentation_lists_every_shipped_template() -> None:
    """Every shipped name has its own entry in docs/templates.md."""
    text = DOCS.read_text(encoding="utf-8")
    undocumented = [name for name in TEMPLATE_NAMES if f"`{name}`" not in text]
    assert not undocumented
