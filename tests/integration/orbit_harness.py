"""Starts and stops a real orbit-server for integration tests.

Every protocol listener gets port 0 (a free port chosen by the kernel); the ports
actually bound are read back from the startup banner ("<proto> listening on
host:port"). Later protocol test suites reuse this module: `server.port("redis")`.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BINARY = os.path.join(ROOT, "build", "release", "bin", "orbit-server")
PROTOCOLS = ["redis", "pg", "mysql", "cql", "bolt", "aql", "grpc"]
LISTENING = re.compile(r"^\s+(\w+) listening on ([\d.]+):(\d+)")


def binary_path():
    return os.environ.get("ORBIT_SERVER_BIN", DEFAULT_BINARY)


class OrbitServer:
    def __init__(self, data_dir=None, args=(), env=None, binary=None):
        self.binary = binary or binary_path()
        self.workdir = tempfile.mkdtemp(prefix="orbit-it-")
        self.data_dir = data_dir or os.path.join(self.workdir, "data")
        self.extra_args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.ports = {}
        self.starts = 0

    # ---- lifecycle ----
    def command(self):
        defaults = {"--data-dir": self.data_dir, "--http-port": "0", "--threads": "2"}
        defaults.update({f"--{p}-port": "0" for p in PROTOCOLS})
        cmd = [self.binary]
        for flag, value in defaults.items():
            if flag not in self.extra_args:  # an explicit argument replaces the default
                cmd += [flag, value]
        return cmd + self.extra_args

    def start(self, timeout=30, expect_ready=True):
        self.starts += 1
        self.stdout_path = os.path.join(self.workdir, f"stdout.{self.starts}.log")
        self.stderr_path = os.path.join(self.workdir, f"stderr.{self.starts}.log")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err, env=self.env, cwd=self.workdir)
        if not expect_ready:
            return self
        deadline = time.time() + timeout
        while time.time() < deadline:
            banner = self.stdout()
            if "\nready\n" in banner:
                self.ports = {m.group(1): int(m.group(3))
                              for m in map(LISTENING.match, banner.splitlines()) if m}
                self.wait_healthy(deadline - time.time())
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"orbit-server exited with {self.proc.returncode}:\n{self.logs()}")
            time.sleep(0.02)
        raise TimeoutError(f"orbit-server not ready after {timeout}s:\n{self.logs()}")

    def wait_healthy(self, timeout):
        if "http" not in self.ports:
            return
        deadline = time.time() + max(timeout, 1)
        while True:
            try:
                with urllib.request.urlopen(self.url("/health"), timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                if time.time() > deadline:
                    raise
            time.sleep(0.05)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and waits; returns the exit code (negative: killed by signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise TimeoutError(f"orbit-server ignored {sig!r} for {timeout}s:\n{self.logs()}")
        return self.proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self, **kwargs):
        self.stop()
        return self.start(**kwargs)

    def wait_exit(self, timeout=20):
        return self.proc.wait(timeout)

    def cleanup(self, keep_logs_to=None):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if keep_logs_to:
            os.makedirs(keep_logs_to, exist_ok=True)
            for name in os.listdir(self.workdir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(self.workdir, name), keep_logs_to)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- access ----
    def port(self, protocol):
        return self.ports[protocol]

    def url(self, path, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.ports['http']}{path}"

    def stdout(self):
        with open(self.stdout_path, "r", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.stderr_path, "r", errors="replace") as f:
            return f.read()

    def logs(self):
        return f"--- stdout ---\n{self.stdout()}\n--- stderr ---\n{self.stderr()}"
