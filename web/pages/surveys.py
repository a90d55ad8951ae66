"""The alumni follow-up survey: a short public form behind a personal, signed link.

Alumni have no account, so the token in the URL is the credential: there is no session
and hence no session-bound CSRF token to check. A cross-site post could only answer
the survey of a link the attacker already holds, which is the alumnus's own power
anyway; the token itself is unguessable and single-use.

The pages ask not to be cached (a shared computer's history must not keep the form),
not to leak the URL in a Referer header (the link is the credential), and not to be
indexed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from lifecycle.errors import AttacheError, Conflict, Expired, InvalidData, NotFound
from lifecycle.services import career_fields, surveys
from web.auth import services_of
from web.rendering import render

router = APIRouter(include_in_schema=False)
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
Token = Annotated[str, Path(max_length=1000)]
# What the link itself refuses; any other Conflict (a concurrent change) saved nothing
# and the form is shown again to be sent again.
REFUSALS = (NotFound, surveys.SurveyAnswered, Expired)
HEADINGS = {
    "not_found": "This link does not work",
    "conflict": "Already answered",
    "expired": "This survey has closed",
}


def _refused(request: Request, error: AttacheError) -> Response:
    return render(
        request,
        "survey_refused.html",
        {
            "heading": HEADINGS.get(error.kind, "This link does not work"),
            "message": error.message,
            "kind": error.kind,
        },
        status_code=error.http_status,
        headers=PRIVATE,
    )


def _form(
    request: Request,
    token: str,
    form: surveys.SurveyForm,
    values: dict[str, Any],
    problem: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "survey.html",
        {
            "form": form,
            "token": token,
            "values": values,
            "problem": problem,
            "kinds": career_fields.KINDS,
        },
        status_code=status,
        headers=PRIVATE,
    )


@router.get("/surveys/{token}")
def survey(request: Request, token: Token) -> Response:
    try:
        form = surveys.survey_form(services_of(request), token)
    except REFUSALS as exc:
        return _refused(request, exc)
    return _form(request, token, form, {})


@router.post("/surveys/{token}")
def answer(
    request: Request,
    token: Token,
    same_position: Annotated[str | None, Form(max_length=3)] = None,
    position: Annotated[str | None, Form(max_length=400)] = None,
    organisation: Annotated[str | None, Form(max_length=600)] = None,
    country: Annotated[str | None, Form(max_length=100)] = None,
    since: Annotated[str | None, Form(max_length=20)] = None,
    kind: Annotated[str | None, Form(max_length=16)] = None,
    testimonial: Annotated[str | None, Form(max_length=8000)] = None,
    may_publish: Annotated[bool, Form()] = False,
) -> Response:
    services = services_of(request)
    values = {
        "same_position": same_position,
        "position": position,
        "organisation": organisation,
        "country": country,
        "since": since,
        "kind": kind,
        "testimonial": testimonial,
        "may_publish": may_publish,
    }
    try:
        if same_position not in ("yes", "no"):
            raise InvalidData(
                "please say whether you are still in the same position (yes or no)",
                fields={"same_position": "required"},
            )
        receipt = surveys.answer_survey(
            services,
            token,
            surveys.SurveyAnswers(
                same_position=same_position == "yes",
                position=position,
                organisation=organisation,
                country=country,
                since=since,
                kind=kind,
                testimonial=testimonial,
                may_publish=may_publish,
            ),
        )
    except REFUSALS as exc:
        return _refused(request, exc)
    except (InvalidData, Conflict) as exc:
        try:
            form = surveys.survey_form(services, token)
        except REFUSALS as refusal:
            return _refused(request, refusal)
        return _form(request, token, form, values, exc.message, exc.http_status)
    return render(request, "survey_done.html", {"receipt": receipt}, headers=PRIVATE)
