"""Executes FHIR TestScript resources against any FHIR base URL."""

from conformance.engine.assertions import ProfileValidator
from conformance.engine.runner import ActionResult, Runner, ScriptResult, TestResult

__all__ = ["ActionResult", "ProfileValidator", "Runner", "ScriptResult", "TestResult"]
