"""The compiled workflow: which triggers fire, what blocks them, and the diagram."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from lifecycle.definition import TriggerDef, WorkflowDefinition
from lifecycle.engine import CompiledWorkflow
from lifecycle.errors import GuardFailed, IllegalTrigger
from lifecycle.guards import OfficerFacts, SignoffFact
from tests import strategies

DEFINITIONS = {d.track: d for d in strategies.DEFINITIONS}
COMPILED = {track: CompiledWorkflow(d) for track, d in DEFINITIONS.items()}
TRACKS = sorted(DEFINITIONS)
TRAINING = frozenset({"diplomatic_training"})
ALL_ITEMS = frozenset(
    i.key for c in DEFINITIONS["junior-diplomats"].checklists for i in c.items
)
APPROVED = SignoffFact("approved", "Maria Santos", None)
ACTIVE = ("nominated", "accepted", "induction", "placement", "diplomatic_training", "study_visit")


def satisfied(state: str, optional: frozenset[str] = TRAINING) -> OfficerFacts:
    """Facts under which every guard holds."""
    return OfficerFacts(
        state=state,
        ticked=ALL_ITEMS,
        signoffs={"placement.midterm": APPROVED, "placement.final": APPROVED},
        has_placement=True,
        enabled_optional=optional,
    )


EVERY_MOVE = [
    (track, t.name, source, t.dest)
    for track in TRACKS
    for t in DEFINITIONS[track].triggers
    for source in t.source
]


@pytest.mark.parametrize(("track", "trigger", "source", "dest"), EVERY_MOVE)
def test_every_trigger_goes_from_each_source_to_its_dest(
    track: str, trigger: str, source: str, dest: str
) -> None:
    """With every guard satisfied, each trigger moves from each of its sources to its dest."""
    assert dest == COMPILED[track].fire(satisfied(source), trigger)


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("state", [s for s in ACTIVE if s != "diplomatic_training"])
def test_withdraw_from_active_stage_without_optional_stage(track: str, state: str) -> None:
    """A batch without diplomatic training can still withdraw an officer at any active stage."""
    facts = satisfied(state, optional=frozenset())

    expected = "withdrawn"
    assert "withdraw" in COMPILED[track].options(facts).allowed
    assert expected == COMPILED[track].fire(facts, "withdraw")


def _guard_failure(facts: OfficerFacts, trigger: str) -> GuardFailed:
    with pytest.raises(GuardFailed) as raised:
        COMPILED["junior-diplomats"].fire(facts, trigger)
    assert trigger == raised.value.trigger
    return raised.value


def test_start_placement_names_each_missing_induction_item_and_the_placement() -> None:
    """start_placement lists every unticked induction item and the missing placement."""
    facts = OfficerFacts(state="induction", ticked=frozenset({"asean_introduction"}))

    failure = _guard_failure(facts, "start_placement")

    expected = [
        "Induction week checklist: 'rules_briefing' (Briefing on the Secretariat's rules "
        "and procedures) is not ticked",
        "Induction week checklist: 'jakarta_visits' (Visits to ASEAN-related organisations "
        "in Jakarta) is not ticked",
        "no placement assigned: a division and a supervisor are needed",
    ]
    assert expected == failure.missing
    assert all(reason in str(failure) for reason in failure.missing)


def test_start_placement_with_ticks_but_no_placement_names_only_the_placement() -> None:
    """With the induction done, only the placement is reported missing."""
    facts = OfficerFacts(state="induction", ticked=ALL_ITEMS)

    expected = ["no placement assigned: a division and a supervisor are needed"]
    assert expected == _guard_failure(facts, "start_placement").missing


def test_study_visit_names_a_missing_final_signoff() -> None:
    """A final sign-off not yet given is reported by name and label."""
    facts = OfficerFacts(
        state="placement", ticked=ALL_ITEMS, signoffs={"placement.midterm": APPROVED}
    )

    expected = ["sign-off 'placement.final' (Placement final review) has not been given"]
    assert expected == _guard_failure(facts, "start_study_visit").missing


def test_study_visit_names_a_returned_signoff_with_its_comment() -> None:
    """A returned final sign-off is reported with who returned it and their comment."""
    returned = SignoffFact("returned", "Maria Santos", "Please add the mission report")
    facts = OfficerFacts(
        state="placement", ticked=ALL_ITEMS - {"visa"},
        signoffs={"placement.midterm": APPROVED, "placement.final": returned},
    )

    expected = [
        "sign-off 'placement.final' (Placement final review) was returned by Maria Santos: "
        "Please add the mission report",
        "Study-visit travel documents checklist: 'visa' (Visa for Japan) is not ticked",
    ]
    assert expected == _guard_failure(facts, "start_study_visit").missing


def test_returned_signoff_without_comment_has_no_dangling_colon() -> None:
    """A returned sign-off without a comment ends at the signer's name."""
    facts = OfficerFacts(
        state="placement", ticked=ALL_ITEMS,
        signoffs={"placement.final": SignoffFact("returned", "Maria Santos", None)},
    )

    expected = ["sign-off 'placement.final' (Placement final review) was returned by Maria Santos"]
    assert expected == _guard_failure(facts, "start_study_visit").missing


def test_graduate_names_the_missing_visit_report() -> None:
    """Graduation waits for the study-visit report."""
    facts = OfficerFacts(state="study_visit", ticked=ALL_ITEMS - {"visit_report"})

    expected = [
        "Study-visit report checklist: 'visit_report' (Visit report submitted) is not ticked"
    ]
    assert expected == _guard_failure(facts, "graduate").missing


@pytest.mark.parametrize(
    ("state", "trigger", "allowed"),
    [
        ("nominated", "start_induction", ["accept", "decline", "withdraw"]),
        ("accepted", "graduate", ["start_induction", "withdraw"]),
        ("placement", "accept", ["start_training", "start_study_visit", "withdraw"]),
        ("alumni", "withdraw", []),
        ("withdrawn", "accept", []),
        ("nominated", "promote", ["accept", "decline", "withdraw"]),
    ],
)
def test_illegal_trigger_reports_state_and_allowed(
    state: str, trigger: str, allowed: list[str]
) -> None:
    """A trigger that does not leave the state raises IllegalTrigger with state and options."""
    with pytest.raises(IllegalTrigger) as raised:
        COMPILED["junior-diplomats"].fire(satisfied(state), trigger)

    assert (state, allowed) == (raised.value.state, raised.value.allowed)
    assert f"'{trigger}'" in str(raised.value) and state in str(raised.value)


@pytest.mark.parametrize("track", TRACKS)
def test_optional_stage_on_offers_training(track: str) -> None:
    """With diplomatic training in the batch, placement offers it and training ends it."""
    workflow = COMPILED[track]

    expected = ["end_training", "withdraw"]
    assert "start_training" in workflow.options(satisfied("placement")).allowed
    assert expected == workflow.options(satisfied("diplomatic_training")).allowed


@pytest.mark.parametrize("track", TRACKS)
def test_optional_stage_off_hides_and_refuses_training(track: str) -> None:
    """Without diplomatic training, placement does not offer it and firing it is illegal."""
    workflow = COMPILED[track]
    facts = satisfied("placement", optional=frozenset())

    options = workflow.options(facts)
    expected = ["start_study_visit", "withdraw"]
    assert expected == options.allowed
    assert not options.blocked
    with pytest.raises(IllegalTrigger) as raised:
        workflow.fire(facts, "start_training")
    assert "optional stage 'diplomatic_training'" in str(raised.value)
    assert ("placement", expected) == (raised.value.state, raised.value.allowed)


def test_options_split_allowed_and_blocked_with_reasons() -> None:
    """options() lists what may fire now and, for each blocked trigger, why not."""
    facts = OfficerFacts(state="placement", ticked=frozenset({"passport"}),
                         has_placement=True, enabled_optional=TRAINING)

    options = COMPILED["junior-diplomats"].options(facts)

    expected_allowed = ["start_training", "withdraw"]
    expected_blocked = {
        "start_study_visit": [
            "sign-off 'placement.final' (Placement final review) has not been given",
            "Study-visit travel documents checklist: 'visa' (Visa for Japan) is not ticked",
            "Study-visit travel documents checklist: 'itinerary' (Itinerary) is not ticked",
        ]
    }
    assert expected_allowed == options.allowed
    assert expected_blocked == options.blocked


def _arrows(definition: WorkflowDefinition) -> set[str]:
    return {f"{s} --> {t.dest}: {t.name}" for t in definition.triggers for s in t.source}


@pytest.mark.parametrize("track", TRACKS)
def test_mermaid_has_every_transition(track: str) -> None:
    """The diagram is a Mermaid stateDiagram-v2 with one arrow per (source, trigger)."""
    source = COMPILED[track].mermaid()

    assert "stateDiagram-v2" in source.splitlines()
    arrows = {re.sub(r" \[.*\]$", "", line.strip()) for line in source.splitlines()}
    assert _arrows(DEFINITIONS[track]) <= arrows
    assert "s_active" not in re.findall(r"Class \w+ (\w+)", source)
    assert "[*] --> nominated" in source


@pytest.mark.parametrize("track", TRACKS)
def test_mermaid_highlights_the_current_state_only(track: str) -> None:
    """Given a current state, exactly that state is highlighted; the start stays nominated."""
    source = COMPILED[track].mermaid("placement")

    expected = ["placement"]
    assert expected == re.findall(r"Class (\w+) s_active", source)
    arrows = {re.sub(r" \[.*\]$", "", line.strip()) for line in source.splitlines()}
    assert _arrows(DEFINITIONS[track]) <= arrows
    assert "[*] --> nominated" in source


def _expected_outcome(track: str, facts: OfficerFacts, name: str) -> type[Exception] | str:
    """An independent reading of the rules: what firing ``name`` must do."""
    definition = DEFINITIONS[track]
    trigger: TriggerDef | None = definition.trigger(name)
    if trigger is None or facts.state not in trigger.source:
        return IllegalTrigger
    if trigger.dest in definition.optional_states - facts.enabled_optional:
        return IllegalTrigger
    return GuardFailed if COMPILED[track].missing(facts, trigger) else trigger.dest


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, OfficerFacts, str]:
    definition = draw(strategies.definitions)
    facts = draw(strategies.officer_facts(definition))
    return definition.track, facts, draw(strategies.trigger_names(definition))


# A batch without the optional stage must still be able to withdraw its officers.
WITHDRAW_WITHOUT_TRAINING = ("junior-diplomats", OfficerFacts(state="nominated"), "withdraw")


@given(cases())
@example(WITHDRAW_WITHOUT_TRAINING)
def test_fire_agrees_with_options(case: tuple[str, OfficerFacts, str]) -> None:
    """fire returns the dest or raises IllegalTrigger/GuardFailed; it succeeds iff allowed."""
    track, facts, name = case
    workflow = COMPILED[track]
    options = workflow.options(facts)

    try:
        outcome: type[Exception] | str = workflow.fire(facts, name)
    except (IllegalTrigger, GuardFailed) as exc:
        outcome = type(exc)
        assert (name in options.blocked) == (GuardFailed is outcome)
        if isinstance(exc, GuardFailed):
            assert options.blocked[name] == exc.missing
    assert (name in options.allowed) == isinstance(outcome, str)
    if isinstance(outcome, str):
        trigger = workflow.definition.trigger(name)
        assert trigger is not None and trigger.dest == outcome
    assert not set(options.allowed) & set(options.blocked)


@given(cases())
@example(WITHDRAW_WITHOUT_TRAINING)
def test_fire_follows_the_definition(case: tuple[str, OfficerFacts, str]) -> None:
    """fire does exactly what the definition says: source, optional stages, then guards."""
    track, facts, name = case
    # An officer is never in a stage its batch switched off; what fire does there is moot.
    assume(facts.state not in DEFINITIONS[track].optional_states - facts.enabled_optional)
    expected = _expected_outcome(track, facts, name)

    try:
        actual: type[Exception] | str = COMPILED[track].fire(facts, name)
    except (IllegalTrigger, GuardFailed) as exc:
        actual = type(exc)
    assert expected == actual
