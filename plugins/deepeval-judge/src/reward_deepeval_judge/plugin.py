"""reward-core registration: names and targets only (imported to list rewards, so nothing heavy here)."""

from reward_core import hookimpl

_MODULE = "reward_deepeval_judge.rewards"


@hookimpl
def register_rewards(register):
    register(
        "judge.geval_rag",
        f"{_MODULE}:GEvalRAGReward",
        summary="LLM judge (deepeval GEval) of a QA answer vs the `answer` column: accuracy, evidence, completeness; 0..1.",
    )
    register(
        "judge.answer_relevancy",
        f"{_MODULE}:AnswerRelevancyReward",
        summary="LLM judge (deepeval GEval) of how directly the completion addresses the prompt; 0..1.",
    )
    register(
        "judge.geval",
        f"{_MODULE}:CustomGEvalReward",
        summary="LLM judge (deepeval GEval) defined by params: criteria or evaluation_steps, rubric, fields; 0..1.",
    )
