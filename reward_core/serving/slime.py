"""slime: `--rm-type remote_rm --rm-url http://host:port/slime`.

Shape read from slime's sources (slime/rollout/rm_hub/__init__.py, `remote_rm`): one POST per sample,
`{"prompt": ..., "response": ..., "label": ...}`, and the reward is the whole JSON answer (`await resp.json()`),
so this endpoint answers a bare number.
"""

from __future__ import annotations

from typing import Any

# reward-core's own modules are imported inside the functions, as in the other trainers' modules.

__all__ = ["parse_request", "build_response"]


def parse_request(body: Any, label_column: str = "answer") -> tuple[list | None, list, dict[str, Any]]:
    from reward_core.serving.errors import BadRequestError

    if not isinstance(body, dict) or "response" not in body:
        raise BadRequestError("slime's remote_rm posts {'prompt': ..., 'response': ..., 'label': ...}")
    prompt = body.get("prompt")
    columns = {label_column: [body["label"]]} if body.get("label") is not None else {}
    return ([prompt] if prompt is not None else None), [body["response"]], columns


def build_response(result: dict[str, Any], fallback: float = 0.0) -> float:
    from reward_core.serving.service import finite_or

    return finite_or(result["reward"][0], fallback)
