"""Entry-point plugins: discovery, laziness, broken plugins, allow/deny lists, names, versions, conflicts."""

from __future__ import annotations

import json

import pytest

import reward_core
from reward_core import (
    PluginLoadError,
    RewardConflictError,
    RewardLoadError,
    RewardPluginWarning,
    UnknownRewardError,
)

HEAVY = ["torch", "trl", "transformers", "deepeval", "sympy", "math_verify", "numpy"]


def test_import_reward_core_imports_nothing_heavy_and_no_plugin_machinery(run_python):
    code = (
        "import sys, json; before = set(sys.modules)\n"
        "import reward_core\n"
        "from reward_core import BaseReward, RewardConfig, completion_text\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    loaded = json.loads(run_python(code).stdout)
    assert not [m for m in loaded if m.split(".")[0] in HEAVY + ["pluggy", "importlib_metadata", "yaml"]], loaded


def test_listing_imports_no_reward_implementation_and_resolving_imports_only_its_plugin(run_python):
    code = (
        "import sys, json\n"
        "import reward_core\n"
        "names = [e.versioned_name for e in reward_core.list_rewards()]\n"
        "after_list = sorted(m for m in sys.modules if m.startswith(('rc_fixture', 'sympy', 'torch', 'trl', 'deepeval', 'math_verify')))\n"
        "reward_core.get_reward('fixture.length')\n"
        "after_good = sorted(m for m in sys.modules if m.startswith(('rc_fixture', 'sympy')))\n"
        "reward_core.get_reward('heavy.symbolic')\n"
        "after_heavy = 'sympy' in sys.modules\n"
        "print(json.dumps([names, after_list, after_good, after_heavy]))\n"
    )
    env = {"REWARD_CORE_PLUGINS": "rc-fixture-good,rc-fixture-heavy"}
    names, after_list, after_good, after_heavy = json.loads(run_python(code, "good", env=env).stdout)
    assert "fixture.length.v1" in names and "heavy.symbolic.v1" in names
    # listing imported only the two small registration modules
    assert after_list == ["rc_fixture_good", "rc_fixture_good.plugin", "rc_fixture_heavy", "rc_fixture_heavy.plugin"]
    # resolving fixture.length imported its own module, not the heavy plugin's implementation (nor sympy)
    assert "rc_fixture_good.rewards" in after_good
    assert "rc_fixture_heavy.rewards" not in after_good and "sympy" not in after_good
    assert after_heavy is True


def test_entries_record_distribution_version_and_summary(use_plugins):
    use_plugins("good")
    entries = {e.versioned_name: e for e in reward_core.list_rewards()}
    entry = entries["fixture.length.v1"]
    assert (entry.distribution, entry.distribution_version) == ("rc-fixture-good", "1.2.3")
    assert entry.summary == "Completion length, capped."
    assert entry.target == "rc_fixture_good.rewards:LengthReward"
    plugins = {p.entry_point.split(" =")[0]: p for p in reward_core.list_plugins()}
    assert "fixture.length.v1" in plugins["rc-fixture-good"].rewards
    # a second entry point naming the same module is listed, and registers nothing twice
    assert plugins["rc-fixture-good-again"].distribution == "rc-fixture-good"
    assert plugins["rc-fixture-good-again"].rewards == ()


def test_entry_points_are_read_once_per_process(use_plugins, monkeypatch):
    use_plugins("good")
    reward_core.list_rewards()
    import importlib_metadata

    def fail(*args, **kwargs):
        raise AssertionError("entry points were scanned twice")

    monkeypatch.setattr(importlib_metadata, "entry_points", fail)
    reward_core.configure_plugins(deny=["rc-fixture-heavy"])  # re-filtering reuses the scan
    names = [e.name for e in reward_core.list_rewards()]
    assert "fixture.length" in names and "heavy.symbolic" not in names


def test_versioned_names_and_aliases(use_plugins):
    use_plugins("good")
    assert reward_core.get_reward("fixture.scaled")(prompts=["p"], completions=["c"]) == [2.0]
    assert reward_core.get_reward("fixture.scaled.v2")(prompts=["p"], completions=["c"]) == [2.0]
    assert reward_core.get_reward("fixture.scaled.v1")(prompts=["p"], completions=["c"]) == [1.0]
    alias = reward_core.get_reward("fixture.len", cap=2)
    assert alias(prompts=["p"], completions=["abcdef"]) == [2.0]
    with pytest.raises(UnknownRewardError, match="fixture.scaled.v3"):
        reward_core.get_reward("fixture.scaled.v3")


def test_unknown_name_lists_close_matches_and_the_listing_command(use_plugins):
    use_plugins("good")
    with pytest.raises(UnknownRewardError) as info:
        reward_core.get_reward("fixture.lenght")
    message = str(info.value)
    assert "fixture.length" in info.value.suggestions
    assert "Did you mean" in message and "reward-core list" in message
    with pytest.raises(UnknownRewardError) as info:
        reward_core.get_reward("length")  # right name, missing namespace
    assert info.value.suggestions == ["fixture.length"]


def test_broken_plugins_are_recorded_and_warned_and_never_break_the_others(use_plugins):
    use_plugins("good", "broken")
    with pytest.warns(RewardPluginWarning) as warned:
        names = [e.name for e in reward_core.list_rewards()]
    assert "fixture.length" in names
    assert "broken.first" not in names  # registrations of a plugin that failed half-way are discarded
    broken = {b.entry_point.split(" =")[0]: b for b in reward_core.broken_plugins()}
    assert set(broken) == {"broken-import", "broken-register", "broken-hook-name", "broken-exit"}
    assert broken["broken-import"].distribution == "rc-fixture-broken"
    assert broken["broken-import"].version == "0.0.1"
    assert "ModuleNotFoundError" in broken["broken-import"].error
    assert "fails half-way" in broken["broken-register"].error
    # pluggy validates hooks against reward-core's specs: a misspelt hook name breaks only its plugin
    assert "unknown hook 'register_reward'" in broken["broken-hook-name"].error
    assert "broken.misspelt" not in names
    assert "SystemExit: no GPU here" in broken["broken-exit"].error  # sys.exit() at import ends nothing
    assert len(warned) == 4 and "REWARD_CORE_STRICT" in str(warned[0].message)
    assert all(w.filename == __file__ for w in warned)  # the warning points at the caller, not reward-core
    assert reward_core.get_reward("fixture.length")(prompts=["p"], completions=["ab"]) == [2.0]
    with pytest.raises(UnknownRewardError, match="rc-fixture-broken"):  # the error points at the broken plugin
        reward_core.get_reward("broken.first")


def test_strict_mode_from_api_and_environment(use_plugins, monkeypatch):
    use_plugins("good", "broken")
    reward_core.configure_plugins(strict=True)
    with pytest.raises(PluginLoadError, match="rc-fixture-broken"):
        reward_core.list_rewards()
    reward_core.configure_plugins(strict=None)
    monkeypatch.setenv("REWARD_CORE_STRICT", "1")
    with pytest.raises(PluginLoadError, match="entry point broken-"):
        reward_core.list_rewards()


def test_allow_and_deny_lists_from_environment_and_api(use_plugins, monkeypatch):
    use_plugins("good", "broken")
    reward_core.configure_plugins(allow=None)  # back to the environment
    monkeypatch.setenv("REWARD_CORE_PLUGINS", "rc_fixture_good")  # names are normalised like pip's
    names = {e.name for e in reward_core.list_rewards()}
    assert "fixture.length" in names and "heavy.symbolic" not in names
    monkeypatch.setenv("REWARD_CORE_PLUGINS", "rc-fixture-good,rc-fixture-heavy,rc-fixture-broken")
    monkeypatch.setenv("REWARD_CORE_DISABLE_PLUGINS", "rc-fixture-broken, rc-fixture-heavy")
    reward_core.reload_plugins()
    names = {e.name for e in reward_core.list_rewards()}  # no warning: the broken plugin is never imported
    assert "fixture.length" in names and "heavy.symbolic" not in names
    monkeypatch.setenv("REWARD_CORE_PLUGINS", "")  # set but empty: no plugins at all
    reward_core.reload_plugins()
    assert not [e for e in reward_core.list_rewards() if e.distribution.startswith("rc-fixture")]
    reward_core.configure_plugins(allow=["rc-fixture-heavy"], deny=[])  # the API overrides the environment
    assert {e.name for e in reward_core.list_rewards()} >= {"heavy.symbolic"}


def test_the_same_name_from_two_distributions_is_an_error_naming_both(use_plugins):
    use_plugins("conflict")
    with pytest.raises(RewardConflictError) as info:
        reward_core.get_reward("shared.same_name")
    message = str(info.value)
    assert "rc-fixture-conflict-a 2.0.0" in message and "rc-fixture-conflict-b 2.0.1" in message
    assert "REWARD_CORE_DISABLE_PLUGINS" in message
    assert reward_core.get_reward("conflict_a.unique")(prompts=["p"], completions=["c"]) == [0.0]
    reward_core.configure_plugins(deny=["rc-fixture-conflict-b"])
    assert reward_core.get_reward("shared.same_name")(prompts=["p"], completions=["c"]) == [0.0]


def test_in_process_registration_as_call_and_decorator():
    @reward_core.register_reward("lab.brevity", summary="Shorter is better.")
    def brevity(completions, **kwargs):
        return [1.0 / (1 + len(reward_core.completion_text(c))) for c in completions]

    assert brevity(completions=["abc"]) == [0.25]  # the decorator returns the function unchanged
    entry = {e.name: e for e in reward_core.list_rewards()}["lab.brevity"]
    assert entry.distribution == "<in-process>" and entry.summary == "Shorter is better."
    assert reward_core.get_reward("lab.brevity")(prompts=["p"], completions=["abc"]) == [0.25]
    reward_core.register_reward("lab.brevity", lambda completions, **kw: [0.0] * len(completions))
    assert reward_core.get_reward("lab.brevity")(prompts=["p"], completions=["abc"]) == [0.0]
    with pytest.raises(reward_core.RewardNameError, match="namespace"):
        reward_core.register_reward("no_namespace", brevity)


def test_import_paths_resolve_functions_and_classes_with_params(use_plugins):
    use_plugins("good")
    fn = reward_core.get_reward("rc_fixture_good.rewards:contains_reward", needle="7")
    assert fn.__name__ == "contains_reward"
    assert fn(prompts=["p", "p"], completions=["x7", "x42"]) == [1.0, 0.0]
    cls = reward_core.get_reward("rc_fixture_good.rewards:LengthReward", mode="words")
    assert cls(prompts=["p"], completions=["two words"]) == [2.0]
    with pytest.raises(reward_core.InvalidParamsError, match="needle"):
        reward_core.get_reward("rc_fixture_good.rewards:contains_reward", haystack=1)
    with pytest.raises(RewardLoadError, match="no_such_module"):
        reward_core.get_reward("no_such_module:thing")


def test_hooks_are_documented_with_parameters_and_an_example():
    from reward_core import hookspecs

    specs = [name for name, obj in vars(hookspecs).items() if hasattr(obj, "reward_core_spec")]
    assert specs == ["register_rewards"]
    for name in specs:
        doc = getattr(hookspecs, name).__doc__
        assert ":param register:" in doc and "Example::" in doc and "When it fires" in doc
    assert reward_core.hookimpl is hookspecs.hookimpl
    assert reward_core.ENTRY_POINT_GROUP == "reward_core"


def test_a_plugin_host_owns_its_own_state(use_plugins):
    use_plugins("good")
    host = reward_core.PluginHost()
    host.configure(allow=["rc-fixture-good"], deny=["reward-core"])

    @host.register_reward("lab.only_here")
    def only_here(completions, bonus=1.0, **kwargs):
        return [bonus] * len(completions)

    target = host.target("lab.only_here")
    assert target.kind == "function" and [p.name for p in target.params] == ["bonus"]
    reward, _ = target.build({"bonus": 2.0}, "lab.only_here")
    assert reward(prompts=["p"], completions=["c"]) == [2.0]
    names = {e.name for e in host.registry.entries()}
    assert {"fixture.length", "lab.only_here"} <= names  # its allow-list, its in-process registration
    assert "heavy.symbolic" not in names and not any(n.startswith("trl.") for n in names)  # its deny-list
    with pytest.raises(UnknownRewardError):  # the process-wide host never saw it
        reward_core.get_reward("lab.only_here")
    assert reward_core.plugin_host().target("fixture.length").entry.distribution == "rc-fixture-good"

