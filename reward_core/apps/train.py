"""`reward-core train`: a real `trl.GRPOTrainer` run whose rewards come from a YAML config, by name.

With no arguments it teaches a small model built locally (no Hub download) single-digit addition on the CPU
in about two minutes: half a minute of supervised warm start on a deliberately imperfect mix of answer
formats, then GRPO driven by the rewards of `configs/demo.yaml`, whose per-reward means and weighted total rise.
`--config tools` (`configs/tools.yaml`) teaches another one to call a calculator tool for products it cannot
compute, with `GRPOTrainer(tools=[...])` and the tool-use rewards. The same path runs as
`torchrun --nproc_per_node 2 -m reward_core.train`. `--model`, `--dataset` and `--config`
make it a real run (e.g. Qwen2.5-0.5B-Instruct on GSM8K) where the Hub is reachable; it uses the GPU when there
is one. Every run writes to `--output-dir`: `reward_manifest.json`, `log_history.json`, `rewards.png` and
`completions.jsonl`, and prints a per-reward table (first, last, best, sparkline).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIGS = Path(__file__).parent / "configs"
DEFAULT_CONFIG = CONFIGS / "demo.yaml"


def builtin_configs() -> list[str]:
    """The names `--config` accepts besides paths: the YAML files shipped in `reward_core/apps/configs/`."""
    return sorted(path.stem for path in CONFIGS.glob("*.yaml"))


def resolve_config(value: str) -> str:
    """The spec file `--config value` names: a built-in config's file for a bare name (`tools`), else the path."""
    builtin = CONFIGS / f"{value}.yaml"
    if value in builtin_configs() and not Path(value).is_file():
        return str(builtin)
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default="demo",
        help="a built-in config by name, resolved to reward_core/apps/configs/NAME.yaml: demo (the default: addition "
        "with format and correctness rewards) or tools (a calculator tool and the tool-use rewards); or the path "
        "of a reward spec (YAML, TOML or JSON) with `rewards:` and training settings",
    )
    parser.add_argument("--model", help="a model id or path (default: a tiny model built locally)")
    parser.add_argument(
        "--dataset", help="a dataset id or path, e.g. openai/gsm8k (default: the config's built-in arithmetic)"
    )
    parser.add_argument("--dataset-config", help="dataset configuration, e.g. main for gsm8k")
    parser.add_argument("--split", default="train")
    parser.add_argument("--prompt-column", help="column holding the question (default: prompt, question or problem)")
    parser.add_argument("--output-dir", default="outputs/grpo-demo")
    parser.add_argument("--max-steps", type=int, help="override the config's max_steps")
    parser.add_argument("--seed", type=int, help="override the config's seed (model init, warm start, sampling)")
    parser.add_argument(
        "--warm-start-steps", type=int, help="override the built-in model's supervised warm-start steps (0: none)"
    )
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is available")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reward-core train", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    import reward_core

    args.config = resolve_config(args.config)
    config = reward_core.read_spec(args.config) or {}
    if not isinstance(config, dict):  # a bare list of rewards: no training settings
        config = {"rewards": config}
    rewards = reward_core.load_rewards(config)
    if rewards.left_out:
        print(f"note: the config leaves out {', '.join(rewards.left_out)} (enabled is false); see {args.config}",
              file=sys.stderr)
    seed = args.seed if getattr(args, "seed", None) is not None else int(config.get("seed", 42))

    import torch

    on_gpu = torch.cuda.is_available() and not args.cpu
    threads = torch.get_num_threads()
    if not args.model and not on_gpu and config.get("torch_threads"):
        torch.set_num_threads(int(config["torch_threads"]))
    try:
        return _train(args, config, rewards, seed, on_gpu)
    finally:
        torch.set_num_threads(threads)


def _train(args: argparse.Namespace, config: dict[str, Any], rewards: Any, seed: int, on_gpu: bool) -> int:
    """Build model, tokenizer and data, train with GRPO, write and print the report (see `run`)."""
    import torch
    from trl import GRPOConfig, GRPOTrainer

    from . import report
    from . import tiny
    from ..registry import import_target

    main_process = os.environ.get("RANK", "0") == "0"
    task = builtin_task(config.get("task", "addition"))
    tools = [import_target(path) for path in config.get("tools") or ()]
    warm_seconds = 0.0
    if args.model:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model)
        overrides = {**(config.get("grpo") or {}), **(config.get("grpo_real") or {})}
        dataset = load_dataset(args) if args.dataset else task.real_dataset(seed=seed)
    else:
        tokenizer = task.tokenizer()
        model = tiny.tiny_model(tokenizer, seed=seed, **(config.get("tiny_model") or {}))
        overrides = dict(config.get("grpo") or {})
        warm = dict(config.get("warm_start") or {})
        steps = warm.pop("steps", 0)
        if getattr(args, "warm_start_steps", None) is not None:
            steps = args.warm_start_steps
        examples = warm.pop("examples", 2000)
        if steps > 0:
            done = task.warm_start(
                model, tokenizer, task.problems(examples, seed=seed + 1), steps=steps, seed=seed, **warm
            )
            warm_seconds = done.seconds
            if main_process:
                print(
                    f"warm start: {done.steps} supervised steps on an imperfect mix of {task.mix}, loss "
                    f"{done.first_loss:.2f} -> {done.last_loss:.2f}, {done.seconds:.1f} s",
                    flush=True,
                )
        dataset = load_dataset(args) if args.dataset else task.dataset(seed=seed)
    if args.max_steps is not None:
        overrides["max_steps"] = args.max_steps
    training_args = GRPOConfig(
        output_dir=args.output_dir,
        use_cpu=not on_gpu,
        bf16=bool(on_gpu and torch.cuda.is_bf16_supported()),
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        seed=seed,
        reward_weights=rewards.reward_weights,
        **overrides,
    )
    completions = report.CompletionLog()
    trainer = GRPOTrainer(
        model=model,
        processing_class=tokenizer,
        reward_funcs=completions.wrap(rewards.reward_funcs),
        args=training_args,
        train_dataset=dataset,
        tools=tools or None,
    )
    use_compact_progress(trainer, rewards.log_names)
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start

    rank, world = trainer.accelerator.process_index, trainer.accelerator.num_processes
    records = completions.records
    if world > 1:
        from accelerate.utils import gather_object

        records = sorted(gather_object(records), key=lambda r: r["step"] or 0)
    if trainer.accelerator.is_main_process:
        output = Path(args.output_dir)
        output.mkdir(parents=True, exist_ok=True)
        history = trainer.state.log_history
        manifest = rewards.write_manifest(output)
        report.write_log_history(history, output / "log_history.json")
        report.CompletionLog.write_jsonl(records, output / "completions.jsonl")
        picture = report.plot_rewards(
            history, rewards.log_names, output / "rewards.png", weights=rewards.reward_weights
        )
        report.print_table(history, rewards.log_names, rewards.reward_weights)
        warm_note = f"warm start {warm_seconds:.1f} s + " if warm_seconds else ""
        print(f"training time: {warm_note}GRPO {seconds:.1f} s ({trainer.state.global_step} steps) = "
              f"{warm_seconds + seconds:.1f} s")
        print(f"wrote {manifest}, {output / 'log_history.json'}, {picture} and {output / 'completions.jsonl'} "
              f"({len(records)} scored completions)")
    print(f"rank {rank}/{world} finished {trainer.state.global_step} step(s)", flush=True)
    return 0


@dataclass(frozen=True)
class BuiltinTask:
    """What the built-in model (no `--model`) learns, chosen by a config's `task:`.

    `tokenizer()` builds its tokenizer; `problems(count, seed=)` the warm start's rows, which
    `warm_start(model, tokenizer, rows, steps=, seed=, **config["warm_start"])` fits the model to; `dataset(seed=)`
    the GRPO prompts with their `answer` column; `real_dataset(seed=)` the prompts for a real `--model` when no
    `--dataset` is given. `mix` says, in the warm-start line, what the warm start's examples mix.
    """

    tokenizer: Callable[[], Any]
    problems: Callable[..., list[dict[str, Any]]]
    warm_start: Callable[..., Any]
    dataset: Callable[..., Any]
    real_dataset: Callable[..., Any]
    mix: str


def builtin_task(name: str) -> BuiltinTask:
    """The built-in task `name`: `addition` (the demo: single-digit sums in tagged formats) or `tool_products`
    (products of 2-digit numbers with a `multiply` tool, the tools demo)."""
    from . import tiny, tiny_tools

    if name == "addition":
        return BuiltinTask(tiny.tiny_tokenizer, tiny.addition_problems, tiny.warm_start, tiny.addition_dataset,
                           tiny.arithmetic_dataset, "formats and answers")
    if name == "tool_products":
        return BuiltinTask(tiny_tools.tool_tokenizer, tiny_tools.product_problems, tiny_tools.warm_start,
                           tiny_tools.product_dataset, tiny_tools.product_dataset,
                           "tool calls, guesses and failing calls")
    raise SystemExit(f"error: unknown task {name!r} in the config; use addition or tool_products")


def use_compact_progress(trainer: Any, log_names: Sequence[str], lines: int = 15) -> None:
    """Replace the trainer's per-step dump of every metric by about `lines` compact lines (and, on a terminal, a
    progress bar). Each line shows the step, the weighted total `reward` and each reward's mean, as TRL logged
    them.
    """
    from transformers import TrainerCallback
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    class RewardProgress(TrainerCallback):
        bar: Any = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.is_world_process_zero and sys.stderr.isatty():
                from tqdm.auto import tqdm

                self.bar = tqdm(total=state.max_steps, dynamic_ncols=True)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None:
                self.bar.update(state.global_step - self.bar.n)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
            if not state.is_world_process_zero or not logs or "reward" not in logs:
                return
            step, total = state.global_step, state.max_steps
            if step % max(1, total // lines) and step not in (1, total):
                return
            parts = [f"step {step:>{len(str(total))}}/{total}", f"reward {_fmt(logs.get('reward'))}"]
            parts += [f"{name} {_fmt(logs.get(f'rewards/{name}/mean'))}" for name in log_names]
            (self.bar.write if self.bar is not None else print)("  ".join(parts))

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(RewardProgress())


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


def load_dataset(args: argparse.Namespace) -> Any:
    """A Hub or local dataset with a conversational `prompt` column built from its question column."""
    import datasets

    from .tiny import SYSTEM_PROMPT

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


if __name__ == "__main__":
    raise SystemExit(main())
