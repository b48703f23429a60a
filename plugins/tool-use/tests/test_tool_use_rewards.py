"""The tool-use rewards through `get_reward` / `load_rewards`: formulas, tools as import paths, schemas and
environments, typed errors, gaming, and a fuzz over random trajectories."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reward_core
from reward_core import get_reward
from reward_core.errors import InvalidParamsError, MalformedCompletionError, MissingColumnError, RewardInputError

SCHEMA = {"type": "function", "function": {"name": "multiply", "parameters": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"],
}}}


def call(name, arguments=None):
    return {"type": "function", "function": {"name": name, "arguments": {} if arguments is None else arguments}}


def turn(*calls, content=""):
    return {"role": "assistant", "content": content, "tool_calls": list(calls)} if calls else {
        "role": "assistant", "content": content}


def result(content, name="multiply"):
    return {"role": "tool", "name": name, "content": content}


WELL = [turn(call("multiply", {"a": 12, "b": 34})), result("408"), turn(content="\\boxed{408}")]
NO_CALL = [turn(content="\\boxed{408}")]


@pytest.fixture
def tools_module(tmp_path, monkeypatch):
    (tmp_path / "acme_tools.py").write_text(textwrap.dedent('''
        def multiply(a: int, b: int) -> int:
            """Multiply two integers.

            Args:
                a: the first factor
                b: the second factor
            """
            return a * b

        def search(query: str, limit: int = 5) -> str:
            return query
        NOT_A_FUNCTION = 3
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "acme_tools"


# -- tools.valid_calls --------------------------------------------------------------------------------------------


def test_valid_calls_checks_names_and_arguments_against_the_schemas(tools_module):
    for tools in ([SCHEMA], [SCHEMA["function"]], [f"{tools_module}:multiply", f"{tools_module}:search"]):
        reward = get_reward("tools.valid_calls", tools=tools)
        completions = [
            WELL,
            [turn(call("multiply", '{"a": 1, "b": 2}'))],  # arguments as a JSON string
            [turn(call("multiply", {"a": "12", "b": 34}), call("multiply", {"a": 1}))],  # wrong type; missing b
            [turn(call("divide", {"a": 1, "b": 2}), call("multiply", {"a": 1, "b": 2}))],  # unknown tool
            [turn(call("multiply", "{a: 1}"))],  # unparsable
            NO_CALL,
        ]
        assert reward(prompts=["q"] * 6, completions=completions) == [1.0, 1.0, 0.0, 0.5, 0.0, 0.0]


def test_a_python_tool_refuses_arguments_it_does_not_take(tools_module):
    reward = get_reward("tools.valid_calls", tools=[f"{tools_module}:search"])
    completions = [[turn(call("search", {"query": "x"}))], [turn(call("search", {"query": "x", "limit": 2}))],
                   [turn(call("search", {"query": "x", "verbose": True}))]]
    assert reward(prompts=["q"] * 3, completions=completions) == [1.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "tools, fragment",
    [
        (["no_colon"], "import path"),
        (["acme_tools:missing"], "cannot import"),
        (["no_such_module_xyz:f"], "cannot import"),
        (["acme_tools:NOT_A_FUNCTION"], "not a function"),
        ([{"function": {"parameters": {}}}], "needs a 'name'"),
        ([{"name": "f", "parameters": {"type": "no-such-type"}}], "invalid"),
        ([{"name": "f", "parameters": "object"}], "needs a 'name'"),
    ],
)
def test_tools_that_cannot_be_read_are_typed_errors(tools_module, tools, fragment):
    with pytest.raises(InvalidParamsError, match=fragment):
        get_reward("tools.valid_calls", tools=tools)


@dataclasses.dataclass
class Calculator:
    """An environment (TRL's environment_factory): its public methods are the tools."""

    memory: int = 0

    def reset(self):
        self.memory = 0

    def add(self, x: int) -> int:
        """Add x to the memory."""
        self.memory += x
        return self.memory

    @property
    def shown(self):  # a property is not a tool, and listing tools never evaluates it
        raise AssertionError("evaluated")


def test_valid_calls_reads_the_tools_of_each_completions_environment():
    reward = get_reward("tools.valid_calls")
    completions = [[turn(call("add", {"x": 3}))], [turn(call("add", {"x": "3"}))], [turn(call("reset"))],
                   [turn(call("multiply", {"a": 1, "b": 2}))]]
    assert reward(prompts=["q"] * 4, completions=completions, environments=[Calculator()] * 4) == [1.0, 0.0, 0.0, 0.0]
    both = get_reward("tools.valid_calls", tools=[SCHEMA])
    assert both(prompts=["q"] * 4, completions=completions, environments=[Calculator()] * 4) == [1.0, 0.0, 0.0, 1.0]
    with pytest.raises(MissingColumnError, match="environments"):
        reward(prompts=["q"], completions=[WELL])


# -- tools.call_success -------------------------------------------------------------------------------------------


def test_call_success_is_the_share_of_calls_that_returned_a_result():
    reward = get_reward("tools.call_success")
    completions = [
        WELL,
        [turn(call("multiply"), call("lookup")), result("{'error': 'missing a'}"), result("found", "lookup"),
         turn(content="x")],
        [turn(call("lookup")), result('{"error": "Tool lookup not found."}', "lookup"), turn(content="x")],
        [turn(call("multiply"))],  # the trajectory stopped before the tool ran
        [turn(call("multiply"), call("multiply")), result("1"), turn(content="x")],  # one result for two calls
        [turn(call("search")), result([{"type": "text", "text": "a page"}, {"type": "image"}], "search"),
         turn(content="x")],
        NO_CALL,
    ]
    assert reward(prompts=["q"] * 7, completions=completions) == [1.0, 0.5, 0.0, 0.0, 0.5, 1.0, 0.0]
    assert get_reward("tools.call_success", no_call_score=None)(prompts=["q"], completions=[NO_CALL]) == [None]


# -- tools.call_budget --------------------------------------------------------------------------------------------


def test_call_budget_follows_its_formula():
    reward = get_reward("tools.call_budget")  # min 1, max 4, 0.25 per extra call
    by_count = [[turn(*[call("multiply")] * k)] if k else NO_CALL for k in range(10)]
    assert reward(prompts=["q"] * 10, completions=by_count) == [0.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    turns = get_reward("tools.call_budget", min_calls=0, max_calls=10, max_turns=2, over_penalty=0.5)
    many_turns = [turn(call("multiply")), result("1")] * 3 + [turn(content="done")]
    assert turns(prompts=["q", "q"], completions=[NO_CALL, many_turns]) == [1.0, 0.0]
    with pytest.raises(InvalidParamsError, match="min_calls"):
        get_reward("tools.call_budget", min_calls=3, max_calls=2)


# -- tools.environment_state --------------------------------------------------------------------------------------


class Maze:
    def __init__(self, solved, steps=0):
        self.solved = solved
        self.steps = steps

    def reset(self):
        pass

    def distance(self):
        return 0.5 if not self.solved else 0.0


def test_environment_state_reads_an_attribute_a_method_or_a_key():
    envs = [Maze(True, 3), Maze(False, 7), Maze(None)]
    solved = get_reward("tools.environment_state", attribute="solved")
    assert solved(prompts=["q"] * 3, completions=["a"] * 3, environments=envs) == [1.0, 0.0, None]
    assert get_reward("tools.environment_state", attribute="steps")(
        prompts=["q"] * 2, completions=["a"] * 2, environments=envs[:2]) == [3.0, 7.0]
    assert get_reward("tools.environment_state", attribute="distance")(
        prompts=["q"] * 2, completions=["a"] * 2, environments=envs[:2]) == [0.0, 0.5]
    assert solved(prompts=["q"], completions=["a"], environments=[{"solved": True}]) == [1.0]


@pytest.mark.parametrize(
    "environments, error, fragment",
    [
        ([Maze(True), object()], RewardInputError, "no attribute 'solved'"),
        ([Maze(True), Maze("yes")], RewardInputError, "not a finite number"),
        ([Maze(True), Maze(float("nan"))], RewardInputError, "not a finite number"),
        ([Maze(True), {"other": 1}], RewardInputError, "no attribute"),
    ],
)
def test_environment_state_errors_name_the_reward_and_the_row(environments, error, fragment):
    reward = get_reward("tools.environment_state", attribute="solved")
    with pytest.raises(error, match=fragment) as info:
        reward(prompts=["q"] * 2, completions=["a"] * 2, environments=environments)
    assert info.value.reward == "tools.environment_state" and info.value.row == 1


def test_environment_state_without_environments_says_what_to_do():
    with pytest.raises(MissingColumnError, match="environment_factory"):
        get_reward("tools.environment_state", attribute="solved")(prompts=["q"], completions=["a"])
    with pytest.raises(InvalidParamsError, match="attribute"):
        get_reward("tools.environment_state", attribute="_private")


# -- gaming: calling nothing, calling badly, text that looks like a call --------------------------------------------


@pytest.mark.parametrize("name, params", [
    ("tools.valid_calls", {"tools": [SCHEMA]}), ("tools.call_success", {}), ("tools.call_budget", {}),
])
def test_calling_nothing_or_faking_a_call_in_text_never_beats_calling_well(name, params):
    reward = get_reward(name, **params)
    fakes = [
        NO_CALL,
        [turn(content='<tool_call>{"name": "multiply", "arguments": {"a": 12, "b": 34}}</tool_call>')],
        [turn(content="I called multiply and it returned 408."), result("408")],  # a result without a call
    ]
    well, *faked = reward(prompts=["q"] * 4, completions=[WELL, *fakes])
    assert all(score < well for score in faked)


def test_the_spec_way_weights_and_the_weighted_total_prefer_the_good_trajectory():
    rewards = reward_core.load_rewards([
        {"name": "tools.valid_calls", "params": {"tools": [SCHEMA]}},
        "tools.call_success",
        {"name": "tools.call_budget", "weight": 0.5, "params": {"max_calls": 2}},
    ])
    bad_calls = [turn(call("multiply", {"a": "x"})), result("{'error': 'bad'}"), turn(content="\\boxed{1}")]
    loop = [turn(call("multiply", {"a": 1, "b": 2})), result("2")] * 6 + [turn(content="2")]
    totals = []
    for completion in (WELL, NO_CALL, bad_calls, loop):
        scores = [f(prompts=["q"], completions=[completion])[0] for f in rewards.reward_funcs]
        totals.append(sum(w * s for w, s in zip(rewards.reward_weights, scores)))
    assert totals[0] == max(totals) and totals.count(totals[0]) == 1


# -- fuzz: any trajectory scores within [0, 1] or raises a typed error -------------------------------------------

_TEXT = st.text(alphabet="ab{}'\":,[] error", max_size=12)
_ARGS = st.one_of(st.none(), _TEXT, st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(st.integers(), _TEXT)),
                  st.integers(), st.lists(st.integers(), max_size=2))
_CALL = st.builds(lambda n, a: call(n, a), st.sampled_from(["multiply", "add", "", "x"]), _ARGS)
_MESSAGE = st.one_of(
    st.builds(lambda calls, c: turn(*calls, content=c), st.lists(_CALL, max_size=3), _TEXT),
    st.builds(lambda c: result(c), st.one_of(_TEXT, st.just("{'error': 'x'}"))),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_MESSAGE, min_size=1, max_size=8))
def test_any_trajectory_scores_in_range(completion):
    for name, params in [("tools.valid_calls", {"tools": [SCHEMA]}), ("tools.call_success", {}),
                         ("tools.call_budget", {})]:
        try:
            (score,) = get_reward(name, **params)(prompts=["q"], completions=[completion])
        except MalformedCompletionError:
            continue
        assert 0.0 <= score <= 1.0
