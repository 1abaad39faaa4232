"""`/fhir/ws`: the websocket channel of the Subscriptions Backport IG.

The client sends `bind-with-token <token>` (from `$get-ws-binding-token`) and receives a
handshake, then event notifications and heartbeats. This module only moves text; the protocol is
`service.subscriptions.session`. Database work runs in the thread pool, so a slow query never
blocks the event loop; the session polls the event log, which every server process writes.
"""

import asyncio

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from service.http import routing
from service.rest.services import Services
from service.subscriptions.session import Session

router = routing.router(prefix="/fhir")
POLL_SECONDS = 0.1


def websocket_url(base: str) -> str:
    """ws(s)://…/fhir/ws for the FHIR base http(s)://…/fhir."""
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"


@router.websocket("/ws")
async def notifications(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    session = Session(services.store, services.clock, services.workflow.base)
    receiving = asyncio.ensure_future(websocket.receive_text())
    try:
        while True:
            done, _ = await asyncio.wait({receiving}, timeout=POLL_SECONDS)
            if done:
                text = receiving.result()
                receiving = asyncio.ensure_future(websocket.receive_text())
                for reply in await run_in_threadpool(session.command, text):
                    await websocket.send_text(reply)
            for message in await run_in_threadpool(session.pending):
                await websocket.send_text(message)
    except WebSocketDisconnect:
        return
    finally:
        receiving.cancel()
