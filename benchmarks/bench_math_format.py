"""Throughput of the math-format rewards, side by side with TRL's built-ins in the same run.

    python benchmarks/bench_math_format.py [--n 10000] [--repeats 7]

Every reward scores the same 10,000 conversational completions of about 2 KB (R1-style `<think>`/`<answer>`
text with numbered steps; some with code, missing tags, repetition) plus their token ids. Ours are resolved
by name (`reward_core.get_reward`), so the numbers include the core's guard. Best of `--repeats` runs.
"""

from __future__ import annotations

import argparse
import random
import time

import reward_core

WORDS = (
    "so the sum of both sides gives us a new value which we then divide by two and check against the "
    "original equation because each term must balance ; therefore x = 3 and y = 7 follow , then"
).split()


def make_completion(rng: random.Random, i: int) -> str:
    steps = []
    size = 0
    k = 1
    while size < 1800:
        line = f"Step {k}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25)))
        steps.append(line)
        size += len(line) + 1
        k += 1
    body = "\n".join(steps)
    kind = i % 10
    if kind == 7:  # a fenced code block that mentions the tags
        body += "\n```python\nprint('<answer>')  # not a tag\n```\n"
    if kind == 8:  # inline code
        body += "\nThe `<think>` tag opens the thought.\n"
    if kind == 9:  # degenerate repetition, missing closing tag
        return "<think>\n" + body + ("\nthe answer is 4" * 40)
    answer = f"<answer>{rng.randint(0, 999)}</answer>"
    return f"<think>\n{body}\n</think>\n{answer}"


def make_ids(rng: random.Random, text: str, i: int) -> list[int]:
    n = len(text) // 4  # about 4 characters per token
    if i % 10 == 9:
        cycle = [rng.randrange(32000) for _ in range(12)]
        return (cycle * (n // 12 + 1))[:n]
    return [rng.randrange(32000) if rng.random() < 0.7 else rng.randrange(300) for _ in range(n)]


def best_rates(fns, repeats: int, n: int) -> list[float]:
    """Completions per second of each function, best of `repeats`; the functions take turns in every round
    so that load from other processes hits them alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return [n / t for t in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="completions per batch")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per reward (best is reported)")
    args = parser.parse_args()

    from trl.rewards import get_repetition_penalty_reward, get_soft_overlong_punishment, think_format_reward

    rng = random.Random(0)
    texts = [make_completion(rng, i) for i in range(args.n)]
    completions = [[{"role": "assistant", "content": t}] for t in texts]
    completion_ids = [make_ids(rng, t, i) for i, t in enumerate(texts)]
    prompts = ["What is 2 + 2?"] * args.n
    mean_chars = sum(map(len, texts)) / len(texts)
    mean_tokens = sum(map(len, completion_ids)) / len(completion_ids)

    trl_repetition = get_repetition_penalty_reward(ngram_size=3, max_penalty=-1.0)
    trl_overlong = get_soft_overlong_punishment(max_completion_len=600, soft_punish_cache=100)
    baselines = {
        "math.think_format": ("think_format_reward", lambda: think_format_reward(completions=completions)),
        "math.repetition_penalty": (
            "get_repetition_penalty_reward",
            lambda: trl_repetition(completion_ids=completion_ids),
        ),
        "math.soft_overlong": (
            "get_soft_overlong_punishment",
            lambda: trl_overlong(completion_ids=completion_ids),
        ),
    }
    ours = [
        ("math.reasoning_tags", {"reasoning_tag": "think"}, {}),
        ("math.strict_format", {"reasoning_tag": "think"}, {}),
        ("math.think_format", {"allow_empty": True}, {}),
        ("math.soft_overlong", {"max_completion_len": 600, "soft_punish_cache": 100}, {"completion_ids": completion_ids}),
        ("math.repetition_penalty", {}, {"completion_ids": completion_ids}),
        ("math.repetition_penalty (words)", {}, {}),
        ("math.step_format", {}, {}),
    ]

    print(f"{args.n} conversational completions, mean {mean_chars:.0f} chars / {mean_tokens:.0f} token ids; "
          f"best of {args.repeats} interleaved rounds; ours resolved with reward_core.get_reward (guarded)\n")
    header = (
        f"| {'reward':31} | {'TRL built-in':29} | {'TRL':>10} | {'ours':>10} | {'ours/TRL':>8} "
        f"| {'ours, unguarded':>15} | {'unguarded/TRL':>13} |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for label, params, extra in ours:
        name = label.split(" ")[0]
        reward = reward_core.get_reward(name, **params)
        direct = reward.reward  # the BaseReward instance inside the core's guard
        # Same scores as TRL where the definitions agree (a benchmark of wrong answers would be meaningless).
        if label == "math.repetition_penalty":
            assert reward(prompts=prompts, completions=completions, **extra) == trl_repetition(completion_ids=completion_ids)
        if label == "math.soft_overlong":
            assert reward(prompts=prompts, completions=completions, **extra) == trl_overlong(completion_ids=completion_ids)

        guarded = lambda: reward(prompts=prompts, completions=completions, **extra)  # noqa: E731
        unguarded = lambda: direct(prompts=prompts, completions=completions, **extra)  # noqa: E731
        if label in baselines:
            base_name, base_fn = baselines[label]
            base, rate, raw = best_rates([base_fn, guarded, unguarded], args.repeats, args.n)
            print(
                f"| {label:31} | {base_name:29} | {base:10,.0f} | {rate:10,.0f} | {rate / base:7.2f}x "
                f"| {raw:15,.0f} | {raw / base:12.2f}x |"
            )
        else:
            rate, raw = best_rates([guarded, unguarded], args.repeats, args.n)
            print(f"| {label:31} | {'—':29} | {'—':>10} | {rate:10,.0f} | {'—':>8} | {raw:15,.0f} | {'—':>13} |")
    print("\n(completions per second; 'ours' = resolved by name, including reward-core's input/output guard)")

    # One 1 MB completion per text reward: linear-time scanning keeps it to milliseconds.
    big = "<think>\n" + ("Step 1: `x` <think> ```\n" * 45_000)[:1_000_000] + "\n</think><answer>4</answer>"
    print(f"\nOne completion of {len(big) / 1e6:.1f} MB (tags, backticks and steps repeated), seconds per call:")
    for name, params in [
        ("math.reasoning_tags", {"reasoning_tag": "think"}),
        ("math.strict_format", {"reasoning_tag": "think"}),
        ("math.think_format", {}),
        ("math.repetition_penalty", {}),
        ("math.step_format", {}),
    ]:
        reward = reward_core.get_reward(name, **params)
        start = time.perf_counter()
        reward(prompts=["q"], completions=[big])
        print(f"  {name:26} {time.perf_counter() - start:.4f}")
    start = time.perf_counter()
    think_format_reward(completions=[[{"content": big}]])
    print(f"  {'trl think_format_reward':26} {time.perf_counter() - start:.4f}")


if __name__ == "__main__":
    main()
