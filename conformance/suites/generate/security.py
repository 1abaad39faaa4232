"""The `security` suite: SMART Backend Services tokens, and who may see and change a notification.

security-01-smart asks the server's SMART configuration for the token endpoint, gets a token
with a signed client assertion and checks that each flawed assertion (wrong aud, expired, exp
too far ahead, reused jti, bad signature, unknown kid, alg none, HMAC, unknown client, wrong
grant type) is refused, and requests without a token or with a foreign one too.

security-02-access: the receiver suite's notification (owned by hemtjanst-aros, about a fresh
stay) is read, searched and written by the receiver (origin 1) and by another home-care provider
that is no party to the stay (origin 2, hemtjanst-solglantan). The receiver may; the other
provider must neither see the notification, the stay nor their history, nor change or delete
them. The server answers such a request as for a resource that does not exist (404) or refuses
it (403), so checks accept either.
"""

from typing import Any

from conformance.engine.token_request import AFTER_EXPIRY, TOKEN_REQUEST
from conformance.suites.generate import receiver
from conformance.suites.generate.blocks import (
    Json,
    check,
    header,
    is_true,
    no_match,
    ok,
    operation,
    origin,
    script,
    test,
    variable,
)

OTHER = "Organization/hemtjanst-solglantan"
AS_OTHER = 2
AS_CLIENT = 1
ANONYMOUS = 2
REFUSED = "403,404"


def fixture_files() -> dict[str, Json]:
    files = receiver.fixture_files()
    return {
        name: files[name] for name in ("stay.json", "task-requested.json", "task-received.json")
    }


def _refused(label: str) -> Json:
    return check(label, responseCode=REFUSED, operator="in")


def _search(resource: str, params: str) -> list[Json]:
    return [
        operation("search", resource=resource, params=params, origin=AS_OTHER),
        ok(),
        no_match(f"no {resource} of the stay"),
    ]


def access() -> Json:
    return script(
        "security-02-access",
        "Only the parties to a stay see and change its notifications",
        "A receiver reads and acknowledges its notification; another home-care provider, no "
        "party to the stay, can neither read, find, see the history of, change nor delete it.",
        [
            test(
                "SEC-READ-1",
                "the receiver reads its notification",
                "The receiver's GET [base]/Task/[id] answers 200.",
                [receiver.read("polled"), ok()],
            ),
            test(
                "SEC-READ-2",
                "another provider cannot read it",
                "Another home-care provider's GET [base]/Task/[id] and GET [base]/Encounter/[id] "
                "of the stay answer 404 or 403.",
                [
                    receiver.read(origin=AS_OTHER),
                    _refused("the notification: 404 or 403"),
                    operation("read", url="Encounter/${encounterId}", origin=AS_OTHER),
                    _refused("the stay: 404 or 403"),
                ],
            ),
            test(
                "SEC-SEARCH-1",
                "another provider finds nothing",
                "Another home-care provider's searches for the notification (by id, by owner) "
                "and the stay answer 200 without them.",
                [
                    *_search("Task", "?_id=${taskId}"),
                    *_search("Task", f"?owner={receiver.RECEIVER}&_id=${{taskId}}"),
                    *_search("Encounter", "?_id=${encounterId}"),
                ],
            ),
            test(
                "SEC-HISTORY-1",
                "another provider sees no history",
                "Another home-care provider's GET [base]/Task/[id]/_history answers 404 or 403.",
                [
                    operation("history", url="Task/${taskId}/_history", origin=AS_OTHER),
                    _refused("404 or 403"),
                ],
            ),
            test(
                "SEC-WRITE-1",
                "another provider cannot record the receipt",
                "Another home-care provider's PUT [base]/Task/[id] with the receiver's receipt "
                "answers 404 or 403; the Task is unchanged.",
                [
                    receiver.put("task-received", origin=AS_OTHER),
                    _refused("404 or 403"),
                    *receiver.unchanged(),
                ],
            ),
            test(
                "SEC-WRITE-2",
                "the receiver records its receipt",
                "The receiver's PUT [base]/Task/[id] with its receipt answers 200.",
                [receiver.put("task-received"), ok()],
            ),
            test(
                "SEC-DELETE-1",
                "another provider cannot delete it",
                "Another home-care provider's DELETE [base]/Task/[id] answers 404 or 403; the "
                "receiver still reads the notification.",
                [
                    operation("delete", url="Task/${taskId}", origin=AS_OTHER),
                    _refused("404 or 403"),
                    receiver.read(),
                    ok(),
                ],
            ),
        ],
        origins=[origin(receiver.AS_RECEIVER, receiver.RECEIVER), origin(AS_OTHER, OTHER)],
        fixtures=receiver.fixtures_for("task-received"),
        variables=receiver.variables(),
        setup=receiver.setup(),
        teardown=receiver.teardown(),
    )


def _token(flaw: str, response_id: str | None = None) -> Json:
    fields: Json = {
        "method": "post",
        "url": "${tokenEndpoint}",
        "origin": AS_CLIENT,
        "extension": [{"url": TOKEN_REQUEST, "valueCode": flaw}],
        "accept": "application/json",
    }
    if response_id:
        fields["responseId"] = response_id
    return {"operation": fields}


def _refusal(requirement: str, flaw: str, errors: tuple[str, ...], why: str) -> Json:
    allowed = " or ".join(f"error = '{e}'" for e in errors)
    return test(
        requirement,
        f"token refused: {flaw}",
        f"A token request whose {why} answers 400 or 401 with an RFC 6749 error "
        f"({', '.join(errors)}) and no access token.",
        [
            _token(flaw),
            check("400 or 401", responseCode="400,401", operator="in"),
            is_true("an OAuth error, no token", f"({allowed}) and access_token.empty()"),
        ],
    )


def _unauthorized() -> list[Json]:
    return [
        check("401 Unauthorized", responseCode="401"),
        check("WWW-Authenticate", headerField="WWW-Authenticate", operator="notEmpty"),
    ]


def _authenticated_search(token: str, **extra: Any) -> Json:
    """A search by a caller without credentials of its own, sending `token` if any."""
    fields: Json = {
        "resource": "Organization",
        "params": "?_count=1",
        "origin": ANONYMOUS,
        **extra,
    }
    if token:
        fields["requestHeader"] = [header("Authorization", f"Bearer {token}")]
    return operation("search", **fields)


_ASSERTION_FLAWS = (
    ("wrong-aud", "assertion's aud is not the token endpoint"),
    ("expired", "assertion expired ten minutes ago"),
    ("exp-too-far", "assertion's exp is an hour ahead (more than five minutes)"),
    ("bad-signature", "assertion is signed by another key with the registered kid"),
    ("unknown-kid", "assertion names a kid the client's JWKS does not hold"),
    ("alg-none", "assertion is unsigned (alg none)"),
    ("alg-hs256", "assertion is HMAC-signed with the client's public key as the secret"),
    ("unknown-client", "assertion's iss and sub name no registered client"),
)


def smart() -> Json:
    discovery = (
        "token_endpoint.exists() and grant_types_supported contains 'client_credentials' and "
        "token_endpoint_auth_methods_supported contains 'private_key_jwt' and "
        "(token_endpoint_auth_signing_alg_values_supported contains 'RS384' or "
        "token_endpoint_auth_signing_alg_values_supported contains 'ES384')"
    )
    client_error = ("invalid_client", "invalid_grant")
    return script(
        "security-01-smart",
        "SMART Backend Services: discovery, tokens and their refusals",
        "A registered client (origin 1, a key of its own) gets an access token with a signed "
        "assertion; every way an assertion can be wrong is refused, and so are requests "
        "without a token or with a token the server did not issue (origin 2 sends no "
        "credentials).",
        [
            test(
                "SEC-SMART-1",
                "SMART configuration",
                "GET [base]/.well-known/smart-configuration, without credentials, answers the "
                "token endpoint, the client_credentials grant, private_key_jwt and RS384 or "
                "ES384.",
                [
                    operation(
                        "read",
                        url=".well-known/smart-configuration",
                        accept="application/json",
                        origin=ANONYMOUS,
                        responseId="smart",
                    ),
                    ok(),
                    is_true("SMART Backend Services", discovery),
                ],
            ),
            test(
                "SEC-TOKEN-1",
                "a token for a signed assertion",
                "POST [token endpoint] with client_credentials and a valid client assertion "
                "answers 200 with a bearer access_token, expires_in of at most 300 and the "
                "granted scope; a search with that token answers 200.",
                [
                    _token("none", "token"),
                    ok(),
                    is_true(
                        "bearer token, at most five minutes",
                        "access_token.exists() and token_type.lower() = 'bearer' and "
                        "expires_in <= 300 and scope.exists()",
                    ),
                    _authenticated_search("${accessToken}"),
                    ok(),
                ],
            ),
            test(
                "SEC-TOKEN-3",
                "token refused: reused-jti",
                "A second token request with the jti of the accepted assertion answers 400 or "
                "401 with invalid_client or invalid_grant (the server remembers every jti).",
                [
                    _token("reused-jti"),
                    check("400 or 401", responseCode="400,401", operator="in"),
                    is_true(
                        "an OAuth error, no token",
                        "(error = 'invalid_client' or error = 'invalid_grant') and "
                        "access_token.empty()",
                    ),
                ],
            ),
            *(_refusal("SEC-TOKEN-2", flaw, client_error, why) for flaw, why in _ASSERTION_FLAWS),
            _refusal(
                "SEC-TOKEN-4",
                "wrong-grant-type",
                ("unsupported_grant_type",),
                "grant_type is password",
            ),
            test(
                "SEC-AUTH-1",
                "no token",
                "A search without credentials answers 401 with WWW-Authenticate and an "
                "OperationOutcome.",
                [
                    _authenticated_search(""),
                    *_unauthorized(),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
            test(
                "SEC-AUTH-3",
                "an expired token",
                "A search with an access token whose expires_in has passed answers 401 with "
                "WWW-Authenticate (the run waits the token's lifetime out, at most five "
                "minutes).",
                [
                    _token("none", "expiring"),
                    ok(),
                    _authenticated_search(
                        "${expiringToken}",
                        extension=[{"url": AFTER_EXPIRY, "valueString": "expiring"}],
                    ),
                    *_unauthorized(),
                ],
            ),
            test(
                "SEC-AUTH-2",
                "a foreign token",
                "A search with a bearer token the server did not issue answers 401 with "
                "WWW-Authenticate.",
                [
                    _authenticated_search("not-a-token-of-this-server"),
                    *_unauthorized(),
                ],
            ),
        ],
        origins=[origin(AS_CLIENT, receiver.RECEIVER), origin(ANONYMOUS, None)],
        variables=[
            variable("tokenEndpoint", expression="token_endpoint", sourceId="smart"),
            variable("accessToken", expression="access_token", sourceId="token"),
            variable("expiringToken", expression="access_token", sourceId="expiring"),
        ],
    )


def scripts() -> list[Json]:
    return [smart(), access()]
