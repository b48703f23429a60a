"""Fuzz what a user can get wrong (issue 25): nothing but a `RewardCoreError`, or a typed CLI exit, escapes.

Three surfaces, through the public entry points:

- specs and manifests: `load_rewards` / `read_spec` on random and malformed specs, spec files of random bytes
  and mutated manifests;
- reward calls: random batches into every non-judge reward, by name (`get_reward(name)(...)`);
- the command line: random JSONL and arguments into `reward-core score`, `check` and `show` (the real `main()`).

Budgets are hypothesis profiles: `reward-core-fuzz-ci` (the default, sized for CI: a few seconds a test) and
`reward-core-fuzz-long` (thousands of examples, for a local hunt): `REWARD_CORE_FUZZ=long pytest
tests/test_fuzz_inputs.py` (or `REWARD_CORE_FUZZ=500`: that many examples a test). A failure prints the example that escaped; it reproduces with the same seed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reward_core
from reward_core import RewardCoreError, get_reward, load_rewards, read_spec
from reward_core.cli import main

settings.register_profile(
    "reward-core-fuzz-ci", max_examples=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "reward-core-fuzz-long", max_examples=3000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
_CHOICE = os.environ.get("REWARD_CORE_FUZZ", "ci")
FUZZ = settings.get_profile(f"reward-core-fuzz-{'long' if _CHOICE == 'long' else 'ci'}")
if _CHOICE.isdigit():  # REWARD_CORE_FUZZ=500: that many examples a test, random (a hunt of a chosen size)
    FUZZ = settings(FUZZ, max_examples=int(_CHOICE), derandomize=False)

#: Every non-judge reward and the params it needs to build (the judges call an HTTP endpoint).
REWARDS = {
    "math.answer_correctness": {},
    "math.reasoning_tags": {},
    "math.repetition_penalty": {"ngram_size": 2},
    "math.soft_overlong": {"max_completion_len": 8, "soft_punish_cache": 3},
    "math.step_format": {},
    "math.strict_format": {},
    "math.think_format": {},
    "tools.call_budget": {},
    "tools.call_success": {},
    "tools.environment_state": {"attribute": "done"},
    "tools.valid_calls": {},
    "trl.accuracy_reward": {},
    "trl.cosine_scaled": {"max_len": 16},
    "trl.reasoning_accuracy_reward": {},
    "trl.repetition_penalty": {},
    "trl.soft_overlong_punishment": {"max_completion_len": 8, "soft_punish_cache": 3},
    "trl.think_format_reward": {},
}
#: Import paths a user may write, right and wrong (a fixed list: importing random modules has side effects).
IMPORT_PATHS = [":x", ".x:y", "x:", "reward_core:BaseReward", "builtins:range", "builtins:len", "typing:Any",
                "reward_core.resolve:LoadedRewards", "os:getcwd", "os:sep", "no_such_module:f", "reward_core:nope",
                "reward_core.integrations.trl_rewards:TrlThinkFormatReward"]
NAMES = [*REWARDS, *IMPORT_PATHS, "math.answer_correctness.v1", "math.answer_correctness.v9", "trl.", "", "a.b.c",
         "judge.nope", "Math.Think_Format"]

# Text with the pieces rewards look for, so examples reach past the first check.
FRAGMENTS = ["<think>", "</think>", "<answer>", "</answer>", "\\boxed{", "}", "{", "42", "-1", "3/4", "x^2",
             "Answer: ", "Step 1:", "\n", " ", "${A}", "$${", "${A:-1}", "\\frac{1}{2}", "9^{9^{9}}", "é", "中",
             "\x00", "\ud800"]
TEXT = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from([10**400, -(10**30)]),
                    st.floats(allow_nan=True, allow_infinity=True), TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


DEEP = st.integers(min_value=90, max_value=400).map(nested)
MESSAGES = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["assistant", "user", "tool", "system", 3]), "content": st.one_of(TEXT, JSON)},
        optional={"reasoning_content": TEXT, "tool_calls": JSON, "name": TEXT},
    ),
    max_size=3,
)
COMPLETION = st.one_of(TEXT, MESSAGES, JSON)
TOKEN_IDS = st.one_of(st.lists(st.integers(0, 50), max_size=12), JSON)


def typed(call, *args, **kwargs):
    """Call; return the result, or the RewardCoreError it raised. Anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call(*args, **kwargs)
        except RewardCoreError as exc:
            str(exc)  # the message itself must be printable
            return exc


@pytest.fixture(autouse=True, scope="module")
def _no_stray_environment():
    with pytest.MonkeyPatch.context() as patch:
        for name in ("A", "REWARD_CORE_ON_ERROR", "REWARD_CORE_ALLOW_VERSION_DRIFT"):
            patch.delenv(name, raising=False)
        yield


# ------------------------------------------------------------------------------------------ specs, manifests

ENTRY = st.one_of(
    st.sampled_from(NAMES),
    JSON,
    st.fixed_dictionaries(
        {"name": st.one_of(st.sampled_from(NAMES), JSON)},
        optional={
            "weight": st.one_of(SCALARS, st.sampled_from(["${A:-2}", "${A}", "1e999"])),
            "params": st.one_of(JSON, DEEP, st.dictionaries(st.sampled_from(["ngram_size", "max_penalty", "x",
                                                                             "reasoning_delimiters"]), JSON)),
            "log_name": st.one_of(TEXT, JSON),
            "on_error": st.sampled_from(["raise", "skip", "stop", 1, None]),
            "enabled": st.one_of(SCALARS, st.sampled_from(["${A:+true}", "off", "maybe"])),
            "unknown": JSON,
        },
    ),
)
SPEC = st.one_of(st.lists(ENTRY, max_size=3), JSON, DEEP,
                 st.fixed_dictionaries({"rewards": st.lists(ENTRY, max_size=3)}, optional={"on_error": JSON}))


@FUZZ
@given(SPEC)
def test_random_specs_load_or_raise_a_typed_error(spec):
    result = typed(load_rewards, spec)
    assert isinstance(result, (reward_core.LoadedRewards, RewardCoreError))


@FUZZ
@given(st.sampled_from([".yaml", ".yml", ".json", ".toml", ".txt", ""]),
       st.one_of(st.binary(max_size=80), TEXT.map(lambda s: s.encode("utf-8", "surrogatepass")).filter(bool),
                 st.sampled_from([b"\xff", b"rewards: &a [*a]\n", b"- &a [*a]\n", b"[" * 5000,
                                  b"rewards: [{name: trl.think_format_reward, weight: " + b"9" * 500 + b"}]\n",
                                  b'{"rewards": [' + b"9" * 5000 + b"]}"])))
def test_random_spec_files_load_or_raise_a_typed_error(suffix, content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"spec{suffix}"
        path.write_bytes(content)
        assert isinstance(typed(read_spec, path), object)
        typed(load_rewards, path)
    for name in ("a" * 300 + ".yaml", folder, "/"):  # too long for the file system; a directory; gone
        assert isinstance(typed(load_rewards, name), RewardCoreError)


def _manifest() -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_rewards([{"name": "math.repetition_penalty", "params": {"ngram_size": 2}, "weight": 0.5},
                             "trl.think_format_reward",
                             "reward_core.integrations.trl_rewards:TrlThinkFormatReward"]).manifest()


@FUZZ
@given(st.integers(0, 2), st.sampled_from(["name", "resolved", "distribution", "distribution_version", "weight",
                                           "params", "log_name", "on_error", "target", "extra"]),
       st.one_of(JSON, DEEP, st.sampled_from(["", "os:getcwd", ":x", "trl.nope", "reward-core", "0.0.0"])))
def test_mutated_manifests_load_or_raise_a_typed_error(record, key, value):
    manifest = _manifest()
    manifest["rewards"][record][key] = value
    typed(load_rewards, manifest)
    typed(load_rewards, manifest, allow_version_drift=True)


# ------------------------------------------------------------------------------------------------ reward calls

def per_row(n: int, values: st.SearchStrategy) -> st.SearchStrategy:
    """A column: mostly one value per completion (so rows reach the scoring), sometimes anything."""
    return st.one_of(st.lists(values, min_size=n, max_size=n), st.lists(values, min_size=n, max_size=n), JSON)


@FUZZ
@given(st.sampled_from(sorted(REWARDS)), st.lists(COMPLETION, min_size=1, max_size=3), st.data(),
       st.sampled_from(["raise", "skip"]))
def test_random_batches_into_every_reward_score_or_raise_a_typed_error(name, completions, data, on_error):
    reward = load_rewards([{"name": name, "params": REWARDS[name], "on_error": on_error}]).reward_funcs[0]
    n = len(completions)
    prompts = data.draw(st.one_of(st.none(), per_row(n, st.one_of(TEXT, MESSAGES))), "prompts")
    columns = data.draw(st.dictionaries(
        st.sampled_from(["answer", "solution", "completion_ids", "environments", "tools"]),
        per_row(n, st.one_of(JSON, TOKEN_IDS, st.just(10**5000))),
        max_size=3,
    ), "columns")
    for key in ("answer", "solution", "completion_ids"):  # mostly well-shaped, so rows reach the scoring
        if key not in columns:
            columns[key] = [["7", 7, "\\frac{1}{2}"][i % 3] for i in range(n)] if key != "completion_ids" else \
                [list(range(i + 2)) for i in range(n)]
    result = typed(reward.score, prompts, completions, **columns)
    if not isinstance(result, RewardCoreError):
        assert len(result) == n and all(s is None or isinstance(s, float | int) for s in result)


# ----------------------------------------------------------------------------------------------- command line

def run_cli(*argv: str) -> tuple[int, str]:
    """(exit status, stderr) of `reward-core ARGV` run in this process, as a shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        warnings.simplefilter("ignore")
        try:
            status = main(list(argv))
        except SystemExit as exit_:  # argparse's usage errors, and --param without '='
            code = exit_.code
            if isinstance(code, str):
                err.write(code)
                code = 1
            status = code or 0
    return status, err.getvalue()


def assert_typed_exit(status: int, stderr: str) -> None:
    assert status in (0, 1, 2), status
    assert "Traceback" not in stderr, stderr
    if status == 1:
        assert "error:" in stderr, stderr


LINE = st.one_of(
    JSON.map(json.dumps),
    st.fixed_dictionaries({"completion": COMPLETION},
                          optional={"prompt": st.one_of(TEXT, MESSAGES), "answer": JSON, "self": JSON,
                                    "columns": st.dictionaries(st.sampled_from(["answer", "reward", "self", "x"]), JSON),
                                    "rewards": st.one_of(JSON, st.just({"trl.think_format_reward": 10**400}))}
                          ).map(lambda row: json.dumps(row, default=str)),
    TEXT,
    st.sampled_from(['{"completion": "a", "n": ' + "9" * 5000 + "}", "[" * 3000, '{"completion": ' + "[" * 200]),
)
SCORE_SPEC = json.dumps({"rewards": ["trl.think_format_reward", "math.think_format",
                                     {"name": "math.repetition_penalty", "params": {"ngram_size": 2}},
                                     {"name": "math.answer_correctness", "on_error": "skip"}]})


@FUZZ
@given(st.lists(st.one_of(LINE.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=20)), max_size=6),
       st.sampled_from([None, ".", "missing_dir/x.jsonl", "out.jsonl"]),
       st.sampled_from([[], ["--batch-size", "2"], ["--correlation"], ["--allow-version-drift"]]))
def test_reward_core_score_reports_bad_lines_and_exits_typed(lines, output, extra):
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        Path("spec.json").write_text(SCORE_SPEC)
        Path("in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
        args = ["score", "--config", "spec.json", "in.jsonl", *extra] + (["--output", output] if output else [])
        status, stderr = run_cli(*args)
        assert_typed_exit(status, stderr)
        if output in (".", "missing_dir/x.jsonl"):
            assert status == 1 and "cannot write the output" in stderr
        else:
            assert status == 0, stderr


@FUZZ
@given(st.sampled_from(NAMES) | TEXT,
       st.lists(st.tuples(st.sampled_from(["ngram_size", "max_penalty", "x", "solution_column", ""]),
                          st.one_of(JSON.map(json.dumps), TEXT, st.just("9" * 5000), st.just("[" * 3000))),
                max_size=2),
       st.one_of(st.none(), JSON.map(json.dumps), TEXT, st.sampled_from(["{", "null", "[1]", "[" * 3000,
                                                                         json.dumps({"a": nested(150)})])))
def test_reward_core_check_and_show_exit_typed(name, pairs, params):
    if name.startswith("-") or name.startswith("judge."):
        return
    argv = ["check", name] + [arg for key, value in pairs for arg in ("-p", f"{key}={value}")]
    if params is not None:
        argv += ["--params", params]
    assert_typed_exit(*run_cli(*argv))
    assert_typed_exit(*run_cli("show", name))
    assert_typed_exit(*run_cli("show", name, "--json"))
