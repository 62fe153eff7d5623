"""Drive a class hub started by ``customs-course hub start``: the hub, and people logging in.

Shared by the end-to-end test (tests/hub/) and the load benchmark (benchmarks/): the hub's
login form and REST API through the proxy, with requests; each single-user server's own API
(contents, nbgrader's assignment list) with the user's hub token.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

COURSE_ID = "customs-data-analytics"
BIN = Path(sys.executable).parent


def wait_for(check, timeout: float, what: str, every: float = 0.25):
    """Call ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"{what}: not after {timeout:.0f} s")


def runs_as(user: str, python: str) -> bool:
    done = subprocess.run(["runuser", "-u", user, "--", python, "-c", "import customs_course"],
                          capture_output=True, cwd="/")
    return done.returncode == 0


@contextmanager
def python_for_everyone():
    """Let every user run the course's Python for the duration (then restore the modes).

    Every hub user runs the course's interpreter. On the development machines and CI it is
    pyenv's, under /root (mode 700): the folders above it that others cannot enter get the
    search bit for others (o+x: enter, not list) until the block ends. A server set up as the
    guide says (the course under /opt, a system Python) needs none of this.
    """
    targets = [Path(sys.executable).resolve(), Path(sys.prefix), Path(__file__).resolve()]
    changed: dict[Path, int] = {}
    for target in targets:
        for folder in reversed(target.parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH and folder not in changed:
                changed[folder] = mode
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    try:
        if not runs_as("nobody", sys.executable):
            raise RuntimeError(f"{sys.executable} cannot import the course as another user")
        yield Path(sys.executable)
    finally:
        for folder, mode in changed.items():
            os.chmod(folder, stat.S_IMODE(mode))


@dataclass
class Hub:
    """A hub process (it execs JupyterHub, which starts the proxy and the servers)."""

    url: str
    data_dir: Path
    process: subprocess.Popen
    log: Path
    command: list[str] = field(default_factory=list)
    cwd: Path | None = None

    @classmethod
    def start(cls, *, roster: Path, data_dir: Path, instructor: str, course: Path, port: int,
              log: Path, extra: tuple[str, ...] = ()) -> Hub:
        command = [str(BIN / "customs-course"), "hub", "start", "--roster", str(roster),
                   "--data-dir", str(data_dir), "--instructor", instructor,
                   "--course", str(course), "--port", str(port), *extra]
        hub = cls(f"http://127.0.0.1:{port}", data_dir, None, log, command, course)
        log.write_bytes(b"")
        hub.launch()
        return hub

    def launch(self) -> None:
        """Run ``hub start`` (again: the same command, on the same data folder); wait for it."""
        with self.log.open("ab") as out:  # appended: a proxy left running writes there too
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True, cwd=self.cwd)
        try:
            wait_for(self.ready, 180, f"the hub on {self.url} (log: {self.log})")
        except BaseException:
            self.stop()  # a hub that did not come up leaves nothing running either
            raise

    def kill(self, how: signal.Signals) -> None:
        """Stop the hub process only, as Ctrl-C (SIGTERM) or a crash (SIGKILL) would."""
        self.process.send_signal(how)
        self.process.wait(60)

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the hub exited ({self.process.returncode}):\n"
                               + self.log.read_text(errors="replace")[-3000:])
        try:
            return requests.get(f"{self.url}/hub/api", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, timeout: float = 60) -> str:
        """End the class as the guide says: ``customs-course hub stop`` (hub, servers, proxy)."""
        done = subprocess.run([str(BIN / "customs-course"), "hub", "stop", "--data-dir",
                               str(self.data_dir)], capture_output=True, text=True,
                              timeout=timeout)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        return done.stdout + done.stderr

    def descendants(self, users: list[str]) -> list[psutil.Process]:
        """Processes still alive that belong to this hub: its users', or naming its data dir.

        Zombies are dead: a server adopted after a restart is no child of the hub, and its exit
        status waits for whichever process reaps orphans here (init, a container's first one).
        """
        found = []
        for proc in psutil.process_iter(["username", "cmdline", "status"]):
            try:
                if proc.info["status"] == psutil.STATUS_ZOMBIE:
                    continue
                cmdline = " ".join(proc.info["cmdline"] or [])
                if proc.info["username"] in users or str(self.data_dir) in cmdline:
                    found.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found


@dataclass
class Person:
    """Someone logged in to the hub through its login page, with a token for the APIs."""

    hub: Hub
    name: str
    token: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def login(self, password: str) -> Person:
        page = self.session.get(f"{self.hub.url}/hub/login", timeout=30)
        page.raise_for_status()
        xsrf = self.session.cookies.get("_xsrf", "")
        answer = self.session.post(
            f"{self.hub.url}/hub/login",
            data={"username": self.name, "password": password, "_xsrf": xsrf},
            allow_redirects=False, timeout=30,
        )
        if answer.status_code != 302:
            raise PermissionError(f"{self.name} could not log in ({answer.status_code})")
        made = self.session.post(
            f"{self.hub.url}/hub/api/users/{self.name}/tokens",
            json={"note": "tests", "expires_in": 3600},
            headers={"X-XSRFToken": self.session.cookies.get("_xsrf", xsrf),
                     "Referer": f"{self.hub.url}/hub/token"},
            timeout=30,
        )
        made.raise_for_status()
        self.token = made.json()["token"]
        return self

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def hub_api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.hub.url}/hub/api{path}", headers=self.headers,
                                timeout=60, **kwargs)

    def spawn(self, timeout: float = 180) -> float:
        """Start the user's server; return the seconds until it answers."""
        began = time.monotonic()
        self.request_spawn()
        self.wait_for_server(timeout)
        return time.monotonic() - began

    def request_spawn(self) -> None:
        answer = self.hub_api("POST", f"/users/{self.name}/server")
        if answer.status_code not in (201, 202, 400):  # 400: already running
            answer.raise_for_status()

    def wait_for_server(self, timeout: float = 180) -> None:
        def ready():
            server = self.hub_api("GET", f"/users/{self.name}").json()["servers"].get("", {})
            return server.get("ready")

        wait_for(ready, timeout, f"{self.name}'s server", every=0.5)

    def server(self, method: str, path: str, **kwargs) -> requests.Response:
        answer = requests.request(method, f"{self.hub.url}/user/{self.name}{path}",
                                  headers=self.headers, timeout=120, **kwargs)
        answer.raise_for_status()
        return answer

    def assignments(self) -> list[dict]:
        listed = self.server("GET", "/assignments", params={"course_id": COURSE_ID}).json()
        if not listed.get("success"):
            raise RuntimeError(f"{self.name}'s assignment list: {listed}")
        return listed["value"]

    def act(self, action: str, assignment: str) -> list[dict]:
        """nbgrader's Assignment List: fetch, submit or fetch_feedback; the new list."""
        done = self.server("POST", f"/assignments/{action}",
                           data={"course_id": COURSE_ID, "assignment_id": assignment}).json()
        if not done.get("success"):
            raise RuntimeError(f"{self.name} could not {action} {assignment}: {done}")
        return done["value"]

    def put_notebook(self, path: str, notebook: dict) -> None:
        self.server("PUT", f"/api/contents/{path}",
                    json={"type": "notebook", "format": "json", "content": notebook})

    def get_notebook(self, path: str) -> dict:
        return self.server("GET", f"/api/contents/{path}").json()["content"]
