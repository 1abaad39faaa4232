"""One fuzz request: what it is, how it is sent (in-process or to a server, as one of a few
callers), and what its answer must be. The in-suite test and `make fuzz` share all three.

What an answer is held to, for every route:
- never a 5xx, and an answer at all (no dropped connection, no time-out);
- a 4xx body is an OperationOutcome (for `$process-message`: a response message holding one)
  with at least one issue whose `details.text` or `diagnostics` says something (`/auth/token`
  answers as OAuth does: a JSON object with `error`);
- a 400 to a search names one of the parameters sent, in an issue's `expression` or text;
- a 422 names the element: an error issue has an `expression` (unless its errors are all
  business rules, which concern the resource as a whole: a stay already closed);
- a JSON answer parses (an empty one, as for `Prefer: return=minimal`, is no answer);
- a web page's 4xx (under /app/) is the HTML error page with its message (or, before a page
  is reached, the API's OperationOutcome: no credentials);
- a redirect from a page stays on this site (only sign-in and sign-out go to the provider),
  whatever `till` asked for.
"""

import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from service.auth.principal import Principal
from tests.support.auth import principal

# The callers: the region-wide role, two parties that see only their own stays, and a client
# whose scopes allow reading patients only. `anonymous` sends no credentials.
PRINCIPALS: dict[str, Principal] = {
    "region": principal(),
    "kommun": principal("Organization/sdf-hagersten-alvsjo", region=False),
    "hemtjanst": principal("Organization/hemtjanst-aros", region=False),
    "patient-reader": principal(scopes="system/Patient.rs"),
}
ANONYMOUS = "anonymous"
FOLLOWED = ("self", "first", "next", "previous")
JOB = "job"  # follow an $export kick-off's Content-Location: its status, then its delete
# Follow a sign-in start through the OpenID Connect provider to the callback, the callback
# changed as SIGN_IN_CHANGES names; once signed in, open the page it leads to and sign out.
SIGN_IN = "sign-in"
SIGN_IN_CHANGES = ("none", "none", "state", "code", "no-cookie", "error", "again")
START = "/app/inloggning/start"
TO_PROVIDER = (START, "/app/utloggning")  # their redirects go to the provider (RP logout)
FORM = "application/x-www-form-urlencoded"
# Stands in a form body for the caller's own CSRF token, fetched from a page when sent.
CSRF_PLACEHOLDER = "CSRF-OF-THE-CALLER"
_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
_csrf_tokens: "weakref.WeakKeyDictionary[httpx.Client, str]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class FuzzRequest:
    method: str
    path: str  # from the server's root: /fhir/Task, /hl7v2, /auth/token
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    who: str = "region"  # a key of PRINCIPALS, or ANONYMOUS
    follow: str | None = None  # a paging link of the answer's Bundle to request next
    search: bool = False  # the params are search parameters: a 400 must name one

    def describe(self) -> str:
        """The request as a reader reproduces it: method, URL, caller, headers and body."""
        url = httpx.URL(self.path, params=list(self.params))
        lines = [f"{self.method} {url} (as {self.who})"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body is not None:
            text = self.body[:2000].decode("utf-8", "backslashreplace")
            lines.append(text + (" …" if len(self.body) > 2000 else ""))
        return "\n".join(lines)


Clients = Mapping[str, httpx.Client]  # PRINCIPALS' keys and ANONYMOUS → a signed-in client


def send(clients: Clients, request: FuzzRequest) -> list[tuple[FuzzRequest, httpx.Response]]:
    """The request's answer, and those of the link it asks to follow (a paging link; an export
    job's status and delete)."""
    client = clients[request.who]
    body = request.body
    if body is not None and CSRF_PLACEHOLDER.encode() in body:
        body = body.replace(CSRF_PLACEHOLDER.encode(), _csrf_token(client).encode())
    response = client.request(
        request.method,
        request.path,
        params=list(request.params),
        headers=dict(request.headers),
        content=body,
    )
    answers = [(request, response)]
    if request.follow and request.follow.startswith(SIGN_IN):
        return answers + _sign_in(client, request, response)
    if request.follow == JOB:
        status = response.headers.get("content-location")
        if response.status_code == 202 and status:
            for method in ("GET", "DELETE"):
                job = FuzzRequest(method, status, who=request.who)
                answers.append((job, client.request(method, status)))
        return answers
    link = _link(response, request.follow) if request.follow else None
    if link is not None:
        paging = FuzzRequest("GET", link, headers=request.headers, who=request.who, search=True)
        answers.append((paging, client.request("GET", link, headers=dict(request.headers))))
    return answers


def _sign_in(
    client: httpx.Client, request: FuzzRequest, started: httpx.Response
) -> list[tuple[FuzzRequest, httpx.Response]]:
    """The browser's side of the flow after `started` (the start's redirect to the provider).
    Cookies go by hand: they are `Secure`, and the fuzzed server speaks plain HTTP."""
    if started.status_code != 303:
        return []
    change = request.follow.removeprefix(f"{SIGN_IN}:") if request.follow else "none"
    with httpx.Client(timeout=30) as outside:  # the provider, not the server under test
        granted = outside.get(started.headers["location"])
    back = httpx.URL(granted.headers.get("location", ""))
    params = dict(back.params)
    if change in ("state", "code"):
        params[change] = params.get(change, "") + "x"
    if change == "error":
        params = {"state": params.get("state", ""), "error": "access_denied"}
    cookies = "" if change == "no-cookie" else _cookies(started)
    answers = []
    for _ in range(2 if change == "again" else 1):  # a callback taken twice: once only
        callback = FuzzRequest(
            "GET", back.path, tuple(params.items()), (("Cookie", cookies),), who=request.who
        )
        answer = client.get(back.path, params=params, headers={"Cookie": cookies})
        answers.append((callback, answer))
    session = _cookies(answers[0][1])
    if answers[0][1].status_code != 303 or not session:
        return answers
    landing = FuzzRequest(
        "GET", answers[0][1].headers["location"], (("Cookie", session),), who=request.who
    )
    answers.append((landing, client.get(landing.path, headers={"Cookie": session})))
    form = urlencode({"csrf": _page_csrf(client, session)}).encode()
    out = FuzzRequest(
        "POST",
        "/app/utloggning",
        (),
        (("Cookie", session), ("Content-Type", FORM)),
        form,
        request.who,
    )
    answers.append((out, client.post(out.path, content=form, headers=dict(out.headers))))
    return answers


def _cookies(response: httpx.Response) -> str:
    """A Cookie header of the cookies `response` sets (those it clears left out)."""
    pairs = [value.split(";", 1)[0] for value in response.headers.get_list("set-cookie")]
    return "; ".join(pair for pair in pairs if not pair.endswith("="))


def _csrf_token(client: httpx.Client) -> str:
    """The caller's CSRF token, as a page's form carries it (none for a caller no page is
    shown to)."""
    if client not in _csrf_tokens:
        _csrf_tokens[client] = _page_csrf(client)
    return _csrf_tokens[client]


def _page_csrf(client: httpx.Client, cookies: str | None = None) -> str:
    headers = {"Cookie": cookies} if cookies else {}
    found = _CSRF_FIELD.search(client.get("/app/samverkansbrist", headers=headers).text)
    return found.group(1) if found else ""


def _link(response: httpx.Response, relation: str) -> str | None:
    if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None  # problems() reports it
    links = body.get("link", []) if isinstance(body, dict) else []
    return next((link["url"] for link in links if link.get("relation") == relation), None)


def problems(request: FuzzRequest, response: httpx.Response) -> list[str]:
    """What is wrong with `response` as the answer to `request` (nothing, mostly)."""
    status = response.status_code
    if status >= 500:
        return [f"{status}: {response.text[:500]}"]
    if request.method == "HEAD":
        return []  # an answer without a body, by definition
    body: Any = None
    if response.content and "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            return [f"{status} with a body that is not JSON: {response.text[:200]!r}"]
    if 300 <= status < 400 and request.path.startswith("/app/") and request.path not in TO_PROVIDER:
        here = response.request.url
        target = here.join(response.headers.get("location", ""))
        elsewhere = (target.scheme, target.netloc) != (here.scheme, here.netloc)
        if elsewhere or not target.path.startswith("/app/"):
            return [f"{status} to another site: {target}"]
    if status < 400:
        return []
    if request.path == "/auth/token":
        ok = isinstance(body, dict) and isinstance(body.get("error"), str)
        return [] if ok else [f"{status} without an OAuth error: {response.text[:300]}"]
    if request.path.startswith("/app/") and "text/html" in response.headers.get("content-type", ""):
        message = _PAGE_ALERT.search(response.text)
        if message is None or not re.sub(r"<[^>]+>|\s|\d|–", "", message.group(1)):
            return [f"{status} page without an error message: {response.text[:300]}"]
        return []
    outcome = _outcome(body, request.path.endswith("$process-message"))
    if outcome is None:
        return [f"{status} without an OperationOutcome: {response.text[:300]}"]
    issues = [i for i in outcome.get("issue") or [] if isinstance(i, dict)]
    if not any(_text(i) for i in issues):
        return [f"{status} OperationOutcome without an explanation: {response.text[:300]}"]
    if status == 400 and request.search and not _names_a_parameter(request, issues):
        return [f"400 naming none of the search parameters sent: {response.text[:300]}"]
    errors = [i for i in issues if i.get("severity") in ("error", "fatal")]
    about_elements = [i for i in errors if i.get("code") != "business-rule"]
    if status == 422 and about_elements and not any(i.get("expression") for i in errors):
        return [f"422 naming no element (no error with an expression): {response.text[:300]}"]
    return []


_PAGE_ALERT = re.compile(r'role="alert">(.*?)</div>', re.DOTALL)


def _outcome(body: Any, message: bool) -> dict[str, Any] | None:
    """The OperationOutcome of an error: the body, or for `$process-message` the one in the
    response message (its MessageHeader.response.details)."""
    if not isinstance(body, dict):
        return None
    if body.get("resourceType") == "OperationOutcome":
        return body
    if message and body.get("resourceType") == "Bundle" and body.get("type") == "message":
        entries = [e.get("resource") or {} for e in body.get("entry") or []]
        return next((r for r in entries if r.get("resourceType") == "OperationOutcome"), None)
    return None


def _text(issue: dict[str, Any]) -> str:
    details = issue.get("details")
    text = details.get("text") if isinstance(details, dict) else None
    return str(text or issue.get("diagnostics") or "").strip()


def _names_a_parameter(request: FuzzRequest, issues: list[dict[str, Any]]) -> bool:
    """An issue's expression is a sent parameter's name or one of its links (a bad value deep
    in `patient.organization.name=…` is named as `name`), or its text holds one."""
    names = {name for name, _ in _sent(request)}
    names |= {part.split(":")[0] for name in names for part in name.split(".")}
    expressions = {str(e) for i in issues for e in i.get("expression") or []}
    texts = [_text(i) for i in issues]
    return bool(expressions & names) or any(n in t for n in names if n for t in texts)


def _sent(request: FuzzRequest) -> list[tuple[str, str]]:
    """The parameters a search sent: in the URL (a followed link carries them there), and in
    the form body of POST _search."""
    sent = list(request.params) + list(httpx.URL(request.path).params.multi_items())
    if request.method == "POST" and request.body:
        form = httpx.QueryParams(request.body.decode("utf-8", "replace"))
        sent += list(form.multi_items())
    return sent


def clients_of(make: Callable[[Principal | None], httpx.Client]) -> dict[str, httpx.Client]:
    """A client per caller: `make(principal)` signs one in, `make(None)` sends no token."""
    clients = {who: make(p) for who, p in PRINCIPALS.items()}
    clients[ANONYMOUS] = make(None)
    return clients
