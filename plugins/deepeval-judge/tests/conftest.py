"""One local judge server per test module, reset to a well-behaved judge before every test."""

import pytest

from reward_deepeval_judge_testing import JudgeServer


@pytest.fixture(scope="module")
def server():
    with JudgeServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(server):
    server.set(mode="ok", latency=0.0, score=None, script=[], fail_marker=None, fault_rate=0.0, retry_after=0.05)
    server.reset_requests()
