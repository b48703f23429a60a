"""The `reward-core` command: list, show (and the training/scoring tools of the other subcommands)."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import RewardCoreError

__all__ = ["main"]

# Each subcommand imports what it needs inside its own function: `reward-core list`, `show` and `--help` must
# not load the trainer (torch, trl), the server (starlette, uvicorn) or the plugin manager before they need it.


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from .. import configure_plugins

    plugin_settings: dict[str, Any] = {}
    if args.strict:
        plugin_settings["strict"] = True
    if args.plugins is not None:
        plugin_settings["allow"] = args.plugins
    if args.disable_plugin:
        plugin_settings["deny"] = args.disable_plugin
    if plugin_settings:
        configure_plugins(**plugin_settings)
    try:
        return int(args.handler(args) or 0)
    except RewardCoreError as exc:
        notes = " ".join(getattr(exc, "__notes__", ()))  # where it happened: "(in rewards.yaml, entry 2: ...)"
        print(f"error: {exc}" + (f" {notes}" if notes else ""), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `reward-core list | head`
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reward-core", description="Reward functions for TRL's GRPOTrainer, resolved by name."
    )
    parser.add_argument("--strict", action="store_true", help="fail when a plugin cannot load (REWARD_CORE_STRICT=1)")
    parser.add_argument(
        "--plugins", metavar="DIST,...", help="load only these plugin distributions (REWARD_CORE_PLUGINS)"
    )
    parser.add_argument(
        "--disable-plugin",
        metavar="DIST",
        action="append",
        default=[],
        help="never load this plugin distribution; repeatable (REWARD_CORE_DISABLE_PLUGINS)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="list every installed reward and plugin problems")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_list)

    p = sub.add_parser("show", help="a reward's documentation, parameters, score range and provider")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_show)

    p = sub.add_parser("check", help="check a reward against the contract GRPOTrainer relies on")
    p.add_argument("name")
    _params_arguments(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_check)

    p = sub.add_parser(
        "score",
        help="score saved completions (JSONL) offline with the rewards of a spec or a run's manifest",
        description="Score saved completions offline. INPUT is JSONL: flat lines {prompt, completion, <column>...} "
        "or a training run's completions.jsonl {step, prompt, completion, columns, rewards}. With a run's "
        "reward_manifest.json as --config, the run's exact rewards are rebuilt and the new scores are compared "
        "with the recorded ones.",
    )
    p.add_argument("--config", required=True,
                   help="reward spec (YAML, TOML or JSON with `rewards:`) or a run's reward_manifest.json")
    p.add_argument("input", nargs="?", metavar="INPUT", help="JSONL, one object per line (or use --input)")
    p.add_argument("--input", dest="input_option", metavar="INPUT", help="same as the INPUT argument")
    p.add_argument("--output", help="JSONL written with `rewards` and `reward` added (default: write none)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="save a histogram of each reward's scores and of the weighted total (needs matplotlib)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--correlation", action="store_true", help="also print the correlation between rewards")
    _drift_argument(p)
    p.set_defaults(handler=_cmd_score)

    p = sub.add_parser("new", help="create a pip-installable reward pack")
    p.add_argument("name", help="distribution name, e.g. acme-rewards")
    p.add_argument("--namespace", help="reward namespace (default: first word of the name)")
    p.add_argument("--directory", default=".", help="where to create it (default: here)")
    p.set_defaults(handler=_cmd_new)

    p = sub.add_parser("serve", help="serve the rewards of a spec over HTTP (TRL, OpenRLHF, veRL, slime clients)")
    from ..serving.cli import add_arguments as add_serve_arguments

    add_serve_arguments(p)
    p.set_defaults(handler=_cmd_serve)

    p = sub.add_parser("train", help="run GRPOTrainer with rewards from a YAML config (default: a tiny local demo)")
    from .train import add_arguments

    add_arguments(p)
    if "--allow-version-drift" not in p._option_string_actions:  # unless train.py declares it itself
        _drift_argument(p)
    p.set_defaults(handler=_cmd_train)
    return parser


def _drift_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-version-drift",
        action="store_true",
        help="when --config is a run's manifest and an installed version differs from the recorded one, warn "
        "and load the installed version instead of failing (REWARD_CORE_ALLOW_VERSION_DRIFT=1)",
    )


def _cmd_list(args: argparse.Namespace) -> int:
    from ..plugins import plugin_host

    host = plugin_host()
    reg = host.registry
    entries = reg.entries()
    broken = host.broken()
    conflicts = reg.conflicts()
    if args.json:
        print(
            json.dumps(
                {
                    "rewards": [e.as_json() for e in entries],
                    "plugins": [
                        {"distribution": p.distribution, "version": p.version, "entry_point": p.entry_point,
                         "rewards": list(p.rewards)}
                        for p in host.plugins()
                    ],
                    "broken_plugins": [b.as_json() for b in broken],
                    "conflicts": {name: [e.provider for e in group] for name, group in conflicts.items()},
                },
                indent=2,
            )
        )
        return 0
    conflicted = {name for name in conflicts}
    rows = [
        (
            e.versioned_name + (" !conflict" if e.versioned_name in conflicted else ""),
            e.summary,
            e.provider,
        )
        for e in entries
    ]
    if rows:
        _table(("REWARD", "SUMMARY", "PROVIDED BY"), rows)
    else:
        print("No rewards installed. Install a reward pack (pip install reward-core-math-format) or see README.md.")
    aliases = [(alias, e.name) for e in entries for alias in e.aliases]
    if aliases:
        print("\nAliases: " + ", ".join(f"{a} -> {n}" for a, n in aliases))
    for name, group in conflicts.items():
        print(f"\nConflict: {name} is registered by {', '.join(e.provider for e in group)}; resolving it fails.")
    if broken:
        print(f"\n{len(broken)} plugin(s) failed to load:")
        for b in broken:
            print(f"  {b.describe()}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from ..resolve import target_of
    from ..reward import format_score_range

    reward = target_of(args.name)
    params, score_range, doc = reward.params, reward.score_range, reward.doc
    if args.json:
        data = reward.entry.as_json() if reward.entry is not None else {"name": reward.name, "target": reward.name}
        data |= {
            "kind": reward.kind,
            "doc": doc,
            "params": [p.as_json() for p in params],
            # JSON has no infinity: an open side is null
            "score_range": [b if math.isfinite(b) else None for b in score_range] if score_range else None,
            "score_range_per_instance": reward.score_range_per_instance,
            "reason_codes": reward.reason_codes,
        }
        print(json.dumps(data, indent=2, default=repr))  # a function's defaults may be any object
        return 0
    entry = reward.entry
    print(f"{reward.display_name}" + (f"  ({entry.provider})" if entry is not None else ""))
    if entry is not None and entry.aliases:
        print(f"aliases: {', '.join(entry.aliases)}")
    print(f"target: {entry.target_path if entry is not None else reward.name}")
    if reward.score_range_per_instance:
        print("score range: set per instance (it depends on the params)")
    else:
        print(f"score range: {format_score_range(score_range)}")
    print("params:" if params else "params: none")
    for p in params:
        print(f"  {p.describe()}")
    print("reasons (one per row, in TRL's completions table as <log name>/reason):")
    for code, meaning in reward.reason_codes.items():
        print(f"  {code:<16} {meaning}")
    if doc:
        print()
        print(doc)
    return 0


def _params_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                        help="a reward parameter; VALUE is read as JSON when it parses (repeatable)")
    parser.add_argument("--params", metavar="JSON", help="all parameters as one JSON object")


def _read_params(args: argparse.Namespace) -> dict[str, Any]:
    from ..errors import InvalidParamsError

    params: dict[str, Any] = {}
    if args.params is not None:
        try:
            params = json.loads(args.params)
        except (ValueError, RecursionError) as exc:  # not JSON; an int past 4,300 digits; nesting past the stack
            raise InvalidParamsError(
                f"--params is not valid JSON ({str(exc)[:120]}); give one JSON object, e.g. --params "
                "'{\"ngram_size\": 2}', or repeat -p KEY=VALUE"
            ) from None
        if not isinstance(params, dict):
            raise InvalidParamsError(
                f"--params must be one JSON object of parameter names to values, got {type(params).__name__}; "
                "e.g. --params '{\"ngram_size\": 2}'"
            )
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --param takes KEY=VALUE, got {item!r}")
        try:
            params[key] = json.loads(value)
        except (ValueError, RecursionError):  # not JSON (or not JSON Python reads): the text itself
            params[key] = value
    return params


def _cmd_check(args: argparse.Namespace) -> int:
    from .. import get_reward
    from ..testing import check_reward_contract

    reward = get_reward(args.name, **_read_params(args))
    results = check_reward_contract(reward)
    failed = [r for r in results if r[1]]
    if args.json:
        print(json.dumps({"reward": args.name, "passed": not failed,
                          "checks": [{"check": c, "problem": p} for c, p in results]}, indent=2))
    else:
        for check, problem in results:
            print(f"{'FAIL' if problem else 'ok  '}  {check}" + (f": {problem}" if problem else ""))
        print(f"\n{args.name}: {'breaks the contract' if failed else 'keeps the contract'} "
              f"({len(results) - len(failed)}/{len(results)} checks passed)")
    return 1 if failed else 0


def _cmd_score(args: argparse.Namespace) -> int:
    from .offline_scoring import score_file

    if args.input and args.input_option and args.input != args.input_option:
        print(f"error: two inputs given ({args.input!r} and --input {args.input_option!r}); give one", file=sys.stderr)
        return 2
    source = args.input or args.input_option
    if not source:
        print("error: give the JSONL to score: reward-core score --config SPEC INPUT.jsonl", file=sys.stderr)
        return 2
    if not os.path.isfile(source):
        print(f"error: input file {source!r} does not exist", file=sys.stderr)
        return 1
    summary = score_file(
        args.config,
        source,
        args.output,
        batch_size=args.batch_size,
        allow_version_drift=args.allow_version_drift or None,
        plot=args.plot,
    )
    summary.print(sys.stdout, correlation=args.correlation)
    if args.plot:
        print(f"\nhistograms: {args.plot}")
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_pack

    try:
        root = new_pack(args.name, args.directory, args.namespace)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {root}: install it with `pip install -e {root}`, then `reward-core check` its rewards")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..serving.cli import run

    return run(args)


def _cmd_train(args: argparse.Namespace) -> int:
    from ..manifest import ENV_ALLOW_VERSION_DRIFT
    from .train import run

    if getattr(args, "allow_version_drift", False):  # train loads its --config through load_rewards
        os.environ[ENV_ALLOW_VERSION_DRIFT] = "1"
    return run(args)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    widths[1] = min(widths[1], 60)
    for row in [header, *rows]:
        cells = [str(c) if len(str(c)) <= w else str(c)[: w - 1] + "…" for c, w in zip(row, widths)]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())


if __name__ == "__main__":
    raise SystemExit(main())
