"""Checklist items that take a file, and files that carry an expiry date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lifecycle.definition import parse_definition
from lifecycle.errors import ConfigurationError
from notifications.rules import load_rules

DOCUMENTS = Path(__file__).parents[1] / "definitions" / "documents"
SOURCE = DOCUMENTS / "junior-diplomats.v2.yaml"
NAME = "custom/documents.v2.yaml"


def _data() -> Any:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def _passport(data: Any) -> Any:
    return data["checklists"][1]["items"][0]


def test_the_test_definition_declares_uploads_and_the_passport_expiry() -> None:
    """Passport, visa, itinerary and visit report take files; the passport must outlast
    the study visit by 180 days; its reminder rule anchors on the document's expiry."""
    definition = parse_definition(SOURCE.read_text(encoding="utf-8"), str(SOURCE))
    uploads = {
        i.key: (i.upload.types, i.upload.max_mb)
        for c in definition.checklists for i in c.items if i.upload
    }
    assert {
        "passport": (("pdf", "jpg", "png"), 10),
        "visa": (("pdf", "jpg", "png"), 10),
        "itinerary": (("pdf",), 5),
        "visit_report": (("pdf", "docx"), 20),
    } == uploads
    passport = definition.item("passport")
    assert passport is not None and passport.expiry is not None
    assert ("batch", "study_visit", 180) == (
        passport.expiry.must_outlast.kind, passport.expiry.must_outlast.name,
        passport.expiry.by_days,
    )
    assert 10 * 1024 * 1024 == passport.upload.max_bytes if passport.upload else False
    rule = next(r for r in load_rules(definition) if r.name == "passport_expiry")
    assert ("document", "passport") == (rule.anchor.kind, rule.anchor.name)


def _break(edit: Any) -> str:
    data = _data()
    edit(data)
    with pytest.raises(ConfigurationError) as refused:
        definition = parse_definition(yaml.safe_dump(data), NAME)
        load_rules(definition, NAME)
    return refused.value.message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: _passport(d)["upload"].update(types=["pdf", "exe"]),
         "checklists[1].items[0].upload.types: unknown type 'exe' (known: pdf, jpg, png"),
        (lambda d: _passport(d)["upload"].update(max_mb=0),
         "checklists[1].items[0].upload.max_mb: Input should be greater than 0"),
        (lambda d: _passport(d)["upload"].update(max_mb=-3),
         "checklists[1].items[0].upload.max_mb: Input should be greater than 0"),
        (lambda d: _passport(d).pop("upload"),
         "checklists[1].items[0].expiry: an expiry date needs a document"),
        (lambda d: _passport(d)["expiry"].update(must_outlast={"batch": "moon_landing"}),
         None),  # an unknown batch milestone is only known per batch: accepted
        (lambda d: _passport(d)["expiry"].update(must_outlast={"enter": "orbit"}),
         "checklists[1].items[0].expiry.must_outlast: unknown state 'orbit'"),
        (lambda d: _passport(d)["expiry"].update(
            must_outlast={"signoff": "placement.final"}),
         "checklists[1].items[0].expiry.must_outlast: a signoff anchor cannot be used here"),
        (lambda d: _passport(d)["expiry"].update(by_days=-1),
         "checklists[1].items[0].expiry.by_days: Input should be greater than or equal to 0"),
        (lambda d: d["reminders"][-2].update(anchor={"document": "visa"}),
         "reminders[8].anchor: checklist item 'visa' has no expiry date"),
        (lambda d: d["reminders"][-2].update(anchor={"document": "tickets"}),
         "reminders[8].anchor: unknown checklist item 'tickets'"),
    ],
    ids=["unknown type", "max_mb zero", "max_mb negative", "expiry without upload",
         "milestone", "unknown state", "sign-off anchor", "negative days",
         "reminder on an item without expiry", "reminder on no item"],
)
def test_a_bad_document_spec_is_refused_naming_file_and_key(
    edit: Any, expected: str | None
) -> None:
    if expected is None:
        data = _data()
        edit(data)
        parse_definition(yaml.safe_dump(data), NAME)
        return
    message = _break(edit)
    assert message.startswith(f"{NAME}: "), message
    assert expected in message
