"""Red-team benchmark (issue 24): does math.answer_correctness credit only answers a model commits to?

    python benchmarks/bench_math_correctness_redteam.py            # about 2 minutes on 2 cores, mostly TRL's side
    python benchmarks/bench_math_correctness_redteam.py --show      # also list every credited attack / missed control

One run, one machine. Prints, for baselines and ours side by side (the methods of
bench_math_correctness_agreement.py: TRL's `accuracy_reward` one case per call, math-verify's `parse`/`verify`
with its defaults, ours as one batch through `get_reward`):

1. the red-team corpus (plugins/math-correctness/tests/data/redteam_corpus.json): attacks credited (false
   positives, must be 0 for ours) per family, and controls missed (false negatives);
2. the recall corpus and math-verify's published cases as whole completions: disagreements with the labels;
3. the batch budget: one batch of 1,024 rows of which 8 are slow to verify, with the budget off (the pool run
   without `batch_seconds`: every slow row gets its own 2 s deadline, the behaviour before the budget) and with
   the default budget; wall time and ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_math_correctness_agreement import DATA, MathVerify, Ours, Trl, agrees  # noqa: E402

SLOW = [r"\boxed{(2^{99999})^{n}}", r"\boxed{(x+i)^{3000}}", r"\boxed{\sin(10^{99999})}", r"\boxed{(x+1)^{5000}}",
        r"\boxed{(2^{99998})^{m}}", r"\boxed{(y+i)^{3001}}", r"\boxed{\cos(10^{99998})}", r"\boxed{(x+2)^{4000}}"]


def redteam(methods: dict, show: bool) -> None:
    corpus = json.loads((DATA / "redteam_corpus.json").read_text())["cases"]
    attacks = [{"prompt": c["prompt"], "completion": c["attack"], "gold": c["gold"]} for c in corpus]
    controls = [{"prompt": c["prompt"], "completion": c["control"], "gold": c["gold"]} for c in corpus]
    scored = {name: (m.score(attacks), m.score(controls)) for name, m in methods.items()}
    families = list(dict.fromkeys(c["family"] for c in corpus))
    print(f"\n### 1. Red-team corpus: {len(corpus)} attacks, each with a control (lower is better)\n")
    print("| family | n | " + " | ".join(f"{name}: attacks credited" for name in methods) + " |")
    print("|---|---:|" + "---:|" * len(methods))
    for family in families:
        rows = [i for i, c in enumerate(corpus) if c["family"] == family]
        cells = [str(sum(scored[name][0][i] == 1.0 for i in rows)) for name in methods]
        print(f"| {family} | {len(rows)} | " + " | ".join(cells) + " |")
    print("| **all attacks credited (false positives)** | "
          f"{len(corpus)} | " + " | ".join(f"**{sum(s == 1.0 for s in scored[n][0])}**" for n in methods) + " |")
    print("| **controls missed (false negatives)** | "
          f"{len(corpus)} | " + " | ".join(f"**{sum(s != 1.0 for s in scored[n][1])}**" for n in methods) + " |")
    if show:
        ours_attacks, ours_controls = scored["ours"]
        for c, a, k in zip(corpus, ours_attacks, ours_controls):
            if a == 1.0:
                print("  credited:", c["family"], c["gold"], repr(c["attack"][-100:]))
            if k != 1.0:
                print("  missed:  ", c["family"], c["gold"], repr(c["control"][-100:]))


def recall_and_suite(methods: dict) -> None:
    recall = json.loads((DATA / "recall_corpus.json").read_text())["cases"]
    suite = json.loads((DATA / "math_verify_cases.json").read_text())["cases"]
    sets = [
        ("recall corpus", [{"prompt": c["prompt"], "completion": c["completion"], "gold": c["gold"],
                            "expected": int(c["label"])} for c in recall]),
        ("math-verify's published cases as whole completions", [
            {"prompt": "q", "completion": c["pred"], "gold": c["gold"], "expected": int(c["expected"])}
            for c in suite]),
    ]
    print("\n### 2. Recall corpus and math-verify's cases: agreement with the labels\n")
    print("| data set | n | " + " | ".join(f"{name}" for name in methods) + " |")
    print("|---|---:|" + "---:|" * len(methods))
    for title, cases in sets:
        cells = []
        for name, method in methods.items():
            scores = method.score(cases)
            agree = sum(agrees(s, c["expected"]) for s, c in zip(scores, cases))
            missed = sum(c["expected"] == 1 and s != 1.0 for s, c in zip(scores, cases))
            cells.append(f"{agree / len(cases):.1%} ({missed} FN)")
        print(f"| {title} | {len(cases)} | " + " | ".join(cells) + " |")


def batch_budget() -> None:
    from reward_core import get_reward

    golds = [rf"\frac{{{i}}}{{7}}" for i in range(1024)]
    completions = [rf"\boxed{{\frac{{{2 * i}}}{{14}}}}" for i in range(1024)]
    for k, row in enumerate(range(3, 1024, 128)):
        golds[row], completions[row] = r"\sin(1)", SLOW[k]
    print("\n### 3. Batch budget: 1,024 rows, 8 slow to verify, 2 workers, deadline 2 s\n")
    print("| | wall time (s) | rows scored 1.0 | timeouts |")
    print("|---|---:|---:|---:|")
    times = {}
    from reward_math_correctness.pool import VerifierPool

    budgeted = VerifierPool.run
    for label, off in (("baseline: no batch budget (each slow row its own deadline)", True),
                       ("ours: default batch budget", False)):
        reward = get_reward("math.answer_correctness", workers=2)
        # the baseline: the pool run as before the budget (every task its own full deadline, in batch order)
        VerifierPool.run = (lambda self, tasks, deadline, batch_seconds=None: budgeted(self, tasks, deadline)) \
            if off else budgeted
        try:
            reward(prompts=["q"], completions=[r"\boxed{\sqrt{8}}"], answer=[r"2\sqrt{2}"])  # start the pool
            metrics = {}
            start = time.perf_counter()
            scores = reward(prompts=["q"] * 1024, completions=completions, answer=golds, log_metric=metrics.__setitem__)
            times[label] = time.perf_counter() - start
            print(f"| {label} | {times[label]:.2f} | {sum(s == 1.0 for s in scores)} | "
                  f"{metrics['math.answer_correctness/timeouts']:.0f} |")
        finally:
            VerifierPool.run = budgeted
            reward.reward.close()
    baseline, ours = times.values()
    print(f"\nRatio: {baseline / ours:.1f}x faster with the budget ({baseline:.2f} s -> {ours:.2f} s).")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="list credited attacks and missed controls (ours)")
    parser.add_argument("--no-baselines", action="store_true", help="ours only (skips TRL and math-verify)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # math-verify logs every timeout and parse failure
    methods = {"ours": Ours(workers=2)}
    if not args.no_baselines:
        methods["trl"] = Trl()
        methods["math-verify"] = MathVerify()
    try:
        redteam(methods, args.show)
        recall_and_suite(methods)
    finally:
        for method in methods.values():
            method.close()
    batch_budget()


if __name__ == "__main__":
    main()
