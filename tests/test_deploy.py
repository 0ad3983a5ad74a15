"""deploy/kubernetes validates against Kubernetes' own schemas (kubernetes-validate, offline),
says what production needs, and every place that starts the service uses the production flags."""

import ipaddress
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bench.production_load import PRODUCTION_FLAGS

ROOT = Path(__file__).resolve().parent.parent
KUBE_DIR = ROOT / "deploy" / "kubernetes"
KUBE_VERSION = "1.30"  # oldest release still common in managed clusters
MANIFESTS = sorted(p for p in KUBE_DIR.glob("*.yaml") if p.name != "kustomization.yaml")
FLAG_NAMES = [flag for flag in PRODUCTION_FLAGS if flag.startswith("--")]


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((KUBE_DIR / name).read_text())
    return document


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_is_valid_kubernetes(path: Path):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, KUBE_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    listed = set(load("kustomization.yaml")["resources"])
    assert listed == {p.name for p in MANIFESTS}


def test_deployment_has_what_production_needs():
    deployment = load("deployment.yaml")
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert spec["replicas"] >= 2
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    env = {item["name"]: item for item in container["env"]}
    assert env["XUNQIN_ADMIN_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "xunqin-admin"
    # The dataset comes from a read-only volume; /tmp is the only writable place (metrics).
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts[env["XUNQIN_DATA_DIR"]["value"]]["readOnly"] is True
    assert env["PROMETHEUS_MULTIPROC_DIR"]["value"].startswith("/tmp/") and "/tmp" in mounts
    # Graceful shutdown fits in the grace period: preStop sleep + the image's 8 s.
    sleep_s = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert sleep_s + 8 < pod["terminationGracePeriodSeconds"]


def test_service_hpa_and_pdb_point_at_the_deployment():
    deployment = load("deployment.yaml")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert load("service.yaml")["spec"]["selector"].items() <= labels.items()
    assert load("pdb.yaml")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = load("hpa.yaml")["spec"]
    assert hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["minReplicas"] >= 2
    assert load("pdb.yaml")["spec"]["minAvailable"] < hpa["minReplicas"]


def dockerfile_cmd() -> str:
    line = next(ln for ln in (ROOT / "Dockerfile").read_text().splitlines() if ln.startswith("CMD"))
    command: list[str] = json.loads(line.removeprefix("CMD"))
    return command[-1]


def makefile_recipe(target: str) -> str:
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index(next(ln for ln in lines if ln.startswith(f"{target}:")))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line)
    return "\n".join(recipe)


@pytest.mark.parametrize(
    "where",
    [
        "Dockerfile CMD",  # what the container and the Kubernetes Deployment run
        "make serve-prod",
        "README",
    ],
)
def test_every_production_command_uses_the_production_flags(where: str):
    text = {
        "Dockerfile CMD": dockerfile_cmd,
        "make serve-prod": lambda: makefile_recipe("serve-prod"),
        "README": lambda: (ROOT / "README.md").read_text(),
    }[where]()
    missing = [flag for flag in [*FLAG_NAMES, "--workers"] if flag not in text]
    assert not missing, f"{where} lacks {missing}"


def test_forwarded_for_is_trusted_from_the_ingress_only():
    """A wide FORWARDED_ALLOW_IPS (the pod network) lets any pod pick its rate-limit bucket."""
    (container,) = load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    trusted = [item.strip() for item in env["FORWARDED_ALLOW_IPS"].split(",")]
    assert "*" not in trusted
    for item in trusted:
        network = ipaddress.ip_network(item, strict=True)
        assert network.num_addresses <= 256, f"{item} trusts more than the ingress"
    # No other pod may connect at all: only the ingress controller and the metrics scraper.
    policy = load("networkpolicy.yaml")
    labels = load("deployment.yaml")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    sources = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert all("namespaceSelector" in peer for peer in sources)
    ingress = [p for p in sources if "podSelector" in p]
    assert ingress and "ingress" in str(ingress[0]["podSelector"]["matchLabels"])


def test_commands_without_a_proxy_turn_proxy_headers_off():
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told --no-proxy-headers."""
    assert "--no-proxy-headers" in makefile_recipe("serve")
    readme = (ROOT / "README.md").read_text()
    for line in readme.splitlines():
        if "uvicorn --factory app.main:create_app" in line and "`" in line:
            # a command shown in running text names one way or the other
            assert "--no-proxy-headers" in line or "--proxy-headers" in line, line
