"""Runs one TestScript against a FHIR base URL and records every action's result.

Setup failure skips the tests; within a test the first failing assertion skips the rest of that
test (later steps depend on earlier ones); teardown and fixture auto-deletion always run.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from conformance.engine import assertions, operations, origins
from conformance.engine.context import Context, Exchange, Resource, ScriptError

Result = Literal["pass", "fail", "warning", "error", "skip"]


@dataclass
class ActionResult:
    kind: Literal["operation", "assert"]
    label: str
    result: Result
    message: str
    exchange: Exchange | None = None


@dataclass
class TestResult:
    name: str
    description: str
    actions: list[ActionResult] = field(default_factory=list)

    @property
    def result(self) -> Result:
        return _worst(a.result for a in self.actions)


@dataclass
class ScriptResult:
    script: Resource
    setup: list[ActionResult] = field(default_factory=list)
    tests: list[TestResult] = field(default_factory=list)
    teardown: list[ActionResult] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.script.get("name") or self.script.get("id") or "TestScript")

    def all_actions(self) -> list[ActionResult]:
        actions = list(self.setup) + [a for t in self.tests for a in t.actions]
        return actions + list(self.teardown)

    @property
    def result(self) -> Result:
        return _worst(a.result for a in self.all_actions())


_SEVERITY: dict[Result, int] = {"pass": 0, "skip": 1, "warning": 2, "fail": 3, "error": 4}


def _worst(results: Iterable[Result]) -> Result:
    worst: Result = "pass"
    for result in results:
        if _SEVERITY[result] > _SEVERITY[worst]:
            worst = result
    return worst


ActionListener = Callable[[ActionResult], None]


def load_fixtures(script: Resource, base_dir: Path) -> dict[str, Resource]:
    """Fixtures are contained resources (`#id`) or JSON files relative to the script's folder."""
    contained = {r.get("id"): r for r in script.get("contained", [])}
    fixtures: dict[str, Resource] = {}
    for fixture in script.get("fixture", []):
        reference = fixture.get("resource", {}).get("reference")
        if not reference:
            raise ScriptError(f"fixture '{fixture.get('id')}' has no resource reference")
        if reference.startswith("#"):
            if reference[1:] not in contained:
                raise ScriptError(f"fixture '{fixture.get('id')}': no contained {reference}")
            fixtures[fixture["id"]] = contained[reference[1:]]
        else:
            path = (base_dir / reference).resolve()
            if not path.is_file():
                raise ScriptError(f"fixture '{fixture.get('id')}': file {reference} not found")
            fixtures[fixture["id"]] = json.loads(path.read_text(encoding="utf-8"))
    return fixtures


class Runner:
    """Executes TestScripts with one HTTP client against one target; `credentials` are the
    clients an operation's `origin` acts as (the client's own auth is the default)."""

    def __init__(
        self,
        client: httpx.Client,
        validator: assertions.ProfileValidator | None = None,
        listener: ActionListener | None = None,
        credentials: origins.Credentials | None = None,
    ) -> None:
        self.client = client
        self.validator = validator
        self.listener = listener
        self.credentials = credentials

    def run(self, script: Resource, base_dir: Path) -> ScriptResult:
        outcome = ScriptResult(script)
        try:
            context = Context(
                fixtures=load_fixtures(script, base_dir),
                variables=list(script.get("variable", [])),
                profiles=list(script.get("profile", [])),
                origins=origins.organizations(script),
            )
        except ScriptError as error:
            outcome.setup.append(
                self._record(ActionResult("operation", "load", "error", str(error)))
            )
            return outcome
        setup_ok = self._autocreate(script, context, outcome.setup)
        setup_ok = setup_ok and self._actions(
            script.get("setup", {}).get("action", []), context, outcome.setup
        )
        for test in script.get("test", []):
            result = TestResult(test.get("name", ""), test.get("description", ""))
            if setup_ok:
                self._actions(test.get("action", []), context, result.actions)
            else:
                result.actions.append(
                    self._record(ActionResult("assert", "setup", "skip", "setup failed"))
                )
            outcome.tests.append(result)
        self._actions(
            script.get("teardown", {}).get("action", []),
            context,
            outcome.teardown,
            stop_on_failure=False,
        )
        self._autodelete(script, context, outcome.teardown)
        return outcome

    def _record(self, action: ActionResult) -> ActionResult:
        if self.listener:
            self.listener(action)
        return action

    def _actions(
        self,
        actions: list[Resource],
        context: Context,
        into: list[ActionResult],
        stop_on_failure: bool = True,
    ) -> bool:
        """Run actions in order; True when none failed or errored."""
        ok = True
        for action in actions:
            if not ok and stop_on_failure:
                label = _label(action)
                into.append(
                    self._record(
                        ActionResult(
                            _kind(action), label, "skip", "skipped after an earlier failure"
                        )
                    )
                )
                continue
            result = self._action(action, context)
            into.append(self._record(result))
            if result.result in ("fail", "error"):
                ok = False
        return ok

    def _action(self, action: Resource, context: Context) -> ActionResult:
        label = _label(action)
        try:
            if "operation" in action:
                operation = action["operation"]
                auth = origins.auth_for(operation, context.origins, self.credentials)
                exchange = operations.execute(operation, context, self.client, auth)
                return ActionResult(
                    "operation",
                    label,
                    "pass",
                    f"{exchange.method} {exchange.url} → {exchange.status}",
                    exchange,
                )
            assertion = action["assert"]
            checked = assertions.check(assertion, context, self.validator)
        except (ScriptError, httpx.HTTPError) as error:
            return ActionResult(_kind(action), label, "error", str(error), context.last)
        if checked.passed:
            return ActionResult("assert", label, "pass", checked.message, context.last)
        result: Result = "warning" if assertion.get("warningOnly") else "fail"
        return ActionResult("assert", label, result, checked.message, context.last)

    def _autocreate(self, script: Resource, context: Context, into: list[ActionResult]) -> bool:
        for fixture in script.get("fixture", []):
            if not fixture.get("autocreate"):
                continue
            operation = {
                "type": {"code": "create"},
                "sourceId": fixture["id"],
                "responseId": fixture["id"],
            }
            result = self._action({"operation": operation}, context)
            created = context.exchanges.get(fixture["id"])
            if created and created.status == 201 and created.response_body:
                context.fixtures[fixture["id"]] = created.response_body
            elif result.result == "pass":
                result = ActionResult(
                    "operation",
                    result.label,
                    "fail",
                    f"autocreate of {fixture['id']} did not answer 201",
                    result.exchange,
                )
            into.append(self._record(result))
            if result.result != "pass":
                return False
        return True

    def _autodelete(self, script: Resource, context: Context, into: list[ActionResult]) -> None:
        auto = {f["id"] for f in script.get("fixture", []) if f.get("autodelete")}
        for fixture_id in auto:
            resource = context.fixtures.get(fixture_id, {})
            if "id" not in resource:
                continue
            operation = {"type": {"code": "delete"}, "targetId": fixture_id}
            into.append(self._record(self._action({"operation": operation}, context)))


def _kind(action: Resource) -> Literal["operation", "assert"]:
    return "operation" if "operation" in action else "assert"


def _label(action: Resource) -> str:
    body = action.get("operation") or action.get("assert") or {}
    return str(body.get("label") or body.get("description") or _kind(action))
