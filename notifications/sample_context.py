"""Realistic sample data for every template, used by ``TemplateRenderer.check``.

The names are written in Khmer, Lao, Burmese and Vietnamese script on purpose: a
template or channel that mangles them fails the check instead of an officer's inbox.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from notifications.template_context import (
    Batch,
    DigestItem,
    Links,
    Officer,
    Programme,
    Recipient,
    Reminder,
    Stage,
    TemplateContext,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
_BASE_URL = "https://attache.asean.example"

PROGRAMME: Programme = {
    "name": "ASEAN Secretariat Attachment Programme",
    "secretariat": "ASEAN Secretariat, Jakarta",
}

BATCHES: dict[str, Batch] = {
    "JD17": {
        "ref": "JD17",
        "number": 17,
        "track": "junior-diplomats",
        "track_title": "IAI Attachment Programme for Junior Diplomats",
        "start": date(2023, 2, 1),
        "end": date(2024, 1, 31),
    },
    "AE6": {
        "ref": "AE6",
        "number": 6,
        "track": "aec-ascc",
        "track_title": "Attachment of Officers for AEC and ASCC Involvement",
        "start": date(2023, 2, 1),
        "end": date(2024, 1, 31),
    },
}


def _officer(ref: str, name: str, country: str, **rest: str) -> Officer:
    country_names = {"KH": "Cambodia", "LA": "Lao PDR", "MM": "Myanmar", "VN": "Viet Nam"}
    return {
        "ref": ref,
        "name": name,
        "email": rest["email"],
        "country": country,  # type: ignore[typeddict-item]  # checked by the dict above
        "country_name": country_names[country],
        "ministry": rest["ministry"],
        "position": rest["position"],
        "state": rest.get("state", "placement"),
        "state_label": rest.get("state_label", "Divisional placement"),
    }


OFFICERS: dict[str, tuple[Officer, str]] = {  # country -> (officer, batch ref)
    "KH": (
        _officer(
            "AO-17-KH-01",
            "ឈី រដ្ឋា",
            "KH",
            email="chhy.ratha@mfaic.example.gov.kh",
            ministry="Ministry of Foreign Affairs and International Cooperation",
            position="Attaché, Department of ASEAN",
        ),
        "JD17",
    ),
    "LA": (
        _officer(
            "AO-17-LA-02",
            "ເອກພາບ ພັນທະວົງ",
            "LA",
            email="ekkaphab.p@mofa.example.gov.la",
            ministry="Ministry of Foreign Affairs",
            position="Third Secretary, ASEAN Department",
        ),
        "JD17",
    ),
    "MM": (
        _officer(
            "AO-6-MM-01",
            "ထက်ထက်ထူး",
            "MM",
            email="htet.htet.htoo@commerce.example.gov.mm",
            ministry="Ministry of Commerce",
            position="Assistant Director, Department of Trade",
        ),
        "AE6",
    ),
    "VN": (
        _officer(
            "AO-6-VN-02",
            "Hoàng Quốc Trung",
            "VN",
            email="trung.hq@moit.example.gov.vn",
            ministry="Ministry of Industry and Trade",
            position="Official, ASEAN Cooperation Division",
        ),
        "AE6",
    ),
}

COORDINATOR: Recipient = {
    "name": "Siti Rahmawati",
    "email": "siti.rahmawati@asean.example",
    "role": "coordinator",
    "timezone": "Asia/Jakarta",
}
SUPERVISOR: Recipient = {
    "name": "Nguyễn Thị Lan",
    "email": "lan.nguyen@asean.example",
    "role": "supervisor",
    "timezone": "Asia/Jakarta",
}
NOMINATOR: Recipient = {
    "name": "ນາງ ສຸດາລັດ ວົງສະຫວັນ",
    "email": "focal.point@mofa.gov.la.example",
    "role": "nominator",
    "timezone": "Asia/Vientiane",
}


def _as_recipient(officer: Officer, role: str, timezone: str) -> Recipient:
    return {
        "name": officer["name"],
        "email": officer["email"],
        "role": role,  # type: ignore[typeddict-item]  # always one of the Role names
        "timezone": timezone,
    }


def _reminder(rule: str, kind: str, due: datetime, **rest: Any) -> Reminder:
    return {
        "rule": rule,
        "kind": kind,
        "due_local": due,
        "occurrence": rest.get("occurrence", 1),
        "days_overdue": rest.get("days_overdue"),
        "subject_item": rest.get("subject_item", ""),
        "missing": list(rest.get("missing", [])),
    }


def _stage(name: str) -> Stage:
    labels = {
        "nominated": "Nominated",
        "accepted": "Accepted",
        "induction": "Induction",
        "placement": "Divisional placement",
        "study_visit": "Study visit in Japan",
        "alumni": "Alumni",
    }
    return {"name": name, "label": labels[name]}


_Who = Literal["officer", "alumnus", "coordinator", "supervisor", "nominator"]

# name -> (officer country, who receives it, reminder, stage)
_SCENARIOS: dict[str, tuple[str, _Who, Reminder, str]] = {
    "induction_welcome": (
        "LA",
        "officer",
        _reminder("induction_welcome", "reminder", datetime(2023, 1, 25, 9, tzinfo=JAKARTA)),
        "induction",
    ),
    "activity_report_due": (
        "MM",
        "officer",
        _reminder(
            "activity_report",
            "reminder",
            datetime(2023, 3, 31, 17, tzinfo=JAKARTA),
            subject_item="activity_report.2023-03",
        ),
        "placement",
    ),
    "signoff_due": (
        "KH",
        "supervisor",
        _reminder(
            "midterm_due",
            "reminder",
            datetime(2023, 8, 4, 9, tzinfo=JAKARTA),
            subject_item="placement.midterm",
        ),
        "placement",
    ),
    "signoff_overdue": (
        "VN",
        "supervisor",
        _reminder(
            "final_overdue",
            "overdue",
            datetime(2024, 1, 19, 9, tzinfo=JAKARTA),
            occurrence=2,
            days_overdue=3,
            subject_item="placement.final",
        ),
        "placement",
    ),
    "signoff_escalation": (
        "MM",
        "coordinator",
        _reminder(
            "final_overdue.escalation",
            "escalation",
            datetime(2024, 1, 19, 9, tzinfo=JAKARTA),
            days_overdue=5,
            subject_item="placement.final",
        ),
        "placement",
    ),
    "travel_documents_due": (
        "VN",
        "officer",
        _reminder(
            "travel_documents",
            "reminder",
            datetime(2023, 10, 13, 17, tzinfo=JAKARTA),
            subject_item="passport",
            missing=["passport", "Japanese visa", "flight itinerary"],
        ),
        "study_visit",
    ),
    "visit_report_due": (
        "KH",
        "officer",
        _reminder(
            "visit_report",
            "reminder",
            datetime(2023, 11, 24, 17, tzinfo=JAKARTA),
            subject_item="visit_report",
        ),
        "study_visit",
    ),
    "alumni_followup": (
        "LA",
        "alumnus",
        _reminder(
            "alumni_followup",
            "followup",
            datetime(2025, 1, 31, 9, tzinfo=ZoneInfo("Asia/Vientiane")),
            occurrence=1,
            subject_item="alumni_survey.12m",
        ),
        "alumni",
    ),
    "coordinator_digest": (
        "MM",
        "coordinator",
        _reminder("coordinator_digest", "digest", datetime(2024, 1, 22, 9, tzinfo=JAKARTA)),
        "placement",
    ),
    "nomination_received": (
        "LA",
        "nominator",
        _reminder("nomination.received", "notice", datetime(2022, 11, 7, 10, tzinfo=JAKARTA)),
        "nominated",
    ),
    "nomination_decided": (
        "LA",
        "nominator",
        _reminder("nomination.decided", "notice", datetime(2022, 11, 21, 10, tzinfo=JAKARTA)),
        "accepted",
    ),
}
NOMINATION_TEMPLATES = frozenset({"nomination_received", "nomination_decided"})

_HOME_ZONES = {
    "KH": "Asia/Phnom_Penh",
    "LA": "Asia/Vientiane",
    "MM": "Asia/Yangon",
    "VN": "Asia/Ho_Chi_Minh",
}


def digest_items() -> list[DigestItem]:
    """One overdue item per officer, each in another script."""
    whats = {
        "KH": ("Monthly activity report for December 2023", 2, "Chhy Ratha"),
        "LA": ("Visit report after the study visit in Japan", 4, "Ekkaphab Phanthavong"),
        "MM": ("Final placement sign-off (placement.final)", 5, SUPERVISOR["name"]),
        "VN": ("Passport and Japanese visa for the study visit", 1, "Hoàng Quốc Trung"),
    }
    items: list[DigestItem] = []
    for country, (officer, _batch) in OFFICERS.items():
        what, late, responsible = whats[country]
        items.append(
            {
                "officer_ref": officer["ref"],
                "officer_name": officer["name"],
                "what": what,
                "due_local": datetime(2024, 1, 15, 17, tzinfo=JAKARTA),
                "days_overdue": late,
                "responsible": responsible,
            }
        )
    return items


SIGNOFF_TEMPLATES = frozenset({"signoff_due", "signoff_overdue", "signoff_escalation"})
DIGEST_TEMPLATES = frozenset({"coordinator_digest"})


def sample_context(template_name: str) -> TemplateContext:
    """The context ``template_name``'s real reminders get, filled with sample values.

    It has exactly the keys of the documented contract (docs/templates.md): every
    template gets recipient, programme, reminder and links; the digest adds ``items``;
    the others add officer, batch and stage, and sign-off templates ``supervisor``. So
    a template that passes ``templates check`` cannot fail at dispatch for a variable
    its reminders never carry (an officer in induction has no supervisor yet). A new
    template name is checked as an officer template without a supervisor.
    """
    country, who, reminder, stage = _SCENARIOS.get(
        template_name, _SCENARIOS["signoff_due"]
    )
    officer, batch_ref = OFFICERS[country]
    recipients: dict[_Who, Recipient] = {
        "coordinator": COORDINATOR,
        "supervisor": SUPERVISOR,
        # During the programme officers work in Jakarta; alumni are back home.
        "officer": _as_recipient(officer, "officer", "Asia/Jakarta"),
        "alumnus": _as_recipient(officer, "officer", _HOME_ZONES[country]),
        "nominator": NOMINATOR,
    }
    links: Links = {
        "officer": f"{_BASE_URL}/officers/{officer['ref']}",
        "signoff": f"{_BASE_URL}/officers/{officer['ref']}#signoffs",
        "survey": (
            # Shaped like a real link: the signed token is the whole path (see
            # lifecycle/signed_tokens.py); this one is a sample and opens nothing.
            f"{_BASE_URL}/surveys/sample-survey-link-for-{officer['ref'].lower()}"
            if template_name == "alumni_followup"
            else ""
        ),
        **_sample_action_links(who, reminder),  # type: ignore[typeddict-item]
    }
    context: TemplateContext = {
        "recipient": recipients[who],
        "programme": PROGRAMME,
        "reminder": reminder,
        "links": links,
    }
    if template_name in DIGEST_TEMPLATES:
        context["items"] = digest_items()
    else:
        context["officer"] = officer
        context["batch"] = BATCHES[batch_ref]
        context["stage"] = _stage(stage)
    if template_name in NOMINATION_TEMPLATES:
        decided = template_name == "nomination_decided"
        context["nomination"] = {"decision": "accepted" if decided else None, "reason": ""}
    if template_name in SIGNOFF_TEMPLATES:
        context["supervisor"] = {"name": SUPERVISOR["name"], "email": SUPERVISOR["email"]}
    # Callers may adjust the sample; they must not change it for the next caller.
    return copy.deepcopy(context)


def _sample_action_links(who: _Who, reminder: Reminder) -> dict[str, object]:
    """Action links shaped like real ones (a signed token is the whole path; see
    lifecycle/services/action_links.py) where real reminders carry them; these open
    nothing."""
    sample = f"{_BASE_URL}/links/sample-link"
    signing = who == "supervisor" and reminder["kind"] in ("upcoming", "due", "overdue")
    to_officer = who == "officer"
    return {
        "approve": f"{sample}-approve" if signing else "",
        "return_with_comment": f"{sample}-return" if signing else "",
        "item_links": [
            {"label": label, "action": "tick", "url": f"{sample}-tick-{n}"}
            for n, label in enumerate(reminder["missing"] if to_officer else [], 1)
        ],
        "my_page": f"{sample}-my-page" if to_officer else "",
        "nomination_page": f"{_BASE_URL}/nominate/sample-invitation" if who == "nominator" else "",
    }
