"""The `receiver` suite: a receiving system acknowledges, accepts or rejects a notification.

The notification is the guide's Task-tolvan-utskrivningsmeddelande-hemtjanst (requested, owned by
the home-care provider hemtjanst-aros), created anew for each script. The receiver's updates are
that Task with another status and the lus-kvittens receipt (receiver/fixtures/task-*.json). The
notification is about a fresh stay each script creates first (the process keeps state per stay).
"""

from conformance.suites.generate import journey
from conformance.suites.generate.blocks import (
    KVITTENS,
    RETURN_REPRESENTATION,
    STAY,
    Json,
    check,
    fixture,
    guide_resource,
    header,
    is_false,
    is_true,
    message_stay,
    ok,
    only_match,
    operation,
    origin,
    outcome_issue,
    profile,
    retarget,
    script,
    stay_actions,
    template,
    test,
    variable,
)

TASK_FILE = "Task-tolvan-utskrivningsmeddelande-hemtjanst.json"
RECEIVER = "Organization/hemtjanst-aros"
# The receiver's own actions are sent as origin 1, a client of the receiver (the owner): a
# receipt is the receiver's evidence, which a server may accept from the receiver alone. The
# sender's setup acts as the default client.
AS_RECEIVER = 1
PROFILE = "https://lus-fhir.se/fhir/StructureDefinition/lus-utskrivningsmeddelande"
RECEIVED_AT = "2026-11-09T10:15:00Z"
REASON = "Patienten har inga insatser från hemtjänsten"
HAS_KVITTENS = f"Task.extension.where(url = '{KVITTENS}').exists()"


def fixture_files() -> dict[str, Json]:
    task = retarget(guide_resource(TASK_FILE), STAY, "Encounter/${encounterId}")
    stay = message_stay("utskrivningsmeddelande")
    assert stay is not None, "Bundle-meddelande-utskrivningsmeddelande carries no stay"
    receipt = [
        {
            "url": KVITTENS,
            "extension": [
                {"url": "receiver", "valueReference": {"reference": task["owner"]["reference"]}},
                {"url": "received", "valueInstant": RECEIVED_AT},
            ],
        }
    ]
    reason = {"text": REASON}
    return {
        "stay.json": template(stay, None),
        "task-requested.json": template(task, None),
        "task-received.json": template(task, "taskId", status="received", extension=receipt),
        "task-received-utan-kvittens.json": template(task, "taskId", status="received"),
        "task-accepted.json": template(task, "taskId", status="accepted", extension=receipt),
        "task-accepted-utan-kvittens.json": template(task, "taskId", status="accepted"),
        "task-rejected-utan-orsak.json": template(
            task, "taskId", status="rejected", extension=receipt
        ),
        "task-rejected.json": template(
            task, "taskId", status="rejected", extension=receipt, statusReason=reason
        ),
    }


def fixtures_for(*names: str) -> list[Json]:
    return [
        *journey.fixtures(),
        fixture("stay", "fixtures/stay.json"),
        fixture("notification", "fixtures/task-requested.json"),
        *(fixture(name, f"fixtures/{name}.json") for name in names),
    ]


def setup() -> list[Json]:
    return [
        *journey.setup(),
        *stay_actions("stay"),
        operation(
            "create",
            label="the sender's notification",
            resource="Task",
            sourceId="notification",
            responseId="created",
            requestHeader=RETURN_REPRESENTATION,
        ),
        check("notification created", response="created"),
    ]


def variables() -> list[Json]:
    return [
        variable("encounterId", expression="Encounter.id", sourceId="stay"),
        variable("taskId", expression="Task.id", sourceId="created"),
    ]


def teardown() -> list[Json]:
    return [
        operation("delete", url="Task/${taskId}"),
        operation("delete", url="Encounter/${encounterId}"),
    ]


def put(
    source: str, response_id: str | None = None, if_match: bool = False, origin: int = AS_RECEIVER
) -> Json:
    fields: Json = {"url": "Task/${taskId}", "sourceId": source, "origin": origin}
    if response_id:
        fields["responseId"] = response_id
    headers = [header("If-Match", "${etag}")] if if_match else []
    fields["requestHeader"] = [*headers, *RETURN_REPRESENTATION]
    return operation("update", **fields)


def read(response_id: str | None = None, origin: int = AS_RECEIVER) -> Json:
    fields: Json = {"url": "Task/${taskId}", "origin": origin}
    if response_id:
        fields["responseId"] = response_id
    return operation("read", **fields)


def _status(value: str) -> Json:
    return check(f"status {value}", expression="Task.status", value=value)


def unchanged() -> list[Json]:
    """The receiver reads the Task: still the version it polled."""
    return [
        read(),
        ok(),
        check(
            "the stored Task is unchanged",
            compareToSourceId="polled",
            compareToSourceExpression="Task.meta.versionId",
            expression="Task.meta.versionId",
        ),
    ]


def acknowledge() -> Json:
    receiver = (
        f"Task.extension.where(url = '{KVITTENS}').extension.where(url = 'receiver')"
        ".valueReference.reference"
    )
    return script(
        "receiver-01-acknowledge",
        "A receiver acknowledges and accepts a notification",
        "The receiving system finds its new notification, reads it, records its receipt "
        "(status received with the lus-kvittens extension) and accepts it. A receipt without "
        "lus-kvittens is rejected by invariant lus-task-1.",
        [
            test(
                "RCV-POLL-1",
                "find new notifications",
                "GET [base]/Task?owner=[receiver]&status=requested finds the new notification.",
                [
                    operation(
                        "search",
                        resource="Task",
                        params=f"?owner={RECEIVER}&status=requested&_id=${{taskId}}",
                        origin=AS_RECEIVER,
                    ),
                    ok(),
                    only_match("the new notification", "${taskId}"),
                ],
            ),
            test(
                "RCV-READ-1",
                "read the notification",
                "GET [base]/Task/[id] answers the requested notification without a receipt, "
                "conforming to lus-utskrivningsmeddelande.",
                [
                    read("polled"),
                    ok(),
                    _status("requested"),
                    is_false("no receipt yet", HAS_KVITTENS),
                    check(
                        "conforms to its profile", validateProfileId="lus-utskrivningsmeddelande"
                    ),
                ],
            ),
            test(
                "RCV-KVITTENS-1",
                "received without receipt",
                "PUT [base]/Task/[id] with status received but no lus-kvittens answers 422 with "
                "an OperationOutcome naming invariant lus-task-1; the Task is unchanged.",
                [
                    put("task-received-utan-kvittens"),
                    check("422 Unprocessable Entity", response="unprocessable"),
                    check("OperationOutcome", resource="OperationOutcome"),
                    outcome_issue("invariant.lus-task-1", "invariant.lus-task-1"),
                    *unchanged(),
                ],
            ),
            test(
                "RCV-ACK-1",
                "received with receipt",
                "PUT [base]/Task/[id] (If-Match the version read) with status received and "
                "lus-kvittens naming the receiver answers 200; the Task records the receipt.",
                [
                    put("task-received", if_match=True),
                    ok(),
                    read(),
                    ok(),
                    _status("received"),
                    check(
                        "the receiver is the owner",
                        expression=receiver,
                        value=RECEIVER,
                    ),
                    check(
                        "conforms to its profile", validateProfileId="lus-utskrivningsmeddelande"
                    ),
                ],
            ),
            test(
                "RCV-ACK-2",
                "accepted",
                "PUT [base]/Task/[id] with status accepted (keeping the receipt) answers 200; "
                "the history shows requested, received, accepted.",
                [
                    put("task-accepted"),
                    ok(),
                    read(),
                    ok(),
                    _status("accepted"),
                    is_true("the receipt is kept", HAS_KVITTENS),
                    operation("history", url="Task/${taskId}/_history", origin=AS_RECEIVER),
                    ok(),
                    is_true(
                        "requested → received → accepted, newest first",
                        "Bundle.entry.count() = 3 and "
                        "Bundle.entry[0].resource.status = 'accepted' and "
                        "Bundle.entry[1].resource.status = 'received' and "
                        "Bundle.entry[2].resource.status = 'requested'",
                    ),
                ],
            ),
            test(
                "RCV-KVITTENS-2",
                "receipt cannot be dropped",
                "PUT [base]/Task/[id] with status accepted but without lus-kvittens answers 422 "
                "naming invariant lus-task-1.",
                [
                    put("task-accepted-utan-kvittens"),
                    check("422 Unprocessable Entity", response="unprocessable"),
                    outcome_issue("invariant.lus-task-1", "invariant.lus-task-1"),
                    read(),
                    _status("accepted"),
                ],
            ),
        ],
        origins=[origin(AS_RECEIVER, RECEIVER)],
        fixtures=fixtures_for(
            "task-received",
            "task-received-utan-kvittens",
            "task-accepted",
            "task-accepted-utan-kvittens",
        ),
        profiles=[profile(PROFILE)],
        variables=[
            *variables(),
            variable("etag", headerField="ETag", sourceId="polled"),
        ],
        setup=setup(),
        teardown=teardown(),
    )


def reject() -> Json:
    return script(
        "receiver-02-reject",
        "A receiver rejects a notification",
        "A receiver that cannot act on a notification rejects it: status rejected with the "
        "receipt and a statusReason (invariants lus-task-1 and lus-task-2).",
        [
            test(
                "RCV-REJECT-1",
                "rejected without reason",
                "PUT [base]/Task/[id] with status rejected but no statusReason answers 422 "
                "naming invariant lus-task-2.",
                [
                    read("polled"),
                    ok(),
                    put("task-rejected-utan-orsak"),
                    check("422 Unprocessable Entity", response="unprocessable"),
                    outcome_issue("invariant.lus-task-2", "invariant.lus-task-2"),
                    *unchanged(),
                ],
            ),
            test(
                "RCV-REJECT-2",
                "rejected with reason",
                "PUT [base]/Task/[id] with status rejected, the receipt and a statusReason "
                "answers 200; the Task records the reason.",
                [
                    put("task-rejected"),
                    ok(),
                    read(),
                    ok(),
                    _status("rejected"),
                    check("the reason", expression="Task.statusReason.text", value=REASON),
                    check(
                        "conforms to its profile", validateProfileId="lus-utskrivningsmeddelande"
                    ),
                ],
            ),
        ],
        origins=[origin(AS_RECEIVER, RECEIVER)],
        fixtures=fixtures_for("task-rejected-utan-orsak", "task-rejected"),
        profiles=[profile(PROFILE)],
        variables=variables(),
        setup=setup(),
        teardown=teardown(),
    )


def scripts() -> list[Json]:
    return [acknowledge(), reject()]
