"""The Kubernetes manifests: valid against the API schemas, and the web pod's safety nets."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33"


def documents():
    for path in sorted(K8S.glob("*.yaml")):
        for number, document in enumerate(yaml.safe_load_all(path.read_text())):
            if document and document["kind"] != "Kustomization":
                yield pytest.param(document, id=f"{path.name}-{number}")


def manifest(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text())


@pytest.mark.parametrize("document", list(documents()))
def test_every_manifest_is_valid(document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest_but_the_example_secret():
    listed = set(manifest("kustomization.yaml")["resources"])
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk - {"secret.example.yaml"}


def test_no_secret_is_committed_but_the_example():
    kinds = {path.name: [d["kind"] for d in yaml.safe_load_all(path.read_text()) if d]
             for path in K8S.glob("*.yaml")}
    assert [name for name, found in kinds.items() if "Secret" in found] == ["secret.example.yaml"]


def test_the_web_pod_is_probed_limited_and_unprivileged():
    pod = manifest("web-deployment.yaml")["spec"]["template"]["spec"]
    [web] = pod["containers"]
    assert web["startupProbe"]["httpGet"]["path"] == "/liveness/"
    assert web["livenessProbe"]["httpGet"]["path"] == "/liveness/"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readiness/"
    assert web["ports"][0]["containerPort"] == 8000
    assert {"requests", "limits"} <= web["resources"].keys()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert web["securityContext"]["readOnlyRootFilesystem"] is True
    tmp = next(v for v in pod["volumes"] if v["name"] == "tmp")
    assert "emptyDir" in tmp
    assert {"mountPath": "/tmp", "name": "tmp"} in web["volumeMounts"]  # noqa: S108
    sources = [next(iter(source)) for source in web["envFrom"]]
    assert sources == ["configMapRef", "secretRef"]


def test_the_worker_and_the_migrations_run_the_commands():
    worker = manifest("worker-deployment.yaml")["spec"]["template"]["spec"]["containers"][0]
    migrate = manifest("migrate-job.yaml")["spec"]["template"]["spec"]["containers"][0]
    assert worker["command"][:3] == ["python", "manage.py", "db_worker"]
    assert migrate["command"][:3] == ["python", "manage.py", "migrate"]


def test_only_the_web_pods_keep_metrics_in_a_multiprocess_directory():
    # gunicorn makes the directory in the web pod; anything else handed the variable (the
    # task worker, the migrations, the payments sync) fails at start on a missing directory.
    assert "PROMETHEUS_MULTIPROC_DIR" not in manifest("configmap.yaml")["data"]
    [web] = manifest("web-deployment.yaml")["spec"]["template"]["spec"]["containers"]
    assert {"name": "PROMETHEUS_MULTIPROC_DIR", "value": "/tmp/metrics"} in web["env"]  # noqa: S108
    for name in ("worker-deployment.yaml", "migrate-job.yaml"):
        [container] = manifest(name)["spec"]["template"]["spec"]["containers"]
        assert "env" not in container, name
