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
        "    params: {bonus: '${RC_TEST_BONUS}', label: 'run-${RC_TEST_UNSET:-local}-$$5'}\n"
    )
    (loaded,) = load_rewards(spec)
    assert loaded.name == "envtest.echo" and loaded.on_error == "skip"
    assert loaded.params == {"bonus": 2.5, "label": "run-local-$5"}  # a lone placeholder takes its number's type
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
    assert load_rewards([{"name": echo, "enabled": False}]).left_out == (echo,)
    with pytest.raises(SpecError, match="enabled must be true or false"):
        load_rewards([{"name": echo, "enabled": "perhaps"}])


def test_the_manifest_records_expanded_values_and_rebuilds_without_the_variables(echo, monkeypatch):
    monkeypatch.setenv("RC_TEST_BONUS", "3")
    manifest = load_rewards([{"name": echo, "params": {"bonus": "${RC_TEST_BONUS}"}}]).manifest()
    assert manifest["rewards"][0]["params"]["bonus"] == 3
    monkeypatch.delenv("RC_TEST_BONUS")
    assert load_rewards(json.loads(json.dumps(manifest))).rewards[0].params["bonus"] == 3


@pytest.mark.parametrize("bad", ["${", "${A", "${A:-${B}}", "${1A}", "${A B}", "x${}y", "${A:x}"])
def test_malformed_placeholders_are_spec_errors(bad):
    with pytest.raises(SpecError, match="malformed placeholder"):
        interpolate(bad, "spec, entry 0", environ={"A": "1", "B": "2"})


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
    if "$$" not in text:  # only an escaped "$" may leave a "${" behind
        assert "${" not in str(out)
    if "$" not in text:
        assert out == text


def test_repeated_and_unclosed_constructs_expand_in_one_pass():
    text = "${A}" * 50_000 + "$$" * 50_000
    assert interpolate(text, "spec", environ={"A": "a"}) == "a" * 50_000 + "$" * 50_000
    with pytest.raises(SpecError, match="malformed"):
        interpolate("${A" + "x" * 200_000, "spec", environ={"A": "a"})
    assert re.fullmatch(r"\$+", interpolate("$" * 100_001, "spec", environ={}))
