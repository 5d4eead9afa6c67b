"""IMM607: a database, cache, search engine or broker installed on EC2 or run in a container."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...findings import Finding
from ...template.resolve import intrinsic
from ...template.template import Resource
from ...template.walk import lookup
from .. import Context, check
from .instances import launch_data, text_of

HOSTS = (
    "AWS::EC2::Instance",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::LaunchConfiguration",
)
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
CFN_INIT = "AWS::CloudFormation::Init"
# A system package manager's install command, up to the end of the shell command.
_INSTALL = re.compile(
    r"\b(?:yum|dnf|apt-get|apt|zypper|apk|brew|amazon-linux-extras|microdnf)\b[^\n;&|]*?"
    r"\b(?:install|add|enable)\b([^\n;&|]*)"
)
# A daemon started by the init system, or a server command run directly.
_SERVICE = re.compile(
    r"\b(?:systemctl|service|rc-service|chkconfig)\s+(?:(?:start|enable|restart)\s+)?"
    r"(?:--now\s+)?([\w.@-]+)(?:\s+(?:start|on))?"
)
_DOCKER_RUN = re.compile(r"\bdocker(?:\s+container)?\s+(?:run|create)\b([^\n;&|]*)")
_COMMAND_START = re.compile(
    r"(?:^|[;&|(])\s*(?:(?:sudo|nohup|exec|env|time)\s+(?:-\S+\s+)*)*([^\s;&|()]+)", re.M
)
_FLAGS_WITHOUT_VALUE = frozenset(
    {"-d", "-i", "-t", "-it", "-ti", "-dit", "-itd", "--rm", "--detach", "--interactive",
     "--tty", "--privileged", "--init", "-P", "--publish-all", "--read-only"}
)  # fmt: skip
# A shell comment: a line starting with #, or # after a blank, to the end of the line.
_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*", re.M)
_VERSION = re.compile(r"(?:[=:@].*|-\d[\w.]*)$")


@dataclass(frozen=True)
class Engine:
    name: str
    managed: str
    packages: frozenset[str]
    processes: frozenset[str]
    services: frozenset[str]
    images: frozenset[str]


def _engines(raw: list[dict[str, Any]]) -> list[Engine]:
    return [
        Engine(
            item["name"],
            item["managed"],
            frozenset(p.lower() for p in item.get("packages") or ()),
            frozenset(p.lower() for p in item.get("processes") or ()),
            frozenset(p.lower() for p in item.get("services") or ()),
            frozenset(p.lower() for p in item.get("images") or ()),
        )
        for item in raw
    ]


@check("IMM607")
def self_managed_database(ctx: Context) -> Iterator[Finding]:
    engines = _engines(ctx.data("databases_self_managed_engines"))
    for host in ctx.app.resources(*HOSTS):
        data = launch_data(host)
        node = data.get("UserData") if isinstance(data, dict) else None
        found = engines_in_script(text_of(ctx.app, host, node), engines) if node else []
        if found:
            path = ("Properties", "LaunchTemplateData", "UserData")
            if host.type != "AWS::EC2::LaunchTemplate":
                path = ("Properties", "UserData")
            yield ctx.finding(host, _message(host, "user data", found), path=path)
            continue
        found = engines_in_init(host.metadata.get(CFN_INIT), engines)
        if found:
            path = ("Metadata", CFN_INIT)
            yield ctx.finding(host, _message(host, "cfn-init configuration", found), path=path)
    for task in ctx.app.resources(TASK_DEFINITION):
        found = []
        for container, _ in lookup(task.properties, ("ContainerDefinitions", "*")):
            if isinstance(container, dict) and intrinsic(container) is None:
                found.extend(_container_engines(ctx, task, container, engines))
        if found:
            unique = list(dict.fromkeys(found))
            yield ctx.finding(
                task,
                _message(task, "containers", unique),
                path=("Properties", "ContainerDefinitions"),
            )


def _container_engines(
    ctx: Context, task: Resource, container: dict[str, Any], engines: list[Engine]
) -> list[Engine]:
    found = []
    images = ctx.resolver(task).literals(container.get("Image")) or set()
    for image in images:
        repository = image_repository(image)
        found.extend(e for e in engines if repository in e.images)
    for key in ("EntryPoint", "Command"):
        command = container.get(key)
        if isinstance(command, list) and command and isinstance(command[0], str):
            text = " ".join(c for c in command if isinstance(c, str))
            found.extend(engines_in_script(text, engines, packages=False))
    return found


def engines_in_init(init: Any, engines: list[Engine]) -> list[Engine]:
    """Engines an `AWS::CloudFormation::Init` configuration installs as packages or runs as
    services (every config set's `packages` and `services`)."""
    if not isinstance(init, dict):
        return []
    installed: set[str] = set()
    services: set[str] = set()
    for config in init.values():
        if not isinstance(config, dict):
            continue
        for section, names in (("packages", installed), ("services", services)):
            managers = config.get(section)
            if not isinstance(managers, dict):
                continue
            for manager, entries in managers.items():
                if section == "packages" and manager in ("python", "rubygems"):
                    continue  # client libraries
                if isinstance(entries, dict):
                    names.update(str(name).lower() for name in entries)
    return [
        engine
        for engine in engines
        if installed & engine.packages or services & (engine.services | engine.processes)
    ]


def image_repository(image: str) -> str:
    """`public.ecr.aws/docker/library/redis:7-alpine` -> `redis`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def engines_in_script(text: str, engines: list[Engine], packages: bool = True) -> list[Engine]:
    """Engines a shell script installs (system packages), starts or runs in a container."""
    text = _COMMENT.sub("", text)
    installed: set[str] = set()
    if packages:
        for match in _INSTALL.finditer(text):
            for word in match.group(1).split():
                if not word.startswith("-"):
                    installed.add(_VERSION.sub("", word.lower()))
    services = {m.group(1).lower().removesuffix(".service") for m in _SERVICE.finditer(text)}
    started = {m.group(1).rsplit("/", 1)[-1].lower() for m in _COMMAND_START.finditer(text)}
    started |= services
    images = {image for m in _DOCKER_RUN.finditer(text) if (image := _run_image(m.group(1)))}
    return [
        engine
        for engine in engines
        if installed & engine.packages
        or started & engine.processes
        or services & engine.services
        or images & engine.images
    ]


def _run_image(arguments: str) -> str | None:
    """The image of a `docker run`: the first word that is neither an option nor its value."""
    words = arguments.split()
    index = 0
    while index < len(words):
        word = words[index]
        if not word.startswith("-"):
            return image_repository(word)
        if "=" not in word and word not in _FLAGS_WITHOUT_VALUE:
            index += 1  # the option's value
        index += 1
    return None


def _message(resource: Resource, where: str, engines: list[Engine]) -> str:
    names = ", ".join(e.name for e in engines)
    managed = "; ".join(f"{e.name}: {e.managed}" for e in engines)
    return (
        f"{resource.logical_id} runs {names} itself (its {where}): a server you patch, back up,"
        f" replicate and fail over yourself; use the managed service ({managed})"
    )
