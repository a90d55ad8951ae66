"""The alumni survey on a phone, as an alumnus meets it: from the link, with no account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from lifecycle.services import alumni, surveys
from tests.alumni_support import graduate_placed
from tests.browser.conftest import MOBILE, Console, Visitor, screenshot
from tests.browser.ui import done
from tests.support import COORDINATOR, nominate, to_placement

# What is wider than the screen: the page itself, or any visible control.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of [document.documentElement, document.body]) {
    if (el.scrollWidth > width) wide.push(`${el.tagName} scrolls to ${el.scrollWidth}px`);
  }
  for (const c of document.querySelectorAll("button, input, textarea")) {
    const box = c.getBoundingClientRect();
    if (c.checkVisibility() && (box.left < 0 || box.right > width))
      wide.push(`${c.tagName} ${c.name} spans ${box.left}..${box.right}px`);
  }
  return {width, wide};
}"""


# Layout in the browser, not storage: one backend is enough (the services run on both).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_alumnus_answers_the_survey_on_a_phone(
    console: Console, open_browser: Callable[..., Visitor]
) -> None:
    """At 390x844 nothing scrolls sideways; the answer, typed in Burmese, reaches the
    career record; opening the link again says it was answered (409), nothing more."""
    [ref] = nominate(console.services)
    to_placement(console.services, ref)
    graduate_placed(console.services, ref)
    url = surveys.survey_link(console.services, ref, 6, actor=COORDINATOR, base_url=console.url)
    alumnus = open_browser(phone=True)
    page = alumnus.page
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alumni survey: 6 months on")
    fit = page.evaluate(OVERFLOW)
    assert (MOBILE["width"], []) == (fit["width"], fit["wide"])
    page.get_by_label("No, I have a new position").check()
    page.get_by_label("Position (e.g. Director, Consul)").fill("ညွှန်ကြားရေးမှူး")
    page.get_by_label("Ministry or organisation").fill("နိုင်ငံခြားရေးဝန်ကြီးဌာန")
    page.get_by_label("Country where you work (e.g. Japan, or JP)").fill("Myanmar")
    page.get_by_label("Since").fill("2022-12-01")
    page.get_by_label("A promotion").check()
    screenshot(page, "survey-mobile", console)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_test_id("answered")).to_be_visible()
    assert [("promotion", "ညွှန်ကြားရေးမှူး", "နိုင်ငံခြားရေးဝန်ကြီးဌာန", "MM")] == [
        (e.kind, e.position, e.organisation, e.country)
        for e in alumni.career_records(console.services, ref, actor=COORDINATOR)
    ]
    alumnus.expected_statuses.add(409)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Already answered")
    assert [] == alumnus.unexpected_problems()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_coordinator_records_a_posting_and_copies_a_survey_link(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """The officer page's Alumni section: the form records a step (Lao script intact),
    'Copy link' shows a link the public form opens."""
    [ref] = nominate(console.services)
    to_placement(console.services, ref)
    graduate_placed(console.services, ref)
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    page.goto(f"/officers/{ref}")
    section = page.locator("#alumni")
    section.get_by_label("Kind").select_option("posting")
    section.get_by_label("Position").fill("ກົງສຸນ")
    section.get_by_label("Organisation").fill("ສະຖານກົງສຸນໃຫຍ່ ສປປ ລາວ ປະຈຳ ໂອຊາກາ")
    section.get_by_label("Country (ISO code or English name, e.g. JP or Japan)").fill("Japan")
    section.get_by_label("From").fill("2022-12-01")
    section.get_by_role("button", name="Record career step").click()
    expect(done(page)).to_contain_text("ກົງສຸນ, ສະຖານກົງສຸນໃຫຍ່ ສປປ ລາວ ປະຈຳ ໂອຊາກາ recorded")
    expect(page.get_by_test_id("career")).to_contain_text("Japan (JP)")
    screenshot(page, "officer-alumni", console)
    page.locator("#alumni").get_by_role("button", name="Copy link").first.click()
    url = page.get_by_test_id("survey-url").input_value()
    assert url.startswith(f"{console.url}/surveys/")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alumni survey: 6 months on")
    assert [] == coordinator.unexpected_problems()
