"""`reward-core serve --ray`: the same endpoints as a Ray Serve deployment with replicas.

Each replica builds its own `RewardService` (one instance of each reward per replica), so a judge's
`max_concurrency` bounds each replica: N replicas send up to N × max_concurrency judge requests.
Ray's HTTP proxy (one on every node by default) spreads requests over the replicas, which Ray Serve spreads
over the cluster's nodes; the token, the size limits and the errors are the ones of `app.Endpoints`, which
every replica runs. The token travels to the replicas as a constructor argument (in the cluster's control
store, never on a command line). `num_cpus` is what each replica reserves from Ray's scheduler; a reward's
own worker pool (`math.answer_correctness`'s `workers`, default: the node's CPUs) is sized by its params.
The spec's `${VARIABLES}` are expanded by each replica with the values they have where the deployment is made.
"""

from __future__ import annotations

from typing import Any

__all__ = ["deployment", "run"]


def deployment(spec: Any, *, replicas: int = 1, num_cpus: float = 1.0, **options: Any) -> Any:
    """A bound Ray Serve application serving `spec` with `replicas` replicas (options as `app.Endpoints`)."""
    try:
        from ray import serve
    except ImportError:
        from .errors import ServeConfigError

        raise ServeConfigError("reward-core serve --ray needs Ray Serve: pip install 'reward-core[ray]'") from None

    import os

    from ..interpolation import variables
    from ..spec import read_spec

    if isinstance(spec, (str, os.PathLike)):  # read here: the file need not exist on the other nodes
        spec = read_spec(spec)
    # Replicas expand the spec's ${VARIABLES} in their own processes, on any node: give them the driver's values.
    env_vars = {name: os.environ[name] for name in sorted(variables(spec)) if name in os.environ}
    actor_options: dict[str, Any] = {"num_cpus": num_cpus}
    if env_vars:
        actor_options["runtime_env"] = {"env_vars": env_vars}

    @serve.deployment(num_replicas=replicas, ray_actor_options=actor_options)
    class RewardServer:
        def __init__(self, spec: Any, options: dict[str, Any]) -> None:
            from .app import Endpoints
            from .service import DEFAULT_MAX_BATCH, DEFAULT_REWARD_TIMEOUT, RewardService

            service = RewardService(spec, max_batch=options.pop("max_batch", None) or DEFAULT_MAX_BATCH,
                                    log_batches=True,
                                    reward_timeout=options.pop("reward_timeout", None) or DEFAULT_REWARD_TIMEOUT)
            service.manifest()
            # Ray's proxy, not uvicorn, holds the client's connection: no disconnect watch here
            self.endpoints = Endpoints(service, watch_disconnect=False, **options)

        async def __call__(self, request: Any) -> Any:
            return await self.endpoints.dispatch(request)

    return RewardServer.bind(spec, {k: v for k, v in options.items() if v is not None})


def run(spec: Any, *, replicas: int = 1, host: str = "127.0.0.1", port: int = 8000, address: str | None = None,
        num_cpus: float = 1.0, block: bool = True, **options: Any) -> int:
    """Start (or join) Ray, deploy `spec` on `host:port`, and serve until interrupted (when `block`)."""
    import signal
    import time

    import ray
    from ray import serve

    ray.init(address=address, ignore_reinit_error=True)
    serve.start(http_options={"host": host, "port": port})
    serve.run(deployment(spec, replicas=replicas, num_cpus=num_cpus, **options), name="reward-core",
              route_prefix="/")
    print(f"reward-core serve: Ray Serve, {replicas} replica(s) on http://{host}:{port}", flush=True)
    if not block:
        return 0

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # SIGTERM as Ctrl-C: take the deployment down, then exit 0
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        serve.shutdown()
    print("reward-core serve: Ray Serve deployment removed", flush=True)
    return 0
