"""Writes answer_forms_corpus.json: issue 19's families of answers beyond plain numbers, right and wrong.

    python plugins/math-correctness/tests/data/make_answer_forms_corpus.py

Each family holds completions in the forms open models write that a careful grader accepts (expected 1) and
near misses it refuses (expected 0: the wrong value, a hedge, a retraction, a cut-off sentence). The cases are
written by hand from the issue's table and widened with the usual variations (markup, option text, order,
spacing); `benchmarks/bench_math_correctness_agreement.py` compares the three graders on them, and
`test_math_correctness_answers.py` requires ours to agree on every one.
"""

from __future__ import annotations

import json
from pathlib import Path

MC_PROMPT = ("Which value is the product 2 * 2?\n(A) 2\n(B) 3\n(C) 4\n(D) 5\nAnswer with the letter.")
SCIENCE_PROMPT = ("What is the band gap of the material?\nA) 1.1 eV\nB) 2.0 eV\nC) 3.4 eV\nD) 5.5 eV")


def case(category: str, completion: str, gold: str, expected: int, prompt: str = "q") -> dict:
    return {"category": category, "prompt": prompt, "completion": completion, "gold": gold, "expected": expected}


def cases() -> list[dict]:
    out = []
    mc = "multiple choice"
    for text in ["Answer: C) 4", "(C) 4", "**C**", "The correct answer is **(C)** 4.", "The answer is C.",
                 "So the correct option is C.", "Option C is correct.", "\\boxed{C}", "\\boxed{(C)}",
                 "Options A, B and D are wrong, so the answer is C.", "The answer is 4, which is option C."]:
        out.append(case(mc, f"Two times two is four.\n{text}", "C", 1, MC_PROMPT))
    for text in ["Answer: B) 3", "\\boxed{D}", "The answer is A or C.", "The answer is C?",
                 "Answer: C\nActually, it might be B.", "It could be C, but I am not sure."]:
        out.append(case(mc, f"Let me think.\n{text}", "C", 0, MC_PROMPT))
    out.append(case(mc, "The correct answer is **(B)** 2.0 eV.", "B", 1, SCIENCE_PROMPT))
    out.append(case(mc, "The correct answer is **(C)** 3.4 eV.", "B", 0, SCIENCE_PROMPT))
    amc = "AMC boxes"
    for text, gold, expected in [("\\boxed{\\textbf{(B)}\\ 9}", "B", 1), ("$\\textbf{(B) } 9$", "B", 1),
                                 ("\\boxed{\\textbf{(B)}\\ 9}", "9", 1), ("\\boxed{\\textbf{(C)}\\ 12}", "B", 0),
                                 ("\\boxed{\\textbf{(C)}\\ 12}", "9", 0)]:
        out.append(case(amc, f"Counting the cases gives 9.\n{text}", gold, expected))
    several = "several letters"
    for text, expected in [("\\boxed{\\text{C, A}}", 1), ("\\boxed{\\text{A}, \\text{C}}", 1), ("\\boxed{\\text{A, C}}", 1),
                           ("\\boxed{\\text{A}}", 0), ("\\boxed{\\text{A, B, C}}", 0)]:
        out.append(case(several, f"Both A and C hold.\n{text}", "\\text{A, C}", expected))
    words = "word answers"
    for completion, gold, expected in [
        ("Counting forward 100 days from Tuesday lands on a Monday. The answer is Monday.", "\\text{Monday}", 1),
        ("Since f(-x) = -f(x) for every x, the function is odd.", "\\text{odd}", 1),
        ("No. Since $91 = 7 \\times 13$, it is not prime.", "\\text{No}", 1),
        ("The answer is Tuesday.", "\\text{Monday}", 0),
        ("Therefore the function is not odd.", "\\text{odd}", 0),
        ("Maybe the answer is Monday.", "\\text{Monday}", 0),
        ("Yes. Since $91 = 7 \\times 13$, it is prime.", "\\text{No}", 0),
    ]:
        out.append(case(words, completion, gold, expected))
    complex_ = "complex numbers"
    for completion, gold, expected in [("\\boxed{3 + 4 i}", "3+4i", 1), ("\\boxed{3+4\\mathrm{i}}", "3+4i", 1),
                                       ("\\boxed{0.5 - 0.5i}", "\\frac{1}{2} - \\frac{1}{2}i", 1),
                                       ("\\boxed{3 - 4i}", "3+4i", 0), ("\\boxed{0.33 + i}", "\\frac{1}{3} + i", 0)]:
        out.append(case(complex_, completion, gold, expected))
    notation = "notation"
    for completion, gold, expected in [("\\boxed{(-∞, 3]}", "(-\\infty,3]", 1), ("\\boxed{√2}", "\\sqrt{2}", 1),
                                       ("\\boxed{0.\\bar{3}}", "0.\\overline{3}", 1),
                                       ("\\boxed{(1011)_2}", "1011_2", 1), ("\\boxed{(-∞, 3)}", "(-\\infty,3]", 0),
                                       ("\\boxed{√3}", "\\sqrt{2}", 0)]:
        out.append(case(notation, completion, gold, expected))
    values = "several values"
    for completion, gold, expected in [
        ("The GCD is 12, since 12 divides 36.", "12", 1),
        ("The solutions are $x = 1$, $x = 2$, and $x = 3$.", "1, 2, 3", 1),
        ("The GCD is 6, since 6 divides 36.", "12", 0),
        ("The solutions are $x = 1$ and $x = 2$.", "1, 2, 3", 0),
    ]:
        out.append(case(values, completion, gold, expected))
    union = "or as a union"
    for completion, expected in [("\\boxed{x < 1 \\text{ or } x > 2}", 1), ("\\boxed{x < 1 \\text{ and } x > 2}", 0),
                                 ("\\boxed{x < 2 \\text{ or } x > 1}", 0)]:
        out.append(case(union, completion, "(-\\infty,1)\\cup(2,\\infty)", expected))
    dollars = "dollar golds"
    for completion, gold, expected in [
        ("Each notebook is $3.78, so five of them cost 5 x $3.78 = $18.90.", "\\$18.90", 1),
        ("\\boxed{\\$1{,}250}", "\\$1{,}250", 1),
        ("Five of them cost $18.80.", "\\$18.90", 0),
    ]:
        out.append(case(dollars, completion, gold, expected))
    cut = "cut-off and retracted"
    for completion, gold in [("First, 5 + 7 = 12, then we need to check whether he", "12"),
                             ("The answer is 4. Actually, it might be 5.", "4"),
                             ("So the total is 12 and", "12")]:
        out.append(case(cut, completion, gold, 0))
    out.append(case(cut, "First, 5 + 7 = 12. The answer is 12.", "12", 1))
    return out


if __name__ == "__main__":
    path = Path(__file__).parent / "answer_forms_corpus.json"
    data = {"about": __doc__.split("\n\n")[0], "cases": cases()}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(data['cases'])} cases to {path}")
