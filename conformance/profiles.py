"""The `validateProfileId` check backed by the project's own validator."""

from typing import Any

from service.validation import validator


def profile_errors(resource: dict[str, Any], profile: str) -> list[str]:
    """Error texts of validating `resource` against `profile` (empty when it conforms)."""
    outcome = validator().validate(resource, [profile])
    return [
        str(issue.get("details", {}).get("text", issue.get("code")))
        for issue in outcome.get("issue", [])
        if issue.get("severity") in ("error", "fatal")
    ]
