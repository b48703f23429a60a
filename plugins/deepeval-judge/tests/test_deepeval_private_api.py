"""deepeval's private API, as reward_deepeval_judge/_deepeval_adapter.py uses it, still behaves as expected.

A deepeval upgrade that renames or drops one of these would not fail loudly by itself: a keyword argument
it no longer takes raises TypeError inside every judge call, which the reward counts as a judge failure,
so every row would quietly score None. Each check here names what changed and where to fix it.
"""

from __future__ import annotations

import inspect

import deepeval
from deepeval.metrics import GEval
from deepeval.models import DeepEvalBaseLLM

from reward_core import get_reward

ADAPTER = "reward_deepeval_judge/_deepeval_adapter.py"


def changed(what: str) -> str:
    return f"deepeval {deepeval.__version__} changed {what}; update {ADAPTER}"


try:
    from reward_deepeval_judge import _deepeval_adapter as adapter
except ImportError as exc:  # GEvalTemplate, Rubric or construct_g_eval_params_string moved
    raise AssertionError(changed(f"a module the adapter imports from: {exc}")) from exc


async def _no_reply(body, call):
    raise AssertionError("these checks send nothing")


def test_geval_takes_the_private_keywords_the_adapter_passes():
    accepted = inspect.signature(GEval.__init__).parameters
    for name in adapter.GEVAL_KWARGS:
        assert name in accepted, changed(f"GEval.__init__: it no longer takes {name!r}")
    metric = adapter.make_metric("Politeness", ["input", "actual_output"], ["Check it."], None,
                                 adapter.JudgeModel("m", _no_reply, None))
    assert metric.__name__ == "Politeness", changed(f"GEval's name with {adapter.GEVAL_KWARGS}: {metric.__name__!r}")


def test_a_measure_takes_the_private_keywords_the_adapter_passes():
    accepted = inspect.signature(GEval.a_measure).parameters
    for name in adapter.MEASURE_KWARGS:
        assert name in accepted, changed(f"GEval.a_measure: it no longer takes {name!r}")


def test_judge_model_sets_every_attribute_deepeval_base_llm_init_sets():
    # JudgeModel skips DeepEvalBaseLLM.__init__; running it on a bare instance shows what that skips.
    reference = object.__new__(adapter.JudgeModel)
    DeepEvalBaseLLM.__init__(reference, "test-judge")
    model = adapter.JudgeModel("test-judge", _no_reply, None)
    missing = sorted(set(vars(reference)) - set(vars(model)))
    assert not missing, changed(f"DeepEvalBaseLLM.__init__: it now sets {missing}, which JudgeModel.__init__ does not")
    assert model.get_model_name() == reference.name, changed("DeepEvalBaseLLM's model name")


def test_the_steps_prompt_is_deepevals_and_asks_for_a_steps_key():
    prompt = adapter.steps_prompt("Is the answer polite?", ["input", "actual_output"])
    assert "Is the answer polite?" in prompt, changed("GEvalTemplate.generate_evaluation_steps (criteria not in the prompt)")
    # The reply is parsed as JSON with a "steps" list; the test judge server recognises this prompt by it.
    assert '"steps" key' in prompt, changed("GEvalTemplate.generate_evaluation_steps (no \"steps\" key asked for)")


def test_a_judged_row_draws_nothing_on_stdout_or_stderr(server, capfd):
    reward = get_reward("judge.answer_relevancy", base_url=server.base_url, model="test-judge")
    capfd.readouterr()
    assert reward.score(prompts=["q"], completions=["a"]) == [0.7], changed("GEval.a_measure with a custom model")
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), changed(f"GEval.a_measure's progress output with {adapter.MEASURE_KWARGS}")

