"""A local 2-node Ray cluster for tests: 1 CPU per node, loopback only, token auth on.

It is the README's documented setup in small: token authentication on (`RAY_AUTH_MODE=token`, a
fresh token for this cluster), every node on 127.0.0.1 (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 makes
Ray bind loopback instead of the machine's interface). Under CI (CI=true) a missing Ray fails
the tests instead of skipping them, so a broken install can never turn them green.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

import pytest

LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_IGNORE_UNHANDLED_ERRORS": "1"}
# Ray reads its auth mode and token once per process (at import, then cached): one token for
# every cluster this test process makes, set before Ray is first imported.
AUTH_ENV = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}


def require_ray():
    # Also read once per process: loopback, for every node this process starts or joins.
    for key, value in {**LOOPBACK_ENV, **AUTH_ENV}.items():
        os.environ.setdefault(key, value)
    try:
        import ray
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(
                "Ray tests cannot run under CI: ray is not installed (pip install -e '.[cluster]')", pytrace=False
            )
        pytest.skip("ray is not installed (pip install -e '.[cluster]')", allow_module_level=True)
    return ray


@contextmanager
def local_cluster(connect: bool = True):
    """(cluster, worker node, environment for another driver such as a Streamlit server)."""
    ray = require_ray()
    from ray.cluster_utils import Cluster

    env = {**LOOPBACK_ENV, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": os.environ["RAY_AUTH_TOKEN"]}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        worker = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        if connect:
            ray.init(address=cluster.address, namespace="gan-explainer", log_to_driver=False)
            resources = ray.cluster_resources()
            assert resources.get("node:127.0.0.1") == 2 and resources.get("CPU") == 2, resources
        yield cluster, worker, {**env, "GAN_EXPLAINER_RAY_ADDRESS": cluster.address}
    finally:
        stop_ray_runs()
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def stop_ray_runs() -> None:
    from gan_core.runs.cluster import monitor

    if monitor._monitor is not None:
        for run in monitor._monitor.all_runs():
            run.stop(timeout=2.0)
