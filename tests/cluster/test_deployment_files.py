"""compose.yaml and the Dockerfile agree with each other and with the code.

Docker cannot run here, so these read the files: the services the design
asks for, environment variables the code really reads, ports, shared secrets,
addresses, and commands that ``silkhall``'s own parser accepts.
"""

from __future__ import annotations

import ast
import ipaddress
import json
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.cli import build_parser, settings_from

ROOT = Path(__file__).resolve().parents[2]
NODES = ("node-a", "node-b")
# What a cluster node cannot run without (tokens.py reads SILKHALL_SECRET).
NODE_NEEDS = {"SILKHALL_REDIS", "SILKHALL_NODE_ID", "SILKHALL_PUBLIC_URL",
              "SILKHALL_TURN_URLS", "SILKHALL_TURN_SECRET", "SILKHALL_SECRET"}
# Stand-ins for the secrets compose takes from the environment or .env.
SECRETS = {"SILKHALL_SECRET": "token-secret-0123456789abcdef", "TURN_SECRET": "turn-secret-42"}


# --- reading the files ------------------------------------------------------


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return document


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's variable interpolation: $VAR, ${VAR}, ${VAR:-default},
    ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$."""
    pattern = re.compile(r"\$(?:(\$)|(\w+)|\{(\w+)(?:(:?[-?])([^}]*))?\})")

    def one(match: re.Match[str]) -> str:
        if match[1]:
            return "$"
        name = match[2] or match[3]
        operator, argument = match[4], match[5] or ""
        value = env.get(name)
        unset = value is None or (value == "" and operator is not None and ":" in operator)
        if operator and operator.endswith("-") and unset:
            return argument
        if operator and operator.endswith("?") and unset:
            raise KeyError(f"{name}: {argument}")
        return value or ""

    return pattern.sub(one, text)


def environment(name: str, env: Mapping[str, str] = SECRETS) -> dict[str, str]:
    raw = service(name).get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), env) for key, value in raw.items()}


def command(name: str, env: Mapping[str, str] = SECRETS) -> list[str]:
    raw = service(name)["command"]
    words = shlex.split(raw) if isinstance(raw, str) else [str(w) for w in raw]
    return [interpolate(word, env) for word in words]


def option(words: list[str], name: str) -> str | None:
    """The value of ``--name=value`` or ``--name value`` in a command line."""
    for index, word in enumerate(words):
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
        if word == name and index + 1 < len(words):
            return words[index + 1]
    return None


def published(name: str) -> list[tuple[str, str, str]]:
    """(host port, container port, protocol) of a service's short-form ports."""
    result = []
    for entry in service(name).get("ports", []):
        spec, _, protocol = str(entry).partition("/")
        host, _, container = spec.rpartition(":")
        result.append((host.rsplit(":", 1)[-1], container, protocol or "tcp"))
    return result


def address(name: str) -> str:
    value: str = service(name)["networks"]["default"]["ipv4_address"]
    return value


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    instructions = []
    for text in logical:
        keyword, _, arguments = text.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def instruction(keyword: str) -> list[str]:
    return [arguments for name, arguments in dockerfile() if name == keyword]


def exec_form(keyword: str) -> list[str]:
    [arguments] = instruction(keyword)
    words: list[str] = json.loads(arguments)
    return words


def environment_reads() -> set[str]:
    """Every variable the packages read with os.environ.get / [] / os.getenv,
    the name given literally or as a module-level string constant."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]["include"]
    packages = sorted({pattern.rstrip("*") for pattern in include})
    names: set[str] = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            names |= _reads_in(ast.parse(path.read_text(), str(path)))
    return names


def _reads_in(tree: ast.Module) -> set[str]:
    constants = {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets if isinstance(target, ast.Name)
    }

    def name_of(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    def is_environ(node: ast.expr) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ")

    found: set[str] = set()
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
            function = node.func
            if function.attr == "getenv" or (function.attr == "get"
                                             and is_environ(function.value)):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            key = node.slice
        name = None if key is None else name_of(key)
        if name is not None:
            found.add(name)
    return found


def silkhall_env(name: str) -> Iterator[str]:
    yield from (key for key in environment(name) if key.startswith("SILKHALL_"))


# --- the tests --------------------------------------------------------------


def test_the_code_reads_the_variables_we_look_for() -> None:
    reads = environment_reads()
    assert reads >= NODE_NEEDS, NODE_NEEDS - reads


def test_services_redis_with_aof_two_nodes_and_coturn() -> None:
    services = compose()["services"]
    assert set(services) == {"redis", *NODES, "coturn"}
    redis = services["redis"]
    assert str(redis["image"]).split(":")[0] == "redis"
    assert str(redis["image"]).split(":")[1].startswith("7")
    words = command("redis")
    assert option(words, "--appendonly") == "yes"
    assert option(words, "--appendfsync") == "everysec"
    assert any(str(v).endswith(":/data") for v in redis["volumes"]), "AOF on a volume"
    for node in NODES:
        assert services[node]["build"] == "."
        assert services[node]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert str(services["coturn"]["image"]).startswith("coturn/coturn")
    volumes = [services[node]["volumes"][0].split(":")[0] for node in NODES]
    assert len(set(volumes)) == 2, "each node has its own data volume"
    assert set(volumes) | {"redis-data"} <= set(compose()["volumes"])


def test_every_silkhall_variable_in_compose_is_read_by_the_code() -> None:
    reads = environment_reads()
    for node in NODES:
        names = set(silkhall_env(node))
        assert names <= reads, f"{node} sets variables nobody reads: {names - reads}"
        assert names >= NODE_NEEDS, f"{node} lacks {NODE_NEEDS - names}"
    for other in ("redis", "coturn"):
        assert not list(silkhall_env(other))


def test_nodes_are_distinct_nodes_of_one_cluster() -> None:
    a, b = (environment(node) for node in NODES)
    assert a["SILKHALL_NODE_ID"] != b["SILKHALL_NODE_ID"]
    assert a["SILKHALL_PUBLIC_URL"] != b["SILKHALL_PUBLIC_URL"]
    assert a["SILKHALL_REDIS"] == b["SILKHALL_REDIS"] == "redis://redis:6379/0"
    # Join tokens minted on one node verify on the other.
    assert a["SILKHALL_SECRET"] == b["SILKHALL_SECRET"] == SECRETS["SILKHALL_SECRET"]
    assert a["SILKHALL_TURN_URLS"] == b["SILKHALL_TURN_URLS"]
    for node in NODES:
        # Each default public URL is the port published for that node.
        url = environment(node, SECRETS)["SILKHALL_PUBLIC_URL"]
        [(host_port, _, _)] = published(node)
        assert url.endswith(f":{host_port}"), (node, url)


def test_secrets_have_no_defaults() -> None:
    for node in NODES:
        for missing in SECRETS:
            env = {k: v for k, v in SECRETS.items() if k != missing}
            with pytest.raises(KeyError, match=missing):
                environment(node, env)
    with pytest.raises(KeyError, match="TURN_SECRET"):
        command("coturn", {"SILKHALL_SECRET": "x"})


def test_the_turn_secret_is_coturns_static_auth_secret() -> None:
    words = command("coturn")
    assert "--use-auth-secret" in words
    secret = option(words, "--static-auth-secret")
    assert secret == SECRETS["TURN_SECRET"]
    for node in NODES:
        assert environment(node)["SILKHALL_TURN_SECRET"] == secret


def test_turn_urls_reach_coturns_published_port() -> None:
    words = command("coturn")
    port = option(words, "--listening-port") or "3478"
    assert {(port, port, "udp"), (port, port, "tcp")} <= set(published("coturn"))
    urls = environment("node-a")["SILKHALL_TURN_URLS"].split(",")
    assert urls
    for url in urls:
        match = re.fullmatch(r"turns?:([^:?]+):(\d+)(\?transport=(udp|tcp))?", url)
        assert match is not None, url
        assert match[2] == port


def test_coturn_relays_to_the_nodes_on_their_network() -> None:
    network = compose()["networks"]["default"]["ipam"]["config"][0]
    subnet = ipaddress.ip_network(network["subnet"])
    dynamic = ipaddress.ip_network(network["ip_range"])
    words = command("coturn")
    assert option(words, "--relay-ip") == address("coturn")
    low, high = (ipaddress.IPv4Address(a) for a in
                 str(option(words, "--allowed-peer-ip")).split("-"))
    assert int(option(words, "--min-port") or 0) < int(option(words, "--max-port") or 0)
    for name in (*NODES, "coturn"):
        ip = ipaddress.ip_address(address(name))
        assert ip in subnet and ip not in dynamic, name
    for node in NODES:
        ip4 = ipaddress.IPv4Address(address(node))
        assert low <= ip4 <= high, f"coturn may relay to {node}"
        # The node's media plane announces that same address.
        assert option(command(node), "--ice-address") == address(node)


def test_commands_are_silkhall_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    assert exec_form("ENTRYPOINT") == ["silkhall"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["silkhall"] == "server.cli:main"
    [volume] = instruction("VOLUME")
    args = build_parser().parse_args(exec_form("CMD"))
    assert args.command == "serve"
    assert (args.host, str(args.data_dir)) == ("0.0.0.0", volume)
    for node in NODES:
        for key, value in environment(node).items():
            monkeypatch.setenv(key, value)
        # The parser reads its environment defaults when it is built.
        args = build_parser().parse_args(command(node))
        assert args.command == "serve"
        assert args.host == "0.0.0.0"
        assert any(v.endswith(f":{args.data_dir}") for v in service(node)["volumes"])
        settings = settings_from(args)
        env = environment(node)
        assert settings.cluster.redis_url == env["SILKHALL_REDIS"]
        assert settings.cluster.node_id == env["SILKHALL_NODE_ID"]
        assert settings.public_url == env["SILKHALL_PUBLIC_URL"]
        assert settings.turn.enabled
        assert settings.turn.urls == tuple(env["SILKHALL_TURN_URLS"].split(","))
        assert settings.media.host_addresses == (address(node),)


def test_ports_are_8080_everywhere() -> None:
    [exposed] = instruction("EXPOSE")
    assert exposed.split() == ["8080"]
    default = build_parser().parse_args(exec_form("CMD")).port
    assert default == 8080
    for node in NODES:
        assert option(command(node), "--port") in (None, "8080")
        [(_, container, protocol)] = published(node)
        assert (container, protocol) == ("8080", "tcp")
    hosts = [published(node)[0][0] for node in NODES]
    assert sorted(hosts) == ["8081", "8082"]
    [healthcheck] = instruction("HEALTHCHECK")
    assert "127.0.0.1:8080/healthz" in healthcheck


def test_the_dockerfile_installs_the_package_as_a_user() -> None:
    [base] = instruction("FROM")
    assert base.startswith("python:3.11-slim")
    runs = " ".join(instruction("RUN"))
    assert re.search(r"pip install \.(\s|$)", runs)
    assert "libportaudio2" in runs
    copied = {arguments.split()[-2].lstrip("./") for arguments in instruction("COPY")}
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    assert packages <= copied, f"pip install . would miss {packages - copied}"
    assert "pyproject.toml" in " ".join(instruction("COPY"))
    [user] = instruction("USER")
    assert user not in ("root", "0")
    assert instruction("VOLUME") == ["/data"]
