"""Spec-driven loading: names, weights and params from Python, YAML, TOML and JSON; manifests."""

from __future__ import annotations

import json

import pytest

import reward_core
from reward_core import InvalidParamsError, SpecError


def test_load_rewards_from_a_python_list(use_plugins):
    use_plugins("good")
    rewards = reward_core.load_rewards(
        ["fixture.scaled", {"name": "fixture.length", "weight": 0.5, "params": {"cap": 3}}]
    )
    assert rewards.reward_weights == [1.0, 0.5]
    assert [f.__name__ for f in rewards.reward_funcs] == ["fixture.scaled", "fixture.length"]
    scores = [f(prompts=["p"], completions=["abcdef"]) for f in rewards.reward_funcs]
    assert scores == [[2.0], [3.0]]


def test_yaml_toml_and_json_files_give_the_same_rewards(use_plugins, tmp_path):
    use_plugins("good")
    (tmp_path / "r.yaml").write_text(
        "rewards:\n  - fixture.scaled.v1\n  - {name: fixture.length, weight: 2, params: {cap: 4, mode: words}}\n"
    )
    (tmp_path / "r.toml").write_text(
        '[[rewards]]\nname = "fixture.scaled.v1"\n\n'
        '[[rewards]]\nname = "fixture.length"\nweight = 2\nparams = { cap = 4, mode = "words" }\n'
    )
    (tmp_path / "r.json").write_text(json.dumps(
        ["fixture.scaled.v1", {"name": "fixture.length", "weight": 2, "params": {"cap": 4, "mode": "words"}}]
    ))
    manifests = []
    for name in ["r.yaml", "r.toml", "r.json"]:
        rewards = reward_core.load_rewards(tmp_path / name)
        assert rewards.reward_weights == [1.0, 2.0]
        manifests.append(rewards.manifest()["rewards"])
    assert manifests[0] == manifests[1] == manifests[2]


def test_params_are_validated_against_the_declared_ones(use_plugins):
    use_plugins("good")
    with pytest.raises(InvalidParamsError) as info:
        reward_core.load_rewards([{"name": "fixture.length", "params": {"capp": 3}}])
    message = str(info.value)
    assert "unknown parameter 'capp'" in message
    for accepted in ["cap: int = 100", "scale: float = 1.0", "mode: str = 'chars'"]:
        assert accepted in message
    assert "entry 0" in "".join(getattr(info.value, "__notes__", []))
    with pytest.raises(InvalidParamsError, match="parameter 'cap' must be int, got str"):
        reward_core.get_reward("fixture.length", cap="3")
    with pytest.raises(InvalidParamsError, match="must be >= 1"):
        reward_core.get_reward("fixture.length", cap=0)
    with pytest.raises(InvalidParamsError, match="one of"):
        reward_core.get_reward("fixture.length", mode="bytes")
    with pytest.raises(InvalidParamsError, match="'name' is not a parameter"):
        reward_core.get_reward("fixture.length", name="x")


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ([{"weight": 1}], "'name' is required"),
        ([{"name": "fixture.length", "wieght": 1}], "unknown key"),
        ([{"name": "fixture.length", "weight": "high"}], "weight must be a finite number"),
        ([{"name": "fixture.length", "weight": float("nan")}], "weight must be a finite number"),
        ([{"name": "fixture.length", "params": [1]}], "params must be a mapping"),
        ([3], "expected a reward name or a mapping"),
        ("not-a-file.txt", "does not exist"),
        ({"reward": []}, "'rewards' key"),
        ([{"name": "fixture.length", "on_error": "ignore"}], "on_error must be one of"),
        ({"on_error": "maybe", "rewards": []}, "on_error must be one of"),
        ([{"name": "fixture.length", "log_name": "x"}, {"name": "fixture.scaled", "log_name": "x"}], "used twice"),
    ],
)
def test_malformed_specs_raise_spec_errors(use_plugins, spec, fragment):
    use_plugins("good")
    with pytest.raises(SpecError, match=fragment):
        reward_core.load_rewards(spec)


def test_one_reward_twice_with_different_params_gets_distinct_log_names(use_plugins):
    use_plugins("good")
    rewards = reward_core.load_rewards([
        {"name": "fixture.length", "params": {"mode": "chars"}},
        {"name": "fixture.length", "params": {"mode": "words"}},
        {"name": "fixture.length", "log_name": "length_capped", "params": {"cap": 1}},
    ])
    assert rewards.log_names == ["fixture.length", "fixture.length#2", "length_capped"]
    from trl.trainer.utils import get_callable_name  # the name TRL logs under

    assert [get_callable_name(f) for f in rewards.reward_funcs] == rewards.log_names


def test_manifest_records_names_params_weights_and_providers(use_plugins, tmp_path):
    use_plugins("good")
    rewards = reward_core.load_rewards([{"name": "fixture.len", "weight": 0.25, "params": {"cap": 7}}])
    path = rewards.write_manifest(tmp_path)
    manifest = json.loads(path.read_text())
    assert path.name == "reward_manifest.json"
    assert manifest["reward_core_version"] == reward_core.__version__
    (record,) = manifest["rewards"]
    assert record == {
        "name": "fixture.len",
        "resolved": "fixture.length.v1",
        "log_name": "fixture.len",
        "weight": 0.25,
        "params": {"cap": 7, "scale": 1.0, "mode": "chars"},
        "on_error": "raise",
        "target": "rc_fixture_good.rewards:LengthReward",
        "distribution": "rc-fixture-good",
        "distribution_version": "1.2.3",
    }
    assert manifest["manifest_version"] == 1
    assert manifest["packages"] == {"rc-fixture-good": "1.2.3"}
    # the manifest is itself a spec that rebuilds the same rewards (see test_manifest.py)
    rebuilt = reward_core.load_rewards(path)
    assert rebuilt.manifest() == manifest
    # its records also work as hand-written entries, pinned by their resolved name
    by_hand = reward_core.load_rewards(
        [{k: r[k] for k in ("weight", "params", "log_name", "on_error")} | {"name": r["resolved"]}
         for r in manifest["rewards"]]
    )
    assert by_hand.manifest()["rewards"][0]["params"] == record["params"]
