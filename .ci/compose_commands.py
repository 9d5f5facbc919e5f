"""Run a docker-compose.yml service's command (or healthcheck) here, without a container engine.

The production-shape smoke test (.ci/smoke_production.sh, issue 15) starts exactly what
docker-compose.yml starts. So that it cannot drift from the compose file, it never spells a
command or a variable itself: this helper reads them from docker-compose.yml (and the image's
``ENV`` and build-time ``manage.py`` steps from the Dockerfile that ``build: .`` names) and
changes only what differs between a container network and this machine's loopback:

- ``db:5432`` and ``redis:6379`` become ``127.0.0.1:$SMOKE_PGPORT`` / ``:$SMOKE_REDISPORT``;
- the web service's published container port (``0.0.0.0:8000``, ``127.0.0.1:8000``) becomes
  ``127.0.0.1:$SMOKE_WEBPORT`` (loopback only: this machine is shared);
- ``/app/var`` becomes ``$SMOKE_VAR_DIR``;
- the compose file's two database roles (the users of the migrate and web services'
  ``DATABASE_URL``) become ``$SMOKE_OWNER_ROLE`` / ``$SMOKE_APP_ROLE``, in URLs and commands
  alike (``db_roles --runtime-role``), and a ``postgres://`` URL's database becomes
  ``$SMOKE_DB_NAME`` (each unchanged when unset), so that the smoke test can run beside other
  databases and roles of a shared cluster.

Passwords and secrets are not substituted here: like ``docker compose``, the helper fills the
file's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}`` from its own environment, which is
where an operator puts them. A process started here sees the image's environment and the
service's, plus PATH (the project's .venv first, as the image's python), HOME ($SMOKE_HOME)
and HOSTNAME, and nothing else from the calling shell.

    compose_commands.py run SERVICE [CMD...] exec the service's command (or CMD, as a one-off
                                             ``docker compose run SERVICE CMD`` would)
    compose_commands.py healthcheck SERVICE  exec the service's healthcheck test (exit 0: healthy)
    compose_commands.py build                run the Dockerfile's manage.py steps (collectstatic)
    compose_commands.py show SERVICE         print the command, healthcheck and environment (JSON)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
# Where the image keeps its state (Dockerfile: BOARDSVC_VAR_DIR=/app/var, the beat schedule).
CONTAINER_VAR_DIR = "/app/var"
# The compose services the app reaches by name, and the port each image listens on.
NETWORK_PEERS = {"db:5432": "SMOKE_PGPORT", "redis:6379": "SMOKE_REDISPORT"}
# Compose's variable syntax: $$, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err},
# ${NAME?err} and $NAME.
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class ComposeError(Exception):
    """The compose file or the environment cannot give what was asked for."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """``text`` with compose's variables filled from ``env``; an unset ``${NAME:?msg}`` (or an
    empty one) raises ComposeError with the file's own message, as ``docker compose`` stops."""

    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"] or "", match["arg"] or ""
        value = env.get(name)
        missing = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return arg if missing else str(value)
        if op.endswith("?"):
            if missing:
                raise ComposeError(f"{name}: {arg or 'required'}")
            return str(value)
        return value or ""

    return _VARIABLE.sub(one, text)


def interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    """Every string of a loaded compose document, interpolated (keys are left alone)."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    return node


def load_compose(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """The compose file with YAML anchors and merge keys resolved and variables filled in, all
    of it (``docker compose`` refuses a file with any required variable missing)."""
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        raise ComposeError(f"{path}: no services")
    return interpolate_tree(document, env)


def dockerfile_env_and_steps(path: Path) -> tuple[dict[str, str], list[tuple[dict[str, str], str]]]:
    """The image's ENV (in order) and its build-time ``manage.py`` RUN steps, each with the ENV
    in force at that line. Other RUN lines install packages, which the .venv already holds."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    env: dict[str, str] = {}
    steps: list[tuple[dict[str, str], str]] = []
    for line in logical:
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "ENV":
            words = shlex.split(rest)
            if words and "=" not in words[0]:  # the legacy form: ENV NAME value
                env[words[0]] = " ".join(words[1:])
            else:
                env.update(word.split("=", 1) for word in words)
        elif instruction.upper() == "RUN" and "manage.py" in rest:
            steps.append((dict(env), rest.strip()))
    return env, steps


@dataclass(frozen=True)
class Topology:
    """Where this machine runs what the compose network names."""

    peers: dict[str, str]  # "db:5432" -> "127.0.0.1:55490"
    web_port: str
    var_dir: str
    db_name: str
    roles: dict[str, str]  # compose role -> role here

    @classmethod
    def from_env(cls, env: Mapping[str, str], compose: dict[str, Any]) -> Topology:
        missing = [name for name in ("SMOKE_PGPORT", "SMOKE_REDISPORT", "SMOKE_WEBPORT",
                                     "SMOKE_VAR_DIR") if not env.get(name)]
        if missing:
            raise ComposeError(f"set {', '.join(missing)}")
        services = compose["services"]
        roles: dict[str, str] = {}
        for service, variable in (("migrate", "SMOKE_OWNER_ROLE"), ("web", "SMOKE_APP_ROLE")):
            url = urlsplit(service_environment(services[service]).get("DATABASE_URL", ""))
            if url.username and env.get(variable):
                # A compose file that runs web as the owner keeps doing so here.
                roles.setdefault(url.username, env[variable])
        return cls(peers={peer: f"127.0.0.1:{env[var]}" for peer, var in NETWORK_PEERS.items()},
                   web_port=env["SMOKE_WEBPORT"], var_dir=env["SMOKE_VAR_DIR"],
                   db_name=env.get("SMOKE_DB_NAME", ""), roles=roles)

    def local(self, text: str, container_port: str) -> str:
        """``text`` with the compose network's host names, ports, paths, roles and database
        replaced by this machine's."""
        for peer, here in self.peers.items():
            text = text.replace(peer, here)
        for bind in (f"0.0.0.0:{container_port}", f"127.0.0.1:{container_port}"):
            text = text.replace(bind, f"127.0.0.1:{self.web_port}")
        text = text.replace(CONTAINER_VAR_DIR, self.var_dir)
        for compose_role, role in self.roles.items():  # URLs and `db_roles --runtime-role`
            text = re.sub(rf"\b{re.escape(compose_role)}\b", role, text)
        if self.db_name and re.match(r"postgres(ql)?://", text):
            parts = urlsplit(text)
            text = urlunsplit(parts._replace(path=f"/{self.db_name}"))
        return text


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a dict (compose accepts a mapping or NAME=value items)."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {name: "" if value is None else str(value) for name, value in raw.items()}


def container_port(compose: dict[str, Any]) -> str:
    """The port the web service listens on inside its container (its ``ports`` mapping)."""
    ports = compose["services"].get("web", {}).get("ports") or []
    if not ports:
        raise ComposeError("the web service publishes no port")
    return str(ports[0]).rsplit(":", 1)[-1].split("/")[0]


def base_environment(image_env: Mapping[str, str]) -> dict[str, str]:
    """What a container starts with: the image's ENV, a PATH whose python is the project's
    .venv, HOSTNAME (Celery's node name and the worker healthcheck use it) and a HOME of its
    own, $SMOKE_HOME when set (gunicorn keeps its control socket there)."""
    return {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("SMOKE_HOME") or os.environ.get("HOME") or "/",
        "HOSTNAME": socket.gethostname(),
        **image_env,
    }


@dataclass(frozen=True)
class Service:
    command: list[str]
    healthcheck: list[str]
    env: dict[str, str]


def service(name: str, *, compose_file: Path, dockerfile: Path,
            env: Mapping[str, str]) -> Service:
    """The service's command, healthcheck and environment, made local."""
    compose = load_compose(compose_file, env)
    services = compose["services"]
    if name not in services:
        raise ComposeError(f"no service {name!r} in {compose_file} (has {', '.join(services)})")
    spec = services[name]
    topology = Topology.from_env(env, compose)
    port = container_port(compose)
    image_env, _ = dockerfile_env_and_steps(dockerfile)
    merged = {**base_environment(image_env), **service_environment(spec)}
    local_env = {key: topology.local(value, port) for key, value in merged.items()}
    command = spec.get("command")
    if not command:
        raise ComposeError(f"service {name!r} has no command")
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    return Service(command=[topology.local(a, port) for a in argv],
                   healthcheck=[topology.local(a, port) for a in _healthcheck_argv(spec)],
                   env=local_env)


def _healthcheck_argv(spec: Mapping[str, Any]) -> list[str]:
    test = (spec.get("healthcheck") or {}).get("test") or []
    if not test:
        return []
    if isinstance(test, str):
        return ["sh", "-c", test]
    kind, *rest = test
    if kind == "CMD":
        return rest
    if kind == "CMD-SHELL":
        return ["sh", "-c", " ".join(rest)]
    return []  # NONE: no healthcheck


def build_steps(*, dockerfile: Path, env: Mapping[str, str]) -> list[tuple[dict[str, str], str]]:
    """The Dockerfile's manage.py steps with the image's environment (its var dir made
    local), as ``sh -c`` scripts."""
    var_dir = env.get("SMOKE_VAR_DIR")
    if not var_dir:
        raise ComposeError("set SMOKE_VAR_DIR")
    _, steps = dockerfile_env_and_steps(dockerfile)
    return [({k: v.replace(CONTAINER_VAR_DIR, var_dir)
              for k, v in base_environment(step_env).items()},
             script.replace(CONTAINER_VAR_DIR, var_dir)) for step_env, script in steps]


def build(*, dockerfile: Path, env: Mapping[str, str]) -> int:
    """Run the build steps in order; 1 at the first that fails."""
    for step_env, script in build_steps(dockerfile=dockerfile, env=env):
        print(f"build: {script}", flush=True)
        # The Dockerfile's own step, in the image's environment.
        step = subprocess.run(["/bin/sh", "-c", script], env=step_env, check=False)  # noqa: S603
        if step.returncode:
            print(f"compose_commands: build step failed: {script}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compose-file", type=Path,
                        default=Path(os.environ.get("SMOKE_COMPOSE_FILE")
                                     or ROOT / "docker-compose.yml"))
    parser.add_argument("--dockerfile", type=Path, default=ROOT / "Dockerfile")
    parser.add_argument("action", choices=["run", "healthcheck", "build", "show"])
    parser.add_argument("service", nargs="?")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="run: this command instead of the service's")
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # the image's WORKDIR holds manage.py
    try:
        if args.action == "build":
            return build(dockerfile=args.dockerfile, env=os.environ)
        if not args.service:
            parser.error(f"{args.action} needs a SERVICE")
        svc = service(args.service, compose_file=args.compose_file, dockerfile=args.dockerfile,
                      env=os.environ)
    except ComposeError as exc:
        print(f"compose_commands: {exc}", file=sys.stderr)
        return 2
    if args.action == "show":
        print(json.dumps({"command": svc.command, "healthcheck": svc.healthcheck,
                          "environment": svc.env}, indent=2))
        return 0
    argv_to_run = ((args.command or svc.command) if args.action == "run" else svc.healthcheck)
    if not argv_to_run:
        print(f"compose_commands: service {args.service!r} has no healthcheck", file=sys.stderr)
        return 2
    # exec, not a child: the caller's $! is the service's own process, which it signals to stop.
    os.execvpe(argv_to_run[0], argv_to_run, svc.env)  # noqa: S606 - argv from the compose file
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
