"""A self-contained HTML report: summary table, then each script with drill-down to the failing
assertion and the request and response that failed it (no external assets, opens offline)."""

import json
from collections.abc import Sequence
from datetime import datetime
from html import escape

from conformance.engine import ActionResult, ScriptResult
from conformance.engine.context import Exchange

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse}
td,th{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:left}
.pass{color:#1a7f37}.fail,.error{color:#cf222e}.warning{color:#9a6700}.skip{color:#6e7781}
details{margin:.3rem 0 .3rem 1rem}summary{cursor:pointer}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;max-height:30rem;font-size:.85rem}
"""


def _exchange(exchange: Exchange) -> str:
    request = "\n".join(f"{k}: {v}" for k, v in exchange.request_headers.items())
    if exchange.request_body is not None:
        request += "\n\n" + json.dumps(exchange.request_body, indent=2, ensure_ascii=False)
    response = "\n".join(f"{k}: {v}" for k, v in exchange.response_headers.items())
    body = (
        json.dumps(exchange.response_body, indent=2, ensure_ascii=False)
        if exchange.response_body is not None
        else exchange.response_text
    )
    return (
        f"<p>{escape(exchange.method)} {escape(exchange.url)} → {exchange.status}"
        f" ({exchange.elapsed_ms:.0f} ms)</p>"
        f"<details><summary>request</summary><pre>{escape(request)}</pre></details>"
        f"<details><summary>response</summary><pre>{escape(response)}\n\n{escape(body)}"
        "</pre></details>"
    )


def _action(action: ActionResult) -> str:
    line = (
        f'<span class="{action.result}">{action.result.upper()}</span> '
        f"{escape(action.kind)}: {escape(action.label)} — {escape(action.message)}"
    )
    if action.exchange is None or action.result == "pass":
        return f"<div>{line}</div>"
    return f"<details open><summary>{line}</summary>{_exchange(action.exchange)}</details>"


def _section(title: str, actions: Sequence[ActionResult], result: str) -> str:
    body = "".join(_action(a) for a in actions)
    is_open = " open" if result in ("fail", "error") else ""
    return (
        f'<details{is_open}><summary><span class="{result}">{result.upper()}</span> '
        f"{escape(title)}</summary>{body}</details>"
    )


def html_report(results: Sequence[ScriptResult], target: str, issued: datetime) -> str:
    rows = "".join(
        f'<tr><td><a href="#s{i}">{escape(r.name)}</a></td>'
        f'<td class="{r.result}">{r.result}</td><td>{len(r.tests)}</td>'
        f"<td>{sum(t.result in ('fail', 'error') for t in r.tests)}</td></tr>"
        for i, r in enumerate(results)
    )
    scripts = []
    for i, result in enumerate(results):
        parts = [
            f'<h2 id="s{i}">{escape(result.name)} <span class="{result.result}">'
            f"{result.result}</span></h2>"
        ]
        if result.script.get("description"):
            parts.append(f"<p>{escape(str(result.script['description']))}</p>")
        if result.setup:
            setup_result = max((a.result for a in result.setup), key=_rank)
            parts.append(_section("setup", result.setup, setup_result))
        for test in result.tests:
            title = f"{test.name}: {test.description}" if test.description else test.name
            parts.append(_section(title, test.actions, test.result))
        if result.teardown:
            parts.append(
                _section(
                    "teardown", result.teardown, max((a.result for a in result.teardown), key=_rank)
                )
            )
        scripts.append("".join(parts))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>LUS conformance report</title><style>{_STYLE}</style></head><body>"
        f"<h1>LUS conformance report</h1><p>Target: {escape(target)} · {issued.isoformat()}</p>"
        f"<table><tr><th>script</th><th>result</th><th>tests</th><th>failed</th></tr>{rows}"
        f"</table>{''.join(scripts)}</body></html>"
    )


def _rank(result: str) -> int:
    return ["pass", "skip", "warning", "fail", "error"].index(result)
