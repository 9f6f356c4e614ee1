"""The container files agree with each other and with the settings.

No container engine runs here, so these tests read ``deploy/compose.yml``,
``deploy/Dockerfile``, ``deploy/nginx.conf`` and ``.dockerignore`` as data: the
services exist, every replica gets the same engine URLs pointing at the services that
provide them, every ``TUTOR_`` variable is a real setting, health checks probe
``/readyz``, data lives on volumes. Where the ``docker compose`` client is installed,
``docker compose config`` validates the file too; otherwise that part skips and says why.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _default(value: str) -> str:
    """``${VAR:-default}`` -> default, as compose interpolates with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_compose_has_the_whole_stack(compose):
    services = compose["services"]
    assert {"proxy", "tutor", "indexer", "chroma", "postgres", "redis"} <= set(services)
    assert services["tutor"]["deploy"]["replicas"] == 2
    assert services["indexer"]["command"] == ["tutor", "index"]
    assert services["tutor"]["command"][:2] == ["tutor", "serve"]
    assert "0.0.0.0" in services["tutor"]["command"]
    # only the proxy publishes a port: learners never reach a replica directly
    published = [name for name, svc in services.items() if svc.get("ports")]
    assert published == ["proxy"]


def test_every_tutor_process_gets_the_same_engine_urls(compose):
    services = compose["services"]
    tutor, indexer = _env(services["tutor"]), _env(services["indexer"])
    assert tutor == indexer

    chroma = urlsplit(_default(tutor["TUTOR_CHROMA_URL"]))
    assert (chroma.hostname, chroma.port) == ("chroma", 8000)

    db = urlsplit(_default(tutor["TUTOR_DATABASE_URL"]))
    pg_env = {k: _default(v) for k, v in _env(services["postgres"]).items()}
    assert db.scheme.startswith("postgresql") and db.hostname == "postgres"
    assert db.username == pg_env["POSTGRES_USER"]
    assert db.password == pg_env["POSTGRES_PASSWORD"]
    assert db.path == f"/{pg_env['POSTGRES_DB']}"

    redis_url = urlsplit(_default(tutor["TUTOR_REDIS_URL"]))
    assert (redis_url.scheme, redis_url.hostname, redis_url.port) == ("redis", "redis", 6379)


def test_every_tutor_variable_is_a_real_setting(compose):
    fields = {f"TUTOR_{name.upper()}" for name in Settings.model_fields}
    used = {k for k in _env(compose["services"]["tutor"]) if k.startswith("TUTOR_")}
    assert used <= fields, f"not settings: {sorted(used - fields)}"


def test_an_operator_can_set_every_secret_of_a_public_deployment(compose):
    """Review: without TUTOR_API_KEYS in the replicas' environment, a compose deployment
    could not scope the OpenAI ``user`` field to its clients."""
    env = _env(compose["services"]["tutor"])
    for name in ("TUTOR_API_KEYS", "TUTOR_ADMIN_TOKEN", "TUTOR_MODEL_API_KEY"):
        assert env.get(name) == f"${{{name}:-}}", name


def test_start_order_and_health_checks(compose):
    services = compose["services"]
    depends = services["tutor"]["depends_on"]
    assert depends["indexer"]["condition"] == "service_completed_successfully"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["tutor"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["tutor"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_state_lives_on_named_volumes(compose):
    services, volumes = compose["services"], compose["volumes"]
    mounts = {name: svc.get("volumes", []) for name, svc in services.items()}
    assert "chroma-data:/data" in mounts["chroma"]
    assert "postgres-data:/var/lib/postgresql/data" in mounts["postgres"]
    assert {"chroma-data", "postgres-data"} <= set(volumes)
    assert not mounts["tutor"], "replicas must be stateless: no volumes"


def test_proxy_balances_over_the_replicas(compose):
    mount = compose["services"]["proxy"]["volumes"][0]
    source = mount.split(":")[0]
    conf = (DEPLOY / source).read_text()
    assert re.search(r"server\s+tutor:8000\b", conf)
    assert re.search(r"proxy_pass\s+http://tutor;", conf)
    stream = re.search(r"location = /v1/chat/stream \{(.*?)\}", conf, re.S)
    assert stream and "proxy_buffering off" in stream.group(1), "SSE must not be buffered"
    assert "X-Forwarded-For" in conf


def test_the_replicas_trust_only_the_proxy_for_client_addresses(compose):
    """A learner must not choose the address the rate limit counts: nginx replaces any
    X-Forwarded-For with the peer it accepted, and the replicas trust that header from
    nginx's fixed address alone (never "*", which makes uvicorn take the left-most,
    client-written entry)."""
    services = compose["services"]
    trusted = _env(services["tutor"])["FORWARDED_ALLOW_IPS"]
    (network_name, attached), *others = services["proxy"]["networks"].items()
    assert not others, "the proxy has one network, shared with the replicas"
    proxy_ip = ipaddress.ip_address(attached["ipv4_address"])
    assert trusted == str(proxy_ip)
    (pool,) = compose["networks"][network_name]["ipam"]["config"]
    assert proxy_ip in ipaddress.ip_network(pool["subnet"])
    # dynamic addresses come from ip_range, so no other container can be given nginx's
    assert proxy_ip not in ipaddress.ip_network(pool["ip_range"])
    for name in ("tutor", "indexer"):
        assert services[name].get("networks", [network_name]) in ([network_name], None)

    conf = re.sub(r"#.*", "", (DEPLOY / "nginx.conf").read_text())  # directives only
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", conf)
    assert "$proxy_add_x_forwarded_for" not in conf, "appending keeps the client's value"


def test_dockerfile_builds_a_small_offline_cpu_image(dockerfile):
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2, "multi-stage"
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\} AS runtime", dockerfile, re.M)
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in dockerfile
    assert "HF_HUB_OFFLINE=1" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", dockerfile, re.M)
    assert 'CMD ["tutor", "serve", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile
    # every COPY from the build context names something that exists
    for src in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M):
        for path in src.split():
            assert (ROOT / path).exists(), f"COPY {path}: not in the repository"


def test_dockerignore_keeps_the_context_small():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data", "tests"} <= set(ignored)


def test_docker_compose_config_validates():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client installed; the YAML checks above still ran")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(
            f"docker has no compose plugin ({probe.stderr.strip().splitlines()[0][:60]}); YAML checked above"
        )
    done = subprocess.run(
        [docker, "compose", "-f", str(DEPLOY / "compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_the_image_bakes_the_onnx_query_graph_that_its_runtime_uses(dockerfile, tmp_path):
    """Run the Dockerfile's own export step with its cache dir moved to a temp folder,
    then start the runtime's query path on that folder: it must use the baked graph
    (no export, so torch is never imported), as the runtime stage does in the image."""
    build_dir = re.search(r"^ENV TUTOR_MODEL_CACHE_DIR=(\S+)", dockerfile, re.M).group(1)
    assert f"TUTOR_MODEL_CACHE_DIR={build_dir}" in dockerfile.split("AS runtime")[1]
    step = re.search(r'&& (python -c "from core\.settings import [^"]+")', dockerfile).group(1)
    cache = tmp_path / "share"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # the venv first
    env = {**os.environ, "TUTOR_MODEL_CACHE_DIR": str(cache), "PATH": path}
    subprocess.run(
        ["bash", "-c", step.replace("/tmp/data", str(tmp_path / "data"))],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
    )
    assert len(list(cache.glob("minilm-*.onnx"))) == 1
    probe = (
        "import sys; from core.settings import Settings; "
        "from knowledge.embeddings import make_embedder; "
        f"e = make_embedder(Settings(_env_file=None, data_dir={str(tmp_path / 'run')!r})); "
        "e.embed(['why do rnns forget?']); "
        "print(e._model.fast, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert out.stdout.split() == ["True", "False"]
