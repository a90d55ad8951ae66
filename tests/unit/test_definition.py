"""Workflow definitions: the shipped tracks honour the contract; broken ones are refused."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lifecycle.definition import WorkflowDefinition, parse_definition, safe_loader
from lifecycle.errors import ConfigurationError
from workflows.loader import load_definitions, shipped_files

TRACKS = ("aec-ascc", "junior-diplomats")
STATES = (
    "nominated", "accepted", "declined", "induction", "placement", "diplomatic_training",
    "study_visit", "graduated", "alumni", "withdrawn",
)
ACTIVE = ("nominated", "accepted", "induction", "placement", "diplomatic_training", "study_visit")
CONTRACT = {
    "accept": (("nominated",), "accepted"),
    "decline": (("nominated",), "declined"),
    "start_induction": (("accepted",), "induction"),
    "start_placement": (("induction",), "placement"),
    "start_training": (("placement",), "diplomatic_training"),
    "end_training": (("diplomatic_training",), "placement"),
    "start_study_visit": (("placement",), "study_visit"),
    "graduate": (("study_visit",), "graduated"),
    "join_alumni": (("graduated",), "alumni"),
    "withdraw": (ACTIVE, "withdrawn"),
}
SOURCE = "workflows/definitions/junior-diplomats.v1.yaml"
BROKEN = "custom/broken.v1.yaml"


def shipped() -> dict[str, WorkflowDefinition]:
    return {f.definition.track: f.definition for f in load_definitions()}


def shipped_data() -> dict[str, Any]:
    text = dict(shipped_files())[SOURCE]
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@pytest.mark.parametrize("track", TRACKS)
def test_shipped_definition_has_contract_states(track: str) -> None:
    """Both tracks define exactly the contract states, starting nominated, ending final."""
    definition = shipped()[track]

    assert sorted(STATES) == sorted(definition.state_names)
    expected_initial = "nominated"
    assert expected_initial == definition.initial
    assert frozenset({"declined", "alumni", "withdrawn"}) == definition.final_states
    assert frozenset({"diplomatic_training"}) == definition.optional_states


@pytest.mark.parametrize("track", TRACKS)
def test_shipped_definition_has_contract_triggers(track: str) -> None:
    """Each contract trigger leaves exactly its sources and enters its destination."""
    definition = shipped()[track]

    actual = {t.name: (tuple(sorted(t.source)), t.dest) for t in definition.triggers}
    expected = {name: (tuple(sorted(src)), dest) for name, (src, dest) in CONTRACT.items()}
    assert expected == actual


@pytest.mark.parametrize("track", TRACKS)
def test_shipped_definition_has_placement_signoffs(track: str) -> None:
    """Mid-term and final placement sign-offs exist, by the supervisor, final after mid-term."""
    definition = shipped()[track]

    midterm, final = definition.signoff("placement.midterm"), definition.signoff("placement.final")
    assert midterm is not None and final is not None
    expected = {
        "placement.midterm": ("placement", "supervisor", ()),
        "placement.final": ("placement", "supervisor", ("placement.midterm",)),
    }
    assert expected == {s.name: (s.stage, s.signer, s.after) for s in (midterm, final)}


def test_shipped_definitions_are_version_one_with_their_prefixes() -> None:
    """Two tracks ship, each at version 1 with its own reference prefix."""
    actual = sorted((d.track, d.version, d.ref_prefix) for d in shipped().values())

    expected = [("aec-ascc", 1, "AE"), ("junior-diplomats", 1, "JD")]
    assert expected == actual


def test_shipped_definition_parses_from_its_own_text() -> None:
    """A shipped file parsed on its own equals what the loader returns."""
    assert shipped()["junior-diplomats"] == parse_definition(dict(shipped_files())[SOURCE], SOURCE)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _append(key: str, entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data[key].append(entry)


def _all(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        for one in mutations:
            one(data)

    return mutate


SUSPEND = {"name": "suspend", "label": "Suspend", "source": "placement",
           "dest": "suspended", "roles": ["coordinator"]}
DUPLICATE_ACCEPT = {"name": "accept", "label": "Accept again", "source": "accepted",
                    "dest": "induction", "roles": ["coordinator"]}

# Each broken definition: a mutation of the shipped data, and what the message must say.
BROKEN_CASES = {
    "unknown state in a trigger's dest": (
        _append("triggers", SUSPEND), ["triggers[10].dest", "unknown state 'suspended'"],
    ),
    "unknown state in a trigger's source": (
        _set(("triggers", 9, "source"), [*ACTIVE, "on_leave"]),
        ["triggers[9].source", "unknown state 'on_leave'"],
    ),
    "unknown guard kind": (
        _set(("triggers", 3, "guards", 1), "placement_confirmed"),
        ["triggers[3].guards[1]", "unknown guard 'placement_confirmed'"],
    ),
    "unknown checklist in a guard": (
        _set(("triggers", 3, "guards", 0), {"checklist_complete": "orientation"}),
        ["triggers[3].guards[0]", "unknown checklist 'orientation'"],
    ),
    "unknown sign-off in a guard": (
        _set(("triggers", 6, "guards", 0), {"signoff_approved": "placement.annual"}),
        ["triggers[6].guards[0]", "unknown sign-off 'placement.annual'"],
    ),
    "duplicate trigger": (
        _append("triggers", DUPLICATE_ACCEPT), ["triggers", "'accept' is defined twice"],
    ),
    "unreachable state": (
        _append("states", {"name": "secondment", "label": "Secondment", "roles": []}),
        ["states", "'secondment' cannot be reached from 'nominated'"],
    ),
    "extra unknown key in a state": (
        _set(("states", 0, "colour"), "red"), ["states[0].colour", "Extra inputs"],
    ),
    "extra unknown key at the top level": (
        _set(("owner",), "ASEC"), ["owner", "Extra inputs"],
    ),
    "missing required key in a trigger": (
        _delete(("triggers", 0, "dest")), ["triggers[0].dest", "Field required"],
    ),
    "missing required key at the top level": (
        _delete(("initial",)), ["initial", "Field required"],
    ),
    "a trigger leaving a final state": (
        _set(("triggers", 9, "source"), [*ACTIVE, "declined"]),
        ["triggers[9].source", "'declined' is final; nothing may leave it"],
    ),
    "unknown initial state": (
        _set(("initial",), "proposed"), ["initial", "unknown state 'proposed'"],
    ),
    "a state that does not say what it means": (
        _delete(("states", 4, "roles")), ["states[4].roles", "Field required"],
    ),
    "an unknown state role": (
        _set(("states", 4, "roles"), ["active", "seconded"]),
        ["states[4].roles[1]", "'nominated', 'accepted'"],
    ),
    "no state graduates": (
        _set(("states", 7, "roles"), ["graduated"]),
        ["states[].roles", "exactly one state must have the role 'graduation'",
         "no state holds it"],
    ),
    "two states accept": (
        _set(("states", 3, "roles"), ["accepted", "active", "placeable"]),
        ["exactly one state must have the role 'accepted'", "states accepted, induction hold it"],
    ),
    "a declining state that keeps its seat": (
        _set(("states", 2, "roles"), ["declined"]),
        ["states[2].roles: 'declined' is 'declined', so it must be 'frees_seat' too"],
    ),
    "no state frees a seat": (
        _all(_set(("states", 2, "roles"), []), _set(("states", 9, "roles"), ["ends_placement"])),
        ["states[].roles: no state has the role 'frees_seat'", "counting the seats"],
    ),
    "a placed state that is not placeable": (
        _set(("states", 4, "roles"), ["active", "placed"]),
        ["states[4].roles: 'placement' is 'placed', so it must be 'placeable' too"],
    ),
    "a final state that is active": (
        _set(("states", 8, "roles"), ["graduated", "active"]),
        ["states[8].roles: 'alumni' is final, so it cannot be 'active'"],
    ),
    "the initial state is not the nomination": (
        _set(("states", 0, "roles"), []),
        ["states[0].roles: the initial state 'nominated' must have the role 'nominated'"],
    ),
    "no state is placeable though sign-offs need placements": (
        _all(*(_set(("states", i, "roles"), roles) for i, roles in (
            (1, ["accepted", "active"]), (3, ["active"]), (4, ["active"]), (5, ["active"]),
        ))),
        ["no state has the role 'placeable'", "sign-offs and placement guards"],
    ),
}


@pytest.mark.parametrize(("mutate", "fragments"), BROKEN_CASES.values(), ids=BROKEN_CASES.keys())
def test_broken_definition_is_refused_naming_file_key_and_fault(
    mutate: Callable[[dict[str, Any]], None], fragments: list[str]
) -> None:
    """A broken definition raises ConfigurationError naming the file, the key and the fault."""
    data = copy.deepcopy(shipped_data())
    mutate(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    with pytest.raises(ConfigurationError) as raised:
        parse_definition(text, BROKEN)

    message = str(raised.value)
    assert message.startswith(f"{BROKEN}: ")
    for fragment in fragments:
        assert fragment in message, message


def test_bad_yaml_is_refused_naming_file_and_line() -> None:
    """Text that is not YAML is refused with the file name and where the parser stopped."""
    with pytest.raises(ConfigurationError) as raised:
        parse_definition("track: junior-diplomats\nstates: [nominated\n", BROKEN)

    message = str(raised.value)
    assert message.startswith(f"{BROKEN}: not valid YAML")
    assert "line 3" in message


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_definitions_are_parsed_by_libyaml_when_pyyaml_has_it() -> None:
    """With libyaml, definitions go through its safe loader (a read of an officer parses
    its definition's text, issue 13's figure 6b)."""
    assert yaml.CSafeLoader is safe_loader()


@pytest.mark.parametrize("text", [dict(shipped_files())[SOURCE], "states: [nominated\n"])
def test_without_libyaml_the_pure_python_loader_gives_the_same_answer(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PyYAML built without libyaml (no CSafeLoader) falls back to SafeLoader, and a
    definition parses to the same model, or is refused with the same kind of message."""

    def parsed() -> WorkflowDefinition | str:
        try:
            return parse_definition(text, BROKEN)
        except ConfigurationError as exc:
            return str(exc).split(":")[1]

    with_libyaml = parsed()
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    assert yaml.SafeLoader is safe_loader()
    assert with_libyaml == parsed()


def test_top_level_that_is_not_a_mapping_is_refused() -> None:
    """A YAML list at the top level is refused: a definition is a mapping of keys."""
    with pytest.raises(ConfigurationError) as raised:
        parse_definition("- nominated\n- accepted\n", BROKEN)

    assert f"{BROKEN}: expected a mapping of keys at the top level" == str(raised.value)


def test_every_problem_is_listed_at_once() -> None:
    """Several faults are reported together, each with its key path."""
    data = copy.deepcopy(shipped_data())
    data["triggers"].append(SUSPEND)
    data["triggers"][3]["guards"][1] = "placement_confirmed"
    text = yaml.safe_dump(data, sort_keys=False)

    with pytest.raises(ConfigurationError) as raised:
        parse_definition(text, BROKEN)

    message = str(raised.value)
    assert message.startswith(f"{BROKEN}: 2 problems: ")
    assert "triggers[3].guards[1]" in message
    assert "triggers[10].dest" in message


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_extra_file_claiming_a_shipped_version_names_both_files(tmp_path: Path) -> None:
    """An extra file re-using a shipped (track, version) is refused naming both files."""
    copy_path = _write(tmp_path, "my-jd.yaml", dict(shipped_files())[SOURCE])

    with pytest.raises(ConfigurationError) as raised:
        load_definitions(tmp_path)

    message = str(raised.value)
    assert str(copy_path) in message
    assert SOURCE in message
    assert "track 'junior-diplomats' version 1 is already defined" in message


def test_two_extra_files_claiming_one_version_name_both_files(tmp_path: Path) -> None:
    """Two extra files for one new (track, version) are refused naming both files."""
    data = shipped_data() | {"track": "secondment", "ref_prefix": "SE"}
    text = yaml.safe_dump(data, sort_keys=False)
    first, second = _write(tmp_path, "a.yaml", text), _write(tmp_path, "b.yaml", text)

    with pytest.raises(ConfigurationError) as raised:
        load_definitions(tmp_path)

    message = str(raised.value)
    assert str(first) in message and str(second) in message
    assert "track 'secondment' version 1" in message


def test_extra_folder_adds_a_new_version(tmp_path: Path) -> None:
    """A valid extra file with a new version loads beside the shipped ones."""
    data = shipped_data() | {"version": 2}
    _write(tmp_path, "junior-diplomats.v2.yaml", yaml.safe_dump(data, sort_keys=False))

    keys = sorted(f.definition.key for f in load_definitions(tmp_path))

    expected = [("aec-ascc", 1), ("junior-diplomats", 1), ("junior-diplomats", 2)]
    assert expected == keys


def test_missing_extra_folder_is_refused(tmp_path: Path) -> None:
    """Naming a folder that does not exist is a configuration error naming it."""
    missing = tmp_path / "nowhere"

    with pytest.raises(ConfigurationError) as raised:
        load_definitions(missing)

    assert str(missing) in str(raised.value)


def test_broken_extra_file_is_refused_naming_it(tmp_path: Path) -> None:
    """A broken file in the extra folder is reported with its own path."""
    path = _write(tmp_path, "broken.yaml", "track: x\nversion: [\n")

    with pytest.raises(ConfigurationError) as raised:
        load_definitions(tmp_path)

    assert str(raised.value).startswith(f"{path}: ")
