"""Each row of issue 25: a bad input is a typed `RewardCoreError` that names it (or a line reported and skipped)."""

from __future__ import annotations

import json

import pytest

from reward_core import get_reward, load_rewards, read_spec
from reward_core.errors import (
    InvalidParamsError,
    RewardDefinitionError,
    RewardInputError,
    RewardLoadError,
    SpecError,
)
from reward_core.offline_scoring import score_file

from reward_core.cli import main


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def run_cli(*argv: str) -> tuple[int, str]:
    """(exit status, stderr) of `reward-core ARGV`, run in this process."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, err.getvalue() + out.getvalue()


@pytest.mark.parametrize(("suffix", "content", "says"), [
    (".yaml", b"\xff", "not UTF-8"),
    (".yaml", b"rewards: &a [*a]\n", "100 levels"),
])
def test_spec_files_that_cannot_be_read(tmp_path, suffix, content, says):
    path = tmp_path / f"spec{suffix}"
    path.write_bytes(content)
    with pytest.raises(SpecError, match=says):
        load_rewards(path)


def test_a_spec_file_name_too_long_for_the_file_system():
    with pytest.raises(SpecError, match="cannot be read"):
        read_spec("a" * 300 + ".yaml")


def test_deep_params_and_huge_weights_are_spec_errors():
    with pytest.raises(SpecError, match="100 levels"):
        load_rewards([{"name": "math.repetition_penalty", "params": {"x": nested(500)}}])
    with pytest.raises(InvalidParamsError, match="100 levels"):
        get_reward("math.repetition_penalty", x=nested(500))
    with pytest.raises(SpecError, match="weight must be a finite number, got an integer of about 400 digits"):
        load_rewards([{"name": "trl.think_format_reward", "weight": 10**400}])
    with pytest.raises(InvalidParamsError, match="max_penalty"):
        get_reward("math.repetition_penalty", max_penalty=-(10**400))


@pytest.mark.parametrize(("path", "error", "says"), [
    (":x", RewardLoadError, "package.module:attribute"),
    (".x:y", RewardLoadError, "package.module:attribute"),
    ("reward_core:BaseReward", RewardDefinitionError, "abstract class"),
    ("builtins:range", RewardDefinitionError, "could not be built"),
    ("typing:Any", RewardDefinitionError, "could not be built"),
    ("reward_core.resolve:LoadedRewards", RewardDefinitionError, "could not be built"),
    ("builtins:len", RewardDefinitionError, "not a reward"),
])
def test_import_paths_that_are_no_reward(path, error, says):
    with pytest.raises(error, match=says):
        load_rewards([path])
    with pytest.raises(error, match=says):
        get_reward(path)


@pytest.mark.parametrize("value", [True, 3, [1], {"a": 1}])
def test_a_manifest_record_whose_distribution_is_not_text(value):
    manifest = load_rewards(["trl.think_format_reward"]).manifest()
    manifest["rewards"][0]["distribution"] = value
    with pytest.raises(SpecError, match="'distribution' must be"):
        load_rewards(manifest)


def test_trl_adapters_check_their_columns_and_delimiters():
    with pytest.raises(RewardInputError, match="about 5000 digits"):
        get_reward("trl.accuracy_reward")(prompts=["q"], completions=["\\boxed{1}"], solution=[10**5000])
    with pytest.raises(InvalidParamsError, match="non-empty strings"):
        get_reward("trl.reasoning_accuracy_reward", reasoning_delimiters=[""])
    for name, params in [("trl.repetition_penalty", {}), ("trl.cosine_scaled", {"max_len": 4}),
                         ("trl.soft_overlong_punishment", {"max_completion_len": 4, "soft_punish_cache": 1})]:
        for ids in ([None], [[[1]]], ["abc"]):
            with pytest.raises(RewardInputError, match=r"completion_ids\[0\]"):
                get_reward(name, **params)(prompts=["q"], completions=["a"], completion_ids=ids, solution=["1"])
    # Well-formed token ids still score as TRL does.
    assert get_reward("trl.repetition_penalty", ngram_size=2)(
        prompts=["q"], completions=["a"], completion_ids=[(1, 2, 1, 2, 1, 2)]) == [pytest.approx(-0.6)]


def test_math_packs_refuse_huge_golds_and_nested_token_ids():
    with pytest.raises(RewardInputError, match="row 0.*about 5000 digits"):
        get_reward("math.answer_correctness")(prompts=["q"], completions=["\\boxed{1}"], answer=[10**5000])
    with pytest.raises(RewardInputError, match=r"row 0: completion_ids\[0\]"):
        get_reward("math.repetition_penalty")(prompts=["q"], completions=["a"], completion_ids=[[[1], [1], [1]]])


def test_score_reports_and_skips_each_bad_line(tmp_path):
    lines = [
        json.dumps({"prompt": "q", "completion": "<think>a</think>b"}).encode(),
        json.dumps({"completion": "x", "self": 1}).encode(),
        json.dumps({"completion": "x", "columns": {"reward": 1}}).encode(),
        b'{"completion": "x", "n": ' + b"9" * 5000 + b"}",
        b"[" * 3000 + b"]" * 3000,
        json.dumps({"completion": nested(150)}).encode(),
        b'\xff{"completion": "x"}',
        json.dumps({"completion": []}).encode(),
        json.dumps({"completion": "x", "rewards": {"trl.think_format_reward": 10**400}}).encode(),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    summary = score_file(["trl.think_format_reward"], source, tmp_path / "out.jsonl", progress=None)
    assert summary.scored == 2
    bad = dict(summary.bad_lines)
    assert sorted(bad) == [2, 3, 4, 5, 6, 7, 8]
    assert "collide" in bad[2] and "collide" in bad[3] and "not UTF-8" in bad[7]
    assert summary.rewards[0].differing == 1  # the 400-digit recorded score differs, and does not overflow


def test_single_bad_line_is_skipped_by_the_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.json").write_text(json.dumps({"rewards": ["trl.think_format_reward"]}))
    (tmp_path / "in.jsonl").write_text('{"completion": []}\n')
    status, output = run_cli("score", "--config", "spec.json", "in.jsonl")
    assert status == 0 and "scored 0 completion(s); 1 bad line(s)" in output


@pytest.mark.parametrize(("output", "says"), [(".", "it is a directory"), ("missing/x.jsonl", "No such file")])
def test_score_output_that_cannot_be_written(tmp_path, monkeypatch, output, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.json").write_text(json.dumps({"rewards": ["trl.think_format_reward"]}))
    (tmp_path / "in.jsonl").write_text('{"completion": "a"}\n')
    status, stderr = run_cli("score", "--config", "spec.json", "in.jsonl", "--output", output)
    assert status == 1 and stderr.startswith("error: cannot write the output") and says in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr  # one line, nothing scored


@pytest.mark.parametrize(("params", "says"), [
    ("{", "not valid JSON"), ("null", "one JSON object"), ("[1]", "one JSON object"),
    ("[" * 3000, "not valid JSON"), (json.dumps({"ngram_size": nested(150)}), "100 levels"),
])
def test_check_params_that_are_not_a_json_object(params, says):
    status, stderr = run_cli("check", "math.repetition_penalty", "--params", params)
    assert status == 1 and says in stderr and "Traceback" not in stderr


def test_show_of_a_malformed_import_path():
    status, stderr = run_cli("show", ":x")
    assert status == 1 and "package.module:attribute" in stderr
