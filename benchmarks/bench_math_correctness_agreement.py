"""Agreement benchmark: math.answer_correctness vs TRL's accuracy_reward vs math-verify with its defaults.

    python benchmarks/bench_math_correctness_agreement.py
    python benchmarks/bench_math_correctness_agreement.py --show-disagreements

One run, one machine, three methods on the same cases:

- "ours": `get_reward("math.answer_correctness", workers=2)`, each case's prompt passed as `prompts`;
- "trl": `trl.rewards.accuracy_reward(completions=[[{"role": "assistant", "content": c}]], solution=[gold])`,
  one case per call on the main thread (math-verify's signal timeouts: 10 s parse, 5 s verify);
- "math-verify": `verify(parse(gold), parse(completion))` with math-verify's default extraction; a gold that does
  not parse scores None, as in TRL.

Data sets (plugins/math-correctness/tests/data/):

a. math_verify_cases.json: math-verify 0.9.0's published test cases; each `pred` is the WHOLE completion;
   category = the test function; agreement = (score == 1.0) == (expected == 1);
b. recall_corpus.json: completions in the styles real models write (make_recall_corpus.py); agreement with `label`;
c. gaming_cases.json: gaming attempts, all expected wrong (0);
d. answer_forms_corpus.json (make_answer_forms_corpus.py): multiple choice (letters, option text, AMC boxes,
   several letters), word answers, complex numbers, notation, several values, "or" as a union, dollar golds,
   cut-off and retracted answers, each family with right (1) and wrong (0) completions.

Golds are given to our reward as written. The two baselines get each gold wrapped in `$...$` when it has no
`$` or `\\boxed` of its own: both read bare LaTeX golds poorly (`(1,\\infty)` parses to nothing, `\\{1,2,3\\}`
to 3), and the comparison is about reading completions, not golds.

A None score (gold unparsable) and an exception both count as disagreement. Prints, per data set, a table of
agreement per category and in total, then each method's wall time. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import traceback
from collections import OrderedDict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "plugins" / "math-correctness" / "tests" / "data"
METHODS = ("ours", "trl", "math-verify")
HEADERS = {"ours": "ours", "trl": "trl", "math-verify": "math-verify"}
NAMES = {"ours": "math.answer_correctness", "trl": "trl accuracy_reward",
         "math-verify": "math-verify parse/verify (defaults)"}
ERROR = "error"  # a score slot for a method that raised on that case


def load_sets() -> list[tuple[str, list[dict]]]:
    """(title, cases) with each case {category, prompt, completion, gold, expected}."""
    sets = []
    mv = json.loads((DATA / "math_verify_cases.json").read_text())["cases"]
    sets.append(("a. math-verify 0.9.0 published cases (pred = whole completion)", [
        {"category": c["source"].split("::")[-1], "prompt": "q", "completion": c["pred"], "gold": c["gold"],
         "expected": int(c["expected"])} for c in mv]))
    recall_path = DATA / "recall_corpus.json"
    if recall_path.exists():
        recall = json.loads(recall_path.read_text())["cases"]
        sets.append(("b. recall corpus (styles real models write)", [
            {"category": c["category"], "prompt": c["prompt"], "completion": c["completion"], "gold": c["gold"],
             "expected": int(c["label"])} for c in recall]))
    else:
        print(f"(no {recall_path.name}: run plugins/math-correctness/tests/data/make_recall_corpus.py)")
    gaming = json.loads((DATA / "gaming_cases.json").read_text())["cases"]
    sets.append(("c. gaming cases (all must score wrong)", [
        {"category": c["category"], "prompt": c.get("prompt") or "q", "completion": c["completion"],
         "gold": c["gold"], "expected": 0} for c in gaming]))
    forms = json.loads((DATA / "answer_forms_corpus.json").read_text())["cases"]
    sets.append(("d. answers beyond numbers: choices, words, complex numbers, notation, lists, unions, dollars, "
                 "cut-off (right and wrong)", forms))
    return sets


def baseline_gold(gold: str) -> str:
    """The gold as the baselines get it: in `$...$` when it has no delimiter of its own."""
    return gold if "$" in gold or "\\boxed" in gold else f"${gold}$"


def _score(value):
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return ERROR


def agrees(score, expected: int) -> bool:
    if score is None or score == ERROR:
        return False
    return (score == 1.0) == (expected == 1)


# ---------------------------------------------------------------------------------------------------- methods


class Ours:
    def __init__(self, workers: int) -> None:
        self.reward = None
        self.failure = None
        try:
            from reward_core import get_reward

            self.reward = get_reward("math.answer_correctness", workers=workers)
            self.reward(prompts=["q"], completions=["\\boxed{1}"], answer=["1"])  # start and warm the pool
        except Exception as exc:  # a reward that cannot start: report it, score every case as an error
            self.failure = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()

    def score(self, cases: list[dict]) -> list:
        if self.reward is None:
            return [ERROR] * len(cases)
        try:  # one batch, as in training
            out = self.reward(prompts=[c["prompt"] for c in cases], completions=[c["completion"] for c in cases],
                              answer=[c["gold"] for c in cases])
            if isinstance(out, list) and len(out) == len(cases):
                return [_score(s) for s in out]
        except Exception:
            pass
        scores = []  # the batch failed: score alone, so one bad case costs one disagreement
        for c in cases:
            try:
                (s,) = self.reward(prompts=[c["prompt"]], completions=[c["completion"]], answer=[c["gold"]])
                scores.append(_score(s))
            except Exception:
                scores.append(ERROR)
        return scores

    def close(self) -> None:
        try:
            if self.reward is not None:
                self.reward.reward.close()
        except Exception:
            pass


class Trl:
    def __init__(self) -> None:
        self.failure = None
        try:
            from trl.rewards import accuracy_reward

            self.fn = accuracy_reward
        except Exception as exc:
            self.fn = None
            self.failure = f"{type(exc).__name__}: {exc}"

    def score(self, cases: list[dict]) -> list:
        scores = []
        for c in cases:  # main thread, one case per call: signal timeouts work and an exception costs one case
            if self.fn is None:
                scores.append(ERROR)
                continue
            try:
                (s,) = self.fn(completions=[[{"role": "assistant", "content": c["completion"]}]], solution=[baseline_gold(c["gold"])])
                scores.append(_score(s))
            except Exception:
                scores.append(ERROR)
        return scores

    def close(self) -> None:
        pass


class MathVerify:
    def __init__(self) -> None:
        self.failure = None
        try:
            from math_verify import parse, verify

            self.parse, self.verify = parse, verify
        except Exception as exc:
            self.parse = None
            self.failure = f"{type(exc).__name__}: {exc}"

    def score(self, cases: list[dict]) -> list:
        scores = []
        for c in cases:
            if self.parse is None:
                scores.append(ERROR)
                continue
            try:
                gold = self.parse(baseline_gold(c["gold"]))
                if not gold:
                    scores.append(None)  # as TRL: an unparsable gold is skipped
                    continue
                scores.append(float(self.verify(gold, self.parse(c["completion"]))))
            except Exception:
                scores.append(ERROR)
        return scores

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------------------------- report


def pct(k: int, n: int) -> str:
    return f"{k / n:.1%}" if n else "-"


def table(title: str, cases: list[dict], scores: dict[str, list]) -> None:
    print(f"\n### {title}: {len(cases)} cases\n")
    print("| category | n | " + " | ".join(HEADERS[m] for m in METHODS) + " |")
    print("|---|---:|" + "---:|" * len(METHODS))
    groups: OrderedDict[str, list[int]] = OrderedDict()
    for i, c in enumerate(cases):
        groups.setdefault(c["category"], []).append(i)
    for cat, idx in groups.items():
        cells = [pct(sum(agrees(scores[m][i], cases[i]["expected"]) for i in idx), len(idx)) for m in METHODS]
        print(f"| {cat} | {len(idx)} | " + " | ".join(cells) + " |")
    totals = []
    for m in METHODS:
        k = sum(agrees(s, c["expected"]) for s, c in zip(scores[m], cases))
        totals.append(f"**{pct(k, len(cases))}** ({k})")
    print(f"| **total** | {len(cases)} | " + " | ".join(totals) + " |")
    notes = []
    for m in METHODS:
        nones = sum(s is None for s in scores[m])
        errors = sum(s == ERROR for s in scores[m])
        if nones or errors:
            notes.append(f"{HEADERS[m]}: {nones} None, {errors} errors")
    if notes:
        print("\n(" + "; ".join(notes) + "; each counts as a disagreement)")


def tail(text: str, n: int = 110) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= n else "..." + text[-n:]


def show_disagreements(title: str, cases: list[dict], ours: list) -> None:
    rows = [(c, s) for c, s in zip(cases, ours) if not agrees(s, c["expected"])]
    print(f"\n#### ours disagrees: {title} ({len(rows)})\n")
    for c, s in rows:
        print(f"- [{c['category']}] expected {c['expected']}, ours {s}; gold {c['gold']!r}; "
              f"completion {tail(c['completion'])!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-disagreements", action="store_true",
                        help="list the cases where math.answer_correctness disagrees with the expected verdict")
    parser.add_argument("--workers", type=int, default=2, help="math.answer_correctness worker processes")
    args = parser.parse_args()
    for name in ("math_verify", "latex2sympy2_extended", "trl"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    sets = load_sets()
    start = time.perf_counter()
    methods = {"ours": Ours(args.workers)}
    startup = time.perf_counter() - start  # pool start and warm-up, not counted in the scoring time
    methods["trl"], methods["math-verify"] = Trl(), MathVerify()
    wall = {m: 0.0 for m in METHODS}
    results = []
    try:
        for title, cases in sets:
            scores = {}
            for m in METHODS:
                t = time.perf_counter()
                scores[m] = methods[m].score(cases)
                wall[m] += time.perf_counter() - t
            results.append((title, cases, scores))
    finally:
        methods["ours"].close()

    n = sum(len(cases) for _, cases, _ in results)
    print(f"## math answer checking: agreement with the expected verdict ({n} cases)\n")
    print("ours = " + NAMES["ours"] + f" ({args.workers} workers); trl = " + NAMES["trl"]
          + "; math-verify = " + NAMES["math-verify"] + ". Cells: % of cases where the method agrees.")
    for m in METHODS:
        if methods[m].failure:
            print(f"\n**{NAMES[m]} failed to load or warm up** ({methods[m].failure}); its failing cases count "
                  "as errors.")
    for title, cases, scores in results:
        table(title, cases, scores)

    print("\n### wall time (all data sets, scoring only)\n")
    print("| method | total (s) | per case (ms) |")
    print("|---|---:|---:|")
    for m in METHODS:
        print(f"| {NAMES[m]} | {wall[m]:.1f} | {1000 * wall[m] / max(n, 1):.1f} |")
    print(f"\n(ours: worker pool start and warm-up {startup:.1f} s, not included)")

    if args.show_disagreements:
        for title, cases, scores in results:
            show_disagreements(title, cases, scores["ours"])


if __name__ == "__main__":
    main()
