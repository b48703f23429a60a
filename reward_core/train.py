"""`reward-core train`: a real `trl.GRPOTrainer` run whose rewards come from a YAML config, by name.

With no arguments it trains a tiny model built locally on a small arithmetic dataset (no Hub download), for
a couple of steps: the whole path (generation, rewards resolved from installed packs, weights, metrics,
manifest) runs for real on a laptop, in CI, or as `torchrun --nproc_per_node 2 -m reward_core.train`.
`--model`, `--dataset` and `--config` make it a real run (e.g. Qwen2.5-0.5B-Instruct on GSM8K) where the Hub
is reachable; it uses the GPU when there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "demo.yaml"
JUDGE_ENV = {
    "base_url": "REWARD_CORE_JUDGE_BASE_URL",
    "model": "REWARD_CORE_JUDGE_MODEL",
    "api_key_env": "REWARD_CORE_JUDGE_API_KEY_ENV",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="YAML with `rewards:` (default: the demo's)")
    parser.add_argument("--model", help="a model id or path (default: a tiny model built locally)")
    parser.add_argument("--dataset", help="a dataset id or path, e.g. openai/gsm8k (default: built-in arithmetic)")
    parser.add_argument("--dataset-config", help="dataset configuration, e.g. main for gsm8k")
    parser.add_argument("--split", default="train")
    parser.add_argument("--prompt-column", help="column holding the question (default: prompt, question or problem)")
    parser.add_argument("--output-dir", default="outputs/grpo-demo")
    parser.add_argument("--max-steps", type=int, help="override the config's max_steps")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is available")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reward-core train", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    import yaml

    import reward_core

    config = yaml.safe_load(Path(args.config).read_text()) or {}
    spec = list(config.get("rewards") or [])
    spec += judge_entries(config.get("judge_rewards") or [])
    policy = {"on_error": config["on_error"]} if "on_error" in config else {}
    rewards = reward_core.load_rewards({"rewards": spec, **policy})

    import torch
    from trl import GRPOConfig, GRPOTrainer

    from .integrations import tiny

    on_gpu = torch.cuda.is_available() and not args.cpu
    if args.model:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model)
        overrides = {**(config.get("grpo") or {}), **(config.get("grpo_real") or {})}
    else:
        tokenizer = tiny.tiny_tokenizer()
        model = tiny.tiny_model(tokenizer)
        overrides = dict(config.get("grpo") or {})
    dataset = load_dataset(args) if args.dataset else tiny.arithmetic_dataset()
    if args.max_steps is not None:
        overrides["max_steps"] = args.max_steps
    training_args = GRPOConfig(
        output_dir=args.output_dir,
        use_cpu=not on_gpu,
        bf16=bool(on_gpu and torch.cuda.is_bf16_supported()),
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        reward_weights=rewards.reward_weights,
        **overrides,
    )
    trainer = GRPOTrainer(
        model=model,
        processing_class=tokenizer,
        reward_funcs=rewards.reward_funcs,
        args=training_args,
        train_dataset=dataset,
    )
    trainer.train()

    rank, world = trainer.accelerator.process_index, trainer.accelerator.num_processes
    if trainer.accelerator.is_main_process:
        output = Path(args.output_dir)
        output.mkdir(parents=True, exist_ok=True)
        manifest = rewards.write_manifest(output)
        (output / "log_history.json").write_text(json.dumps(trainer.state.log_history, indent=2))
        print_metrics(trainer.state.log_history, rewards.log_names)
        print(f"reward manifest: {manifest}")
    print(f"rank {rank}/{world} finished {trainer.state.global_step} step(s)", flush=True)
    return 0


def judge_entries(entries: list[Any]) -> list[Any]:
    """The config's judge rewards, with the endpoint from the environment; none (and a note) without one."""
    if not entries:
        return []
    names = ", ".join(e if isinstance(e, str) else e.get("name", "?") for e in entries)
    if not os.environ.get(JUDGE_ENV["base_url"]):
        print(
            f"note: left out the judge reward(s) {names}: no judge endpoint is configured. Set "
            f"{JUDGE_ENV['base_url']} (an OpenAI-compatible server), and optionally {JUDGE_ENV['model']} and "
            f"{JUDGE_ENV['api_key_env']}, to include them.",
            file=sys.stderr,
        )
        return []
    endpoint = {param: os.environ[var] for param, var in JUDGE_ENV.items() if os.environ.get(var)}
    out = []
    for entry in entries:
        entry = {"name": entry} if isinstance(entry, str) else dict(entry)
        entry["params"] = {**endpoint, **(entry.get("params") or {})}
        out.append(entry)
    return out


def load_dataset(args: argparse.Namespace) -> Any:
    """A Hub or local dataset with a conversational `prompt` column built from its question column."""
    import datasets

    from .integrations.tiny import SYSTEM_PROMPT

    data = datasets.load_dataset(args.dataset, args.dataset_config, split=args.split)
    if "prompt" in data.column_names and not args.prompt_column:
        return data
    column = args.prompt_column or next((c for c in ("question", "problem") if c in data.column_names), None)
    if column is None:
        raise SystemExit(f"error: no prompt column in {data.column_names}; pass --prompt-column")
    return data.map(
        lambda row: {
            "prompt": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": row[column]}]
        }
    )


def print_metrics(log_history: list[dict[str, Any]], log_names: list[str]) -> None:
    """Per-reward metrics TRL logged (`rewards/<name>/mean`), per step, then what the rewards reported."""
    steps = [row for row in log_history if any(k.startswith("rewards/") for k in row)]
    extra = sorted({k for row in steps for k in row if any(k.startswith(n + "/") for n in log_names)})
    width = max(len(name) for name in [*log_names, *extra, "reward (weighted total)"]) + 2
    print(f"\nper-reward metrics logged by TRL ({len(steps)} step(s)):")
    print(f"{'reward':<{width}}" + "".join(f"{'step ' + str(row.get('step', i + 1)):>10}" for i, row in enumerate(steps)))
    rows = [(f"rewards/{name}/mean", name) for name in log_names] + [(key, key) for key in extra]
    rows.append(("reward", "reward (weighted total)"))
    for key, label in rows:
        values = [row.get(key) for row in steps]
        print(f"{label:<{width}}" + "".join(f"{v:>10.4f}" if isinstance(v, (int, float)) else f"{'-':>10}" for v in values))


if __name__ == "__main__":
    raise SystemExit(main())
