"""Rewards as a service: one reward spec served over HTTP to every trainer.

- `reward-core serve --config rewards.yaml` (or `python -m reward_core.serving`) runs the server
  (`server.py`, the ASGI app in `app.py`, bounded JSON bodies in `jsonbody.py`, uvicorn's protocol with
  connection limits and timeouts in `protocol.py`; `--ray` runs it as a Ray Serve deployment, `ray_serve.py`);
- `reward_core.remote_rewards(url)` gives TRL's `GRPOTrainer` the served rewards (`client.py`);
- `openrlhf.py` (`reward_func` file module, and the `/get_reward` shapes), `verl.py` (`compute_score`) and
  `slime.py` (`--rm-url`) translate the other trainers' shapes; `service.py` scores, shared by all.

Importing this package imports nothing heavy: starlette, uvicorn and aiohttp load with the module that needs
them (`pip install 'reward-core[serve]'`).
"""

from __future__ import annotations

__all__ = ["remote_rewards", "RewardClient", "RewardService", "create_app", "serve"]

_LAZY = {
    "remote_rewards": "client",
    "RewardClient": "client",
    "RewardService": "service",
    "create_app": "app",
    "serve": "server",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reward_core.serving' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
