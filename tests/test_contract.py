"""The reward contract: RewardConfig, BaseReward, as_fn, async rewards, completion formats."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import pickle
import types

import pytest

import reward_core
from reward_core import BaseReward, MalformedCompletionError, RewardConfig, completion_text, prompt_text
from reward_core.reward import call_reward


class Exclaim(BaseReward):
    """1.0 per exclamation mark."""

    def __call__(self, prompts, completions, **kwargs):
        return [float(completion_text(c).count("!")) for c in completions]


def test_reward_config_is_frozen_slotted_dataclass_with_name():
    config = RewardConfig(name="answer_correctness")
    assert dataclasses.is_dataclass(config)
    assert RewardConfig.__slots__ == ("name",)
    assert RewardConfig().name == "reward"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name = "other"  # type: ignore[misc]


def test_base_reward_mirrors_name_and_doc():
    reward = Exclaim(RewardConfig(name="exclaim"))
    assert reward.__name__ == "exclaim"
    assert reward.__doc__ == "1.0 per exclamation mark."
    assert Exclaim().__name__ == "reward"
    assert reward(prompts=["p"], completions=["hi!!"]) == [2.0]


def test_base_reward_is_abstract_and_checks_config_type():
    with pytest.raises(TypeError):
        BaseReward()  # type: ignore[abstract]

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class OtherConfig(RewardConfig):
        level: int = 1

    class Typed(Exclaim):
        config_class = OtherConfig

    with pytest.raises(TypeError, match="OtherConfig"):
        Typed(RewardConfig(name="x"))
    assert Typed().config.level == 1


def test_a_subclass_whose_init_takes_no_config_works():
    class MyFormatReward(BaseReward):
        def __init__(self) -> None:
            super().__init__(RewardConfig(name="my_format_reward"))

        def __call__(self, prompts, completions, **kwargs):
            return [0.5 if "<answer>" in completion_text(c) else -0.5 for c in completions]

    reward = MyFormatReward()
    assert reward.__name__ == "my_format_reward"
    assert reward([None], [[{"role": "assistant", "content": "<answer>1</answer>"}]]) == [0.5]


def test_completion_text_reads_both_trl_formats_and_content_parts():
    assert completion_text("plain") == "plain"
    assert completion_text([{"role": "assistant", "content": "chat"}]) == "chat"
    parts = [{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}]}]
    assert completion_text(parts) == "ab"


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([{"role": "assistant"}], "'content'"),
        ([{"role": "assistant", "content": 3}], "content"),
        ([], "at least one message"),
        ([{"role": "assistant", "content": "a"}, "b"], "message 1"),
        ([{"role": "assistant", "content": "", "tool_calls": [{"function": {"arguments": {}}}]}], "tool call"),
        ([{"role": "assistant", "reasoning_content": 3, "content": "a"}], "reasoning_content"),
        (42, "string or a list"),
        ({"role": "assistant", "content": "x"}, "string or a list"),
    ],
)
def test_completion_text_rejects_malformed_completions(bad, fragment):
    with pytest.raises(MalformedCompletionError, match=fragment):
        completion_text(bad)


def test_prompt_text_takes_the_last_user_message():
    prompt = [{"role": "system", "content": "sys"}, {"role": "user", "content": "first"},
              {"role": "assistant", "content": "a"}, {"role": "user", "content": "second"}]
    assert prompt_text(prompt) == "second"
    assert prompt_text("plain prompt") == "plain prompt"
    with pytest.raises(MalformedCompletionError):
        prompt_text(7)


def test_as_fn_is_a_plain_function_with_the_same_name_and_behaviour():
    reward = Exclaim(RewardConfig(name="exclaim"))
    fn = reward.as_fn()
    assert isinstance(fn, types.FunctionType)
    assert fn.__name__ == "exclaim"
    assert fn(prompts=["p"], completions=["!"]) == [1.0]
    assert fn(["p"], ["!!!"]) == [3.0]


def test_as_fn_pickles_and_unpickles_in_a_fresh_process(use_plugins, run_python):
    use_plugins("good")
    reward = reward_core.get_reward("fixture.length", cap=2)
    payload = pickle.dumps(reward.as_fn())
    code = (
        "import pickle, sys, types\n"
        f"fn = pickle.loads({payload!r})\n"
        "assert isinstance(fn, types.FunctionType), type(fn)\n"
        "print(fn.__name__, fn(prompts=['p', 'q'], completions=['abcdef', 'a']))\n"
    )
    out = run_python(code, "good").stdout.strip()
    assert out == "fixture.length [2.0, 1.0]"


def test_async_reward_is_detected_and_its_as_fn_is_async(use_plugins):
    use_plugins("good")
    reward = reward_core.get_reward("fixture.async_length")
    assert reward_core.is_async_reward(reward)
    fn = reward.as_fn()
    assert inspect.iscoroutinefunction(fn)
    assert asyncio.run(fn(prompts=["p"], completions=["abc"])) == [3.0]
    from trl.trainer.utils import is_async_callable  # TRL's own detection agrees

    assert is_async_callable(reward) and is_async_callable(fn)
    assert not is_async_callable(reward_core.get_reward("fixture.length"))


def test_score_calls_async_rewards_from_sync_code_and_inside_a_running_loop(use_plugins):
    use_plugins("good")
    reward = reward_core.get_reward("fixture.async_length")
    assert reward.score(["p"], ["abcd"]) == [4.0]

    async def inside_a_loop():  # a notebook cell: a loop is already running in this thread
        return reward.score(["p"], ["ab"])

    assert asyncio.run(inside_a_loop()) == [2.0]


def test_none_scores_are_allowed():
    class Skips(BaseReward):
        def __call__(self, prompts, completions, **kwargs):
            return [None if completion_text(c) == "" else 1.0 for c in completions]

    reward_core.register_reward("test.skips", Skips)
    assert reward_core.get_reward("test.skips")(prompts=["a", "b"], completions=["", "x"]) == [None, 1.0]


# -- open score ranges ---------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _CountConfig(RewardConfig):
    name: str = "lab.count_words"


class _CountWords(BaseReward):
    """The number of words: unbounded above."""

    config_class = _CountConfig
    score_range = (0.0, None)

    def __call__(self, prompts, completions, **kwargs):
        return [float(len(completion_text(c).split())) for c in completions]


def test_an_open_score_range_passes_the_conformance_kit_and_show(run_python):
    reward_core.register_reward("lab.count_words", _CountWords)
    results = reward_core.testing.check_reward_contract("lab.count_words")
    assert [problem for _, problem in results if problem] == []
    # `reward-core show` and `check` in a fresh process, for a reward registered there
    out = run_python(
        "import sys, json, math, dataclasses, reward_core\n"
        "from reward_core import BaseReward, completion_text\n"
        "class C(BaseReward):\n"
        "    score_range = (None, math.inf)\n"
        "    def __call__(self, prompts, completions, **kw):\n"
        "        return [-1e9 * len(completion_text(c)) for c in completions]\n"
        "reward_core.register_reward('lab.anything', C)\n"
        "from reward_core.cli import main\n"
        "main(['show', 'lab.anything'])\n"
        "main(['show', 'lab.anything', '--json'])\n"
        "sys.exit(main(['check', 'lab.anything']))\n"
    ).stdout
    assert "score range: (-inf, +inf)" in out
    assert '"score_range": [\n    null,\n    null\n  ]' in out


def test_every_check_in_the_table_runs_and_reports_under_its_name(run_python):
    reward_core.register_reward("lab.count_words", _CountWords)
    names = [check.name for check in reward_core.testing.CHECKS]
    results = reward_core.testing.check_reward_contract(reward_core.get_reward("lab.count_words"))
    assert results == [(name, None) for name in names]
    # `reward-core check NAME`, text and JSON, in a fresh process
    out = run_python(
        "import json, reward_core\n"
        "from reward_core import BaseReward, completion_text\n"
        "class C(BaseReward):\n"
        "    def __call__(self, prompts, completions, **kw):\n"
        "        return [float(len(completion_text(c))) for c in completions]\n"
        "reward_core.register_reward('lab.length', C)\n"
        "from reward_core.cli import main\n"
        "assert main(['check', 'lab.length']) == 0\n"
        "assert main(['check', 'lab.length', '--json']) == 0\n"
    ).stdout
    text, _, report = out.partition("\n{")
    assert [line.split(None, 1) for line in text.splitlines()[: len(names)]] == [["ok", name] for name in names]
    assert f"keeps the contract ({len(names)}/{len(names)} checks passed)" in text
    assert json.loads("{" + report)["checks"] == [{"check": name, "problem": None} for name in names]


def test_the_kit_runs_async_rewards_through_every_check(use_plugins):
    use_plugins("good")
    results = reward_core.testing.check_reward_contract("fixture.async_length")
    assert results == [(check.name, None) for check in reward_core.testing.CHECKS]


def test_checks_that_compare_scores_are_left_out_when_there_are_none():
    def returns_a_tuple(completions, **kwargs):
        return tuple(1.0 for _ in completions)

    reward_core.register_reward("lab.tuple", returns_a_tuple)
    results = reward_core.testing.check_reward_contract("lab.tuple")
    expected = [check.name for check in reward_core.testing.CHECKS if not check.needs_scores]
    assert [name for name, _ in results] == expected
    assert "tuple instead of a list" in results[0][1]


def test_call_reward_passes_prompts_and_completions_by_keyword_as_trl_does():
    def no_prompts_parameter(completions, **kwargs):
        return [float(len(c)) for c in completions]

    assert call_reward(no_prompts_parameter, ["p"], ["abc"]) == [3.0]
    reward_core.register_reward("lab.no_prompts_parameter", no_prompts_parameter)
    assert reward_core.get_reward("lab.no_prompts_parameter").score(["p"], ["abc"]) == [3.0]


@pytest.mark.parametrize(
    "declared, fragment",
    [
        ((1.0, 0.0), "low 1.0 is above high 0.0"),
        (("0", 1), "low bound must be a number"),
        ((0.0,), "must be a pair"),
        ((0.0, float("nan")), "high bound must be a number"),
        ("0..1", "must be a pair"),
    ],
)
def test_a_malformed_score_range_is_a_typed_error_where_the_class_is_defined(declared, fragment):
    with pytest.raises(reward_core.RewardDefinitionError, match="score_range") as caught:

        class Bad(BaseReward):
            score_range = declared

            def __call__(self, prompts, completions, **kwargs):
                return [0.0] * len(completions)

    assert fragment in str(caught.value) and "Bad" in str(caught.value)


def test_a_malformed_instance_score_range_is_caught_when_the_reward_is_built():
    class Moves(BaseReward):
        config_class = _CountConfig

        def __init__(self, config=None):
            super().__init__(config)
            self.score_range = (2.0, 1.0)  # params moved it, wrongly

        def __call__(self, prompts, completions, **kwargs):
            return [0.0] * len(completions)

    reward_core.register_reward("lab.moves", Moves)
    with pytest.raises(reward_core.RewardDefinitionError, match="lab.moves"):
        reward_core.get_reward("lab.moves")
