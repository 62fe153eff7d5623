"""JupyterHub's configuration for the class hub; ``customs-course hub start`` passes it to the hub.

It reads the settings that ``hub start`` wrote to ``<data dir>/hub.json`` (named by the
environment variable CUSTOMS_HUB_SETTINGS). Change the class through ``hub start``'s options;
edit this file only for what those do not cover.
"""

import json
import os
import sys
from pathlib import Path

from customs_course.hub.spawn import parent_death_kills, prepare_home, spawn_command

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
settings = json.loads(Path(os.environ["CUSTOMS_HUB_SETTINGS"]).read_text(encoding="utf-8"))
data = Path(settings["data_dir"])
instructor = settings["instructor"]

# Where the hub listens, and its files in the data folder
c.JupyterHub.bind_url = f"http://{settings['ip']}:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{data / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(data / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(data / "jupyterhub.pid")

# The proxy: configurable-http-proxy from the course's package-lock.json (npm ci), started by
# the hub. A hub that stops (Ctrl-C, a crash) leaves the proxy and the learners' servers running,
# so learners keep working; started again, it adopts the servers (their pids are in the
# database) and replaces the proxy. `customs-course hub stop` ends the class (hub/lifecycle.py).
c.JupyterHub.cleanup_servers = False
c.JupyterHub.cleanup_proxy = False
c.ConfigurableHTTPProxy.command = [settings["proxy_command"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(data / "proxy.pid")

# Who may log in: the roster's learners and the instructor (admin); each sets a password on
# first login (FirstUseAuthenticator, bcrypt hashes in passwords.dbm). No one else.
c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
c.FirstUseAuthenticator.dbm_path = str(data / "passwords.dbm")
c.FirstUseAuthenticator.create_users = False
c.FirstUseAuthenticator.min_password_length = settings["min_password_length"]
c.Authenticator.allowed_users = set(settings["learners"]) | {instructor}
c.Authenticator.admin_users = {instructor}

# Each user's JupyterLab, run as their own system user, with the course's limits
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = spawn_command(settings)
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = settings["mem_limit"]  # advisory here: see spawn.py for what is enforced
c.Spawner.cpu_limit = settings["cpu_limit"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": f"{Path(settings['python']).parent}:/usr/local/bin:/usr/bin:/bin",
    "CUSTOMS_HUB_DATA": str(data),
    # the course environment's Jupyter files (JupyterLab, nbgrader's panels, nbconvert's
    # templates), also when --python names another interpreter that reads its packages
    "JUPYTER_PATH": f"{sys.prefix}/share/jupyter",
    "JUPYTERLAB_DIR": f"{sys.prefix}/share/jupyter/lab",
}


def pre_spawn_hook(spawner):
    """Give the user their role's settings and, on first start, the lessons."""
    role = "instructor" if spawner.user.name == instructor else "learner"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(data / "jupyter" / role)
    prepare_home(spawner.user.name, data / "course" / "lessons")
    if role == "instructor":  # formgrader needs the course root inside the server's root
        spawner.notebook_dir = str(data)


c.Spawner.pre_spawn_hook = pre_spawn_hook

# Idle servers stopped after a while (jupyterhub-idle-culler, a hub service). It dies with the
# hub, even a killed one (setpriv --pdeathsig): the hub started again starts its own.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [*parent_death_kills(), sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={settings['cull_idle_seconds']}", "--cull-every=60"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
