"""Which processes hold the loopback TCP sockets of a port (Linux /proc), for tests and benchmarks
of `serve --workers N`, whose processes all listen on one port."""

import time
from pathlib import Path

LISTEN, ESTABLISHED = "0A", "01"


def sockets(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets whose local port is `port`, in `state`."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            found.add(fields[9])
    return found


def owners(inodes: set[str]) -> set[int]:
    """The processes holding any of these sockets."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    found = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = {str(fd.readlink()) for fd in fd_dir.iterdir()}
        except OSError:  # gone, or not ours to read
            continue
        if links & wanted:
            found.add(int(fd_dir.parent.name))
    return found


def wait_for_listeners(port: int, count: int, timeout: float = 120) -> set[int]:
    """The processes listening on the port, once there are `count` (workers start one after
    the other, the first one answering before the last one listens)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = owners(sockets(port, LISTEN))
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise RuntimeError(f"fewer than {count} processes listen on port {port}")
