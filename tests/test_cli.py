"""The `reward-core` command line: list and show; score through a run's manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def cli(fixture_sites, *args, groups=("good",), env=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    full_env["PYTHONPATH"] = os.pathsep.join(str(fixture_sites[g]) for g in groups)
    full_env["REWARD_CORE_PLUGINS"] = ",".join(
        {"good": "rc-fixture-good,rc-fixture-heavy", "broken": "rc-fixture-broken",
         "conflict": "rc-fixture-conflict-a,rc-fixture-conflict-b"}[g] for g in groups
    )
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "reward_core.cli", *args], env=full_env, capture_output=True, text=True)


def test_list_shows_a_table_of_rewards_with_providers(fixture_sites):
    result = cli(fixture_sites, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["REWARD", "SUMMARY", "PROVIDED", "BY"]
    row = next(line for line in lines if line.startswith("fixture.length.v1"))
    assert "Completion length, capped." in row and "rc-fixture-good 1.2.3" in row
    assert "fixture.len -> fixture.length" in result.stdout


def test_list_json_and_broken_plugins(fixture_sites):
    result = cli(fixture_sites, "list", "--json", groups=("good", "broken"))
    assert result.returncode == 0
    data = json.loads(result.stdout)
    names = {r["versioned_name"] for r in data["rewards"]}
    assert {"fixture.length.v1", "fixture.scaled.v2", "heavy.symbolic.v1"} <= names
    assert {b["entry_point"].split(" =")[0] for b in data["broken_plugins"]} == {"broken-import", "broken-register", "broken-hook-name", "broken-exit"}
    assert "RewardPluginWarning" in result.stderr  # also shown as a warning
    table = cli(fixture_sites, "list", groups=("good", "broken"))
    assert "4 plugin(s) failed to load" in table.stdout and "a_module_that_does_not_exist" in table.stdout


def test_strict_flag_and_plugin_selection_flags(fixture_sites):
    strict = cli(fixture_sites, "--strict", "list", groups=("good", "broken"))
    assert strict.returncode == 1 and "rc-fixture-broken" in strict.stderr
    only = cli(fixture_sites, "--plugins", "rc-fixture-heavy", "list", "--json", groups=("good", "broken"))
    rewards = json.loads(only.stdout)["rewards"]
    assert {r["name"] for r in rewards if r["distribution"] != "reward-core"} == {"heavy.symbolic"}
    no_builtins = cli(fixture_sites, "--disable-plugin", "reward-core", "list", "--json")
    assert not [r for r in json.loads(no_builtins.stdout)["rewards"] if r["name"].startswith("trl.")]
    denied = cli(fixture_sites, "--disable-plugin", "rc-fixture-broken", "list", groups=("good", "broken"))
    assert "failed to load" not in denied.stdout and denied.stderr == ""


def test_list_marks_conflicts(fixture_sites):
    result = cli(fixture_sites, "list", groups=("conflict",))
    assert "shared.same_name.v1 !conflict" in result.stdout
    assert "Conflict: shared.same_name.v1 is registered by rc-fixture-conflict-a 2.0.0, rc-fixture-conflict-b 2.0.1" in result.stdout


def test_show_prints_doc_params_range_and_provider(fixture_sites):
    result = cli(fixture_sites, "show", "fixture.length")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("fixture.length.v1  (rc-fixture-good 1.2.3)")
    assert "cap: int = 100 [>= 1] — Lengths are capped here." in out
    assert "score range: [0.0, +inf)" in out and "Score = min(length, cap) * scale." in out
    data = json.loads(cli(fixture_sites, "show", "fixture.length", "--json").stdout)
    assert [p["name"] for p in data["params"]] == ["cap", "scale", "mode"]


@pytest.mark.parametrize("args", [("show", "fixture.lenght"), ("show", "nothing.here")])
def test_show_unknown_name_is_a_clear_error(fixture_sites, args):
    result = cli(fixture_sites, *args)
    assert result.returncode == 1 and "reward-core list" in result.stderr and "Traceback" not in result.stderr


def write_run(tmp_path, use_plugins):
    """A run's output dir, by hand: its reward_manifest.json and completions.jsonl (as train writes them)."""
    import reward_core

    use_plugins("good")
    rewards = reward_core.load_rewards(
        [{"name": "fixture.len", "weight": 0.5, "params": {"cap": 5}}, {"name": "fixture.contains", "weight": 2.0}]
    )
    run = tmp_path / "outputs" / "run"
    run.mkdir(parents=True)
    manifest = rewards.write_manifest(run)
    rows = [("what is 6*7?", "it is 42", "42"), ("and 1+1?", "2, surely", "2")]
    lines = []
    for step, (prompt, completion, answer) in enumerate(rows):
        recorded = {f.__name__: f(prompts=[prompt], completions=[completion])[0] for f in rewards.reward_funcs}
        lines.append(json.dumps({"step": step, "prompt": prompt, "completion": completion,
                                 "columns": {"answer": answer}, "rewards": recorded}))
    (run / "completions.jsonl").write_text("\n".join(lines) + "\n")
    return run, manifest


def test_score_rescores_a_run_through_its_manifest(fixture_sites, use_plugins, tmp_path):
    run, manifest = write_run(tmp_path, use_plugins)
    result = cli(fixture_sites, "score", "--config", str(manifest), str(run / "completions.jsonl"),
                 "--output", str(tmp_path / "scored.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "scored 2 completion(s); 0 bad line(s)" in result.stdout
    assert "fixture.len: 2/2 identical" in result.stdout and "fixture.contains: 2/2 identical" in result.stdout
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    assert [row["rewards"] for row in scored] == [
        {"fixture.len": 5.0, "fixture.contains": 1.0}, {"fixture.len": 5.0, "fixture.contains": 0.0}
    ]
    assert [row["reward"] for row in scored] == [4.5, 2.5]
    # --input still works, and without --output only the summary is printed
    plain = cli(fixture_sites, "score", "--config", str(manifest), "--input", str(run / "completions.jsonl"))
    assert plain.returncode == 0, plain.stderr
    assert "(weighted total)" in plain.stdout and not (tmp_path / "outputs" / "run" / "scored.jsonl").exists()


def test_score_refuses_a_drifted_manifest_unless_allowed(fixture_sites, use_plugins, tmp_path):
    run, manifest = write_run(tmp_path, use_plugins)
    data = json.loads(manifest.read_text())
    data["rewards"][1]["distribution_version"] = "1.0.0"
    manifest.write_text(json.dumps(data))
    args = ("score", "--config", str(manifest), str(run / "completions.jsonl"))
    refused = cli(fixture_sites, *args)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "reward 'fixture.contains' (fixture.contains.v1) was recorded with rc-fixture-good 1.0.0, but " \
           "rc-fixture-good 1.2.3 is installed" in refused.stderr
    assert "pip install 'rc-fixture-good==1.0.0'" in refused.stderr and "--allow-version-drift" in refused.stderr
    allowed = cli(fixture_sites, *args, "--allow-version-drift")
    assert allowed.returncode == 0, allowed.stderr
    assert "RewardVersionDriftWarning" in allowed.stderr and "rc-fixture-good 1.0.0" in allowed.stderr
    assert "fixture.contains: 2/2 identical" in allowed.stdout


def test_train_accepts_allow_version_drift(fixture_sites):
    result = cli(fixture_sites, "train", "--help")
    assert result.returncode == 0 and "--allow-version-drift" in result.stdout


def test_show_lists_a_function_rewards_keyword_params_and_they_are_what_loading_accepts(fixture_sites, use_plugins):
    data = json.loads(cli(fixture_sites, "show", "fixture.contains", "--json").stdout)
    assert data["kind"] == "function"
    assert [(p["name"], p["default"]) for p in data["params"]] == [("needle", "42")]
    use_plugins("good")
    import reward_core

    shown = reward_core.get_reward("fixture.contains", needle="ab")
    assert shown(prompts=["p"], completions=["xaby"]) == [1.0]
    with pytest.raises(reward_core.InvalidParamsError, match="accepted: needle='42'"):
        reward_core.get_reward("fixture.contains", haystack="x")


def test_show_takes_an_import_path_like_load_rewards_does(fixture_sites):
    result = cli(fixture_sites, "show", "rc_fixture_good.rewards:LengthReward")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rc_fixture_good.rewards:LengthReward\n")
    assert "cap: int = 100" in result.stdout and "score range: [0.0, +inf)" in result.stdout


def test_show_says_when_a_reward_sets_its_score_range_per_instance(fixture_sites, tmp_path):
    (tmp_path / "ranged.py").write_text(
        "from reward_core import BaseReward\n\n"
        "class Ranged(BaseReward):\n"
        "    '''Scores up to a cap its params choose.'''\n\n"
        "    @property\n"
        "    def score_range(self):\n"
        "        return (0.0, 2.0)\n\n"
        "    def __call__(self, prompts, completions, **kwargs):\n"
        "        return [1.0] * len(completions)\n"
    )
    env = {"PYTHONPATH": os.pathsep.join([str(fixture_sites["good"]), str(tmp_path)])}
    result = cli(fixture_sites, "show", "ranged:Ranged", env=env)
    assert result.returncode == 0, result.stderr
    assert "score range: set per instance (it depends on the params)" in result.stdout
    data = json.loads(cli(fixture_sites, "show", "ranged:Ranged", "--json", env=env).stdout)
    assert data["score_range"] is None and data["score_range_per_instance"] is True
