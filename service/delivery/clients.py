"""One keep-alive HTTP client per sending thread.

A single httpx.Client shared by every slot serialises them on its connection pool's lock, and
each request scans all pooled connections: with 16 slots a profile of the worker spent more time
there than in the requests. A slot sends one request at a time, so a client of its own needs one
connection per receiver it talks to, kept alive between that receiver's notifications.
"""

import logging
import os
import threading

import httpx

# httpx logs every request at INFO: one formatted log line per notification, which the worker
# records itself (last_error, delivered_at) anyway.
logging.getLogger("httpx").setLevel(logging.WARNING)
RECEIVERS_KEPT = 8  # idle keep-alive connections a slot keeps (one per recent receiver)


class ThreadClients:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[httpx.Client] = []
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        """This thread's client, created on its first send."""
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(
                timeout=self.timeout,
                limits=httpx.Limits(max_keepalive_connections=RECEIVERS_KEPT),
                follow_redirects=False,
                # The pid tells a receiver's log (and the tests) which worker process sent what.
                headers={"User-Agent": f"lus-fhir-delivery/0.1 worker/{os.getpid()}"},
            )
            self._local.client = client
            with self._lock:
                self._all.append(client)
        return client

    def close(self) -> None:
        with self._lock:
            for client in self._all:
                client.close()
            self._all.clear()
