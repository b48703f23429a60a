"""Judge rewards against the real local judge server: scoring, params, columns, pickling, loops, isolation."""

from __future__ import annotations

import asyncio
import doctest
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import reward_core
from reward_core import get_reward, load_rewards
from reward_core.errors import ColumnLengthError, InvalidParamsError, MalformedCompletionError, MissingColumnError

FAST = dict(model="test-judge", request_timeout=2.0, backoff_base=0.01, backoff_max=0.1, max_retries=2)


def metrics_sink():
    seen: dict[str, float] = {}
    return seen, lambda name, value: seen.__setitem__(name, value)


def test_geval_rag_scores_against_the_answer_column(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, **FAST)
    seen, log_metric = metrics_sink()
    scores = reward.score(
        prompts=[[{"role": "user", "content": "Capital of France?"}]] * 2,
        completions=[[{"role": "assistant", "content": "It is Paris."}], [{"role": "assistant", "content": "Lyon."}]],
        answer=["Paris", "Paris"],
        log_metric=log_metric,
    )
    assert scores == [0.9, 0.2]  # the test judge's heuristic: 9/10 when the answer is present, 2/10 otherwise
    request = server.requests_of("score")[0]
    assert "Expected Output:\nParis" in request["user"]
    assert "Input:\nCapital of France?" in request["user"]
    assert request["body"]["model"] == "test-judge"
    assert seen["judge.geval_rag/requests"] == 2
    assert seen["judge.geval_rag/failures"] == 0
    assert not server.requests_of("steps")  # fixed steps: no steps call


def test_answer_relevancy_uses_prompt_and_completion_only(server):
    server.set(score=8)
    reward = get_reward("judge.answer_relevancy", base_url=server.base_url, **FAST)
    assert reward.score(prompts=["How do I boil an egg?"], completions=["Simmer it for 9 minutes."]) == [0.8]
    user = server.requests_of("score")[0]["user"]
    assert "Expected Output" not in user and "Simmer it for 9 minutes." in user


def test_identical_rows_are_judged_once(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, **FAST)
    seen, log_metric = metrics_sink()
    completions = ["Paris", "Lyon", "Paris", "Paris", "Lyon", "Paris"]
    scores = reward.score(prompts=["q"] * 6, completions=completions, answer=["Paris"] * 6, log_metric=log_metric)
    assert scores == [0.9, 0.2, 0.9, 0.9, 0.2, 0.9]
    assert len(server.requests_of("score")) == 2
    assert seen["judge.geval_rag/duplicates"] == 4


def test_concurrency_is_bounded(server):
    server.set(latency=0.1)
    reward = get_reward("judge.answer_relevancy", base_url=server.base_url, max_concurrency=3, **FAST)
    scores = reward.score(prompts=["q"] * 12, completions=[f"answer {i}" for i in range(12)])
    assert scores == [0.7] * 12
    assert 1 <= server.max_in_flight <= 3


def test_concurrency_bound_holds_across_batches_scored_at_once_on_one_loop(server):
    # The limit belongs to the reward and its event loop, not to one call: two batches share it.
    server.set(latency=0.1)
    reward = get_reward("judge.answer_relevancy", base_url=server.base_url, max_concurrency=3, **FAST)

    async def two_batches() -> list:
        return await asyncio.gather(*(
            reward(prompts=["q"] * 6, completions=[f"batch {b} answer {i}" for i in range(6)]) for b in range(2)
        ))

    assert asyncio.run(two_batches()) == [[0.7] * 6, [0.7] * 6]
    assert 1 <= server.max_in_flight <= 3


def test_generic_geval_from_a_yaml_spec_with_rubric(server, tmp_path):
    server.set(score=3)
    spec = tmp_path / "rewards.yaml"
    spec.write_text(
        textwrap.dedent(
            f"""
            - name: judge.geval
              log_name: politeness
              weight: 0.5
              params:
                base_url: {server.base_url}
                model: test-judge
                metric_name: Politeness
                evaluation_steps: ["Check the actual output is polite.", "Penalise rudeness."]
                evaluation_params: [input, actual_output]
                rubric:
                  - {{score_range: [0, 4], expected_outcome: "Rude."}}
                  - {{score_range: [5, 10], expected_outcome: "Polite."}}
            """
        )
    )
    rewards = load_rewards(spec)
    assert rewards.log_names == ["politeness"] and rewards.reward_weights == [0.5]
    (reward,) = rewards.reward_funcs
    assert reward.score(prompts=["hi"], completions=["go away"]) == [0.3]
    user = server.requests_of("score")[0]["user"]
    assert "Check the actual output is polite." in user and "Rude." in user


def test_criteria_only_generates_steps_once_and_keeps_them(server):
    reward = get_reward("judge.geval", base_url=server.base_url, criteria="Is it polite?", **FAST)
    assert reward.reward.steps is None
    reward.score(prompts=["a"] * 3, completions=["x", "y", "z"])
    reward.score(prompts=["a"], completions=["w"])
    assert len(server.requests_of("steps")) == 1
    assert reward.reward.steps == tuple(server.steps)
    # Steps travel with the pickled reward: another process would use the same judge prompt.
    clone = pickle.loads(pickle.dumps(reward.reward))
    assert clone.steps == reward.reward.steps


def test_invalid_definitions_are_rejected_at_construction(server):
    with pytest.raises(InvalidParamsError, match="criteria .* or evaluation_steps"):
        get_reward("judge.geval", base_url=server.base_url)
    with pytest.raises(InvalidParamsError, match="actual_output"):
        get_reward("judge.geval", base_url=server.base_url, criteria="c", evaluation_params=["input"])
    with pytest.raises(InvalidParamsError, match="unknown evaluation_params"):
        get_reward("judge.geval", base_url=server.base_url, criteria="c", evaluation_params=["actual_output", "vibes"])
    with pytest.raises(InvalidParamsError, match="deepeval rejects"):
        get_reward("judge.geval", base_url=server.base_url, criteria="c",
                   rubric=[{"score_range": [0, 20], "expected_outcome": "x"}])
    with pytest.raises(InvalidParamsError, match="max_concurrency"):
        get_reward("judge.geval_rag", base_url=server.base_url, max_concurrency=0)


@pytest.mark.parametrize("base_url", ["localhost:8000/v1", "not a url", "ftp://judge/v1", "http:///v1"])
def test_a_base_url_that_is_not_http_is_rejected_at_construction(base_url):
    with pytest.raises(InvalidParamsError, match=r"judge.geval_rag.*is not an http\(s\) URL"):
        get_reward("judge.geval_rag", base_url=base_url)


def test_missing_key_is_fatal_only_without_base_url(server, monkeypatch):
    monkeypatch.delenv("JUDGE_TEST_KEY", raising=False)
    with pytest.raises(InvalidParamsError, match="JUDGE_TEST_KEY"):
        get_reward("judge.geval_rag", api_key_env="JUDGE_TEST_KEY")
    reward = get_reward("judge.geval_rag", base_url=server.base_url, api_key_env="JUDGE_TEST_KEY", **FAST)
    assert reward.score(prompts=["q"], completions=["Paris"], answer=["Paris"]) == [0.9]


def test_input_errors_are_typed_and_name_the_reward(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, **FAST)
    with pytest.raises(MissingColumnError, match=r"reward 'judge.geval_rag': .*'answer'.*set the param reference_column"):
        reward.score(prompts=["q"], completions=["Paris"], gold=["Paris"])
    with pytest.raises(MalformedCompletionError, match="row 1"):
        reward.score(prompts=["q", "q"], completions=["Paris", 42], answer=["Paris", "Paris"])
    custom = get_reward("judge.geval_rag", base_url=server.base_url, reference_column="gold", **FAST)
    assert custom.score(prompts=["q"], completions=["Paris"], gold=["Paris"]) == [0.9]


@pytest.mark.parametrize("through_guard", [True, False])
def test_columns_must_hold_one_value_per_completion(server, through_guard):
    # Called directly, without reward-core's guard, the reward checks its own columns just as strictly.
    reward = get_reward("judge.geval", base_url=server.base_url, evaluation_steps=["Check it."],
                        evaluation_params=["input", "actual_output", "context"], **FAST)
    score = reward.score if through_guard else reward.reward.score
    two = dict(completions=["a", "b"])
    with pytest.raises(ColumnLengthError, match=r"reward 'judge.geval': .*3 .*for 2 completions"):
        score(prompts=["q"] * 3, context=[["c"]] * 2, **two)
    with pytest.raises(ColumnLengthError, match=r"reward 'judge.geval': .*'context'.* 1 values? for 2 completions"):
        score(prompts=["q"] * 2, context=[["c"]], **two)
    with pytest.raises(MissingColumnError, match=r"reward 'judge.geval': .*'context'.*set the param context_column"):
        score(prompts=["q"] * 2, **two)
    with pytest.raises(MissingColumnError, match=r"reward 'judge.geval': .*pass prompts="):
        score(prompts=None, context=[["c"]] * 2, **two)
    assert score(prompts=["q"] * 2, context=[["c"], "d"], **two) == [0.7, 0.7]


def test_rows_without_reference_are_skipped_not_failed(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, fallback_score=0.0, **FAST)
    seen, log_metric = metrics_sink()
    scores = reward.score(prompts=["q"] * 3, completions=["Paris", "Paris", "x"], answer=["Paris", None, 7],
                          log_metric=log_metric)
    assert scores == [0.9, None, 0.2]
    assert seen["judge.geval_rag/skipped"] == 1


def test_score_works_inside_a_running_event_loop(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, **FAST)

    async def notebook_cell():
        # A notebook runs a loop; a plain synchronous call must still work (no asyncio.run error).
        return reward.score(prompts=["q"], completions=["Paris"], answer=["Paris"])

    assert asyncio.run(notebook_cell()) == [0.9]


def test_async_call_on_several_loops_gets_a_client_per_loop(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, **FAST)

    async def trl_style():
        return await reward(prompts=["q"], completions=["Paris"], answer=["Paris"])

    # Two asyncio.run calls are two loops; a loop-bound client reused across them would fail.
    assert asyncio.run(trl_style()) == [0.9]
    assert asyncio.run(trl_style()) == [0.9]
    assert reward_core.is_async_reward(reward)


def test_pickles_without_live_resources_and_as_fn(server):
    reward = get_reward("judge.geval_rag", base_url=server.base_url, **FAST)
    reward.score(prompts=["q"], completions=["Paris"], answer=["Paris"])  # creates a client, loop state, breaker
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.score(prompts=["q"], completions=["Paris"], answer=["Paris"]) == [0.9]
    fn = pickle.loads(pickle.dumps(reward.as_fn()))
    assert fn.__name__ == "judge.geval_rag"
    assert asyncio.run(fn(prompts=["q"], completions=["Lyon"], answer=["Paris"])) == [0.2]


def test_docstring_examples_run():
    from reward_deepeval_judge import _sanitize, rewards

    for module in (rewards, _sanitize):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def _run_isolated(code: str, cwd: Path) -> subprocess.CompletedProcess:
    home = cwd / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPEVAL_")}
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_listing_rewards_imports_neither_deepeval_nor_the_test_kit(tmp_path):
    code = (
        "import sys, reward_core\n"
        "names = [e.name for e in reward_core.list_rewards()]\n"
        "assert {'judge.geval_rag', 'judge.answer_relevancy', 'judge.geval'} <= set(names), names\n"
        "import reward_deepeval_judge.plugin, reward_deepeval_judge.rewards\n"
        "print('TEST KIT', 'reward_deepeval_judge_testing' in sys.modules)\n"
        "import reward_deepeval_judge_testing\n"
        "heavy = [m for m in ('deepeval', 'openai', 'aiohttp') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = _run_isolated(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TEST KIT False" in result.stdout  # the reward modules never import the test judge server
    assert "HEAVY []" in result.stdout


def test_nothing_is_written_to_cwd_or_home(tmp_path):
    code = (
        "from reward_core import get_reward\n"
        "from reward_deepeval_judge_testing import JudgeServer\n"
        "with JudgeServer() as s:\n"
        "    r = get_reward('judge.geval', base_url=s.base_url, model='m', criteria='polite?')\n"
        "    print(r.score(prompts=['q'], completions=['a']))\n"
        "import os; print('TELEMETRY', os.environ['DEEPEVAL_TELEMETRY_OPT_OUT'])\n"
    )
    result = _run_isolated(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[0.7]" in result.stdout and "TELEMETRY 1" in result.stdout
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert written == ["home"], written  # no .deepeval/, no key file, no telemetry id


@pytest.mark.parametrize("transport", ["aiohttp", "openai"])
def test_both_http_clients_send_the_key_and_score_alike(server, monkeypatch, transport):
    from reward_core import run_coroutine
    from reward_deepeval_judge import _http

    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-test-123")
    reward = get_reward("judge.geval_rag", base_url=server.base_url, api_key_env="JUDGE_TEST_KEY",
                        http_transport=transport, **FAST)

    async def client_type() -> type:
        return type(reward.reward._judge_state().loop_state().client)

    expected = {"aiohttp": _http.AioHttpChatClient, "openai": _http.OpenAIChatClient}[transport]
    assert run_coroutine(client_type()) is expected
    assert reward.score(prompts=["q", "q"], completions=["Paris", "Lyon"], answer=["Paris"] * 2) == [0.9, 0.2]
    assert {r["authorization"] for r in server.requests} == {"Bearer sk-test-123"}
    assert {r["path"] for r in server.requests} == {"/v1/chat/completions"}


def test_default_http_client_is_aiohttp():
    assert get_reward("judge.geval_rag", base_url="http://127.0.0.1:9/v1").reward.config.http_transport == "aiohttp"
