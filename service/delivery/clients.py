"""One keep-alive HTTP/1.1 connection pool per sending thread, on httpcore directly.

A single client shared by every slot serialises them on its pool's lock, and each request scans
all pooled connections: with 16 slots a profile of the worker spent more time there than in the
requests. A slot sends one request at a time, so a pool of its own needs one connection per
receiver it talks to, kept alive between that receiver's notifications.
The pools are httpcore's, under httpx.Client: a worker profile under a burst spent ~45% of its
CPU per notification in httpx's layers above them (URL merging, cookie jar, auth and redirect
handling, header models) that a delivery does not use (it follows no redirect and sends no
cookie).
"""

import logging
import os
import threading

import httpcore
import httpx

RECEIVERS_KEPT = 8  # idle keep-alive connections a slot keeps (one per recent receiver)
USER_AGENT = "lus-fhir-delivery/0.1"


def quiet_request_logs() -> None:
    """httpx and httpcore log every request (INFO, DEBUG): one formatted record per
    notification, which the worker records itself (last_error, delivered_at) anyway. Called by
    whoever starts a worker, once logging is configured."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


class ThreadClients:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        # The pid tells a receiver's log (and the tests) which worker process sent what.
        self.user_agent = f"{USER_AGENT} worker/{os.getpid()}"
        self._local = threading.local()
        self._all: list[httpcore.ConnectionPool] = []
        self._lock = threading.Lock()

    def get(self) -> httpcore.ConnectionPool:
        """This thread's pool, created on its first send."""
        pool: httpcore.ConnectionPool | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(),  # the TLS checks httpx.Client makes
                max_keepalive_connections=RECEIVERS_KEPT,
            )
            self._local.pool = pool
            with self._lock:
                self._all.append(pool)
        return pool

    def close(self) -> None:
        with self._lock:
            for pool in self._all:
                pool.close()
            self._all.clear()
