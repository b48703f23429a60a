"""LLM-judge rewards for reward-core through deepeval's GEval (namespace ``judge.``).

Importing this package is cheap: deepeval and openai load only when a judge reward is constructed.
The local test judge server is the separate package `reward_deepeval_judge_testing` (standard library only).
"""

__version__ = "0.1.0"
