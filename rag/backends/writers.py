"""Who is writing: the lease a store write holds while its new chunks are not yet current.

`Store.put_document` writes its new version's chunks before it switches the document's record to
that version; until the switch those chunks look exactly like the leftovers of a crashed write. A
`Lease` names the writing process (host, boot, pid and the pid's start time) and when it last made
progress, so `Store.repair` can tell the two apart:

- on the same machine, a lease is alive while its process is (the start time guards against pid
  reuse) — so a crashed writer's leftovers are removed at the next ingest, at once;
- from another machine (several app copies on one Chroma server), a lease is alive until
  `LEASE_S` seconds after its last beat; `put_document` beats before every chunk batch.

This module only decides liveness; it reads /proc and the clock, and never touches the store.
"""
from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# A beat comes before every chunk batch (500 chunks): upserting one batch into embedded Chroma took
# 0.27-0.51 s here (4 batches, load average 7 on 2 cores), so 600 s leaves three orders of magnitude
# for a writer on another machine, whose liveness cannot be checked directly (slow links, clock skew).
LEASE_S = 600.0


@dataclass(frozen=True)
class Lease:
    """One write in progress: document, version, and the process writing it."""

    lease_id: str
    doc_id: str
    version: str
    host: str
    pid: int
    pid_start: str
    beat: float

    def as_meta(self) -> dict[str, Any]:
        return {"kind": "lease", "doc_id": self.doc_id, "version": self.version, "host": self.host,
                "pid": self.pid, "pid_start": self.pid_start, "beat": self.beat}


def new_lease(doc_id: str, version: str) -> Lease:
    pid = os.getpid()
    return Lease(f"lease:{uuid.uuid4().hex}", doc_id, version, host_id(), pid, _start_time(pid), time.time())


def lease_from_meta(lease_id: str, m: dict[str, Any]) -> Lease:
    return Lease(lease_id, str(m.get("doc_id", "")), str(m.get("version", "")), str(m.get("host", "")),
                 int(m.get("pid", 0)), str(m.get("pid_start", "")), float(m.get("beat", 0.0)))


def is_alive(lease: Lease, now: float | None = None) -> bool:
    """True while the lease's writer may still switch its document to the leased version."""
    if lease.host == host_id():
        return bool(lease.pid) and _start_time(lease.pid) == lease.pid_start
    return (now if now is not None else time.time()) - lease.beat < LEASE_S


@lru_cache(maxsize=1)
def host_id() -> str:
    """This machine (and boot): processes with the same host id see each other's pids."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}"


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot, "" if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        pass
    try:  # no /proc: fall back to "a process with this pid exists"
        os.kill(pid, 0)
    except ProcessLookupError:
        return ""
    except OSError:
        return "?"
    return "?"
