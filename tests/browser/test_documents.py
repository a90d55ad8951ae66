"""An officer abroad uploads their passport scan from a phone, straight from the reminder
the real SMTP server received: the "Upload" link signs them in to their own page."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lifecycle.definition import parse_definition
from lifecycle.document_store import DirectoryStore
from lifecycle.persistence.tables import Document, Reminder
from lifecycle.services import setup
from tests.browser.conftest import (
    MOBILE,
    Console,
    Mailboxes,
    Visitor,
    dispatch_over_smtp,
    screenshot,
)
from tests.browser.test_survey import OVERFLOW
from tests.conftest import START
from tests.support import COORDINATOR, nominate, to_placement
from workflows.loader import DefinitionFile

V2 = Path(__file__).parents[1] / "definitions" / "documents" / "junior-diplomats.v2.yaml"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_an_officer_uploads_a_passport_scan_on_a_phone_from_the_reminder(
    console: Console, open_browser: Callable[..., Visitor],
    mail_server: tuple[int, Mailboxes], tmp_path: Path,
) -> None:
    port, boxes = mail_server
    console.services.documents = DirectoryStore(tmp_path / "store")
    text = V2.read_text(encoding="utf-8")
    setup.publish_definitions(console.services, [
        DefinitionFile("tests/junior-diplomats.v2.yaml", text, parse_definition(text, "v2"))
    ])
    [ref] = nominate(console.services)
    to_placement(console.services, ref)
    visit = (START + timedelta(days=60)).date()
    setup.set_milestone(console.services, "JD17", "study_visit", visit, actor=COORDINATOR)
    with console.services.db.reading() as session:
        first = session.scalars(
            select(Reminder.send_at).where(Reminder.rule == "travel_documents")
            .order_by(Reminder.send_at)
        ).first()
    assert first is not None
    console.clock.set(first)
    dispatch_over_smtp(console, port)
    [mail] = [m for m in boxes.to("o0.kh@mfa.example") if "travel" in str(m["Subject"]).lower()
              or "study visit" in str(m["Subject"]).lower()]
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(r"Passport valid for the visit\s+Upload: (\S+)", body.get_content())
    assert found, body.get_content()

    officer = open_browser(phone=True)
    page = officer.page
    page.goto(found.group(1))
    page.get_by_test_id("link-act").click()
    item = page.locator("li[data-item='passport']")
    expect(item).to_be_visible()
    early = page.evaluate(OVERFLOW)
    assert early["wide"] == [], early
    scan = tmp_path / "passport.png"
    scan.write_bytes(png())
    item.get_by_label(re.compile("^Upload Passport")).set_input_files(str(scan))
    item.get_by_label("Expiry date").fill(str(visit.replace(year=visit.year + 3)))
    item.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("p.done[role=status]")).to_contain_text("uploaded Passport valid")
    expect(page.locator("li[data-item='passport']")).to_contain_text("☑")
    expect(page.get_by_test_id("document-passport")).to_contain_text("passport.png")
    fit = page.evaluate(OVERFLOW)
    assert (MOBILE["width"], []) == (fit["width"], fit["wide"])
    screenshot(page, "document-upload-mobile", console)
    with console.services.db.reading() as session:
        [row] = session.scalars(select(Document)).all()
        assert (row.item_key, row.media_type, row.filename) == ("passport", "image/png",
                                                                "passport.png")
    assert [] == officer.unexpected_problems()
