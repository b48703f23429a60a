"""Runs reproducible from their manifest: `load_rewards(reward_manifest.json)` rebuilds the run's rewards exactly,
checks the recorded versions, and `score_file` re-scores a run's saved completions through it."""

from __future__ import annotations

import json
import warnings

import pytest

import reward_core
from reward_core import RewardCoreError, RewardVersionDriftError, RewardVersionDriftWarning, UnknownRewardError
from reward_core.offline_scoring import score_file

SPEC = [
    {"name": "fixture.len", "weight": 0.25, "params": {"cap": 7}},  # an alias
    {"name": "fixture.length", "params": {"mode": "words"}},
    {"name": "fixture.length", "weight": 0.5, "params": {"scale": 2.0}},  # the same reward twice: fixture.length#2
    {"name": "fixture.scaled.v1", "log_name": "scaled_first", "on_error": "skip"},  # a pinned version
    {"name": "fixture.contains", "weight": 2, "params": {"needle": "ok"}},  # a plain function with a bound param
]


def write_run(tmp_path, spec=SPEC):
    rewards = reward_core.load_rewards(spec)
    path = rewards.write_manifest(tmp_path)
    return rewards, path, json.loads(path.read_text())


def edit(path, change):
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2))
    return path


def scores(rewards, completions):
    return [f(prompts=["p"] * len(completions), completions=completions) for f in rewards.reward_funcs]


def test_load_rewards_rebuilds_a_run_from_its_manifest(use_plugins, tmp_path):
    use_plugins("good")
    original, path, manifest = write_run(tmp_path)
    rebuilt = reward_core.load_rewards(path)
    assert [r.name for r in rebuilt] == [r.name for r in original] == [e["name"] for e in SPEC]
    assert rebuilt.log_names == original.log_names == [
        "fixture.len", "fixture.length", "fixture.length#2", "scaled_first", "fixture.contains"
    ]
    assert rebuilt.reward_weights == original.reward_weights == [0.25, 1.0, 0.5, 1.0, 2.0]
    assert [r.params for r in rebuilt] == [r.params for r in original]
    assert [r.on_error for r in rebuilt] == ["raise", "raise", "raise", "skip", "raise"]
    assert [f.__name__ for f in rebuilt.reward_funcs] == rebuilt.log_names  # what TRL logs them under
    completions = ["one two three ok", "a much longer completion with many words in it"]
    assert scores(rebuilt, completions) == scores(original, completions)
    assert rebuilt.manifest() == manifest  # writing the rebuilt run's manifest gives the same file
    # a manifest already in memory, and its records alone (as a training config carrying them), load alike
    assert reward_core.load_rewards(manifest).manifest() == manifest
    assert reward_core.load_rewards({"rewards": manifest["rewards"]}).log_names == original.log_names


def test_the_manifest_records_everything_needed(use_plugins, tmp_path):
    use_plugins("good")
    _, _, manifest = write_run(tmp_path)
    assert manifest["manifest_version"] == 1
    assert manifest["reward_core_version"] == reward_core.__version__
    assert manifest["packages"] == {"rc-fixture-good": "1.2.3"}
    for record in manifest["rewards"]:
        assert set(record) == {"name", "resolved", "log_name", "weight", "params", "on_error", "target",
                               "distribution", "distribution_version"}
        assert (record["distribution"], record["distribution_version"]) == ("rc-fixture-good", "1.2.3")
    assert [r["resolved"] for r in manifest["rewards"]] == [
        "fixture.length.v1", "fixture.length.v1", "fixture.length.v1", "fixture.scaled.v1", "fixture.contains.v1"
    ]
    assert manifest["rewards"][1]["params"] == {"cap": 100, "scale": 1.0, "mode": "words"}  # defaults too


def test_the_recorded_version_is_rebuilt_not_the_newest(use_plugins, tmp_path):
    use_plugins("good")
    # A run that asked for `fixture.scaled` when v1 was the newest: the manifest pins v1, although v2 is now.
    _, path, _ = write_run(tmp_path, ["fixture.scaled.v1"])
    edit(path, lambda m: m["rewards"][0].update(name="fixture.scaled", log_name="fixture.scaled"))
    rebuilt = reward_core.load_rewards(path)
    assert rebuilt.log_names == ["fixture.scaled"]
    assert scores(rebuilt, ["x"]) == [[1.0]]
    assert scores(reward_core.load_rewards(["fixture.scaled"]), ["x"]) == [[2.0]]


def test_an_older_manifest_without_the_new_top_level_keys_still_loads(use_plugins, tmp_path):
    use_plugins("good")
    original, path, _ = write_run(tmp_path)
    edit(path, lambda m: [m.pop(k) for k in ("manifest_version", "packages")])
    assert reward_core.load_rewards(path).log_names == original.log_names


def test_version_drift_raises_naming_reward_distribution_and_both_versions(use_plugins, tmp_path):
    use_plugins("good")
    _, path, _ = write_run(tmp_path)
    edit(path, lambda m: m["rewards"][3].update(distribution_version="1.0.0"))
    with pytest.raises(RewardVersionDriftError) as info:
        reward_core.load_rewards(path)
    error = info.value
    assert isinstance(error, RewardCoreError)
    message = str(error)
    assert str(path) in message
    assert "reward 'fixture.scaled.v1'" in message and "'scaled_first'" in message
    assert "recorded with rc-fixture-good 1.0.0, but rc-fixture-good 1.2.3 is installed" in message
    assert "pip install 'rc-fixture-good==1.0.0'" in message
    assert "allow_version_drift=True" in message and "--allow-version-drift" in message
    assert (error.reward, error.distribution, error.recorded_version, error.installed_version) == (
        "fixture.scaled.v1", "rc-fixture-good", "1.0.0", "1.2.3"
    )
    assert len(error.drifts) == 1


def test_allow_version_drift_warns_and_loads_the_installed_version(use_plugins, tmp_path, monkeypatch):
    use_plugins("good")
    original, path, _ = write_run(tmp_path)
    edit(path, lambda m: [r.update(distribution_version="0.9") for r in m["rewards"]])
    with pytest.warns(RewardVersionDriftWarning) as caught:
        rebuilt = reward_core.load_rewards(path, allow_version_drift=True)
    (warning,) = caught
    message = str(warning.message)
    assert "rc-fixture-good 0.9" in message and "rc-fixture-good 1.2.3" in message
    assert "pip install 'rc-fixture-good==0.9'" in message
    assert warning.filename == __file__  # points at the caller
    assert rebuilt.log_names == original.log_names
    assert rebuilt.manifest()["packages"] == {"rc-fixture-good": "1.2.3"}  # what was really used
    # the environment variable does the same (how `torchrun -m reward_core.train` ranks get it)
    monkeypatch.setenv("REWARD_CORE_ALLOW_VERSION_DRIFT", "1")
    with pytest.warns(RewardVersionDriftWarning):
        reward_core.load_rewards(path)
    with pytest.raises(RewardVersionDriftError):
        reward_core.load_rewards(path, allow_version_drift=False)  # the argument wins


def test_a_different_provider_is_drift_too(use_plugins, tmp_path):
    use_plugins("good")
    _, path, _ = write_run(tmp_path, ["fixture.length"])
    edit(path, lambda m: m["rewards"][0].update(distribution="rc-fixture-old", distribution_version="0.1"))
    with pytest.raises(RewardVersionDriftError, match=r"recorded with rc-fixture-old 0\.1, but it is now provided "
                                                       r"by rc-fixture-good 1\.2\.3"):
        reward_core.load_rewards(path)


def test_a_reward_no_longer_installed_says_which_package_to_install(use_plugins, tmp_path):
    use_plugins("good")
    _, path, _ = write_run(tmp_path, ["fixture.length"])
    edit(path, lambda m: m["rewards"][0].update(
        name="gone.reward", resolved="gone.reward.v1", distribution="rc-fixture-gone", distribution_version="3.0"
    ))
    with pytest.raises(UnknownRewardError) as info:
        reward_core.load_rewards(path)
    assert "pip install 'rc-fixture-gone==3.0'" in "\n".join(info.value.__notes__)


def test_import_path_rewards_record_their_distribution(use_plugins, tmp_path, monkeypatch):
    use_plugins("good")
    (tmp_path / "local_rewards.py").write_text(
        "def answer_in(completions, answer, bonus=1.0, **kwargs):\n"
        "    return [bonus if a in c else 0.0 for c, a in zip(completions, answer)]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = ["rc_fixture_good.rewards:contains_reward", {"name": "local_rewards:answer_in", "params": {"bonus": 2.0}}]
    original, path, manifest = write_run(tmp_path, spec)
    installed, local = manifest["rewards"]
    assert (installed["distribution"], installed["distribution_version"]) == ("rc-fixture-good", "1.2.3")
    assert (local["distribution"], local["distribution_version"]) == (None, None)  # nothing to pin
    assert local["params"] == {"bonus": 2.0}
    assert reward_core.load_rewards(path).manifest() == manifest
    edit(path, lambda m: m["rewards"][0].update(distribution_version="2.0"))
    with pytest.raises(RewardVersionDriftError, match="rc-fixture-good 2.0, but rc-fixture-good 1.2.3"):
        reward_core.load_rewards(path)


def test_ordinary_specs_are_not_taken_for_manifests(use_plugins):
    use_plugins("good")
    with pytest.raises(reward_core.SpecError, match="unknown key"):
        reward_core.load_rewards([{"name": "fixture.length", "resolved": "fixture.length.v1"}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no drift check, no warning for a hand-written spec
        assert reward_core.load_rewards(["fixture.length"]).log_names == ["fixture.length"]


def test_a_runs_saved_completions_rescore_through_its_manifest(use_plugins, tmp_path, monkeypatch):
    use_plugins("good")
    (tmp_path / "local_rewards.py").write_text(
        "def answer_in(completions, answer, **kwargs):\n"
        "    from reward_core import completion_text\n"
        "    return [1.0 if a in completion_text(c) else 0.0 for c, a in zip(completions, answer)]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    run = tmp_path / "outputs" / "run"
    run.mkdir(parents=True)
    rewards, manifest_path, _ = write_run(run, SPEC + ["local_rewards:answer_in"])
    # completions.jsonl as a training run writes it (by hand here): one object a line
    rows = [
        {"step": 1, "prompt": "2+2?", "completion": "it is 4, ok", "columns": {"answer": "4", "level": 1}},
        {"step": 1, "prompt": [{"role": "user", "content": "3+3?"}],
         "completion": [{"role": "assistant", "content": "the answer: 6"}], "columns": {"answer": "6", "level": 2}},
        {"step": 2, "prompt": "5+5?", "completion": "eleven, ok ok", "columns": {"answer": "10", "level": 1}},
    ]
    direct = [
        f(prompts=[r["prompt"] for r in rows], completions=[r["completion"] for r in rows],
          answer=[r["columns"]["answer"] for r in rows], level=[r["columns"]["level"] for r in rows])
        for f in rewards.reward_funcs
    ]
    for index, row in enumerate(rows):  # what the run recorded (the last row's answer_in deliberately wrong)
        row["rewards"] = {name: values[index] for name, values in zip(rewards.log_names, direct)}
    rows[2]["rewards"]["local_rewards:answer_in"] = 1.0
    (run / "completions.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))

    summary = score_file(manifest_path, run / "completions.jsonl", tmp_path / "scored.jsonl", progress=None)
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    assert summary.scored == 3 and not summary.bad_lines
    assert [[row["rewards"][name] for row in scored] for name in rewards.log_names] == direct
    assert [s.values for s in summary.rewards] == direct
    weights = rewards.reward_weights
    assert [row["reward"] for row in scored] == pytest.approx(
        [sum(w * values[i] for w, values in zip(weights, direct)) for i in range(3)]
    )
    assert summary.totals == [row["reward"] for row in scored]
    assert [row["step"] for row in scored] == [1, 1, 2] and scored[0]["columns"] == rows[0]["columns"]
    # the new scores are compared with the recorded ones
    assert [(s.recorded, s.differing) for s in summary.rewards] == [(3, 0)] * 5 + [(3, 1)]
    assert summary.rewards[-1].first_difference == (3, 1.0, 0.0)


def test_flat_and_saved_completion_lines_mix(use_plugins, tmp_path):
    use_plugins("good")
    seen = []

    @reward_core.register_reward("lab.columns")
    def columns(completions, **kwargs):
        seen.append(sorted(set(kwargs) - {"prompts"}))
        return [float(len(kwargs.get("answer") or [])) for _ in completions]

    flat = json.dumps({"prompt": "p", "completion": "a", "answer": "1", "step": 3})
    saved = json.dumps({"step": 1, "prompt": "p", "completion": "b", "columns": {"answer": "2"},
                        "rewards": {"lab.columns": 1.0}})
    (tmp_path / "flat.jsonl").write_text(flat + "\n")
    (tmp_path / "saved.jsonl").write_text(saved + "\n")
    (tmp_path / "mixed.jsonl").write_text(flat + "\n" + saved + "\n")
    # a flat line's other keys are its columns; a saved line passes only its `columns` (step is the run's record)
    score_file(["lab.columns"], tmp_path / "flat.jsonl", progress=None)
    score_file(["lab.columns"], tmp_path / "saved.jsonl", progress=None)
    assert seen == [["answer", "step"], ["answer"]]
    summary = score_file(["lab.columns"], tmp_path / "mixed.jsonl", progress=None)  # no output file: summary only
    assert summary.scored == 2 and summary.rewards[0].values == [2.0, 2.0]
    assert (summary.rewards[0].recorded, summary.rewards[0].differing) == (1, 1)
