"""Registration only: imported to list rewards, so it must import nothing heavy."""

from reward_core import hookimpl


@hookimpl
def register_rewards(register):
    register(
        "math.answer_correctness",
        "reward_math_correctness.rewards:AnswerCorrectnessReward",
        summary="1.0 when the final answer equals the gold (numbers, LaTeX via math-verify); hang-proof, anti-gaming.",
    )
