"""Trainer-process CPU time of every first-party reward on 1 MB of adversarial text (goal: under 100 ms each).

    python benchmarks/bench_adversarial_text.py [--size 1000000] [--repeats 3] [--only REWARD ...] [--kinds KIND ...]

Every reward of the math-format and deepeval-judge packs, and math.answer_correctness, scores one completion
of `--size` characters of each kind below, resolved by name (`reward_core.get_reward`, guard included). The
figure is `time.process_time()` of this process, the best of `--repeats` calls: what the trainer's process
pays. Work done elsewhere is not counted, by design: math.answer_correctness verifies in its worker process
(`workers=1`), and the judge rewards' judge is the package's local test server, run in its own process
(`python -m reward_deepeval_judge_testing`), so their time includes the HTTP client but not the judge.
The "(ids)" columns pass `completion_ids` as GRPOTrainer does, one id per 4 characters of the text.

"baseline" is a trivial linear pass over the same text, `len(text) + text.count("a")`, so each figure can be
read as a multiple of scanning the text once. Cells at or over the goal are marked FAIL; the last rows give
each reward's worst case and verdict. The exit status is 0 unless `--strict` is given and a cell fails.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "1")
os.environ.setdefault("DEEPEVAL_DISABLE_DOTENV", "1")
os.environ.setdefault("DEEPEVAL_DISABLE_LEGACY_KEYFILE", "1")

from reward_deepeval_judge_testing import judge_process  # noqa: E402  (stdlib only; after the env)

GOAL_MS = 100.0


def repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def kinds(size: int) -> dict[str, str]:
    """The adversarial completions, `size` characters each (a few are built to an exact structure instead)."""
    half = size // 2
    nest = size // 11
    steps = "".join(f"Step {i}: add the terms of line {i} and carry the rest\n" for i in range(1, 4000))
    return {
        "well-formed R1 answer": repeat("<think>\n" + steps, size - 40) + "</think>\n<answer>4</answer>",
        "unclosed braces {{{{": "{" * size,
        "nested braces {{..}}": "{" * half + "x" + "}" * (size - half - 1),
        "\\frac{1}{ unclosed": repeat("\\frac{1}{", size),
        "\\boxed{ flood": repeat("\\boxed{", size),
        "<think> x100k, then text": "<think>" * (size // 10) + repeat("so x = 3. ", size - 7 * (size // 10)),
        "</think><think> flood": repeat("</think><think>", size),
        "<answer> flood": repeat("<answer>", size),
        "$ flood": "$" * size,
        "mixed scripts": repeat("数学题 العربية 😀 é\u0301\u0301 Ω≈≤ ", size),
        "CJK, no spaces": repeat("数学题解答步骤", size),
        "one long line": repeat("the sum of both sides gives x = 3 ", size),
        "newlines only": "\n" * size,
        "Step 1: x N, one line": repeat("Step 1: ", size),
        "Step k: lines": repeat(steps, size),
        # Code-heavy kinds carry one real set of tags outside code, so the tag rewards must map all the code.
        "tags in inline code": "<think>" + repeat("`</think>` ", size - 40) + "</think><answer>4</answer>",
        "fence lines + tags": "<think>\n" + "```\n</think>\n```\n" * ((size - 40) // 17)
        + "\n</think><answer>4</answer>",
        "backtick runs ``x": "<think>" + repeat("``x", size - 40) + "\n</think><answer>4</answer>",
        "[ flood": "[" * size,
        "nested [DEEPEVAL: markers": "[DEEP" * nest + "[DEEPEVAL:x]" + "EVAL:]" * nest,
    }


def best_cpu_ms(call: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best * 1000


def rewards(judge_url: str) -> dict[str, tuple[Callable[[str, int], object], Callable[[], None]]]:
    """name -> (score one completion, close); each resolved by name, guard included."""
    from reward_core import get_reward

    made: dict[str, tuple[Callable[[str, int], object], Callable[[], None]]] = {}

    def plain(name: str, **params) -> None:
        reward = get_reward(name.split(" ")[0], **params)
        made[name] = (lambda text, i: reward(prompts=["What is 2 + 2?"], completions=[text]), lambda: None)

    plain("math.reasoning_tags", reasoning_tag="think")
    plain("math.strict_format", reasoning_tag="think")
    plain("math.think_format")
    plain("math.step_format")
    plain("math.repetition_penalty")

    by_ids = get_reward("math.repetition_penalty")
    overlong = get_reward("math.soft_overlong", max_completion_len=4096, soft_punish_cache=512)
    ids_of: dict[str, list[int]] = {}

    def token_ids(text: str) -> list[int]:
        # About 4 characters a token, as tokenizers give on such text: the code point of every 4th character,
        # so repetitive text gives repetitive ids. Made once per text, not timed.
        if text not in ids_of:
            ids_of.clear()
            ids_of[text] = list(memoryview(text[::4].encode("utf-32-le")).cast("I"))
        return ids_of[text]

    made["math.repetition_penalty (ids)"] = (
        lambda text, i: by_ids(prompts=["q"], completions=[text], completion_ids=[token_ids(text)]), lambda: None)
    made["math.soft_overlong (ids)"] = (
        lambda text, i: overlong(prompts=["q"], completions=[text], completion_ids=[token_ids(text)]), lambda: None)

    judge = dict(base_url=judge_url, model="local-judge", request_timeout=10.0, max_retries=0)
    rag = get_reward("judge.geval_rag", **judge)
    relevancy = get_reward("judge.answer_relevancy", **judge)
    custom = get_reward("judge.geval", evaluation_steps=["Check the actual output answers the input."], **judge)
    made["judge.geval_rag"] = (lambda text, i: rag.score(prompts=["q"], completions=[text], answer=["4"]), lambda: None)
    made["judge.answer_relevancy"] = (lambda text, i: relevancy.score(prompts=["q"], completions=[text]), lambda: None)
    made["judge.geval"] = (lambda text, i: custom.score(prompts=["q"], completions=[text]), lambda: None)

    correctness = get_reward("math.answer_correctness", workers=1)
    # A different gold per call: no verdict cached from an earlier call can answer.
    made["math.answer_correctness"] = (
        lambda text, i: correctness(prompts=["q"], completions=[text], answer=[str(4 + i)]),
        lambda: correctness.reward.close(),
    )
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="characters per completion")
    parser.add_argument("--repeats", type=int, default=3, help="calls per cell (the least CPU time is shown)")
    parser.add_argument("--only", nargs="*", default=None, help="rewards to run (names as in the table)")
    parser.add_argument("--kinds", nargs="*", default=None, help="input kinds to run (names as in the table)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a cell fails the goal")
    args = parser.parse_args()
    logging.getLogger("reward_deepeval_judge").setLevel(logging.ERROR)

    texts = {k: v for k, v in kinds(args.size).items() if args.kinds is None or k in args.kinds}
    with judge_process() as url:
        made = rewards(url)
        names = [n for n in made if args.only is None or n in args.only]
        for name in names:  # warm up: imports, worker start, connection pool
            made[name][0]("<think>2+2</think><answer>4</answer>", 0)
        results: dict[str, dict[str, float]] = {name: {} for name in names}
        baseline: dict[str, float] = {}
        for kind, text in texts.items():
            baseline[kind] = best_cpu_ms(lambda: len(text) + text.count("a"), args.repeats)
            for name in names:
                call = made[name][0]
                calls = iter(range(args.repeats))
                try:
                    results[name][kind] = best_cpu_ms(lambda: call(text, next(calls)), args.repeats)
                except Exception as exc:  # a reward under development may fail: report it, measure the rest
                    print(f"  {name} on {kind!r}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    results[name][kind] = float("nan")
            print(f"  measured {kind!r}", file=sys.stderr, flush=True)
        for name in names:
            made[name][1]()

    mb = args.size / 1e6
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; one completion of {mb:g} M characters per call; "
          f"trainer-process CPU ms (time.process_time), best of {args.repeats}; goal < {GOAL_MS:g} ms\n")
    header = ["input kind", "baseline"] + names
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")

    def cell(ms: float) -> str:
        if ms != ms:
            return "error"
        return f"{ms:.1f}" if ms < GOAL_MS else f"**{ms:.0f} FAIL**"

    for kind in texts:
        row = [kind, f"{baseline[kind]:.2f}"] + [cell(results[name][kind]) for name in names]
        print("| " + " | ".join(row) + " |")
    # An error counts as a failure (nan compares false, so it is replaced by infinity here).
    worst = {name: max(ms if ms == ms else float("inf") for ms in results[name].values()) for name in names}
    worst_kind = {name: max(results[name], key=lambda k: results[name][k] if results[name][k] == results[name][k]
                            else float("inf")) for name in names}
    base_worst = max(baseline.values())
    print("| **worst** | " + f"{base_worst:.2f} | " + " | ".join(f"{worst[n]:.1f}" for n in names) + " |")
    ratios = [f"{worst[n] / max(baseline[worst_kind[n]], 1e-3):.0f}x" for n in names]
    print("| worst / baseline | 1 | " + " | ".join(ratios) + " |")
    print("| **verdict** | | " + " | ".join("PASS" if worst[n] < GOAL_MS else "FAIL" for n in names) + " |")
    print()
    for name in names:
        print(f"{name}: worst {worst[name]:.1f} ms on {worst_kind[name]!r} -> "
              f"{'PASS' if worst[name] < GOAL_MS else 'FAIL'}")
    if args.strict and any(w >= GOAL_MS for w in worst.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
