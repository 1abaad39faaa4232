"""The deviation a dead delivery raises, and the seam through which it is raised.

The delivery package sits below the workflow (the workflow enqueues, the worker delivers), so it
cannot call the workflow itself: whoever builds a Worker hands it `RaiseDeviation`, in production
the workflow's, which stores the deviation once and routes it like any write.
"""

from collections.abc import Callable

from sqlalchemy import Connection

from service.delivery.claim import Claim
from service.workflow.deviations import Deviation

RaiseDeviation = Callable[[Connection, Deviation], bool]


def dead_letter_deviation(
    claim: Claim, patient: str | None, receiver_name: str | None, error: str, mitigation: str
) -> Deviation:
    code = "ej-routbar" if not claim.address else "leverans-misslyckad"
    receiver = f"{receiver_name} ({claim.receiver})" if receiver_name else claim.receiver
    endpoint = f"{claim.endpoint or 'ingen endpoint'} ({claim.address or 'ingen adress'})"
    detail = (
        f"Notifieringen {claim.notification} (händelse {claim.event}) kunde inte levereras till "
        f"{receiver} via {endpoint} efter {claim.attempts} försök. Senaste fel: {error}"
    )
    return Deviation(
        code, claim.idempotency_key, patient, [claim.notification], detail, mitigation, "high"
    )
