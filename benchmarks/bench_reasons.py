"""What reasons cost: a format reward through the guard, and math.answer_correctness's throughput (goal: <= 5 %).

    python benchmarks/bench_reasons.py [--rounds 60]

Part 1: a batch of 4,096 conversational completions, scored through the guard (`get_reward`) with TRL's kwargs
(`log_extra`, `log_metric`, `trainer_state`), by the reasoning-tags reward of `bench_guard.py` (baseline:
scores only) and the same reward giving a reason per row (`with_reasons`, two declared codes; the guard
checks them, sends them to `log_extra` and their shares to `log_metric`). Calls are interleaved; the least and
the median per-call times are shown.

Part 2: `math.answer_correctness` on GRPO-shaped batches (64 prompts x 16 completions, fresh golds each call
so no verdict cache answers), with its reasons (ours) and with `with_reasons` replaced by "return the scores"
in the reward's module (baseline: the reward as it was before reasons), interleaved.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import reward_core
from reward_core import BaseReward, completion_text, with_reasons

BATCH = 4096
TAGS = ("<reasoning>", "</reasoning>", "<answer>", "</answer>")


class ReasoningTags(BaseReward):
    """+0.5 per reasoning/answer tag present exactly once, else -0.5."""

    def __call__(self, prompts, completions, **kwargs):
        scores = []
        for completion in completions:
            text = completion_text(completion)
            scores.append(sum(0.5 if text.count(tag) == 1 else -0.5 for tag in TAGS))
        return scores


class ReasoningTagsWithReasons(ReasoningTags):
    reason_codes = {"all_tags": "each tag once", "missing": "a tag is missing or repeated"}

    def __call__(self, prompts, completions, **kwargs):
        scores = super().__call__(prompts, completions, **kwargs)
        return with_reasons(scores, ["all_tags" if s == 2.0 else "missing" for s in scores])


def format_reward(rounds: int) -> None:
    reward_core.register_reward("bench.tags", ReasoningTags)
    reward_core.register_reward("bench.tags_why", ReasoningTagsWithReasons)
    off, on = reward_core.get_reward("bench.tags"), reward_core.get_reward("bench.tags_why")
    prompts = [[{"role": "user", "content": f"What is {i} + {i}?"}] for i in range(BATCH)]
    completions = [[{"role": "assistant", "content": f"<reasoning>{i} + {i}</reasoning><answer>{2 * i}</answer>"
                     if i % 3 else f"<answer>{2 * i}</answer>"}] for i in range(BATCH)]
    kwargs = {"answer": [str(2 * i) for i in range(BATCH)], "completion_ids": [[1, 2, 3]] * BATCH,
              "trainer_state": object(), "log_metric": lambda name, value: None,
              "log_extra": lambda column, values: None}
    assert on(prompts, completions, **kwargs) == off(prompts, completions, **kwargs)
    times = {"off": [], "on": []}
    for _ in range(rounds):
        for label, reward in (("off", off), ("on", on)):
            start = time.perf_counter()
            reward(prompts=prompts, completions=completions, **kwargs)
            times[label].append(time.perf_counter() - start)
    print(f"Part 1: a format reward through the guard, {BATCH} completions, {rounds} interleaved calls each")
    print(f"| stat | baseline: reasons off | ours: reasons on | ratio |\n|---|---:|---:|---:|")
    for stat, fn in (("min", min), ("median", statistics.median)):
        base, ours = fn(times["off"]), fn(times["on"])
        print(f"| {stat} | {base * 1000:.3f} ms | {ours * 1000:.3f} ms | {ours / base:.3f} ({100 * (ours / base - 1):+.1f} %) |")


def correctness(rounds: int) -> None:
    import reward_math_correctness.rewards as module

    reward = reward_core.get_reward("math.answer_correctness", workers=1)
    rng = random.Random(0)
    styles = ["The answer is \\boxed{%s}.", "<think>work</think><answer>%s</answer>", "#### %s", "So it is %s."]

    def batch(offset: int) -> dict:
        golds, completions = [], []
        for p in range(64):
            gold = str(offset * 1000 + p)
            for g in range(16):
                value = gold if rng.random() < 0.5 else str(int(gold) + 1)
                golds.append(gold)
                completions.append(styles[g % len(styles)] % value)
        return {"prompts": ["q"] * len(golds), "completions": completions, "answer": golds}

    real = module.with_reasons
    times = {"off": [], "on": []}
    try:
        reward(**batch(0))  # warm the worker
        for i in range(rounds):
            for label in ("off", "on"):
                module.with_reasons = real if label == "on" else (lambda scores, reasons: scores)
                data = batch(1 + 2 * i + (label == "on"))
                start = time.perf_counter()
                reward(**data)
                times[label].append(time.perf_counter() - start)
    finally:
        module.with_reasons = real
        reward.reward.close()
    n = 64 * 16
    print(f"\nPart 2: math.answer_correctness, {rounds} interleaved batches of {n} each, rows/s")
    print(f"| stat | baseline: reasons off | ours: reasons on | ratio |\n|---|---:|---:|---:|")
    for stat, fn in (("best", min), ("median", statistics.median)):
        base, ours = n / fn(times["off"]), n / fn(times["on"])
        print(f"| {stat} | {base:,.0f} | {ours:,.0f} | {ours / base:.3f} ({100 * (ours / base - 1):+.1f} %) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    format_reward(args.rounds)
    correctness(max(5, args.rounds // 4))


if __name__ == "__main__":
    main()
