"""A local judge server for testing judge rewards: a real OpenAI-compatible chat-completions endpoint on
127.0.0.1 that answers deepeval's GEval prompts, with switchable faults (see `server`).

Installed with reward-core-deepeval-judge, for its tests and yours; the rewards never import it. Standard
library only::

    from reward_deepeval_judge_testing import JudgeServer

    with JudgeServer(score=8) as server:
        reward = get_reward("judge.answer_relevancy", base_url=server.base_url, model="test-judge")

``python -m reward_deepeval_judge_testing --latency 0.05`` runs one in its own process (see `process`).
"""

from .process import judge_process, main
from .server import INJECTION_TRIGGERS, MODES, JudgeServer, heuristic_score

__all__ = ["JudgeServer", "INJECTION_TRIGGERS", "MODES", "heuristic_score", "judge_process", "main"]
