"""The `reward-core` command line: list and show."""

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
    assert {b["entry_point"].split(" =")[0] for b in data["broken_plugins"]} == {"broken-import", "broken-register"}
    assert "RewardPluginWarning" in result.stderr  # also shown as a warning
    table = cli(fixture_sites, "list", groups=("good", "broken"))
    assert "2 plugin(s) failed to load" in table.stdout and "a_module_that_does_not_exist" in table.stdout


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
    assert "score range: [0.0, inf]" in out and "Score = min(length, cap) * scale." in out
    data = json.loads(cli(fixture_sites, "show", "fixture.length", "--json").stdout)
    assert [p["name"] for p in data["params"]] == ["cap", "scale", "mode"]


@pytest.mark.parametrize("args", [("show", "fixture.lenght"), ("show", "nothing.here")])
def test_show_unknown_name_is_a_clear_error(fixture_sites, args):
    result = cli(fixture_sites, *args)
    assert result.returncode == 1 and "reward-core list" in result.stderr and "Traceback" not in result.stderr
