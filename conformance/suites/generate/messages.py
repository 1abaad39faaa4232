"""The `messages` suite: each notification of the process through the REST API.

One TestScript per event of CodeSystem lus-event, in the process's order. The resource sent is the
focus of the guide's example message (Bundle-meddelande-{event}), copied to messages/fixtures/.
A notification about the stay is about a fresh Encounter each script creates first (the stay as
the event's message carries it, else as the admission message does), because the process keeps
state per stay: on a shared server the example stay may be discharged or closed already.
"""

from conformance.suites.generate import journey
from conformance.suites.generate.blocks import (
    DEVIATION_SYSTEM,
    EVENT_SYSTEM,
    RETURN_REPRESENTATION,
    STAY,
    Json,
    all_match,
    check,
    fixture,
    guide_resource,
    message_stay,
    no_match,
    ok,
    only_match,
    operation,
    profile,
    retarget,
    script,
    stay_actions,
    template,
    test,
    variable,
)

# How each focus type is searched by its code: (search parameter, coding path, code system).
SEARCH_BY_CODE = {
    "Task": ("code", "code.coding", EVENT_SYSTEM),
    "CommunicationRequest": ("category", "category.coding", EVENT_SYSTEM),
    "DetectedIssue": ("code", "code.coding", DEVIATION_SYSTEM),
}
OTHER_CODE = {EVENT_SYSTEM: "makulering", DEVIATION_SYSTEM: "samverkansbrist"}


def events() -> list[str]:
    """The notifications of the process, in the CodeSystem's (the process's) order."""
    return [c["code"] for c in guide_resource("CodeSystem-lus-event.json")["concept"]]


def focus(event: str) -> Json:
    """The focus resource of the guide's example message for an event."""
    bundle = guide_resource(f"Bundle-meddelande-{event}.json")
    reference = bundle["entry"][0]["resource"]["focus"][0]["reference"]
    for entry in bundle["entry"]:
        if journey.key(entry["resource"]) == reference:
            resource: Json = entry["resource"]
            return resource
    raise ValueError(f"Bundle-meddelande-{event}: focus {reference} is not in the bundle")


def fixture_name(resource: Json) -> str:
    return journey.file_name(journey.key(resource))


def about_stay(event: str) -> bool:
    return STAY in journey.references(focus(event))


def stay_event(event: str) -> str:
    """The event whose message's stay a script creates: its own, else the admission's."""
    return event if message_stay(event) is not None else "inskrivningsmeddelande"


def sent(event: str) -> Json:
    """The focus as sent: about the script's fresh stay when it is about the stay."""
    resource = focus(event)
    return retarget(resource, STAY, "Encounter/${encounterId}") if about_stay(event) else resource


def _code(resource: Json, path: str, system: str) -> str:
    value: object = resource
    for step in path.split("."):
        value = value.get(step) if isinstance(value, dict) else None
        if isinstance(value, list) and step != path.split(".")[-1]:
            value = value[0]
    codings = value if isinstance(value, list) else []
    return next(str(c["code"]) for c in codings if c.get("system") == system)


def message_script(number: int, event: str) -> Json:
    resource = focus(event)
    kind = resource["resourceType"]
    url = resource["meta"]["profile"][0]
    name = url.rsplit("/", 1)[-1]
    parameter, path, system = SEARCH_BY_CODE[kind]
    code = _code(resource, path, system)
    other = OTHER_CODE[system] if OTHER_CODE[system] != code else "utskrivningsklar"
    created_id = f"${{{kind[0].lower()}{kind[1:]}Id}}"
    has_code = f"{path}.where(system = '{system}' and code = '{code}').exists()"
    patient = "patient=Patient/tolvan"
    stay_fixture, stay_variable, stay_setup, stay_teardown = [], [], [], []
    if about_stay(event):
        stay_fixture = [fixture("stay", f"fixtures/stay-{stay_event(event)}.json")]
        stay_variable = [variable("encounterId", expression="Encounter.id", sourceId="stay")]
        stay_setup = stay_actions("stay")
        stay_teardown = [operation("delete", resource="Encounter", targetId="stay")]
    return script(
        f"messages-{number:02d}-{event}",
        f"Notification {event} through REST",
        f"The {event} notification: the focus {kind} of the guide's message "
        f"Bundle-meddelande-{event} is created through the FHIR REST API (the journey's "
        f"resources it references are PUT first with the examples' ids), conforms to {name} and "
        f"is found again by its code.",
        [
            test(
                "MSG-CREATE-1",
                f"{event} create",
                f"{event}: POST [base]/{kind} with the message's focus answers 201 with a "
                f"Location; the stored {kind} keeps every element sent and conforms to {name}.",
                [
                    operation(
                        "create",
                        resource=kind,
                        sourceId="focus",
                        requestId="sent",
                        responseId="created",
                        requestHeader=RETURN_REPRESENTATION,
                    ),
                    check("201 Created", response="created"),
                    check(
                        "Location names the new resource",
                        headerField="Location",
                        operator="contains",
                        value=f"{kind}/",
                    ),
                    check(f"a {kind}", resource=kind),
                    check("nothing sent was lost", minimumId="sent"),
                    check(f"conforms to {name}", validateProfileId=name),
                ],
            ),
            test(
                "MSG-READ-1",
                f"{event} read",
                f"{event}: GET [base]/{kind}/[id] answers the stored notification, conforming "
                f"to {name}.",
                [
                    operation("read", resource=kind, targetId="created"),
                    ok(),
                    check("same id", expression=f"{kind}.id", value=created_id),
                    check(f"conforms to {name}", validateProfileId=name),
                ],
            ),
            test(
                "MSG-SEARCH-1",
                f"{event} search by code",
                f"{event}: GET [base]/{kind}?{parameter}={system}|{code} finds the notification; "
                f"every match of the patient's carries that code, and another code does not "
                f"match it.",
                [
                    operation(
                        "search",
                        resource=kind,
                        params=f"?{parameter}={system}|{code}&_id={created_id}",
                    ),
                    ok(),
                    check("a searchset", expression="Bundle.type", value="searchset"),
                    only_match("finds the created notification", created_id),
                    operation(
                        "search", resource=kind, params=f"?{parameter}={system}|{code}&{patient}"
                    ),
                    ok(),
                    all_match(f"every match has {code}", has_code),
                    operation(
                        "search",
                        resource=kind,
                        params=f"?{parameter}={system}|{other}&_id={created_id}",
                    ),
                    ok(),
                    no_match(f"{other} does not match"),
                ],
            ),
        ],
        fixtures=[
            *journey.fixtures(),
            fixture("focus", f"fixtures/{fixture_name(resource)}"),
            *stay_fixture,
        ],
        profiles=[profile(url)],
        variables=[
            variable(created_id[2:-1], expression=f"{kind}.id", sourceId="created"),
            *stay_variable,
        ],
        setup=[*journey.setup(), *stay_setup],
        teardown=[
            operation("delete", resource=kind, targetId="created"),
            *stay_teardown,
        ],
    )


def scripts() -> list[Json]:
    return [message_script(number, event) for number, event in enumerate(events(), 1)]


def fixtures() -> dict[str, Json]:
    out = {fixture_name(focus(event)): sent(event) for event in events()}
    for event in events():
        stay = message_stay(stay_event(event))
        if about_stay(event) and stay is not None:
            out[f"stay-{stay_event(event)}.json"] = template(stay, None)
    return out
