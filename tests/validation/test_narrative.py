"""Narrative XHTML: well-formed, FHIR's subset of XHTML, no active content, local links resolve."""

import pytest

from service.validation import Validator
from tests.validation import conftest as c

XHTML = 'xmlns="http://www.w3.org/1999/xhtml"'


def _with_div(div: str) -> dict[str, object]:
    patient = c.patient()
    patient["text"] = {"status": "generated", "div": div}
    return patient


@pytest.mark.parametrize(
    "div",
    [
        f"<div {XHTML}><p>x</p><script>alert(1)</script></div>",
        f'<div {XHTML}><p onclick="x()">x</p></div>',
        f'<div {XHTML}><a href="javascript:alert(1)">x</a></div>',
        f"<div {XHTML}><p>x&nbsp;y</p></div>",
        f"<div {XHTML}><p>x</div>",
        "<div><p>x</p></div>",
        f"<p {XHTML}>x</p>",
        f"<div {XHTML}>  </div>",
        f'<div {XHTML}><a href="#nowhere">x</a></div>',
    ],
)
def test_narrative_problems_are_errors_on_the_div(v: Validator, div: str) -> None:
    codes = {code for code, where in c.errors(v.validate(_with_div(div)))}
    assert codes and codes <= {"narrative.xhtml", "narrative.link"}
    assert {where for _, where in c.errors(v.validate(_with_div(div)))} == {"Patient.text.div"}


@pytest.mark.parametrize(
    "inner",
    [
        '<p style="color: red" class="x">x &amp; y&#160;z</p>',
        "<table><tr><td>a</td></tr></table>",
        '<img src="http://example.org/x.png" alt="x"/>',
        '<p><a name="top">x</a> <a href="#top">top</a></p>',
        '<p id="p1">x</p><a href="#tolvan">self</a>',
    ],
)
def test_allowed_narrative(v: Validator, inner: str) -> None:
    assert c.errors(v.validate(_with_div(f"<div {XHTML}>{inner}</div>"))) == []


def test_issue_carries_the_java_message_id(v: Validator) -> None:
    outcome = v.validate(_with_div(f"<div {XHTML}><blink>x</blink></div>"))
    codings = [i["details"]["coding"] for i in outcome["issue"] if i["severity"] == "error"]
    assert {
        "system": "http://hl7.org/fhir/java-core-messageId",
        "code": "XHTML_XHTML_Element_Illegal",
    } in codings[0]
