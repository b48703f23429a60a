"""Where the file modules (veRL `compute_score`, OpenRLHF `reward_func`) score: a server, or this process.

`$REWARD_CORE_URL` (+ `$REWARD_CORE_SERVE_TOKEN`): the reward server; else `$REWARD_CORE_SPEC`: the spec loaded
in-process (one `RewardService` per process). Built once per process and URL/spec.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from .errors import ServeConfigError

# The client and the service are imported when a backend is built: a trainer's process loads only the one it uses.

__all__ = ["backend_from_env", "backend", "LocalBackend"]

ENV_SPEC = "REWARD_CORE_SPEC"


class LocalBackend:
    """Scores in this process with a `RewardService`, same answer shape as `SyncClient.score`."""

    def __init__(self, spec: Any) -> None:
        from .service import RewardService

        self.service = RewardService(spec)

    def score(self, prompts: list | None, completions: list, columns: dict[str, Any]) -> dict[str, Any]:
        return self.service.score_sync(self.service.batch(prompts, completions, columns))


@functools.cache
def backend(url: str | None = None, spec: str | None = None, token: str | None = None) -> Any:
    if url:
        from .client import RewardClient

        client = RewardClient(url, token=token)
        # Learn the served log names now (a wrong URL or token fails the first batch, loudly), so a batch the
        # server later fails still answers every reward's key (veRL's reward_extra_info needs the same keys).
        try:
            client.describe()
        except Exception as exc:
            exc.add_note(f"the reward server at {url} ($REWARD_CORE_URL or url=): is `reward-core serve` running?")
            raise
        return client
    if spec:
        return LocalBackend(spec)
    raise ServeConfigError(
        "no reward server or spec: set $REWARD_CORE_URL to a `reward-core serve` URL (and $REWARD_CORE_SERVE_TOKEN "
        "when it has a token), or $REWARD_CORE_SPEC to a reward spec to score in this process"
    )


def backend_from_env() -> Any:
    from .client import ENV_TOKEN, ENV_URL

    return backend(os.environ.get(ENV_URL) or None, os.environ.get(ENV_SPEC) or None,
                   os.environ.get(ENV_TOKEN) or None)
