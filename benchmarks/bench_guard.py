"""Overhead of the guard rails on a 4,096-completion batch of a trivial reward (goal: under 5 %).

Run: .venv/bin/python benchmarks/bench_guard.py

Two trivial rewards: a reasoning-tags reward (four `str.count`s a completion) and, as the worst case, the
length of the completion text; both read completions with `completion_text`, as every reward does. The batch
is conversational, with an `answer` column and TRL's extra kwargs. Baseline: the bare reward instance; ours:
the same instance as `get_reward` returns it, wrapped in the guard. Calls are interleaved and repeated; the
minimum and the median of per-call times are reported.
"""

from __future__ import annotations

import statistics
import time

import reward_core
from reward_core import BaseReward, completion_text

BATCH = 4096


class TextLength(BaseReward):
    """Length of the completion text, in characters: the cheapest reward there is (~0.25 us a completion)."""

    def __call__(self, prompts, completions, **kwargs):
        return [float(len(completion_text(c))) for c in completions]


class ReasoningTags(BaseReward):
    """+0.5 per reasoning/answer tag present exactly once, else -0.5 (math.reasoning_tags without code handling)."""

    TAGS = ("<reasoning>", "</reasoning>", "<answer>", "</answer>")

    def __call__(self, prompts, completions, **kwargs):
        scores = []
        for completion in completions:
            text = completion_text(completion)
            scores.append(sum(0.5 if text.count(tag) == 1 else -0.5 for tag in self.TAGS))
        return scores


def measure(reward_class: type, rounds: int) -> tuple[float, float]:
    name = f"bench.{reward_class.__name__.lower()}"
    reward_core.register_reward(name, reward_class)
    guarded = reward_core.get_reward(name)
    bare = guarded.reward
    prompts = [[{"role": "user", "content": f"What is {i} + {i}?"}] for i in range(BATCH)]
    completions = [
        [{"role": "assistant", "content": f"<reasoning>{i} + {i}</reasoning><answer>{2 * i}</answer>"}]
        for i in range(BATCH)
    ]
    kwargs = {
        "answer": [str(2 * i) for i in range(BATCH)],
        "completion_ids": [[1, 2, 3]] * BATCH,
        "trainer_state": object(),
        "log_metric": lambda name, value: None,
        "log_extra": lambda column, values: None,
    }
    assert guarded(prompts=prompts, completions=completions, **kwargs) == bare(prompts, completions, **kwargs)
    base_times, guard_times = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        bare(prompts=prompts, completions=completions, **kwargs)
        base_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        guarded(prompts=prompts, completions=completions, **kwargs)
        guard_times.append(time.perf_counter() - start)
    return (min(base_times), min(guard_times)), (statistics.median(base_times), statistics.median(guard_times))


def main(rounds: int = 400) -> None:
    print(f"batch of {BATCH} conversational completions, {rounds} interleaved calls each")
    print("min: the least-disturbed call (as timeit recommends); median: typical, includes machine noise")
    print(f"{'trivial reward':<38} {'stat':>6} {'baseline: bare':>15} {'ours: guarded':>14} {'ratio':>7} {'overhead':>9}")
    for reward_class in (ReasoningTags, TextLength):
        for stat, (base, ours) in zip(("min", "median"), measure(reward_class, rounds)):
            label = f"{reward_class.__name__} ({base / BATCH * 1e6:.2f} us/completion)" if stat == "min" else ""
            print(f"{label:<38} {stat:>6} {base * 1000:>12.3f} ms {ours * 1000:>11.3f} ms {ours / base:>7.3f} "
                  f"{100 * (ours / base - 1):>+8.1f}%")


if __name__ == "__main__":
    main()
