"""A real multi-node Ray cluster on one machine (a head and N worker nodes started with ``ray start``),
for the node-failure test and the scale-out benchmark.

Why not ``ray.init()``: a local instance is one raylet and one object store, so it cannot show what a
cluster does when a node dies. Each node here is its own ``ray start`` with its own ``--temp-dir``
(own sockets, logs and object store) and its own ports, so two nodes share nothing but the machine.

Why not ``ray stop``: it stops every Ray process of the user on the machine (other engineers' too).
:meth:`LocalRayCluster.stop` and :meth:`LocalRayCluster.kill_node` signal only processes whose command
line names this cluster's temp dirs, and their children (worker processes rename themselves
``ray::...`` and are found as the raylet's children).

Token auth: Ray enables it for a new head; the nodes and drivers of this cluster get
``RAY_AUTH_MODE=token`` (:meth:`LocalRayCluster.env`), and Ray keeps the token in its own file.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

HEAD = "head"


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free right now (bound together, then released: a small race, fine here)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def ray_cli() -> str:
    """The ``ray`` script of this interpreter's environment (None of PATH's)."""
    return str(Path(sys.executable).with_name("ray"))


def ray_start_available() -> str | None:
    """None if ``ray start`` can run here, else the reason (for pytest.skip)."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return "ray is not installed (pip install -e '.[ray]')"
    if not Path(ray_cli()).is_file():
        return f"no ray command beside {sys.executable}"
    return None


@dataclass
class LocalRayCluster:
    """A head plus ``workers`` worker nodes on this machine, each with ``cpus`` CPUs and its own object store.

    Use as a context manager (``with LocalRayCluster(root).start() as c:``): stop() runs on exit.
    ``nice`` is passed to ``nice -n`` for every node (daemons and actors inherit it)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cdray-")))
    workers: int = 1
    cpus: int = 1
    object_store_bytes: int = 150_000_000
    nice: int = 0
    timeout: float = 90.0  # per `ray start`
    system_config: dict | None = None  # head `--system-config` (e.g. faster node-death detection in tests)
    address: str = ""
    started: list[str] = field(default_factory=list)  # node names, in start order

    def env(self) -> dict[str, str]:
        """Environment for the nodes and for any driver that connects to them."""
        return {**os.environ, "RAY_AUTH_MODE": "token", "RAY_USAGE_STATS_ENABLED": "0"}

    def node_dir(self, name: str) -> Path:
        # short: Ray's unix socket paths must stay under ~107 bytes
        return Path(self.root) / name

    def _ray_start(self, name: str, args: list[str]) -> None:
        ports = free_ports(6)
        cmd = ([] if not self.nice else ["nice", "-n", str(self.nice)]) + [
            ray_cli(), "start", *args, "--num-cpus", str(self.cpus), "--temp-dir", str(self.node_dir(name)),
            "--node-manager-port", str(ports[0]), "--object-manager-port", str(ports[1]),
            "--dashboard-agent-listen-port", str(ports[2]), "--dashboard-agent-grpc-port", str(ports[3]),
            "--runtime-env-agent-port", str(ports[4]), "--metrics-export-port", str(ports[5]),
            "--object-store-memory", str(self.object_store_bytes), "--resources", f'{{"camdetect_{name}": 1}}',
            "--disable-usage-stats"]
        self.node_dir(name).mkdir(parents=True, exist_ok=True)
        self.started.append(name)  # before running: a half-started node is still stopped by stop()
        res = subprocess.run(cmd, check=False, env=self.env(), capture_output=True, text=True, timeout=self.timeout)
        if res.returncode != 0:
            tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"ray start ({name}) failed with code {res.returncode}: {tail[0]}")

    def start(self) -> Self:
        """Start the head, then the workers; on any failure everything started so far is stopped."""
        import json

        try:
            port, dash = free_ports(2)
            head = ["--head", "--port", str(port), "--include-dashboard", "false", "--dashboard-port", str(dash)]
            if self.system_config:
                head += ["--system-config", json.dumps(self.system_config)]
            self._ray_start(HEAD, head)
            self.address = f"127.0.0.1:{port}"
            for i in range(self.workers):
                self._ray_start(f"w{i}", ["--address", self.address])
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def node_pids(self, name: str) -> list[int]:
        """This node's processes: those whose command line names its temp dir, and all their children."""
        import psutil

        mark = str(self.node_dir(name)) + "/"
        own = []
        for p in psutil.process_iter(["pid", "cmdline"]):
            try:
                if any(mark in a or a.endswith(mark[:-1]) for a in (p.info["cmdline"] or [])):
                    own.append(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        pids = {p.pid for p in own}
        for p in own:
            try:
                pids.update(c.pid for c in p.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        return sorted(pids)

    def raylet_pid(self, name: str) -> int | None:
        import psutil

        for pid in self.node_pids(name):
            try:
                if Path(psutil.Process(pid).exe()).name == "raylet":
                    return pid
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return None

    def kill_node(self, name: str) -> list[int]:
        """SIGKILL one node (raylet, object store, its workers and agents): a machine dying, as Ray sees it."""
        pids = self.node_pids(name)
        _signal(pids, signal.SIGKILL)
        return pids

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM every process of the nodes this cluster started, SIGKILL what is left after ``grace`` s."""
        pids = sorted({p for name in self.started for p in self.node_pids(name)})
        _signal(pids, signal.SIGTERM)
        deadline = time.time() + grace
        while time.time() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.2)
        _signal([p for p in pids if _alive(p)], signal.SIGKILL)
        self.started.clear()


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
