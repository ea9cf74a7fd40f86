"""The Kubernetes manifests: valid against the API schemas of the oldest Kubernetes we support
and the newest the validator knows, put together the way kustomize would, and the safety nets
of the pods: probes, grace periods, migrations first, internal paths kept internal."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from kubernetes_validate.utils import latest_version

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSIONS = ["1.30", latest_version()]
KUSTOMIZE_KINDS = {"Kustomization", "Component"}
# Answered by the app for the cluster alone (the kubelet and Prometheus call pods directly).
INTERNAL_PATHS = ["/metrics", "/liveness/", "/readiness/"]
HEARTBEAT_PROBE = 'test $(( $(date +%s) - $(stat -c %Y "$WORKER_HEARTBEAT_FILE") )) -lt 60'


def manifest(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text())


def kustomization(directory: str = ".") -> dict:
    return manifest(f"{directory}/kustomization.yaml")


def components() -> list[str]:
    return sorted(path.parent.name for path in K8S.glob("*/kustomization.yaml"))


def resources() -> list[dict]:
    """Every object the base and its components add, as written (before kustomize)."""
    found = []
    for directory in [".", *components()]:
        for name in kustomization(directory).get("resources", []):
            found += [d for d in yaml.safe_load_all((K8S / directory / name).read_text()) if d]
    return found


def generated_config_maps(directory: str = ".") -> dict[str, dict[str, str]]:
    return {
        generator["name"]: dict(literal.split("=", 1) for literal in generator["literals"])
        for generator in kustomization(directory).get("configMapGenerator", [])
    }


def pod_spec(document: dict) -> dict:
    if document["kind"] == "CronJob":
        return document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return document["spec"]["template"]["spec"]


def pods() -> dict[str, dict]:
    """The shop's own pods (the cache, Redis's own image, aside)."""
    kinds = {"Deployment", "Job", "CronJob"}
    return {d["metadata"]["name"]: pod_spec(d) for d in resources()
            if d["kind"] in kinds and d["metadata"]["name"] != "redis"}


def containers(pod: dict) -> list[dict]:
    return pod.get("initContainers", []) + pod["containers"]


def documents():
    for path in sorted(K8S.rglob("*.yaml")):
        for number, document in enumerate(yaml.safe_load_all(path.read_text())):
            if document and document["kind"] not in KUSTOMIZE_KINDS:
                yield path.relative_to(K8S), number, document


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    "document", [pytest.param(d, id=f"{path}-{number}") for path, number, d in documents()]
)
def test_every_manifest_is_valid(document, version):
    kubernetes_validate.validate(document, version, strict=True)


def test_the_kustomization_lists_every_manifest_but_the_example_secret():
    listed = {
        (K8S / directory / name).relative_to(K8S)
        for directory in [".", *components()]
        for name in kustomization(directory).get("resources", [])
    }
    on_disk = {path for path, _, document in documents()}
    assert listed == on_disk - {Path("secret.example.yaml")}
    assert set(kustomization()["components"]) <= set(components())


def test_no_secret_is_committed_but_the_example():
    secrets = [str(path) for path, _, document in documents() if document["kind"] == "Secret"]
    assert secrets == ["secret.example.yaml"]


def test_settings_come_from_generated_config_maps_whose_names_change_with_them():
    assert not [d for d in resources() if d["kind"] == "ConfigMap"]
    generated = generated_config_maps().keys() | generated_config_maps(
        kustomization()["components"][0]
    ).keys()
    referenced = {
        source["configMapRef"]["name"]
        for pod in pods().values()
        for container in containers(pod)
        for source in container.get("envFrom", [])
        if "configMapRef" in source
    }
    # kustomize rewrites a reference to the hashed name only when it names a generator.
    assert referenced == generated == {"storefront", "storefront-media"}


def test_every_media_choice_makes_the_same_config_map():
    assert [set(generated_config_maps(c)) for c in components()] == [{"storefront-media"}] * 2


def test_every_pod_reads_the_same_settings():
    for name, pod in pods().items():
        for container in containers(pod):
            assert container["envFrom"] == [
                {"configMapRef": {"name": "storefront"}},
                {"configMapRef": {"name": "storefront-media"}},
                {"secretRef": {"name": "storefront"}},
            ], name


def test_the_image_is_pinned_to_a_release_not_latest():
    [image] = kustomization()["images"]
    assert image["name"] == "storefront"
    tag = image.get("newTag") or image["digest"]
    assert tag and tag != "latest"
    # Every container names the image the transformer rewrites.
    assert {c["image"] for pod in pods().values() for c in containers(pod)} == {"storefront"}


def test_the_ingress_uses_no_snippets():
    ingress = manifest("ingress.yaml")
    assert not [key for key in ingress["metadata"].get("annotations", {}) if "snippet" in key]


def routes(path: str) -> bool:
    """Whether the Ingress sends `path` on, by Kubernetes' Exact and Prefix matching."""
    for rule in manifest("ingress.yaml")["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            if entry["pathType"] == "Exact" and path == entry["path"]:
                return True
            prefix = entry["path"].rstrip("/")
            if entry["pathType"] == "Prefix" and (
                not prefix or path == prefix or path.startswith(prefix + "/")
            ):
                return True
    return False


def first_segments(patterns, prefix: str = "") -> set[str]:
    found = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver) and not route:
            found |= first_segments(pattern.url_patterns)
        elif isinstance(pattern, URLResolver | URLPattern):
            found.add("/" + route.split("/")[0] + ("/" if "/" in route else ""))
    return found


def test_the_ingress_routes_every_public_page_and_keeps_the_internal_paths_out():
    public = first_segments(get_resolver().url_patterns)
    assert "/products/" in public  # the walk found the shop's pages
    assert [path for path in sorted(public) if not routes(path)] == []
    assert [path for path in INTERNAL_PATHS if routes(path)] == []
    assert routes("/static/css/shop.css") and routes("/media/products/mug.jpg")
    assert not routes("/metrics/") and not routes("/productsx")


def test_the_web_pod_is_probed_limited_and_unprivileged():
    pod = pods()["storefront-web"]
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


def test_the_web_pod_finishes_its_requests_well_before_it_is_killed():
    pod = pods()["storefront-web"]
    [web] = pod["containers"]
    pre_stop = web["lifecycle"]["preStop"]["sleep"]["seconds"]
    graceful = int(generated_config_maps()["storefront"]["GUNICORN_GRACEFUL_TIMEOUT"])
    assert pre_stop + graceful + 10 <= pod["terminationGracePeriodSeconds"]


def test_the_worker_runs_the_queue_after_the_migrations():
    pod = pods()["storefront-worker"]
    [worker] = pod["containers"]
    assert worker["command"][:3] == ["python", "manage.py", "run_worker"]
    [wait] = pod["initContainers"]
    assert "until python manage.py migrate --check" in wait["command"][-1]
    [migrate] = pods()["storefront-migrate"]["containers"]
    assert migrate["command"][:3] == ["python", "manage.py", "migrate"]


def test_the_worker_is_restarted_when_its_heartbeat_goes_stale():
    pod = pods()["storefront-worker"]
    [worker] = pod["containers"]
    for probe in ("startupProbe", "livenessProbe"):
        assert worker[probe]["exec"]["command"] == ["sh", "-c", HEARTBEAT_PROBE]
    env = {variable["name"]: variable["value"] for variable in worker["env"]}
    assert env["WORKER_HEARTBEAT_FILE"] == "/tmp/worker-heartbeat"  # noqa: S108
    [port] = worker["ports"]
    assert (port["name"], port["containerPort"]) == ("metrics", int(env["WORKER_METRICS_PORT"]))
    # Time to finish the task in hand after SIGTERM.
    assert pod["terminationGracePeriodSeconds"] >= 60


@pytest.mark.parametrize(("name", "command"), [
    ("storefront-expire-orders", ["python", "manage.py", "expire_orders"]),
    ("storefront-prune-tasks", ["python", "manage.py", "prune_db_task_results"]),
    ("storefront-retention", ["python", "manage.py", "apply_retention"]),
    ("storefront-recommendations", ["python", "manage.py", "rebuild_recommendations"]),
    ("storefront-forecasts", ["python", "manage.py", "forecast_demand"]),
])
def test_housekeeping_runs_on_a_schedule_like_the_payments_sync(name, command):
    cron_jobs = {d["metadata"]["name"]: d for d in resources() if d["kind"] == "CronJob"}
    job, model = cron_jobs[name], cron_jobs["storefront-payments-sync"]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    assert job["spec"]["successfulJobsHistoryLimit"] and job["spec"]["failedJobsHistoryLimit"]
    [container], [like] = pod_spec(job)["containers"], pod_spec(model)["containers"]
    assert container["command"][: len(command)] == command
    assert pod_spec(job)["securityContext"] == pod_spec(model)["securityContext"]
    assert container["securityContext"] == like["securityContext"]
    assert container["envFrom"] == like["envFrom"]


def test_pruning_keeps_failed_tasks_longer_than_finished_ones():
    command = pods()["storefront-prune-tasks"]["containers"][0]["command"]
    kept = dict(zip(command[3::2], command[4::2], strict=True))
    assert kept["--queue-name"] == "*"
    assert int(kept["--failed-min-age-days"]) > int(kept["--min-age-days"]) >= 7


def test_the_single_node_volume_is_read_write_once_and_mounted_by_the_web_pods():
    [claim] = [d for d in resources() if d["kind"] == "PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    # The cluster's default class, unless a patch names one (see the claim's comment).
    assert "storageClassName" not in claim["spec"]
    [patch] = kustomization("media-volume")["patches"]
    assert patch["target"] == {"kind": "Deployment", "name": "storefront-web"}
    volumes = yaml.safe_load(patch["patch"])["spec"]["template"]["spec"]["volumes"]
    claim = {"claimName": "storefront-media"}
    assert volumes == [{"name": "media", "persistentVolumeClaim": claim}]
    assert generated_config_maps("media-volume")["storefront-media"]["SERVE_MEDIA"] == "true"


def test_the_bucket_is_the_default_for_product_images():
    assert kustomization()["components"] == ["media-bucket"]
    media = generated_config_maps("media-bucket")["storefront-media"]
    assert media["AWS_STORAGE_BUCKET_NAME"]


def test_only_the_web_pods_keep_metrics_in_a_multiprocess_directory():
    # gunicorn makes the directory in the web pod; anything else handed the variable (the
    # task worker, the migrations, the housekeeping jobs) fails at start on a missing directory.
    for literals in generated_config_maps().values():
        assert "PROMETHEUS_MULTIPROC_DIR" not in literals
    for name, pod in pods().items():
        for container in containers(pod):
            names = {variable["name"] for variable in container.get("env", [])}
            assert ("PROMETHEUS_MULTIPROC_DIR" in names) == (container["name"] == "web"), name


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_web_pod_with_the_volume_mounted_is_valid(version):
    # The strategic merge kustomize does for this patch: containers matched by name, the new
    # volume and mount added.
    web = next(d for d in resources() if d["metadata"]["name"] == "storefront-web"
               and d["kind"] == "Deployment")
    [patch] = kustomization("media-volume")["patches"]
    patched = yaml.safe_load(patch["patch"])["spec"]["template"]["spec"]
    pod = web["spec"]["template"]["spec"]
    pod["volumes"] += patched["volumes"]
    for container in patched["containers"]:
        [target] = [c for c in pod["containers"] if c["name"] == container["name"]]
        target["volumeMounts"] += container["volumeMounts"]
    kubernetes_validate.validate(web, version, strict=True)


def test_the_cache_evicts_the_least_recently_used_keys_within_its_limit():
    """Made-up addresses or a long sale cannot fill Redis: past --maxmemory it drops the
    least recently used keys, and its pod's limit leaves it room above that."""
    [redis] = [d for d in resources() if d["kind"] == "Deployment"
               and d["metadata"]["name"] == "redis"]
    [container] = pod_spec(redis)["containers"]
    args = container["args"]
    assert args[args.index("--maxmemory-policy") + 1] == "allkeys-lru"
    maxmemory = int(args[args.index("--maxmemory") + 1].removesuffix("mb"))
    limit = int(container["resources"]["limits"]["memory"].removesuffix("Mi"))
    assert maxmemory * 1.25 <= limit
    assert "redis://redis:6379/0" in generated_config_maps()["storefront"]["REDIS_URL"]
