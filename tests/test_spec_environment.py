"""Environment variables in specs (`${NAME}`, `${NAME:-default}`, `${NAME:?message}`, `${NAME:+text}`) and
`enabled`, through `load_rewards` as a training script calls it."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reward_core
from reward_core import SpecError, load_rewards
from reward_core.interpolation import interpolate


@pytest.fixture
def echo():
    """A reward whose score is its `bonus` param, and which remembers its `label`."""

    @reward_core.register_reward("envtest.echo")
    def echo(completions, bonus=1.0, label="", **kwargs):
        return [float(bonus)] * len(completions)

    return "envtest.echo"


def test_placeholders_expand_in_params_names_and_on_error(echo, monkeypatch, tmp_path):
    monkeypatch.setenv("RC_TEST_BONUS", "2.5")
    monkeypatch.setenv("RC_TEST_NS", "envtest")
    monkeypatch.delenv("RC_TEST_UNSET", raising=False)
    spec = tmp_path / "rewards.yaml"
    spec.write_text(
        "on_error: ${RC_TEST_UNSET:-skip}\n"
        "rewards:\n"
        "  - name: ${RC_TEST_NS}.echo\n"
        "    params: {bonus: '${RC_TEST_BONUS}', label: 'run-${RC_TEST_UNSET:-local}-$${HOME}-$$x$$'}\n"
    )
    (loaded,) = load_rewards(spec)
    assert loaded.name == "envtest.echo" and loaded.on_error == "skip"
    # a lone placeholder is read as the parameter's type (bonus=1.0: a float); $${ is a literal ${, $$ is text
    assert loaded.params == {"bonus": 2.5, "label": "run-local-${HOME}-$$x$$"}
    assert loaded.reward(prompts=["p"], completions=["c"]) == [2.5]


def test_an_unset_variable_is_an_error_that_names_it_the_entry_and_the_fix(echo, monkeypatch):
    monkeypatch.delenv("RC_TEST_UNSET", raising=False)
    with pytest.raises(SpecError) as info:
        load_rewards([echo, {"name": echo, "params": {"label": "${RC_TEST_UNSET}"}}])
    message = str(info.value)
    assert "entry 1" in message and "RC_TEST_UNSET is not set" in message and "${RC_TEST_UNSET:-default}" in message
    with pytest.raises(SpecError, match="entry 0: give a judge URL"):
        load_rewards([{"name": echo, "params": {"label": "${RC_TEST_UNSET:?give a judge URL}"}}])


def test_enabled_leaves_an_entry_out_without_reading_its_variables(echo, monkeypatch):
    monkeypatch.delenv("RC_TEST_URL", raising=False)
    entry = {"name": echo, "enabled": "${RC_TEST_URL:+true}", "params": {"label": "${RC_TEST_URL}"}}
    loaded = load_rewards([echo, entry])
    assert loaded.log_names == [echo] and loaded.left_out == (echo,)
    monkeypatch.setenv("RC_TEST_URL", "http://127.0.0.1:9/v1")
    loaded = load_rewards([echo, entry])
    assert loaded.left_out == () and loaded.rewards[1].params["label"] == "http://127.0.0.1:9/v1"
    for off in (False, 0, None, "", "0", "no", "${RC_TEST_UNSET:-0}"):
        assert load_rewards([{"name": echo, "enabled": off}]).left_out == (echo,), off
    for on in (True, 1, "1", "yes", "${RC_TEST_URL:+on}"):
        assert load_rewards([{"name": echo, "enabled": on}]).left_out == (), on
    with pytest.raises(SpecError, match="enabled must be true or false"):
        load_rewards([{"name": echo, "enabled": "perhaps"}])


def test_a_variable_is_read_as_the_parameters_type_not_guessed(monkeypatch):
    import dataclasses

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class RunConfig(reward_core.RewardConfig):
        run_id: str = reward_core.param("", doc="Text, even when it looks like a number.")
        steps: int = reward_core.param(1, doc="A count.")
        scale: float = reward_core.param(1.0, doc="A factor.")
        strict: bool = reward_core.param(False, doc="A switch.")

    class RunReward(reward_core.BaseReward):
        config_class = RunConfig

        def __call__(self, prompts, completions, **kwargs):
            return [self.config.scale] * len(completions)

    reward_core.register_reward("envtest.run", RunReward)
    monkeypatch.setenv("RC_TEST_RUN", "20240101")
    monkeypatch.setenv("RC_TEST_STEPS", "3")
    params = {"run_id": "${RC_TEST_RUN}", "steps": "${RC_TEST_STEPS}", "scale": "${RC_TEST_STEPS}",
              "strict": "${RC_TEST_STEPS:+true}"}
    (loaded,) = load_rewards([{"name": "envtest.run", "params": params, "weight": "${RC_TEST_STEPS}"}])
    assert loaded.params == {"run_id": "20240101", "steps": 3, "scale": 3.0, "strict": True}
    assert type(loaded.params["run_id"]) is str and loaded.weight == 3.0
    monkeypatch.setenv("RC_TEST_STEPS", "NaN")
    with pytest.raises(reward_core.InvalidParamsError, match="parameter 'scale' must be float"):
        load_rewards([{"name": "envtest.run", "params": {"scale": "${RC_TEST_STEPS}"}}])
    with pytest.raises(SpecError, match="weight must be a finite number"):
        load_rewards([{"name": "envtest.run", "weight": "${RC_TEST_STEPS}"}])


def test_the_manifest_records_expanded_values_and_rebuilds_without_the_variables(echo, monkeypatch):
    monkeypatch.setenv("RC_TEST_BONUS", "3")
    manifest = load_rewards([{"name": echo, "params": {"bonus": "${RC_TEST_BONUS}"}}]).manifest()
    assert manifest["rewards"][0]["params"]["bonus"] == 3
    monkeypatch.delenv("RC_TEST_BONUS")
    assert load_rewards(json.loads(json.dumps(manifest))).rewards[0].params["bonus"] == 3


@pytest.mark.parametrize("bad", ["${A", "x ${A:-default", "${A:-${B}}", "${A:+on"])
def test_unclosed_or_nested_placeholders_are_spec_errors(bad):
    with pytest.raises(SpecError, match="unclosed placeholder"):
        interpolate(bad, "spec, entry 0", environ={"A": "1", "B": "2"})


@pytest.mark.parametrize("text", ["$x^2$", "$$x^2$$", "${}^{14}C", "${x^2}", "cost: $5", "${1A}", "${A B}", "$"])
def test_dollars_that_are_not_placeholders_are_text(text):
    assert interpolate(text, "spec", environ={"A": "1"}) == text


_pieces = st.sampled_from(["${", "}", "$$", "$", "A", ":-", ":+", ":?", "{", "x", "${A}", "${B:-d}", "${A:+t}"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=40))
def test_fuzz_every_placeholder_expands_or_is_a_spec_error(parts):
    text = "".join(parts)
    try:
        out = interpolate(text, "spec", environ={"A": "a", "B": ""})
    except SpecError as exc:
        assert str(exc).startswith("spec: ")
        return
    if "$$" not in text:  # every well-formed placeholder was expanded
        assert not any(token in str(out) for token in ("${A}", "${B:-d}", "${A:+t}"))
    if "$" not in text:
        assert out == text


def test_repeated_and_unclosed_constructs_expand_in_one_pass():
    text = "${A}" * 50_000 + "$${" * 50_000
    assert interpolate(text, "spec", environ={"A": "a"}) == "a" * 50_000 + "${" * 50_000
    with pytest.raises(SpecError, match="unclosed"):
        interpolate("${A:-" + "x" * 200_000, "spec", environ={"A": "a"})
    assert re.fullmatch(r"\$+", interpolate("$" * 100_001, "spec", environ={}))
