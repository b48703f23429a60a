"""Regenerate recall_corpus.json: completions written the way real models write final answers, each labelled.

    python plugins/math-correctness/tests/data/make_recall_corpus.py     # writes recall_corpus.json next to it

Deterministic (one `random.Random(0)`), standard library only, no network. Every case is
`{category, style, prompt, completion, gold, label}`; `label` is what a careful human grader says: 1 when the
completion plainly gives the correct final answer, 0 otherwise. About a fifth of each category are plainly wrong
answers written in the same style, so agreement with the labels measures precision as well as recall.

The problems are written for this file (GSM8K-style word problems generated from random numbers, MATH-style
problems with hand-checked answers). Every "right" form below was checked by hand to be equal to the gold, and
every "wrong" form to differ from it (rounded decimals of exact answers are wrong).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "recall_corpus.json"
PER_CATEGORY = 44
BOX_HINT = " Please reason step by step, and put your final answer within \\boxed{}."


def box(x: str) -> str:
    return "\\boxed{" + x + "}"


class Problem:
    """A prompt, its gold answer(s), equivalent and wrong answer forms, and how a model would show its work."""

    def __init__(self, prompt, golds, rights, wrongs, work, say, gsm=None):
        self.prompt = prompt
        self.golds = golds  # equivalent ways a dataset writes the gold answer
        self.rights = rights  # answer forms equal to the gold (LaTeX, without delimiters)
        self.wrongs = wrongs  # plainly wrong answer forms
        self._work = work  # list of lines, or f(final) -> lines (for generated problems: the last line shows it)
        self._say = say  # closing sentence: "{i}" = the answer in inline math, "{r}" = the raw answer
        self._gsm = gsm  # f(final) -> lines with GSM8K calculator annotations

    def work(self, final: str) -> list[str]:
        return list(self._work(final)) if callable(self._work) else list(self._work)

    def gsm(self, final: str) -> list[str]:
        return self._gsm(final)

    def say(self, rng: random.Random, final: str) -> str:
        if callable(self._say):
            return self._say(rng, final)
        return self._say.replace("{r}", final).replace("{i}", inline(rng, final))


PLAIN_NUMBER = re.compile(r"-?[\d,. ]+(%| percent)?")


def inline(rng: random.Random, form: str) -> str:
    """How a model puts an answer into running text: numbers mostly bare, LaTeX mostly in $...$ or \\(...\\)."""
    if PLAIN_NUMBER.fullmatch(form):
        return form if rng.random() < 0.8 else f"${form}$"
    roll = rng.random()
    if "\\" not in form and roll < 0.2:
        return form
    return f"${form}$" if roll < 0.7 else f"\\({form}\\)"


# --------------------------------------------------------------------------------------------------------------
# GSM8K-style word problems, generated from random numbers


def _wrong_ints(ans: int, *more: int) -> list[str]:
    out = []
    for w in (ans + 1, ans - 1, ans + 10, *more):
        if w != ans and str(w) not in out:
            out.append(str(w))
    return out


def _muffins(rng):
    t, m = rng.randint(3, 9), rng.randint(6, 24)
    total = t * m
    s = rng.randint(5, total - 3)
    ans = total - s
    prompt = rng.choice([
        "A bakery bakes {t} trays of muffins with {m} muffins on each tray. By noon it has sold {s} muffins. "
        "How many muffins are left?",
        "Rosa baked {t} trays of muffins, {m} muffins per tray, and gave away {s} of them. How many muffins does "
        "she have now?",
    ]).format(t=t, m=m, s=s)
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, total, total + s),
        lambda f: [f"Each tray holds {m} muffins, so {t} trays hold {t} × {m} = {total} muffins.",
                   f"After {s} are gone, {total} - {s} = {f} muffins remain."],
        lambda rng, f: rng.choice([f"So there are {f} muffins left.", f"That leaves {f} muffins.",
                                   f"The result is {f}."]),
        lambda f: [f"The trays hold {t}*{m} = <<{t}*{m}={total}>>{total} muffins.",
                   f"So {total}-{s} = <<{total}-{s}={f}>>{f} muffins are left."],
    )


def _reading(rng):
    p, d, e = rng.randint(12, 45), rng.randint(3, 14), rng.randint(5, 60)
    ans = p * d + e
    prompt = (f"Lena reads {p} pages every day for {d} days, and then reads {e} more pages on the weekend. "
              f"How many pages does she read in total?")
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, p * d, p * (d + 1)),
        lambda f: [f"In {d} days she reads {p} × {d} = {p * d} pages.",
                   f"Adding the weekend: {p * d} + {e} = {f} pages."],
        lambda rng, f: rng.choice([f"So the total is {f}.", f"So she reads {f} pages in total.",
                                   f"Lena reads {f} pages altogether."]),
        lambda f: [f"On weekdays she reads {p}*{d} = <<{p}*{d}={p * d}>>{p * d} pages.",
                   f"In total she reads {p * d}+{e} = <<{p * d}+{e}={f}>>{f} pages."],
    )


def _shopping(rng):
    x, a, y, b = rng.randint(2, 5), rng.randint(8, 25), rng.randint(2, 3), rng.randint(20, 45)
    ans = x * a + y * b
    prompt = (f"Shirts cost ${a} each and pants cost ${b} each. Maria buys {x} shirts and {y} pairs of pants. "
              f"How much does she spend, in dollars?")
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, x * a, a + b),
        lambda f: [f"The shirts cost {x} × ${a} = ${x * a}.", f"The pants cost {y} × ${b} = ${y * b}.",
                   f"Together: ${x * a} + ${y * b} = ${f}."],
        lambda rng, f: rng.choice([f"So Maria spends {f} dollars in total.", f"So the total is {f}.",
                                   f"Maria spends {f} dollars."]),
        lambda f: [f"The shirts cost {x}*{a} = $<<{x}*{a}={x * a}>>{x * a}.",
                   f"The pants cost {y}*{b} = $<<{y}*{b}={y * b}>>{y * b}.",
                   f"She spends {x * a}+{y * b} = $<<{x * a}+{y * b}={f}>>{f} in total."],
    )


def _trip(rng):
    v, t, v2, t2 = rng.randint(40, 75), rng.randint(2, 6), rng.randint(20, 35), rng.randint(2, 3)
    ans = v * t + v2 * t2
    prompt = (f"A car drives at {v} miles per hour for {t} hours, then at {v2} miles per hour for {t2} hours. "
              f"How many miles does it travel?")
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, v * t, (v + v2) * (t + t2)),
        lambda f: [f"First part: {v} × {t} = {v * t} miles.", f"Second part: {v2} × {t2} = {v2 * t2} miles.",
                   f"Total: {v * t} + {v2 * t2} = {f} miles."],
        lambda rng, f: rng.choice([f"So the car travels {f} miles.", f"So the total is {f} miles.",
                                   f"The result is {f}."]),
        lambda f: [f"First it goes {v}*{t} = <<{v}*{t}={v * t}>>{v * t} miles.",
                   f"Then {v2}*{t2} = <<{v2}*{t2}={v2 * t2}>>{v2 * t2} miles.",
                   f"Altogether {v * t}+{v2 * t2} = <<{v * t}+{v2 * t2}={f}>>{f} miles."],
    )


def _savings(rng):
    s, w = rng.randint(15, 60), rng.randint(4, 20)
    c = rng.randint(10, s * w - 10)
    ans = s * w - c
    prompt = (f"Omar saves ${s} every week for {w} weeks. Then he spends ${c} on a new bike. How many dollars "
              f"does he have left?")
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, s * w, s * w + c),
        lambda f: [f"He saves {s} × {w} = ${s * w}.", f"After the bike: {s * w} - {c} = ${f}."],
        lambda rng, f: rng.choice([f"So Omar has {f} dollars left.", f"He has {f} dollars left.",
                                   f"The result is {f}."]),
        lambda f: [f"He saves {s}*{w} = $<<{s}*{w}={s * w}>>{s * w}.",
                   f"He has {s * w}-{c} = $<<{s * w}-{c}={f}>>{f} left."],
    )


def _temperature(rng):
    a, d = rng.randint(-5, 8), rng.randint(9, 20)
    ans = a - d
    prompt = (f"At 6 pm the temperature was {a} degrees Celsius. By midnight it had dropped {d} degrees. "
              f"What was the temperature at midnight, in degrees Celsius?")
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, a + d, -ans) if ans != 0 else ["1", "-1"],
        lambda f: [f"A drop of {d} degrees from {a} means computing {a} - {d}.", f"{a} - {d} = {f}."],
        lambda rng, f: rng.choice([f"So the temperature at midnight was {f} degrees Celsius.",
                                   f"Therefore it was {f} degrees at midnight.", f"The result is {f}."]),
        lambda f: [f"The temperature fell to {a}-{d} = <<{a}-{d}={f}>>{f} degrees."],
    )


def _linear(rng):
    a = rng.randint(2, 9)
    x = rng.choice([v for v in range(-12, 13) if v])
    b = rng.choice([v for v in range(-20, 21) if v])
    c = a * x + b
    sign = f"+ {b}" if b > 0 else f"- {-b}"
    prompt = rng.choice([f"Solve for $x$: ${a}x {sign} = {c}$.", f"What value of $x$ satisfies ${a}x {sign} = {c}$?"])
    return Problem(
        prompt, [str(x)], [str(x)], _wrong_ints(x, -x, c - b),
        lambda f: [f"{'Subtract' if b > 0 else 'Add'} {abs(b)} {'from' if b > 0 else 'to'} both sides: "
                   f"${a}x = {c - b}$.", f"Divide both sides by {a}: $x = {f}$."],
        lambda rng, f: rng.choice([f"Therefore x={f}.", f"Therefore $x = {f}$.", f"So x = {f}."]),
        lambda f: [f"{a}x = {c}-({b}) = <<{c}-({b})={c - b}>>{c - b}", f"x = {c - b}/{a} = <<{c - b}/{a}={f}>>{f}"],
    )


def _eggs(rng):
    e, u, p = rng.randint(12, 30), rng.randint(3, 8), rng.randint(2, 4)
    ans = (e - u) * p
    prompt = (f"A farmer's hens lay {e} eggs a day. He uses {u} eggs for baking and sells the rest for ${p} "
              f"each. How many dollars does he make every day?")
    return Problem(
        prompt, [str(ans)], [str(ans)], _wrong_ints(ans, e * p, e - u),
        lambda f: [f"He sells {e} - {u} = {e - u} eggs.", f"At ${p} each that is {e - u} × {p} = ${f}."],
        lambda rng, f: rng.choice([f"So he makes {f} dollars every day.", f"He makes {f} dollars a day.",
                                   f"The result is {f}."]),
        lambda f: [f"He sells {e}-{u} = <<{e}-{u}={e - u}>>{e - u} eggs.",
                   f"He makes {e - u}*{p} = $<<{e - u}*{p}={f}>>{f} every day."],
    )


def _mean(rng):
    m = rng.randint(70, 92)
    d = [rng.randint(-8, 8) for _ in range(3)]
    scores = [m + x for x in d] + [m - sum(d)]
    total = sum(scores)
    prompt = f"Ben's test scores are {', '.join(map(str, scores[:3]))}, and {scores[3]}. What is his mean score?"
    return Problem(
        prompt, [str(m)], [str(m)], _wrong_ints(m, total),
        lambda f: [f"The sum is {' + '.join(map(str, scores))} = {total}.", f"Dividing by 4: {total} / 4 = {f}."],
        lambda rng, f: rng.choice([f"So his mean score is {f}.", f"The mean is {f}.", f"The result is {f}."]),
        lambda f: [f"The scores add up to {'+'.join(map(str, scores))} = <<{'+'.join(map(str, scores))}={total}>>"
                   f"{total}.", f"The mean is {total}/4 = <<{total}/4={f}>>{f}."],
    )


def _factory(rng):
    a, b = rng.randint(120, 5400) * 1000, rng.randint(120, 5400) * 1000
    ans = a + b
    prompt = (f"A factory produced {a:,} bolts in March and {b:,} bolts in April. How many bolts did it produce "
              f"in the two months together?")
    return Problem(
        prompt, [str(ans)], [f"{ans:,}", str(ans)], [f"{ans + 1000:,}", f"{ans - 10000:,}", f"{a:,}"],
        lambda f: [f"March: {a:,} bolts. April: {b:,} bolts.", f"{a:,} + {b:,} = {f}."],
        lambda rng, f: rng.choice([f"So the total is {f} bolts.", f"The factory produced {f} bolts.",
                                   f"The result is {f}."]),
        lambda f: [f"Together it made {a}+{b} = <<{a}+{b}={ans}>>{f} bolts."],
    )


INT_PROBLEMS = [_muffins, _reading, _shopping, _trip, _savings, _temperature, _linear, _eggs, _mean, _factory]


def int_problem(rng):
    return rng.choice(INT_PROBLEMS)(rng)


# --------------------------------------------------------------------------------------------------------------
# MATH-style problems (answers checked by hand)

MATH = {
    "half": Problem(
        r"Compute $\frac{3}{8}+\frac{1}{8}$.",
        [r"\frac{1}{2}", r"$\frac{1}{2}$"], [r"\frac{1}{2}", r"\dfrac{1}{2}", "0.5", "1/2"],
        [r"\frac{1}{4}", r"\frac{4}{16}", r"\frac{3}{8}", "0.4"],
        ["The denominators match, so add the numerators: $3 + 1 = 4$.",
         r"That gives $\frac{4}{8}$, and dividing top and bottom by 4 simplifies it."],
        "So the sum is {i}."),
    "sqrt12": Problem(
        r"Simplify $\sqrt{12}$.", [r"2\sqrt{3}"], [r"2\sqrt{3}", r"2 \sqrt{3}", r"2\sqrt3"],
        [r"3\sqrt{2}", r"4\sqrt{3}", "3.464", r"2\sqrt{6}"],
        [r"Factor out the largest perfect square: $12 = 4 \cdot 3$.", r"So $\sqrt{12} = \sqrt{4}\cdot\sqrt{3}$."],
        r"So $\sqrt{12}$ simplifies to {i}."),
    "circle": Problem(
        r"A circle has radius 3. What is its area? Express your answer in terms of $\pi$.",
        [r"9\pi", r"$9\pi$"], [r"9\pi", r"9 \pi"], [r"6\pi", r"3\pi", "28.27", r"81\pi"],
        [r"The area of a circle is $A = \pi r^2$.", r"With $r = 3$ we get $r^2 = 9$."],
        "Therefore the area is {i}."),
    "midpoint": Problem(
        "Find the midpoint of the segment with endpoints $(1, 2)$ and $(5, -4)$.",
        ["(3,-1)", "(3, -1)"], ["(3,-1)", "(3, -1)", r"\left(3, -1\right)"], ["(-1, 3)", "(3, 1)", "(2, -3)"],
        [r"The $x$-coordinate is $\frac{1+5}{2} = 3$.", r"The $y$-coordinate is $\frac{2+(-4)}{2} = -1$."],
        "So the midpoint is {i}."),
    "expand": Problem(
        "Expand $(x+1)^2$.", ["x^2+2x+1", "x^2 + 2x + 1"],
        ["x^2+2x+1", "x^2 + 2x + 1", "x^{2}+2x+1", "1 + 2x + x^2"], ["x^2+1", "x^2+x+1", "x^2+2x+2"],
        ["Use $(a+b)^2 = a^2 + 2ab + b^2$ with $a = x$ and $b = 1$.", r"The middle term is $2 \cdot x \cdot 1 = 2x$."],
        "So $(x+1)^2 = {r}$."),
    "deriv": Problem(
        "Find $f'(x)$ if $f(x) = x^2 + 3x - 7$.", ["2x+3", "2x + 3"], ["2x+3", "2x + 3", "3 + 2x"],
        ["2x", "2x - 7", "x + 3"],
        [r"Differentiate term by term: $\frac{d}{dx}x^2 = 2x$.",
         r"Also $\frac{d}{dx}3x = 3$, and the constant $-7$ vanishes."],
        "So $f'(x) = {r}$."),
    "system": Problem(
        "Solve the system $x + y = 5$ and $x - y = 1$. Enter your answer as an ordered pair $(x, y)$.",
        ["(3,2)", "(3, 2)"], ["(3, 2)", "(3,2)"], ["(2, 3)", "(3, -2)", "(4, 1)"],
        ["Adding the two equations gives $2x = 6$.", "Substituting back into the first equation, $y = 5 - 3$."],
        "So the solution is {i}."),
    "sin60": Problem(
        r"Compute $\sin \frac{\pi}{3}$.", [r"\frac{\sqrt{3}}{2}"],
        [r"\frac{\sqrt{3}}{2}", r"\frac{\sqrt3}{2}", r"\dfrac{\sqrt{3}}{2}", r"\frac{1}{2}\sqrt{3}", r"\sqrt{3}/2"],
        [r"\frac{1}{2}", r"\frac{\sqrt{2}}{2}", "0.866"],
        [r"$\frac{\pi}{3}$ radians is $60^\circ$.",
         r"In a 30-60-90 triangle with hypotenuse 2, the side opposite the $60^\circ$ angle is $\sqrt{3}$."],
        r"Hence $\sin\frac{\pi}{3} = {r}$."),
    "tan": Problem(
        r"Find the smallest positive angle $\theta$, in radians, such that $\tan\theta = \sqrt{3}$.",
        [r"\frac{\pi}{3}"], [r"\frac{\pi}{3}", r"\pi/3", r"\dfrac{\pi}{3}", r"\frac{1}{3}\pi"],
        [r"\frac{\pi}{6}", r"\frac{2\pi}{3}", "1.047"],
        [r"At $60^\circ$, $\tan\theta = \frac{\sqrt{3}/2}{1/2} = \sqrt{3}$.",
         r"No smaller positive angle works, since $\tan$ increases on $(0, \frac{\pi}{2})$."],
        r"So $\theta = {r}$."),
    "log": Problem(
        r"Evaluate $\log_2 64$.", ["6"], ["6"], ["8", "32", "5"],
        ["$2^5 = 32$ and $2^6 = 64$."], r"So $\log_2 64 = {r}$."),
    "binom": Problem(
        r"Compute $\dbinom{7}{3}$.", ["35"], ["35"], ["21", "210", "42"],
        [r"$\binom{7}{3} = \frac{7 \cdot 6 \cdot 5}{3 \cdot 2 \cdot 1}$.",
         "The numerator is $210$ and the denominator is $6$."],
        r"So $\binom{7}{3} = {r}$."),
    "mod": Problem(
        "What is the remainder when $2^{10}$ is divided by 7?", ["2"], ["2"], ["3", "4", "1"],
        ["$2^{10} = 1024$.", r"$7 \times 146 = 1022$, and $1024 - 1022$ is the remainder."],
        "So the remainder is {i}."),
    "rationalize": Problem(
        r"Rationalize the denominator of $\frac{6}{\sqrt{3}}$.", [r"2\sqrt{3}"], [r"2\sqrt{3}", r"2 \sqrt 3"],
        [r"\sqrt{3}", r"6\sqrt{3}", r"3\sqrt{2}"],
        [r"Multiply the numerator and denominator by $\sqrt{3}$: $\frac{6\sqrt{3}}{3}$.", "Then divide 6 by 3."],
        "So the expression equals {i}."),
    "hyp": Problem(
        "A right triangle has legs of length 1 and 1. What is the length of its hypotenuse?",
        [r"\sqrt{2}", r"$\sqrt{2}$"], [r"\sqrt{2}", r"\sqrt2"], ["2", "1.414", "1.41"],
        ["By the Pythagorean theorem, $c^2 = 1^2 + 1^2 = 2$."], "So the hypotenuse has length {i}."),
    "rootsum": Problem(
        "What is the sum of the roots of $2x^2 - 5x + 1 = 0$?", [r"\frac{5}{2}"],
        [r"\frac{5}{2}", "2.5", r"\frac52", "5/2", r"\tfrac{5}{2}"], [r"-\frac{5}{2}", r"\frac{1}{2}", "5"],
        [r"By Vieta's formulas, the sum of the roots of $ax^2+bx+c$ is $-\frac{b}{a}$.", "Here $a = 2$ and $b = -5$."],
        "So the sum of the roots is {i}."),
    "feval": Problem(
        "If $f(x) = 3x^2 - 2$, what is $f(-2)$?", ["10"], ["10"], ["-14", "14", "4"],
        [r"$(-2)^2 = 4$, so $3 \cdot 4 = 12$."], "So $f(-2) = {r}$."),
    "negsq": Problem(
        "What is the value of $-3^2 + 4$?", ["-5"], ["-5"], ["13", "5", "-13"],
        ["Exponents come before negation: $-3^2 = -9$."], "So the value is {i}."),
    "slope": Problem(
        "What is the slope of the line through $(2, 3)$ and $(6, -5)$?", ["-2"], ["-2"], ["2", r"-\frac{1}{2}", "-8"],
        ["The rise is $-5 - 3 = -8$.", "The run is $6 - 2 = 4$."], "So the slope is {i}."),
    "sphere": Problem(
        r"Find the volume of a sphere with radius 3. Express your answer in terms of $\pi$.", [r"36\pi"],
        [r"36\pi", r"36 \pi"], [r"12\pi", r"108\pi", "113.1"],
        [r"$V = \frac{4}{3}\pi r^3$.", r"$r^3 = 27$, and $\frac{4}{3} \cdot 27 = 36$."], "So the volume is {i}."),
    "inverse": Problem(
        "Find the inverse of $f(x) = 2x + 3$.", [r"\frac{x-3}{2}"],
        [r"\frac{x-3}{2}", r"\frac{x - 3}{2}", "(x-3)/2", r"\frac{x}{2} - \frac{3}{2}"],
        [r"\frac{x+3}{2}", "2x - 3", r"\frac{1}{2x+3}"],
        ["Write $y = 2x + 3$ and swap $x$ and $y$: $x = 2y + 3$.", "Solve for $y$: $2y = x - 3$."],
        "So $f^{-1}(x) = {r}$."),
    "cancel": Problem(
        r"Simplify $\frac{x^2 - 9}{x - 3}$ for $x \neq 3$.", ["x+3"], ["x+3", "x + 3", "3 + x"],
        ["x - 3", "x^2 + 3", "x + 9"],
        ["Factor the numerator: $x^2 - 9 = (x-3)(x+3)$.", "Cancel the common factor $x - 3$."],
        "So the expression simplifies to {i}."),
    "divisors": Problem(
        "How many positive divisors does 36 have?", ["9"], ["9"], ["8", "10", "6"],
        [r"$36 = 2^2 \cdot 3^2$.", "The number of divisors is $(2+1)(2+1)$."], "So 36 has {i} positive divisors."),
    "iunit": Problem(
        "Evaluate $i^{2023}$.", ["-i"], ["-i"], ["i", "-1", "1"],
        ["The powers of $i$ repeat with period 4.", r"$2023 = 4 \cdot 505 + 3$, so $i^{2023} = i^3$."],
        "So $i^{2023} = {r}$."),
    "sumk": Problem(
        r"Compute $1 + 2 + 3 + \cdots + 10$.", ["55"], ["55"], ["50", "45", "110"],
        [r"Use $\frac{n(n+1)}{2}$ with $n = 10$.", r"$10 \cdot 11 = 110$, and half of that is the sum."],
        "So the sum is {i}."),
    "repeat": Problem(
        r"Express $0.\overline{3}$ as a common fraction.", [r"\frac{1}{3}"],
        [r"\frac{1}{3}", r"\dfrac{1}{3}", "1/3", r"\frac13"], [r"\frac{3}{10}", "0.33", r"\frac{33}{100}"],
        [r"Let $x = 0.\overline{3}$, so $10x = 3.\overline{3}$.", "Subtracting gives $9x = 3$."],
        r"So $0.\overline{3} = {r}$."),
    "polar": Problem(
        r"Convert the point $(0, 3)$ in rectangular coordinates to polar coordinates. Enter your answer in the form "
        r"$(r,\theta)$, where $r > 0$ and $0 \le \theta < 2 \pi$.",
        [r"\left( 3, \frac{\pi}{2} \right)"],
        [r"\left( 3, \frac{\pi}{2} \right)", r"(3, \frac{\pi}{2})", r"(3,\pi/2)", r"\left(3,\frac{\pi}{2}\right)"],
        [r"(3, \pi)", r"\left(\frac{\pi}{2}, 3\right)", "(3, 0)"],
        [r"$r = \sqrt{0^2 + 3^2} = 3$.", r"The point lies on the positive $y$-axis, so the angle is a right angle."],
        "So the polar coordinates are {i}."),
    "factor": Problem(
        "Factor $x^2 - 5x + 6$.", ["(x-2)(x-3)"], ["(x-2)(x-3)", "(x - 3)(x - 2)", "(x-3)(x-2)"],
        ["(x+2)(x+3)", "(x-1)(x-6)", "(x-2)(x+3)"],
        ["We need two numbers with product 6 and sum $-5$.", "$-2$ and $-3$ work."],
        "So $x^2 - 5x + 6 = {r}$."),
    "threequarters": Problem(
        r"Compute $\frac{1}{2} + \frac{1}{4}$.", [r"\frac{3}{4}"],
        [r"\frac{3}{4}", "0.75", "3/4", r"\dfrac{3}{4}", r"\frac34"], [r"\frac{2}{6}", r"\frac{1}{3}", r"\frac{2}{4}"],
        [r"Write $\frac{1}{2}$ as $\frac{2}{4}$.", "Then add the numerators: $2 + 1$."], "So the sum is {i}."),
    "dist": Problem(
        "What is the distance between the points $(0, 0)$ and $(2, 2)$?", [r"2\sqrt{2}"],
        [r"2\sqrt{2}", r"\sqrt{8}", r"2 \sqrt 2"], ["4", r"\sqrt{2}", "2.83", "2"],
        [r"$d = \sqrt{(2-0)^2 + (2-0)^2}$.", r"That is $\sqrt{4 + 4}$."], "So the distance is {i}."),
    "twothirds": Problem(
        r"What is $\frac{2}{3}$ of 27?", ["18"], ["18"], ["9", "54", "40.5"],
        [r"$\frac{1}{3}$ of 27 is 9."], r"So $\frac{2}{3}$ of 27 is {i}."),
}
MATH_KEYS = sorted(MATH)


def any_problem(rng) -> Problem:
    return int_problem(rng) if rng.random() < 0.5 else MATH[rng.choice(MATH_KEYS)]


# --------------------------------------------------------------------------------------------------------------
# Frames: how a model wraps its work and its final answer


THINK_OPEN = ["Okay, so I need to solve this problem. Let me read it again carefully.", "Alright, let's see.",
              "Okay, let me work through this step by step.", "Hmm, let me think about what the problem is asking.",
              "Let me start by understanding the problem."]
THINK_LINK = ["First, ", "So ", "Then ", "Now, ", "Next, ", "", "Okay, "]
THINK_CHECK = ["Wait, let me double-check that.", "Hmm, does that make sense? Let me verify.",
               "Let me make sure I didn't make an arithmetic mistake.", "Wait, maybe I should re-read the problem."]
THINK_OK = ["Yes, that checks out.", "Okay, that seems right.", "Yeah, I think that's correct.",
            "That matches what I had before."]


def _lc(s: str) -> str:
    return s[0].lower() + s[1:] if s and s[0].isupper() and not s[1:2].isupper() else s


def think_block(rng, p, ans, label):
    parts = [rng.choice(THINK_OPEN)]
    for line in p.work(ans):
        link = rng.choice(THINK_LINK)
        parts.append(link + (_lc(line) if link else line))
    if label and p.wrongs and rng.random() < 0.3:
        parts.append(f"Hmm, at first I thought it might be {inline(rng, rng.choice(p.wrongs))}, but that doesn't "
                     f"account for everything.")
    parts.append(rng.choice(THINK_CHECK))
    work = p.work(ans)
    parts.append(work[-1] + " " + rng.choice(THINK_OK))
    parts.append(f"So the answer should be {inline(rng, ans)}.")
    return "\n\n".join(parts)


def frame_r1(rng, p, ans, label):
    head = "<think>\n" if rng.random() < 0.75 else ""
    style = "think" if head else "no opening think tag"
    think = think_block(rng, p, ans, label)
    summary = rng.choice(["To solve the problem:\n\n", "Here is the solution.\n\n", "", "**Solution:**\n\n"])
    lines = p.work(ans)
    if rng.random() < 0.5:
        summary += "\n".join(f"{k}. {line}" for k, line in enumerate(lines, 1))
    else:
        summary += "\n\n".join(lines)
    endings = [
        ("**Final Answer**\n\\[\n" + box(ans) + "\n\\]", "**Final Answer** \\[\\boxed{}\\]"),
        ("**Final Answer**\n" + box(ans), "**Final Answer** \\boxed{}"),
        ("**Final Answer**\nThe answer is $" + box(ans) + "$.", "**Final Answer** The answer is $\\boxed{}$"),
        ("Thus, the answer is $" + box(ans) + "$.", "Thus, the answer is $\\boxed{}$"),
        ("\\[\n" + box(ans) + "\n\\]", "\\[\\boxed{}\\]"),
    ]
    end, end_style = rng.choice(endings)
    sep = rng.choice(["\n</think>\n\n", "\n</think>\n", "</think>\n\n"])
    return head + think + sep + summary + "\n\n" + end, f"{style}; {end_style}"


QWEN_INTRO = ["To solve this problem, we proceed step by step.", "Let's solve this step by step.",
              "We need to find the requested value.", "To find the answer, we break the problem into steps."]


def frame_qwen(rng, p, ans, label):
    text = rng.choice(QWEN_INTRO) + "\n\n"
    lines = p.work(ans)
    if rng.random() < 0.5:
        text += "\n".join(f"{k}. {line}" for k, line in enumerate(lines, 1))
    else:
        text += "\n\n".join(lines)
    endings = [
        ("The final answer is $" + box(ans) + "$.", "The final answer is $\\boxed{}$."),
        ("Therefore, the final answer is $" + box(ans) + "$.", "Therefore, the final answer is $\\boxed{}$."),
        ("The final answer is \\(" + box(ans) + "\\).", "The final answer is \\(\\boxed{}\\)."),
        ("Thus, the final answer is:\n\\[\n" + box(ans) + "\n\\]", "Thus, the final answer is: \\[\\boxed{}\\]"),
        ("The final answer is $" + box(ans) + "$", "no final period"),
        ("So, the final answer is \\(\\boxed{" + ans + "}\\).", "So, the final answer is \\(\\boxed{}\\)."),
    ]
    end, style = rng.choice(endings)
    return text + "\n\n" + end, style


LLAMA_TITLES = ["Understand the problem", "Set up the calculation", "Compute the intermediate values",
                "Simplify", "Apply the formula", "Combine the results"]


def frame_llama(rng, p, ans, label):
    lines = p.work(ans)
    titles = rng.sample(LLAMA_TITLES, len(lines))
    text = "\n\n".join(f"## Step {k}: {t}\n{line}" for k, (t, line) in enumerate(zip(titles, lines), 1))
    roll = rng.random()
    if roll < 0.55:
        end, style = "Therefore, the final answer is: $" + box(ans) + "$. I hope it is correct.", "boxed, I hope"
    elif roll < 0.7:
        end, style = "Therefore, the final answer is: $" + box(ans) + "$", "boxed, no I hope"
    elif roll < 0.85:
        end, style = "The final answer is: $" + box(ans) + "$", "The final answer is: $\\boxed{}$"
    else:
        end, style = "Final Answer: The final answer is $" + ans + "$. I hope it is correct.", "minerva, unboxed"
    return text + "\n\n" + end, style


def frame_gsm(rng, p, ans, label):
    text = "\n".join(p.gsm(ans))
    roll = rng.random()
    if roll < 0.7:
        return text + "\n#### " + ans, "#### n"
    if roll < 0.8:
        return text + "\n####" + ans, "####n"
    if roll < 0.9:
        return text + "\n#### " + ans + "\n", "#### n + newline"
    return text + f"\nThe answer is {ans}.\n#### " + ans, "sentence then #### n"


MD_ENDINGS = [
    ("**Answer:** {i}", "**Answer:** x"), ("**Final Answer:** ${r}$", "**Final Answer:** $x$"),
    ("**Answer**: {i}", "**Answer**: x"), ("### Final Answer\n{i}", "### Final Answer"),
    ("**Final answer:** {i}", "**Final answer:** x"), ("**Answer: {i}**", "**Answer: x**"),
    ("### Final Answer\n\n$${r}$$", "### Final Answer $$x$$"), ("**ANSWER:** {i}", "**ANSWER:** x"),
]


def frame_markdown(rng, p, ans, label):
    lines = p.work(ans)
    head = rng.choice(["### Solution\n\n", "**Solution**\n\n", "", "## Working\n\n"])
    body = "\n".join(f"- {line}" for line in lines) if rng.random() < 0.5 else "\n\n".join(lines)
    words = "\\" not in ans and re.search(r"[a-z]{3,}", ans)  # "25 percent" stays running text
    end, style = rng.choice([e for e in MD_ENDINGS if not (words and "{r}" in e[0])])
    return head + body + "\n\n" + end.replace("{r}", ans).replace("{i}", inline(rng, ans)), style


PLAIN_LABELS = ["Answer", "Final answer", "Result", "answer", "Final", "ANSWER", "Final Answer"]


def frame_plain(rng, p, ans, label):
    lab = rng.choice(PLAIN_LABELS)
    text = "\n".join(p.work(ans)) + f"\n{lab}: {inline(rng, ans)}"
    if rng.random() < 0.15:
        text += "."
    return text, f"{lab}: x"


def frame_last(rng, p, ans, label):
    text = " ".join(p.work(ans)) if rng.random() < 0.5 else "\n".join(p.work(ans))
    return text + rng.choice([" ", "\n"]) + p.say(rng, ans), "closing sentence"


def frame_boxed_any(rng, p, ans, label):
    """A boxed final answer in one of the common shapes (for the categories about the answer's form)."""
    lines = p.work(ans) if p is not None else []
    body = "\n\n".join(lines)
    roll = rng.random()
    if roll < 0.3:
        return body + "\n\nThe final answer is $" + box(ans) + "$.", "qwen"
    if roll < 0.5:
        return body + "\n\nTherefore, the final answer is: $" + box(ans) + "$. I hope it is correct.", "llama"
    if roll < 0.7:
        return (f"<think>\n{body}\n</think>\n\n**Final Answer**\n\\[\n" + box(ans) + "\n\\]"), "r1"
    if roll < 0.85:
        return body + "\n\nSo the answer is $" + box(ans) + "$.", "So the answer is $\\boxed{}$"
    return body + "\n\n\\[\n" + box(ans) + "\n\\]", "display \\boxed{}"


# --------------------------------------------------------------------------------------------------------------
# Category builders


def split_labels(rng, n, wrong_share=0.2):
    labels = [1] * n
    for i in rng.sample(range(n), round(n * wrong_share)):
        labels[i] = 0
    return labels


GOLD_RNG = random.Random(0)  # its own stream, so wrapping golds does not shift the cases


def case(cat, style, prompt, completion, gold, label):
    # datasets write LaTeX golds bare (MATH-500: "\\frac{1}{2}") or inside $...$; keep both, bare the more common
    if not PLAIN_NUMBER.fullmatch(gold) and not gold.startswith("$") and GOLD_RNG.random() < 0.25:
        gold = f"${gold}$"
    return {"category": cat, "style": style, "prompt": prompt, "completion": completion, "gold": gold,
            "label": label}


def general(rng, cat, frame, pick=any_problem, hint=False):
    out = []
    for label in split_labels(rng, PER_CATEGORY):
        p = pick(rng)
        ans = rng.choice(p.rights if label else p.wrongs)
        completion, style = frame(rng, p, ans, label)
        prompt = p.prompt + (BOX_HINT if hint and rng.random() < 0.4 else "")
        out.append(case(cat, style, prompt, completion, rng.choice(p.golds), label))
    return out


def bare_answers(rng):
    cat = "bare answer"
    table = [  # (problem, completion, label)
        (None, "42", 1), (None, "$42$", 1), ("negsq", "-5", 1), ("negsq", "$-5$", 1),
        ("linear", "x = 5", 1), ("linear", "x=5", 1), ("linear", "$x = 5$", 1),
        ("threequarters", r"\(\frac{3}{4}\)", 1), ("threequarters", "0.75", 1), ("threequarters", "3/4", 1),
        ("dist", r"\[ 2\sqrt{2} \]", 1), ("dist", r"$2\sqrt2$", 1),
        ("domain", r"$$(1, +\infty)$$", 1), ("domain", r"$(1,\infty)$", 1),
        ("half", "0.5", 1), ("half", r"$\frac{1}{2}$", 1), ("point4", ".4", 1), ("point4", "0.4", 1),
        ("thousand", "1,000", 1), ("thousand", "1000", 1), ("midpoint", "(3, -1)", 1), ("circle", r"$9\pi$", 1),
        ("sqrt12", r"\(2\sqrt{3}\)", 1), ("expand", "x^2+2x+1", 1), ("rootsum", r"\frac{5}{2}", 1),
        ("binom", "35\n", 1), ("slope", "  -2  ", 1), ("iunit", "$-i$", 1), ("feval", "10", 1),
        ("sin60", r"$\dfrac{\sqrt{3}}{2}$", 1), ("polar", r"$\left( 3, \frac{\pi}{2} \right)$", 1),
        ("system", "$(3, 2)$", 1), ("deriv", "$2x + 3$", 1), ("tan", r"\(\frac{\pi}{3}\)", 1),
        ("sumk", "55", 1),
        # plainly wrong, same style
        (None, "41", 0), ("negsq", "5", 0), ("linear", "x = -5", 0), ("threequarters", r"\(\frac{1}{3}\)", 0),
        ("dist", r"\[ \sqrt{2} \]", 0), ("domain", r"$$[1, +\infty)$$", 0), ("hyp", "1.414", 0),
        ("point4", ".04", 0), ("thousand", "100", 0),
    ]
    extra = {
        "linear": Problem("Solve for $x$: $3x - 4 = 11$.", ["5"], [], [], [], ""),
        "domain": Problem(r"What is the domain of $f(x) = \frac{1}{\sqrt{x-1}}$? Express your answer in interval "
                          "notation.", [r"(1,\infty)", r"(1, \infty)"], [], [], [], ""),
        "point4": Problem(r"Write $\frac{2}{5}$ as a decimal.", ["0.4"], [], [], [], ""),
        "thousand": Problem("A school orders 40 boxes of pencils with 25 pencils in each box. How many pencils "
                            "does it order?", ["1000"], [], [], [], ""),
        None: Problem("Tom has 17 marbles and buys 25 more. How many marbles does he have now?", ["42"], [], [],
                      [], ""),
    }
    out = []
    for key, completion, label in table:
        p = extra[key] if key in extra else MATH[key]
        style = "bare " + ("inline math" if completion.strip()[:1] in "$\\" else "text")
        out.append(case(cat, style, p.prompt, completion, rng.choice(p.golds), label))
    return out


def several_boxes(rng):
    cat = "several boxes"
    out = []
    # the same answer boxed twice (once in the work, once at the end), in equal or equivalent forms
    for k in range(19):
        label = 0 if k % 5 == 4 else 1
        p = any_problem(rng)
        a1 = rng.choice(p.rights if label else p.wrongs)
        a2 = rng.choice(p.rights) if label else a1
        lines = p.work(a1)
        text = "\n\n".join(lines[:-1] + [lines[-1] + " This gives $" + box(a1) + "$."])
        text += rng.choice(["\n\n**Final Answer**\n\\[\n" + box(a2) + "\n\\]",
                            "\n\nThe final answer is $" + box(a2) + "$.",
                            "\n\nSo the answer is " + box(a2) + "."])
        out.append(case(cat, "same answer boxed twice" if a1 == a2 else "equivalent answer boxed twice",
                        p.prompt, text, rng.choice(p.golds), label))
    # a set of solutions as adjacent boxes
    sets = [
        ("Find all real solutions of $x^2 = 9$.", [r"\{-3,3\}", r"-3, 3", r"\{-3, 3\}"], ["-3", "3"],
         ["3"], ["-9", "9"]),
        ("Solve $x^2 - 5x + 6 = 0$. Enter all solutions, separated by commas.", ["2, 3", r"\{2,3\}"], ["2", "3"],
         ["2"], ["2", "4"]),
        ("Find all solutions to $x^2 + x - 6 = 0$.", ["-3, 2", r"\{-3, 2\}"], ["-3", "2"], ["3", "-2"],
         ["-3", "2", "6"]),
        ("Find all real roots of $x^3 - 6x^2 + 11x - 6 = 0$.", [r"\{1,2,3\}", "1, 2, 3"], ["1", "2", "3"],
         ["1", "2"], ["1", "2", "3", "6"]),
        ("Find all real numbers $x$ such that $x^3 = x$.", [r"\{-1,0,1\}", "-1, 0, 1"], ["-1", "0", "1"],
         ["-1", "1"], ["0", "1"]),
    ]
    for k in range(14):
        prompt, golds, right, *wrongs = sets[k % len(sets)]
        label = 0 if k in (3, 8, 12) else 1
        items = list(right) if label else list(wrongs[k % 2])
        if label and rng.random() < 0.4:
            items.reverse()
        joiner = rng.choice([", ", " and ", ",\\ "])
        boxes = joiner.join("$" + box(x) + "$" for x in items) if rng.random() < 0.5 else \
            joiner.join(box(x) for x in items)
        lead = rng.choice(["The solutions are ", "So the roots are ", "Therefore the solutions are ",
                           "**Final Answer**\n"])
        out.append(case(cat, "adjacent boxes for a set", prompt,
                        "We factor and set each factor to zero.\n\n" + lead + boxes + ("." if lead[-1] == " " else ""),
                        rng.choice(golds), label))
    # an ordered pair with one box per coordinate
    system = MATH["system"]
    out.append(case(cat, "one box per coordinate", system.prompt,
                    "\n".join(system.work("")) + "\n\nSo $x = " + box("3") + "$ and $y = " + box("2") + "$.",
                    "(3, 2)", 1))
    out.append(case(cat, "one box per coordinate", system.prompt,
                    "\n".join(system.work("")) + "\n\nTherefore $x = " + box("2") + "$, $y = " + box("3") + "$.",
                    "(3, 2)", 0))
    # distinct hedged boxes: never right, even when one of them is
    hedges = [" or ", " or maybe ", ", or possibly ", " (or ", ". Alternatively, "]
    for k in range(10):
        p = any_problem(rng)
        good = rng.choice(p.rights)
        bad = rng.choice(p.wrongs)
        first, second = (good, bad) if rng.random() < 0.5 else (bad, good)
        h = rng.choice(hedges)
        tail = ")" if h == " (or " else ""
        either = "either " if h == " or " and rng.random() < 0.5 else ""
        text = "\n\n".join(p.work(good)) + "\n\nThe answer is " + either + \
            "$" + box(first) + "$" + h + "$" + box(second) + "$" + tail + "."
        out.append(case(cat, "distinct hedged boxes", p.prompt, text, rng.choice(p.golds), 0))
    return out


UNITS = [  # prompt, golds, rights, wrongs, work
    ("A rectangle has an area of 35 square centimeters and a length of 7 centimeters. What is its width, in "
     "centimeters?", ["5"], [r"5\text{ cm}", r"5 \text{ cm}", r"5\,\text{cm}", r"5 \mathrm{~cm}"],
     [r"7\text{ cm}", r"6 \text{ cm}"], ["Width = area / length = 35 / 7."]),
    ("Three notebooks cost $6 each. How much do they cost in total, in dollars?", ["18"],
     [r"\$18", r"18 \text{ dollars}", r"\$18.00", r"18\text{ dollars}"], [r"\$9", r"\$16"],
     [r"$3 \times \$6$."]),
    ("What is the measure, in degrees, of each interior angle of a rectangle?", ["90", r"90^\circ"],
     [r"90^\circ", r"90^{\circ}", "90°", r"90 \text{ degrees}"], [r"180^\circ", r"45^\circ"],
     ["A rectangle has four equal angles that add up to $360^\\circ$."]),
    ("Two angles of a triangle measure $50^\\circ$ and $60^\\circ$. What is the measure of the third angle, in "
     "degrees?", ["70", r"70^\circ"], [r"70^\circ", r"70^{\circ}", r"70\text{ degrees}"],
     [r"80^\circ", r"110^\circ"], ["The angles of a triangle add up to $180^\\circ$, and $50 + 60 = 110$."]),
    ("A room is 4 meters long and 3 meters wide. What is its area, in square meters?", ["12"],
     [r"12 \text{ m}^2", r"12\text{ m}^2", r"12 \, \text{m}^2", r"12 \text{ square meters}"],
     [r"14 \text{ m}^2", r"7 \text{ m}^2"], [r"Area = length $\times$ width = $4 \times 3$."]),
    ("A movie starts at 2:15 pm and ends at 3:00 pm. How long is it, in minutes?", ["45"],
     [r"45 \text{ minutes}", r"45\text{ min}", r"45\ \text{minutes}"], [r"15\text{ minutes}", r"85 \text{ minutes}"],
     ["From 2:15 to 3:00 is the rest of the hour after 15 minutes."]),
    ("A truck drives at 60 miles per hour for 5 hours. How far does it go, in miles?", ["300"],
     [r"300 \text{ miles}", r"300\text{ mi}", r"300\,\text{miles}"], [r"65 \text{ miles}", r"360 \text{ miles}"],
     [r"Distance = speed $\times$ time = $60 \times 5$."]),
    ("Rent is $625 per month. How much rent is paid over 2 months, in dollars?", ["1250"],
     [r"\$1,250", r"\$1250", r"1250 \text{ dollars}", r"\$1{,}250"], [r"\$1,225", r"\$650"],
     [r"$625 \times 2$."]),
    ("A cyclist rides 24 miles in 3 hours. What is her average speed, in miles per hour?", ["8"],
     [r"8 \text{ mph}", r"8\text{ miles per hour}", r"8 \text{ mi/h}"], [r"72 \text{ mph}", r"6 \text{ mph}"],
     [r"Speed = distance / time = $24 / 3$."]),
    ("10 kilograms of flour are split equally into 4 bags. How many kilograms are in each bag?", ["2.5"],
     [r"2.5 \text{ kg}", r"2.5\,\mathrm{kg}", r"2.5\text{ kilograms}"], [r"4 \text{ kg}", r"0.4 \text{ kg}"],
     [r"$10 \div 4$."]),
    ("A cube has edges of length 3 cm. What is its volume, in cubic centimeters?", ["27"],
     [r"27 \text{ cm}^3", r"27\ \mathrm{cm}^3", r"27 \text{ cubic centimeters}"], [r"9 \text{ cm}^3",
                                                                                  r"54\text{ cm}^3"],
     ["$V = s^3 = 3^3$."]),
]


def boxed_with_units(rng):
    cat = "boxed with units"
    out = []
    for k, label in enumerate(split_labels(rng, PER_CATEGORY)):
        prompt, golds, rights, wrongs, work = UNITS[k % len(UNITS)]
        ans = rng.choice(rights if label else wrongs)
        p = Problem(prompt, golds, rights, wrongs, work, "")
        completion, style = frame_boxed_any(rng, p, ans, label)
        out.append(case(cat, style, prompt, completion, rng.choice(golds), label))
    # a unit-bearing gold answered by the bare number
    out.append(case(cat, "unit in gold only", UNITS[2][0], "Each angle is a right angle.\n\nThe final answer is $"
                    + box("90") + "$.", r"90^\circ", 1))
    out.append(case(cat, "unit in gold only", UNITS[3][0], "$180 - 110$ gives the third angle.\n\n\\[\n"
                    + box("70") + "\n\\]", r"70^\circ", 1))
    return out


def mat(rows, env="pmatrix", sp=1):
    """rows of entry strings -> LaTeX; sp 0 tight, 1 spaced, 2 one row per line."""
    sep, rowsep = [("&", r"\\"), (" & ", r" \\ "), (" & ", " \\\\\n")][sp]
    body = rowsep.join(sep.join(r) for r in rows)
    pad = ["", " ", "\n"][sp]
    if env.startswith("array"):
        left, right = ("[", "]") if env == "array[" else ("(", ")")
        return (f"\\left{left}\\begin{{array}}{{{'c' * len(rows[0])}}}{pad}{body}{pad}"
                f"\\end{{array}}\\right{right}")
    return f"\\begin{{{env}}}{pad}{body}{pad}\\end{{{env}}}"


MATRICES = [  # prompt, gold rows, equivalent rows (alternative entry forms), wrong rows
    (r"Compute $\begin{pmatrix} 2 & 1 \\ 1 & 3 \end{pmatrix} \begin{pmatrix} 1 & 0 \\ 2 & 1 \end{pmatrix}$.",
     [["4", "1"], ["7", "3"]], [], [[["4", "7"], ["1", "3"]], [["2", "1"], ["5", "5"]]],
     [r"Top row: $2 \cdot 1 + 1 \cdot 2$ and $2 \cdot 0 + 1 \cdot 1$.",
      r"Bottom row: $1 \cdot 1 + 3 \cdot 2$ and $1 \cdot 0 + 3 \cdot 1$."]),
    (r"Compute $\begin{pmatrix} 2 \\ -1 \end{pmatrix} + 3 \begin{pmatrix} 1 \\ 4 \end{pmatrix}$.",
     [["5"], ["11"]], [], [[["3"], ["3"]], [["5"], ["13"]]],
     [r"$3 \begin{pmatrix} 1 \\ 4 \end{pmatrix} = \begin{pmatrix} 3 \\ 12 \end{pmatrix}$.", "Add componentwise."]),
    (r"Find the inverse of $\begin{pmatrix} 2 & 1 \\ 5 & 3 \end{pmatrix}$.",
     [["3", "-1"], ["-5", "2"]], [], [[["-3", "1"], ["5", "-2"]], [["3", "-5"], ["-1", "2"]]],
     [r"The determinant is $2 \cdot 3 - 1 \cdot 5 = 1$.", "Swap the diagonal entries and negate the others."]),
    (r"Compute $\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix} \times \begin{pmatrix} 4 \\ 5 \\ 6 \end{pmatrix}$.",
     [["-3"], ["6"], ["-3"]], [], [[["3"], ["-6"], ["3"]], [["-3"], ["-6"], ["-3"]]],
     [r"First component: $2 \cdot 6 - 3 \cdot 5$.",
      r"Second: $3 \cdot 4 - 1 \cdot 6$. Third: $1 \cdot 5 - 2 \cdot 4$."]),
    (r"Compute $2 \begin{pmatrix} 1 & -1 \\ 0 & 3 \end{pmatrix}$.",
     [["2", "-2"], ["0", "6"]], [], [[["2", "-1"], ["0", "3"]], [["3", "1"], ["2", "5"]]],
     ["Multiply every entry by 2."]),
    ("Find the matrix that corresponds to reflecting over the $x$-axis.",
     [["1", "0"], ["0", "-1"]], [], [[["-1", "0"], ["0", "1"]], [["0", "1"], ["1", "0"]]],
     [r"The reflection sends $\begin{pmatrix} 1 \\ 0 \end{pmatrix}$ to itself and "
      r"$\begin{pmatrix} 0 \\ 1 \end{pmatrix}$ to its negative."]),
    (r"Find the inverse of $\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$.",
     [["-2", "1"], [r"\frac{3}{2}", r"-\frac{1}{2}"]],
     [[["-2", "1"], ["1.5", "-0.5"]], [["-2", "1"], [r"\dfrac{3}{2}", r"-\dfrac{1}{2}"]],
      [["-2", "1"], ["3/2", "-1/2"]]],
     [[["-2", "1"], [r"\frac{3}{2}", r"\frac{1}{2}"]], [["4", "-2"], ["-3", "1"]]],
     [r"The determinant is $1 \cdot 4 - 2 \cdot 3 = -2$.",
      r"So the inverse is $-\frac{1}{2}\begin{pmatrix} 4 & -2 \\ -3 & 1 \end{pmatrix}$."]),
]
MAT_ENVS = ["pmatrix", "bmatrix", "array[", "array("]


def matrices(rng):
    cat = "matrices"
    out = []
    for k, label in enumerate(split_labels(rng, PER_CATEGORY)):
        prompt, gold_rows, alt_rows, wrong_rows, work = MATRICES[k % len(MATRICES)]
        gold_env = rng.choice(["pmatrix", "pmatrix", "bmatrix"])
        gold = mat(gold_rows, gold_env, 1)
        if label:
            rows = rng.choice([gold_rows] + alt_rows)
            env, sp = rng.choice([e for e in MAT_ENVS if e != gold_env]), rng.choice([0, 1, 2])
            style = f"{gold_env} gold, {env} answer"
        else:
            rows = rng.choice(wrong_rows)
            env, sp = rng.choice(MAT_ENVS), rng.choice([0, 1, 2])
            style = f"wrong entries, {env}"
        p = Problem(prompt, [gold], [], [], work, "")
        completion, frame = frame_boxed_any(rng, p, mat(rows, env, sp), label)
        out.append(case(cat, f"{style}; {frame}", prompt, completion, gold, label))
    return out


INTERVALS = [  # prompt, golds, rights (interval forms), rights (inequalities), wrongs
    (r"What is the domain of $f(x) = \frac{1}{\sqrt{x-1}}$? Express your answer in interval notation.",
     [r"(1,\infty)", r"(1, \infty)"], [r"(1, \infty)", r"(1,+\infty)", r"(1, +\infty)", r"\left(1, \infty\right)"],
     ["x > 1", "x>1"], [r"[1,\infty)", r"(-\infty, 1)", r"x \geq 1"]),
    (r"Find the range of $f(x) = \frac{x}{x+1}$ for $x \ge 0$. Express your answer in interval notation.",
     ["[0,1)", "[0, 1)"], ["[0, 1)", "[0,1)", r"\left[0, 1\right)"], [], ["[0,1]", "(0,1)", r"[0, \infty)"]),
    ("Solve the inequality $x^2 - 4x + 3 < 0$.", ["(1,3)", "(1, 3)"], ["(1, 3)", "(1,3)"], ["1 < x < 3"],
     ["[1,3]", r"(-\infty,1)\cup(3,\infty)"]),
    (r"Solve $x^2 - 4x + 3 \ge 0$. Express your answer in interval notation.",
     [r"(-\infty,1]\cup[3,\infty)", r"(-\infty, 1] \cup [3, \infty)"],
     [r"(-\infty, 1] \cup [3, \infty)", r"(-\infty,1]\cup[3,+\infty)", r"(-\infty, 1]\cup [3, +\infty)"], [],
     [r"(-\infty,1)\cup(3,\infty)", "[1,3]"]),
    ("Solve $|x - 2| < 5$. Express your answer in interval notation.", ["(-3,7)", "(-3, 7)"],
     ["(-3, 7)", "(-3,7)"], ["-3 < x < 7"], ["(-7,3)", "[-3,7]", "(3, 7)"]),
    (r"Find the domain of $g(x) = \sqrt{4 - x}$.", [r"(-\infty,4]", r"(-\infty, 4]"],
     [r"(-\infty, 4]", r"(-\infty,4]", r"\left(-\infty, 4\right]"], [r"x \leq 4", r"x\le 4"],
     [r"(-\infty,4)", r"[4,\infty)", r"x \geq 4"]),
    ("Solve $2x + 1 > 7$. Give your answer in interval notation.", [r"(3,\infty)"],
     [r"(3, \infty)", r"(3, +\infty)", r"\left(3,\infty\right)"], ["x > 3"], [r"(4,\infty)", "x < 3"]),
    (r"What is the domain of $h(x) = \frac{1}{x-2}$? Express your answer in interval notation.",
     [r"(-\infty,2)\cup(2,\infty)"], [r"(-\infty, 2) \cup (2, \infty)", r"(-\infty,2)\cup(2,+\infty)"], [],
     [r"(2,\infty)", r"(-\infty,2]\cup[2,\infty)"]),
]


def intervals(rng):
    cat = "intervals"
    out = []
    for k, label in enumerate(split_labels(rng, PER_CATEGORY)):
        prompt, golds, forms, ineqs, wrongs = INTERVALS[k % len(INTERVALS)]
        if label:
            use_ineq = bool(ineqs) and rng.random() < 0.35
            ans = rng.choice(ineqs if use_ineq else forms)
            style = "inequality for an interval" if use_ineq else "interval, other spelling"
        else:
            ans, style = rng.choice(wrongs), "wrong interval"
        p = Problem(prompt, golds, [], [], ["We find where the condition holds and check the endpoints."], "")
        if rng.random() < 0.75:
            completion, frame = frame_boxed_any(rng, p, ans, label)
        else:
            completion, frame = "The condition holds exactly on this set.\n\nAnswer: $" + ans + "$", "Answer: $x$"
        out.append(case(cat, f"{style}; {frame}", prompt, completion, rng.choice(golds), label))
    return out


SETS = [  # prompt, golds, rights, wrongs
    ("Find all real solutions of $x^3 - 6x^2 + 11x - 6 = 0$.", [r"\{1,2,3\}", r"\{1, 2, 3\}"],
     [r"\{3,2,1\}", r"\{1, 2, 3\}", "{1, 2, 3}", r"\{2,1,3\}", r"\left\{1,2,3\right\}"],
     [r"\{1,2\}", r"\{1,2,4\}", r"\{-1,-2,-3\}"]),
    ("Find all real $x$ such that $x^2 = 9$.", [r"\{-3,3\}", r"\{-3, 3\}"],
     [r"\{3,-3\}", r"\{-3, 3\}", "{-3, 3}", r"\{3, -3\}"], [r"\{3\}", r"\{-9, 9\}"]),
    ("List the prime numbers between 0 and 10 as a set.", [r"\{2,3,5,7\}", r"\{2, 3, 5, 7\}"],
     [r"\{7,5,3,2\}", "{2, 3, 5, 7}", r"\{2,3,5,7\}", r"\{3, 2, 7, 5\}"],
     [r"\{1,2,3,5,7\}", r"\{2,3,5\}", r"\{3,5,7\}"]),
    (r"Let $A = \{1, 2, 3, 4\}$ and $B = \{3, 4, 5\}$. Find $A \cap B$.", [r"\{3,4\}", r"\{3, 4\}"],
     [r"\{4, 3\}", "{3,4}", r"\{3,4\}", r"\left\{ 4, 3 \right\}"], [r"\{1,2,3,4,5\}", r"\{5\}"]),
    (r"Let $A = \{1, 2, 3, 4\}$ and $B = \{3, 4, 5\}$. Find $A \cup B$.", [r"\{1,2,3,4,5\}"],
     [r"\{5,4,3,2,1\}", "{1, 2, 3, 4, 5}", r"\{1, 3, 5, 2, 4\}"], [r"\{3,4\}", r"\{1,2,5\}"]),
    ("Solve $x^2 - 5x + 6 = 0$. Enter all solutions, separated by commas.", [r"\{2,3\}", "2, 3"],
     [r"\{3, 2\}", "{2,3}", r"\{2, 3\}"], [r"\{-2,-3\}", r"\{1,6\}"]),
    ("Find all solutions to $x^2 + x - 6 = 0$. Enter all the solutions, separated by commas.",
     ["-3, 2", r"\{-3,2\}"], [r"\{2, -3\}", r"\{-3,2\}", "{2, -3}"], [r"\{3,-2\}", r"\{-3\}"]),
    ("Find all real numbers $x$ such that $x^3 = x$.", [r"\{-1,0,1\}", "-1, 0, 1"],
     [r"\{0, 1, -1\}", r"\{-1,0,1\}", "{0,-1,1}"], [r"\{-1,1\}", r"\{0,1\}"]),
]


def sets(rng):
    cat = "sets"
    out = []
    for k, label in enumerate(split_labels(rng, PER_CATEGORY)):
        prompt, golds, rights, wrongs = SETS[k % len(SETS)]
        ans = rng.choice(rights if label else wrongs)
        p = Problem(prompt, golds, [], [], ["We check every candidate and keep the ones that work."], "")
        roll = rng.random()
        if roll < 0.7:
            completion, style = frame_boxed_any(rng, p, ans, label)
        elif roll < 0.85:
            completion, style = p.work("")[0] + "\n\n**Answer:** $" + ans + "$", "**Answer:** $x$"
        else:
            completion, style = p.work("")[0] + " So the solution set is $" + ans + "$.", "closing sentence"
        out.append(case(cat, style, prompt, completion, rng.choice(golds), label))
    return out


PERCENTS = [  # prompt, golds, number, wrong numbers, work
    ("What percent of 80 is 20?", ["25", r"25\%"], "25", ["20", "40", "0.25"], ["$20 / 80 = 0.25$."]),
    ("A jacket's price drops from $50 to $40. By what percent did the price decrease?", ["20", r"20\%"], "20",
     ["25", "10"], ["The drop is $10$, and $10 / 50 = 0.2$."]),
    ("In a class of 40 students, 14 wear glasses. What percent of the class wears glasses?", ["35", r"35\%"], "35",
     ["14", "3.5"], ["$14 / 40 = 0.35$."]),
    (r"Express $\frac{3}{8}$ as a percent.", [r"37.5\%", "37.5"], "37.5", ["38", "3.75"], ["$3 / 8 = 0.375$."]),
    ("A town's population grows from 2,000 to 2,300. What is the percent increase?", ["15", r"15\%"], "15",
     ["13", "30"], ["The increase is $300$, and $300 / 2000 = 0.15$."]),
    ("What percent of 250 is 75?", ["30", r"30\%"], "30", ["3", "33"], ["$75 / 250 = 0.3$."]),
    ("A test has 60 questions and Maya answers 48 correctly. What percent did she get right?", ["80", r"80\%"],
     "80", ["12", "75"], ["$48 / 60 = 0.8$."]),
    ("Of 12 apples in a basket, 9 are red. What percent of the apples are red?", ["75", r"75\%"], "75",
     ["25", "9"], ["$9 / 12 = 0.75$."]),
]


def percent(rng):
    cat = "percent"
    out = []
    for k, label in enumerate(split_labels(rng, PER_CATEGORY)):
        prompt, golds, num, wrong_nums, work = PERCENTS[k % len(PERCENTS)]
        n = num if label else rng.choice(wrong_nums)
        form, fstyle = rng.choice([(n + r"\%", "\\%"), (n + "%", "%"), (n + " percent", "percent"),
                                   (n + r"\text{ percent}", "\\text{ percent}"), (n + r"\%", "\\%")])
        p = Problem(prompt, golds, [], [], work + ["As a percent, multiply by 100."], "")
        roll = rng.random()
        if fstyle == "percent" and roll < 0.5:  # "25 percent" is running text, not something put in a box
            roll = 0.5 + roll
        if roll < 0.5:
            completion, style = frame_boxed_any(rng, p, form, label)
        elif roll < 0.7:
            completion, style = "\n".join(p.work("")) + "\nAnswer: " + form.replace(r"\text{ percent}", " percent"), \
                "Answer: x"
        elif roll < 0.85:
            completion, style = frame_markdown(rng, p, form if "\\" in form else form, label)
        else:
            plain = form.replace(r"\text{ percent}", " percent").replace(r"\%", "%")
            completion, style = " ".join(p.work("")) + f" So the answer is {plain}.", "closing sentence"
        out.append(case(cat, f"{fstyle}; {style}", prompt, completion, rng.choice(golds), label))
    return out


THOUSANDS = [  # prompt, golds, rights, wrongs, work
    ("A company earned $3,215,000 in the first quarter and $4,210,000 in the second. How much did it earn in "
     "the first half of the year, in dollars?", ["7425000"], ["7,425,000", "7 425 000", "7425000", r"7{,}425{,}000"],
     ["742500", "7,245,000", "7,425"], ["$3,215,000 + 4,210,000$."]),
    ("A school orders 40 boxes of pencils with 25 pencils in each box. How many pencils does it order?", ["1000"],
     ["1 000", "1000.0", "1,000", "1000.00", r"1\,000"], ["100", "10,000", "1,001"], [r"$40 \times 25$."]),
    (r"Write $\frac{2}{5}$ as a decimal.", ["0.4"], [".4", "0.40", r"\frac{2}{5}", "0.4"], [".04", "4", "0.45"],
     [r"$2 \div 5$."]),
    (r"Write $\frac{1}{8}$ as a decimal.", ["0.125"], [".125", "0.1250", r"\frac{1}{8}", "0.125"],
     ["0.0125", "1.25", "0.12"], [r"$1 \div 8$."]),
    ("A library has 987,654 books and buys 246,913 more. How many books does it have now?", ["1234567"],
     ["1,234,567", "1234567", "1 234 567"], ["1,234,576", "1,224,567"], ["$987,654 + 246,913$."]),
    (r"Round $\pi$ to the nearest hundredth.", ["3.14"], ["3.14", "3.140"], ["3.1", "3.15", r"\pi"],
     [r"$\pi = 3.14159\ldots$, and the thousandths digit is 1."]),
    ("Lunch costs $4.25 per day. How much does lunch cost for 3 days, in dollars?", ["12.75"],
     ["12.75", "12.750", r"\$12.75"], ["12.57", "127.5", "13"], [r"$4.25 \times 3$."]),
    ("Write 5% as a decimal.", ["0.05"], [".05", "0.050", r"\frac{1}{20}", "0.05"], ["0.5", ".005"],
     [r"$5 \div 100$."]),
    ("A diver's account balance is $-900$ dollars and she is charged another $600$ dollars. What is her balance, "
     "in dollars?", ["-1500"], ["-1,500", "-1500.0", "-1500"], ["1,500", "-150", "-300"], ["$-900 - 600$."]),
    ("Five friends share a $12.50 pizza equally. How much does each pay, in dollars?", ["2.5"],
     ["2.50", "2.5", r"\$2.50"], ["2.05", "25", "0.25"], [r"$12.50 \div 5$."]),
    ("A stadium has 48 sections with 1,250 seats each. How many seats does it have?", ["60000"],
     ["60,000", "60 000", "60000.0"], ["6,000", "600,000", "59,000"], [r"$48 \times 1,250$."]),
]


def thousands_and_decimals(rng):
    cat = "thousands and decimals"
    out = []
    for k, label in enumerate(split_labels(rng, PER_CATEGORY)):
        prompt, golds, rights, wrongs, work = THOUSANDS[k % len(THOUSANDS)]
        ans = rng.choice(rights if label else wrongs)
        p = Problem(prompt, golds, [], [], work, "")
        roll = rng.random()
        plain = "\\" not in ans
        if roll < 0.35:
            completion, style = frame_boxed_any(rng, p, ans, label)
        elif roll < 0.55 and plain:
            completion, style = "\n".join(work) + "\n#### " + ans, "#### n"
        elif roll < 0.7:
            completion, style = "\n".join(work) + "\nAnswer: " + inline(rng, ans), "Answer: x"
        elif roll < 0.85 and plain:
            completion, style = " ".join(work) + f" So the result is {ans}.", "closing sentence"
        else:
            completion, style = ans if plain else f"${ans}$", "bare"
        out.append(case(cat, style, prompt, completion, golds[0], label))
    return out


def build():
    rng = random.Random(0)
    cases = []
    cases += general(rng, "r1 think then boxed", frame_r1, hint=True)
    cases += general(rng, "qwen final answer is boxed", frame_qwen, hint=True)
    cases += general(rng, "llama final answer is:", frame_llama)
    cases += general(rng, "gsm8k ####", frame_gsm, pick=int_problem)
    cases += general(rng, "markdown bold", frame_markdown)
    cases += general(rng, "plain answer line", frame_plain)
    cases += bare_answers(rng)
    cases += general(rng, "last sentence", frame_last)
    cases += several_boxes(rng)
    cases += boxed_with_units(rng)
    cases += matrices(rng)
    cases += intervals(rng)
    cases += sets(rng)
    cases += percent(rng)
    cases += thousands_and_decimals(rng)
    return cases


def main() -> None:
    cases = build()
    about = ("Recall corpus for math.answer_correctness: completions in the styles real models write final answers "
             "(R1 <think> then boxed, Qwen 'The final answer is $\\boxed{}$', Llama 'the final answer is: ... I hope "
             "it is correct', GSM8K ####, markdown bold, answer lines, bare answers, closing sentences, several "
             "boxes, units, matrices, intervals, sets, percents, thousands separators and decimals). label 1 = a "
             "careful human grader says the completion plainly gives the correct final answer; about a fifth of "
             "each category are plainly wrong answers in the same style. Generated by make_recall_corpus.py "
             f"(random.Random(0)); {len(cases)} cases.")
    OUT.write_text(json.dumps({"about": about, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
