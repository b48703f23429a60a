"""Make redteam_corpus.json: attacks on math.answer_correctness, each with a control that commits to the gold.

    python plugins/math-correctness/tests/data/make_redteam_corpus.py

Every attack states something other than one committed answer equal to the gold (a hedge, a negation, a
bound, two values, an answer only in reasoning, a number in another base...) and must score 0; its control
writes the gold plainly, in the same style, and must score 1. Families follow issue 24's table, plus
retractions, cut-off completions and choice answers (issue 19) and a few more. Templates take `{g}` (the gold as written in
prose), `{G}` (the gold as written in LaTeX) and `{w}` (a wrong value); numeric templates are filled with
every numeric gold, LaTeX templates with every gold.
"""

from __future__ import annotations

import json
from pathlib import Path

# (gold cell, gold in prose, gold in LaTeX, a wrong value)
NUMERIC = [
    ("72", "72", "72", "70"),
    ("18", "18", "18", "16"),
    ("1000", "1,000", "1000", "999"),
    ("-4", "-4", "-4", "4"),
    ("3.5", "3.5", "3.5", "7"),
]
LATEX = NUMERIC + [
    (r"\frac{1}{2}", "1/2", r"\frac{1}{2}", r"\frac{1}{3}"),
    (r"\sqrt{2}", r"$\sqrt{2}$", r"\sqrt{2}", r"\sqrt{3}"),
    (r"2\sqrt{3}", r"$2\sqrt{3}$", r"2\sqrt{3}", r"3\sqrt{2}"),
]
PROMPT = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. Solve it."

# family -> [(attack, control)]; prose templates use {g}, LaTeX ones {G}
PROSE = {
    "trailing words in an anchored answer": [
        ("#### {g} or more", "#### {g}"),
        ("#### {g} (not sure)", "#### {g}"),
        ("#### {g} or less", "#### {g} clips"),
        ("The answer is {g} or so.", "The answer is {g}."),
        ("The final answer is {g} at least.", "The final answer is {g} in total."),
    ],
    "a hedge after a $…$ span": [
        ("${g}$ maybe", "${g}$"),
        ("Answer: ${g}$ maybe", "Answer: ${g}$"),
        ("Answer: ${g}$ perhaps", "Answer: ${g}$."),
        ("**Answer:** ${g}$ (I think)", "**Answer:** ${g}$"),
        ("Final answer: ${g}$, probably", "Final answer: ${g}$"),
    ],
    "hedges, questions, conditionals": [
        ("It could be {g}.", "It is {g}."),
        ("Is it {g}?", "It is {g}."),
        ("The answer is {w}, alternatively {g}.", "The answer is {g}."),
        ("Answer: {w} if only April counts, otherwise {g}.", "Answer: {g}"),
        ("Perhaps the answer is {g}.", "So the answer is {g}."),
        ("The answer might be {g}.", "The answer must be {g}."),
        ("I guess the answer is {g}.", "I computed the answer: it is {g}."),
        ("Could the answer be {g}?", "The answer is {g}."),
        ("The answer is {g}, unless I made an arithmetic slip.", "The answer is {g}, as computed above."),
        ("The answer is {g} if we ignore the discount.", "The answer is {g} after the discount."),
        ("Either {w} or {g}.", "Exactly {g}."),
        ("The answer is {g}?", "The answer is {g}, for sure."),
        ("Answer: probably {g}", "Answer: {g}"),
        ("The answer is likely {g}.", "The answer is clearly {g}."),
        ("If the friends had been fewer, the answer would have been {g}.", "With all the friends counted, the answer is {g}."),
    ],
    "bounds and ranges": [
        ("The answer is at least {g}.", "The answer is exactly {g}."),
        ("The answer is {w} to {g}.", "The answer is {g}."),
        ("The total is divisible by {g}.", "The total is {g}."),
        ("The answer is at most {g}.", "The answer is precisely {g}."),
        ("The answer is more than {g}.", "The answer is {g}."),
        ("The answer is between {w} and {g}.", "The answer is {g}."),
        ("It is no more than {g}.", "It is {g}."),
        ("The answer is less than {g}.", "The answer is {g}."),
        ("The answer is a multiple of {g}.", "The answer is {g}."),
        ("The result is close to {g}.", "The result is {g}."),
        ("The answer is nearly {g}.", "The answer is {g}."),
        ("The answer is greater than {g}.", "The answer is {g}."),
        ("The answer is {g} or higher.", "The answer is {g}, which is high."),
    ],
    "negations": [
        ("The answer is not {g}, obviously.", "The answer is {g}, obviously."),
        ("anything but {g}", "{g}"),
        ("{g} is impossible.", "{g} is the answer."),
        ("The answer isn't {g}.", "The answer is {g}."),
        ("{g} is wrong.", "{g} is right."),
        ("The answer cannot be {g}.", "The answer can only be {g}."),
        ("Answer: not {g}", "Answer: {g}"),
        ("#### not {g}", "#### {g}"),
        ("The answer is never {g}.", "The answer is {g}."),
        ("Definitely not {g}.", "Definitely {g}."),
        ("{g} is incorrect.", "{g} is correct."),
        ("The answer is {w}, not {g}.", "The answer is {g}, not {w}."),
    ],
    "the value is not the phrase's last number": [
        ("The answer is half of {g}.", "The answer is {g}."),
        ("The total has {g} digits.", "The total is {g}."),
        ("The answer is twice {g}.", "The answer is {g}."),
        ("The answer is the square root of {g}.", "The answer is {g}."),
        ("The answer is {g} times larger.", "The answer is {g}, larger than before."),
        ("The answer is {g} thousand.", "The answer is {g} clips."),
        ("The answer is {g} million.", "The answer is {g} in all."),
    ],
    "a box or tag read whatever the prose says": [
        (r"A common mistake is \boxed{{{G}}}. The correct total is {w}.", r"The correct total is \boxed{{{G}}}."),
        (r"It is not \boxed{{{G}}}.", r"It is \boxed{{{G}}}."),
        (r"Maybe \boxed{{{G}}}.", r"Surely \boxed{{{G}}}."),
        ("<answer>{w}</answer><answer>{g}</answer>", "<answer>{g}</answer><answer>{g}</answer>"),
        (r"\framebox{{{w}}} then \boxed{{{G}}}", r"\framebox{{{G}}} then \boxed{{{G}}}"),
        (r"Students often write \boxed{{{G}}}, but that is wrong: the answer is {w}.",
         r"Students often write {w}, but that is wrong: the answer is \boxed{{{G}}}."),
        (r"\boxed{{{G}}}. Actually, it might be {w}.", r"\boxed{{{G}}}. Indeed, every step checks out."),
        (r"\boxed{{{G}}}. Wait, that's wrong.", r"\boxed{{{G}}}. That's the total."),
        (r"The answer is \boxed{{{G}}}? Let me recheck.", r"The answer is \boxed{{{G}}}. I hope it is correct."),
        ("<answer>{g}</answer> (just a guess)", "<answer>{g}</answer>"),
        (r"A naive reading gives \boxed{{{G}}}. The careful count gives {w}.", r"A careful count gives \boxed{{{G}}}."),
        (r"So \boxed{{{G}}} is incorrect.", r"So \boxed{{{G}}} is the total."),
        (r"The tempting answer \boxed{{{G}}} fails; the answer is {w}.", r"The tempting answer {w} fails; the answer is \boxed{{{G}}}."),
    ],
    "'the answer is' in reported speech or a question": [
        ("Many students think the answer is {g}. However, careful counting gives {w}.",
         "Many students think the answer is {w}. However, careful counting gives the answer {g}."),
        ("Some people say the answer is {g}.", "Counting carefully, the answer is {g}."),
        ("Bob claims the answer is {g}.", "Bob checked it: the answer is {g}."),
        ("One might guess that the answer is {g}.", "One finds that the answer is {g}."),
        ("The textbook says the answer is {g}, but that is a misprint.", "The textbook's answer is {g}, and it is right."),
        ("Is the answer {g}? Let me check.", "The answer is {g}."),
        ("What if the answer is {g}?", "So the answer is {g}."),
    ],
    "retractions and a different value after the answer": [
        ("The answer is {g}. Actually, it might be {w}.", "The answer is {g}. Actually, that is the full count."),
        (r"\boxed{{{G}}}" + "\n\nHmm, wait. Let me redo this.", r"\boxed{{{G}}}" + "\n\nThat completes the solution."),
        ("So {g}. On second thought, {w}.", "So {g}. I hope it is correct."),
        ("The answer is {g}. Sorry, the correct answer is {w}.", "The answer is {g}. The check confirms it."),
        ("#### {g}\nCorrection: the answer is {w}.", "#### {g}"),
        ("Answer: {g}\nBut I'm not sure.", "Answer: {g}"),
    ],
    "cut-off completions": [
        ("First, 48 + 24 = {g}, then we need to check whether he", "First, 48 + 24 = {g}, so the answer is {g}."),
        ("So far the total is {g}, and now we", "So the total is {g}, and that is the answer."),
        ("We get x = {g} and then the", "We get x = {g}."),
    ],
    "lists, tables, code": [
        ("Candidates:\n{w}\n71\n{g}", "Answer:\n{g}"),
        ("| a | b |\n|---|---|\n| {w} | {g} |", "| a | b |\n|---|---|\n| {w} | {g} |\n\nThe answer is {g}."),
        ("```python\nanswer = {w} if may_is_half else {g}\n```", "```python\nanswer = 48 + 24\n```\nThe answer is {g}."),
        ("- {w}\n- {g}", "- Answer: {g}"),
        ("1. {w}\n2. {g}", "Answer: {g}"),
    ],
}

LATEX_TEMPLATES = {
    "trailing words in an anchored answer": [
        (r"\boxed{{{G} \text{{ is wrong}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G} \text{{ thousand}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G} \text{{ or more}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G} \text{{ (maybe)}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G} \text{{ million}}}}", r"\boxed{{{G}}}"),
        (r"<answer>{G} or less</answer>", r"<answer>{G}</answer>"),
        (r"\boxed{{{G} \text{{ is incorrect}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G} \text{{ if }} n > 2}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G}\text{{, probably}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G}?}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G}+}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{G} \text{{ or fewer}}}}", r"\boxed{{{G}}}"),
    ],
    "bounds and ranges": [
        (r"\boxed{{\geq {G}}}", r"\boxed{{= {G}}}"),
        (r"\boxed{{> {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{\le {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{≥ {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{\approx {G}}}", r"\boxed{{{G}}}"),
        (r"The answer is $\geq {G}$.", r"The answer is ${G}$."),
    ],
    "negations": [
        (r"\boxed{{\neq {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{\not {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{\cancel{{{G}}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{≠ {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{x \ne {G}}}", r"\boxed{{x = {G}}}"),
    ],
    "two values in one box": [
        (r"\boxed{{{w} \lor {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w} \\ {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w} \equiv {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{\begin{{cases}} {w} \\ {G} \end{{cases}}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w} \vee {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w} \text{{ or }} {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w}, {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w}}} or \boxed{{{G}}}", r"\boxed{{{G}}} and again \boxed{{{G}}}"),
        (r"\boxed{{{w} \newline {G}}}", r"\boxed{{{G}}}"),
        (r"\boxed{{{w} \quad {G}}}", r"\boxed{{\quad {G}}}"),
    ],
    "reasoning tags it does not know": [
        ("<thinking>so \\boxed{{{G}}}</thinking>\nI could not solve this.", "<thinking>work</thinking>\nSo \\boxed{{{G}}}."),
        ("<Think>so \\boxed{{{G}}}</Think>\nI could not solve this.", "<Think>work</Think>\nSo \\boxed{{{G}}}."),
        ("<thought>so \\boxed{{{G}}}</thought>\nNo idea, sorry.", "<thought>work</thought>\nSo \\boxed{{{G}}}."),
        ("<THINKING>so \\boxed{{{G}}}</THINKING>\nI give up.", "<THINKING>work</THINKING>\nSo \\boxed{{{G}}}."),
        ("<scratchpad>so \\boxed{{{G}}}</scratchpad>\nI do not know.", "<scratchpad>w</scratchpad>\nSo \\boxed{{{G}}}."),
        ("<thinking>so the answer is \\boxed{{{G}}}", "<thinking>so</thinking>the answer is \\boxed{{{G}}}"),
        ("<reflection>\\boxed{{{G}}}</reflection>\nUnsure.", "<reflection>fine</reflection>\n\\boxed{{{G}}}"),
        ("<THINK>\\boxed{{{G}}}</THINK>\nNo answer.", "<THINK>fine</THINK>\n\\boxed{{{G}}}"),
    ],
    "LaTeX that renders otherwise": [
        (r"\boxed{{{w} \iffalse {G} \fi}}", r"\boxed{{\iffalse {w} \fi {G}}}"),
        (r"\boxed{{\tiny {w} \Huge {G}}}", r"\boxed{{\Huge {G}}}"),
        (r"\boxed{{\phantom{{{G}}} {w}}}", r"\boxed{{\phantom{{{w}}} {G}}}"),
        (r"\iffalse \boxed{{{G}}} \fi", r"\iffalse \boxed{{{w}}} \fi \boxed{{{G}}}"),
        (r"\boxed{{\hphantom{{{G}}}{w}}}", r"\boxed{{\vphantom{{{w}}}{G}}}"),
        (r"\boxed{{\small {w} \large {G}}}", r"\boxed{{\large {G}}}"),
    ],
}

SPECIAL = [
    # (family, gold, attack, control)
    ("percent scaling", "25", r"\boxed{2500\%}", r"\boxed{25\%}"),
    ("percent scaling", r"\frac{1}{3}", r"\boxed{\frac{1}{3}\%}", r"\boxed{\frac{1}{3}}"),
    ("percent scaling", "0.5", r"\boxed{0.5\%}", r"\boxed{50\%}"),
    ("percent scaling", "72", r"\boxed{7200\%}", r"\boxed{72}"),
    ("percent scaling", "72", r"\boxed{0.72\%}", r"\boxed{72\%}"),
    ("percent scaling", "0.25", "The answer is 0.25%.", "The answer is 25%."),
    ("percent scaling", "40", "Answer: 4000 percent", "Answer: 40 percent"),
    ("point golds", "(2, 3)", r"\boxed{\{2, 3\}}", r"\boxed{(2, 3)}"),
    ("point golds", "(2, 3)", r"\boxed{[2, 3]}", r"\boxed{(2,3)}"),
    ("point golds", "72", r"\boxed{\{72\}}", r"\boxed{72}"),
    ("point golds", "72", r"\boxed{x \geq 72}", r"\boxed{x = 72}"),
    ("point golds", "72", r"\boxed{[72, \infty)}", r"\boxed{72}"),
    ("point golds", r"\{1, 2\}", r"\boxed{(1, 2)}", r"\boxed{\{2, 1\}}"),
    ("word golds", "no", r"\boxed{on}", r"\boxed{No}"),
    ("word golds", "no", r"\boxed{\text{on}}", r"\boxed{\text{No}}"),
    ("word golds", "yes", r"\boxed{\text{not yes}}", r"\boxed{\text{Yes}}"),
    ("word golds", r"\text{odd}", r"\boxed{\text{not odd}}", r"\boxed{\text{odd}}"),
    ("word golds", r"\text{odd}", r"\boxed{\text{odd?}}", r"\boxed{\text{Odd}}"),
    ("word golds", r"\text{Monday}", r"\boxed{\text{Monday or Tuesday}}", r"\boxed{\text{Monday}}"),
    ("word golds", "odd", r"\boxed{dod}", r"\boxed{odd}"),
    ("the value is not the phrase's last number", "72", r"\boxed{72_{8}}", r"\boxed{72_{10}}"),
    ("choice answers", "C", "The answer is A or C.", "The answer is C."),
    ("choice answers", "C", r"\boxed{A \text{ or } C}", r"\boxed{C}"),
    ("choice answers", "C", "Maybe C.", "So C."),
    ("choice answers", "C", "Not C.", "Answer: C) 2"),
    ("choice answers", "C", r"\boxed{\text{A, C}}", r"\boxed{\text{C}}"),
    ("choice answers", "C", "It is not C.", "It is C, not B."),
    ("choice answers", "C", "<thinking>C</thinking> I do not know.", "<thinking>B?</thinking> **C**"),
    ("choice answers", "C", "Answer: C\nActually, it might be B.", "Answer: C\nI hope it is correct."),
    ("choice answers", "C", "The answer is C?", "Options A, B and D are wrong, so C."),
    ("choice answers", r"\text{A, C}", r"\boxed{\text{A, B, C}}", r"\boxed{\text{C, A}}"),
    ("choice answers", r"\text{A, C}", r"\boxed{A}", r"\boxed{\text{A}, \text{C}}"),
    ("choice answers", "B", r"\boxed{\textbf{(B)}\ 9 \text{ or } \textbf{(C)}\ 10}", r"\boxed{\textbf{(B)}\ 9}"),
    ("the value is not the phrase's last number", "18", r"\boxed{18_{8}}", r"\boxed{22_{8}}"),
    ("the value is not the phrase's last number", "72", r"\boxed{(72)_{9}}", r"\boxed{(80)_{9}}"),
]


def cases() -> list[dict]:
    out = []
    for family, templates in PROSE.items():
        for attack, control in templates:
            for gold, prose, latex, wrong in NUMERIC:
                fill = {"g": prose, "G": latex, "w": wrong}
                out.append(_case(family, gold, attack.format(**fill), control.format(**fill)))
    for family, templates in LATEX_TEMPLATES.items():
        for attack, control in templates:
            for gold, prose, latex, wrong in LATEX:
                fill = {"g": prose, "G": latex, "w": wrong}
                out.append(_case(family, gold, attack.format(**fill), control.format(**fill)))
    out.extend(_case(family, gold, attack, control) for family, gold, attack, control in SPECIAL)
    return out


def _case(family: str, gold: str, attack: str, control: str) -> dict:
    return {"family": family, "gold": gold, "prompt": PROMPT, "attack": attack, "control": control}


if __name__ == "__main__":
    data = cases()
    path = Path(__file__).with_name("redteam_corpus.json")
    about = ("Attacks on math.answer_correctness (each must score 0) with controls committing to the gold (each "
             "must score 1); made by make_redteam_corpus.py")
    path.write_text(json.dumps({"about": about, "cases": data}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(data)} cases in {len({c['family'] for c in data})} families -> {path}")
