"""Delivery of the outbox to receivers: claim due rows, send them, record the outcome.

The workflow writes outbox rows in the transaction that accepted a request; this package turns
them into HTTP deliveries with retries, strict per-(receiver, patient) ordering, dead-lettering
with a deviation, and escalation to the receiver's weekend contact path.
"""

from service.delivery.config import DeliveryConfig
from service.delivery.state import acknowledge, delivery_state
from service.delivery.wakeup import announce
from service.delivery.worker import BackgroundWorker, Worker, start_in_background

__all__ = [
    "BackgroundWorker",
    "DeliveryConfig",
    "Worker",
    "acknowledge",
    "announce",
    "delivery_state",
    "start_in_background",
]
