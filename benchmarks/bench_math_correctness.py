"""Benchmark: math.answer_correctness vs trl.rewards.accuracy_reward on one GRPO-shaped batch.

    python benchmarks/bench_math_correctness.py            # 250 prompts x 8 completions (2,000)
    python benchmarks/bench_math_correctness.py --prompts 50

Half the prompts are GSM8K-style (integer golds, answers with separators, `$`, `.0`), half MATH-style LaTeX
(fractions, radicals, intervals, tuples, sets, matrices); 1 % of completions are pathological answers. Answers
are written the ways models write them: mostly boxed, some "The final answer is $...$", "**Answer:** ...", or
the bare `$...$`. Each completion has
a label (is its answer right?). Both rewards score the same batch in this process: TRL's on the main thread with
its own 5 s / 10 s signal timeouts, ours with its worker pool (started and warmed before timing, as in training).
Prints completions/s for both, the ratio, agreement with the labels and the slowest sample.
"""

from __future__ import annotations

import argparse
import logging
import random
import time

GSM8K = [(n, [f"{n:,}", f"{n}.0", f"\\${n:,}", f"{n} \\text{{ apples}}"]) for n in (72, 1000, 1234, 18, 5, 350, 2400, 64)]
MATH = [
    (r"\frac{1}{2}", [r"\frac{1}{2}", r"0.5", r"\dfrac{2}{4}"], [r"\frac{1}{3}", r"2"]),
    (r"2\sqrt{2}", [r"\sqrt{8}", r"2\sqrt{2}"], [r"\sqrt{2}", r"4"]),
    (r"(1, 3]", [r"(1,3]", r"(1, 3]"], [r"[1,3]", r"(1,3)"]),
    (r"(2, -1)", [r"(2,-1)", r"(2, -1)"], [r"(-1,2)", r"(2,1)"]),
    (r"\{1, 2, 3\}", [r"\{3,2,1\}", r"\{1,2,3\}"], [r"\{1,2\}", r"\{1,2,4\}"]),
    (r"\frac{\pi}{4}", [r"\frac{\pi}{4}", r"\pi/4"], [r"\frac{\pi}{2}", r"\pi"]),
    (r"x^2+2x+1", [r"(x+1)^2", r"x^2+2x+1"], [r"(x-1)^2", r"x^2+1"]),
    (r"3\sqrt{5}", [r"\sqrt{45}", r"3\sqrt{5}"], [r"5\sqrt{3}", r"\sqrt{15}"]),
    (
        r"\begin{pmatrix} 41 \\ 20 \end{pmatrix}",
        [r"\begin{pmatrix}41\\20\end{pmatrix}", r"\begin{bmatrix} 41 \\ 20 \end{bmatrix}"],
        [r"\begin{pmatrix}20\\41\end{pmatrix}", r"\begin{pmatrix}41\\21\end{pmatrix}"],
    ),
]
STYLES = [
    (0.70, "Let me work through this step by step. ... so the result is \\boxed{{{}}}."),
    (0.10, "We simplify. ... The final answer is $\\boxed{{{}}}$. I hope it is correct."),
    (0.10, "Working it out ... done.\n\n**Answer:** ${}$"),
    (0.10, "${}$"),
]
PATHOLOGICAL = [r"9^{9^{9^{9}}}", r"(10^{10})!", r"10^{10^{10}}", r"7^{123456789}"]


def make_batch(prompts: int, seed: int = 0):
    rng = random.Random(seed)
    completions, golds, labels = [], [], []
    for p in range(prompts):
        if p % 2 == 0:
            n, forms = GSM8K[rng.randrange(len(GSM8K))]
            n = n + p  # distinct golds across prompts
            right = [f"{n:,}", f"{n}.0", f"\\${n:,}", str(n)]
            wrong = [str(n + 1), str(n - 10), f"{n * 2:,}"]
            gold = str(n)
        else:
            gold, right, wrong = MATH[rng.randrange(len(MATH))]
            gold = f"${gold}$"
        for _ in range(8):
            ok = rng.random() < 0.5
            answer = rng.choice(right if ok else wrong)
            style = rng.choices([form for _, form in STYLES], weights=[w for w, _ in STYLES])[0]
            completions.append(style.format(answer))
            golds.append(gold)
            labels.append(ok)
    # 1 %: pathological answers (all wrong), spread over the batch
    for k, i in enumerate(rng.sample(range(len(completions)), len(completions) // 100)):
        completions[i] = f"Clearly \\boxed{{{PATHOLOGICAL[k % len(PATHOLOGICAL)]}}}."
        labels[i] = False
    return completions, golds, labels


def agreement(scores, labels) -> float:
    return sum((s is not None and s > 0.5) == label for s, label in zip(scores, labels)) / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=250)
    parser.add_argument("--skip-trl", action="store_true")
    args = parser.parse_args()
    completions, golds, labels = make_batch(args.prompts)
    chat = [[{"role": "assistant", "content": c}] for c in completions]
    n = len(completions)
    rows = []

    import reward_core

    reward = reward_core.get_reward("math.answer_correctness", gold_column="solution")
    reward(prompts=["q"], completions=["\\boxed{1}"], solution=["$1$"])  # start and warm the pool
    inner = reward.reward
    inner.verifier.cache.clear()
    start = time.perf_counter()
    ours = reward(prompts=["q"] * n, completions=chat, solution=golds)
    ours_s = time.perf_counter() - start
    # slowest sample: every pathological one and 100 others, one call each, with an empty verdict cache
    probe = [i for i, c in enumerate(completions) if "Clearly" in c] + list(range(0, n, max(1, n // 100)))
    slowest_ours = 0.0
    for i in probe:
        inner.verifier.cache.clear()
        t = time.perf_counter()
        reward(prompts=["q"], completions=[chat[i]], solution=[golds[i]])
        slowest_ours = max(slowest_ours, time.perf_counter() - t)
    rows.append(("math.answer_correctness", n / ours_s, agreement(ours, labels), slowest_ours, ours_s))
    workers = inner.verifier.pool.size
    deadline = inner.config.deadline_seconds
    inner.close()

    if not args.skip_trl:
        from trl.rewards import accuracy_reward

        logging.getLogger("math_verify").setLevel(logging.CRITICAL)
        trl_scores, slowest_trl = [], 0.0
        start = time.perf_counter()
        for c, g in zip(chat, golds):
            t = time.perf_counter()
            trl_scores.extend(accuracy_reward([c], [g]))
            slowest_trl = max(slowest_trl, time.perf_counter() - t)
        trl_s = time.perf_counter() - start
        rows.insert(0, ("trl.rewards.accuracy_reward", n / trl_s, agreement(trl_scores, labels), slowest_trl, trl_s))

    print(f"{n} completions ({args.prompts} prompts x 8), {sum(1 for c in completions if 'Clearly' in c)} "
          f"pathological; ours: {workers} workers, deadline {deadline} s")
    print("| reward | completions/s | agreement with labels | slowest sample (s) | total (s) |")
    print("|---|---:|---:|---:|---:|")
    for name, rate, agree, slow, total in rows:
        print(f"| {name} | {rate:,.0f} | {agree:.2%} | {slow:.2f} | {total:.1f} |")
    if len(rows) == 2:
        print(f"\nratio (ours / TRL): {rows[1][1] / rows[0][1]:.1f}x")


if __name__ == "__main__":
    main()
