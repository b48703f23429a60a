"""``python -m reward_deepeval_judge_testing [--latency S] ...``: a judge server in this process (see `process.main`)."""

from .process import main

main()
