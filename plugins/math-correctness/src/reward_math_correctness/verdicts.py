"""Every rule that decides `math.answer_correctness`'s verdict, in the order a completion meets them, with the
reason for each. Only the first two run before this module; the rest run here (in the trainer's process) or
in `verification.py` (in a worker process, under a deadline).

Reading the answer (`extraction.py`, `commitment.py`, `choice.py`; in the trainer's process, linear time):
  1. Only the model's answering message is read, after its reasoning block (`</think>`, and `<thinking>`,
     `<thought>`... in any case): an answer in the reasoning or in a tool result is not the model's answer.
  2. A committed answer or none: hedges, negations, bounds, questions, conditionals, reported speech,
     retractions, several different values, words that change a number ("thousand", "or more"), candidate
     lists, tables, code and cut-off sentences give no answer. A final sentence that closes on a list of
     values right after its verb ("The solutions are $x = 1$, $x = 2$, and $x = 3$") answers the whole list:
     against one gold value a list is wrong, so listing never beats committing. A yes/no opening the final
     sentence, or standing alone before it ("No. Since $91 = 7 \\times 13$, it is not prime."), answers a yes/no
     gold (`Verifier.verdicts`), refused when a hedge, a doubt or a question follows it. A policy must gain nothing from listing,
     hedging or bounding that it would not gain by committing (the README's table gives each refusal).
In-process (`Verifier.decide` and `Verifier.verdicts`, this module):
  2b. When the prompt (or an `options` column) lists the options, an answer naming no letter chooses the one
     option whose text or value it is (against a choice gold), and an answer that is only a letter is its
     option's value (against a value gold): the answer in the gold's terms.
  3. A gold that cannot be read scores None (the row is skipped), never 0: the policy is not punished for the
     dataset.
  4. Absurd answers are wrong before any parser sees them (`notation.absurd_reason`): exponent towers, exponents
     above 100,000, huge factorials, answers longer than `max_answer_chars`, deep nesting. They would only
     cost the verifier time, so a policy could make a step slow at will.
  5. Plain numbers on both sides are compared exactly, as fractions (`notation.fast_number`), in-process.
  6. Verdicts are cached per (gold, answer, mode); timeouts and crashes are never cached (they depend on load).
  7. The batch has a budget (`batch_deadline_seconds`): slow verifications share it and rows left unverified
     score `timeout_score`, so no batch can make a training step wait on slow answers.
In the worker (`verification.judge`):
  8. A multiple-choice gold compares the choice made; a word gold compares as a word ("on" is not "no").
  9. An answer that keeps an operator the gold does not have (`\\int`, `\\sum`, `\\binom`, `!`...) leaves the
     problem unsolved: wrong.
 10. math-verify decides equality, strictly; a set or an interval never equals a point; a percent equals its
     value only when the gold is about a percent.
     Against a gold written with the imaginary unit `i`, a complex number is compared exactly as one
     (`0.5 - 0.5i` for `\\frac{1}{2} - \\frac{1}{2}i`; `0.33` is not 1/3) and `j` is read as the unit.
     Relations of one variable joined by "or" / "and" are the union / intersection of the sets they hold on
     (`x < 1 \\text{ or } x > 2` for `(-\\infty,1)\\cup(2,\\infty)`). An expression with one `\\pm` inside it is the
     set of its two values, against a gold of two values (`\\frac{4 \\pm \\sqrt{12}}{2}` for `2 \\pm \\sqrt{3}`).
 11. False relations and chains (`1=2=3`, `x \\approx 12` for 11) are wrong: math-verify keeps only the last
     side.
 12. Rounded decimals of exact golds are wrong unless `accept_decimal_approximations` (math-verify equates
     1.414214 with sqrt(2) and 1/2004! with 1/2006!).
After the verdict (`Verifier.decide`):
 13. A correct answer that restates the unsolved problem from the prompt (`17 + 25` for "What is 17 + 25?") is
     rejected (`restatement.py`): copying the question is not solving it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from typing import Any

from reward_core import cpus_per_rank, prompt_text
from reward_core.errors import MalformedCompletionError

from . import choice, notation
from .extraction import Extraction
from .restatement import restates_problem
from .verification import word_of
from .verdict import Verdict

__all__ = ["Verifier", "VERDICT_CACHE_SIZE"]

VERDICT_CACHE_SIZE = 200_000
_YES_NO = frozenset(("yes", "no", "true", "false"))
Judged = tuple[Verdict, float | None, str | None]


class Verifier:
    """The verdicts of (gold, extraction) pairs: the in-process rules, the verdict cache and the pool of verifier
    processes that runs the worker's rules (all per process: a pickled reward rebuilds them)."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._pool = None
        self._pool_lock = threading.Lock()
        self.cache: OrderedDict[tuple[str, str | None, str], Judged] = OrderedDict()
        self._options = {
            "float_rounding": 6,
            "accept_decimal_approximations": config.accept_decimal_approximations,
        }

    @property
    def pool(self):
        """The worker pool (created on first use)."""
        with self._pool_lock:
            if self._pool is None:
                from .pool import VerifierPool

                self._pool = VerifierPool(self.config.workers or cpus_per_rank(), self.config.memory_mb)
            return self._pool

    def close(self) -> None:
        """Stop the worker processes now (they restart on the next verification)."""
        if self._pool is not None:
            self._pool.close()

    def decide(
        self, golds: list[str | None], readings: list[Extraction], prompts: list | None, options: list | None = None
    ) -> list[tuple[Verdict, float | None, str | None, bool]]:
        """`(verdict, relative error, the answer as read, restated)` per row: the options (rule 8), `verdicts`,
        then rule 13."""
        prompt_texts: dict[int, str] = {}  # GRPO repeats each prompt: read each one once
        if prompts is not None or options is not None:
            listed: dict[int, dict[str, str]] = {}  # the options of each prompt, read once
            readings = [
                self._choose(golds[row], reading, prompts, options, row, prompt_texts, listed)
                for row, reading in enumerate(readings)
            ]
        judged = self.verdicts(golds, readings)
        out = []
        for row, (verdict, rel, read) in enumerate(judged):
            restated = False
            if verdict == Verdict.CORRECT and read is not None and prompts is not None and row < len(prompts):
                key = id(prompts[row])
                if key not in prompt_texts:
                    prompt_texts[key] = _prompt(prompts[row])
                if restates_problem(read, prompt_texts[key], golds[row] or ""):
                    verdict, rel, restated = Verdict.REJECTED, None, True
            out.append((verdict, rel, read, restated))
        return out

    @staticmethod
    def _choose(gold: str | None, reading: Extraction, prompts: list | None, options: list | None, row: int,
                prompt_texts: dict[int, str], listed_by_prompt: dict[int, dict[str, str]]) -> Extraction:
        """A choice made by an option's text or value (`4` for `C) 4`, against the gold `C`), or an option named by
        its letter alone (`B` for `B) 9`, against the gold `9`), when the prompt or the `options` column lists
        the options: the reading in the gold's terms. Only unrefused answers read whole are translated."""
        if gold is None or reading.answer is None or reading.refusal is not None or reading.mode != "answer":
            return reading
        column = options[row] if options is not None and row < len(options) else None
        if column is not None:
            listed = choice.options_of("", column)
        else:
            if prompts is None or row >= len(prompts):
                return reading
            key = id(prompts[row])
            if key not in listed_by_prompt:
                if key not in prompt_texts:
                    prompt_texts[key] = _prompt(prompts[row])
                listed_by_prompt[key] = choice.options_of(prompt_texts[key])
            listed = listed_by_prompt[key]
        if not listed:
            return reading
        if choice.choice_gold(gold) is not None:
            if choice.read_choice(reading.answer, "answer") is not None:
                return reading
            letter = choice.option_chosen(reading.answer, listed, _same_number)
            return dataclasses.replace(reading, answer=letter) if letter else reading
        value = choice.option_value(reading.answer, listed)
        return dataclasses.replace(reading, answer=value) if value else reading

    def verdicts(
        self, golds: list[str | None], readings: list[Extraction]
    ) -> list[tuple[Verdict, float | None, str | None]]:
        """`(verdict, relative error, the answer as read)` per (gold, extraction)."""
        cfg = self.config
        out: list[tuple[Verdict, float | None, str | None] | None] = [None] * len(golds)
        fast_golds: dict[str, Any] = {}  # parsed once per batch
        yes_no_golds: dict[str, bool] = {}
        todo: dict[tuple[str, str | None, str], list[int]] = {}
        for i, (gold, reading) in enumerate(zip(golds, readings)):
            if gold is None:
                out[i] = (Verdict.GOLD_UNPARSABLE, None, None)
                continue
            if gold not in fast_golds:
                fast_golds[gold] = notation.fast_number(gold)
            g = fast_golds[gold]
            if reading.leading is not None:
                if gold not in yes_no_golds:
                    yes_no_golds[gold] = word_of(gold) in _YES_NO
                if yes_no_golds[gold]:
                    # "No. Since $91 = 7 \times 13$, it is not prime.": a yes/no gold is answered by the opening word
                    word, refusal = reading.leading
                    reading = Extraction(word, reading.rule, "answer", refusal)
            answer, mode = reading.answer, reading.mode
            refused = reading.refusal is not None
            if answer is not None and not refused:
                refused = (
                    notation.absurd_reason(
                        answer,
                        max_chars=cfg.max_answer_chars,
                        max_depth=30,
                        max_exponent=100_000,
                        max_factorial=10_000,
                    )
                    is not None
                )
            if refused or answer is None:
                out[i] = (Verdict.REJECTED if refused else Verdict.WRONG, None, None)
                if g is None:
                    todo.setdefault((gold, None, "answer"), []).append(i)  # still find out whether the gold parses
                continue
            if g is not None and mode == "answer":
                p = notation.fast_number(answer)
                if p is not None:
                    if notation.numbers_equal(g, p):
                        out[i] = (Verdict.CORRECT, None, answer)
                    else:
                        out[i] = (Verdict.WRONG, abs(float(g[0] - p[0]) / float(g[0])) if g[0] else None, answer)
                    continue
            cached = self.cache.get((gold, answer, mode))
            if cached is not None:
                out[i] = cached
                continue
            todo.setdefault((gold, answer, mode), []).append(i)
        if todo:
            keys = list(todo)
            results = self.pool.run(
                [(gold, answer, mode, self._options) for gold, answer, mode in keys],
                cfg.deadline_seconds,
                cfg.batch_deadline_seconds,
            )
            for key, result in zip(keys, results):
                verdict = tuple(result)
                if verdict[0] in (Verdict.GOLD_OK, Verdict.ERROR):
                    verdict = (Verdict.WRONG, None, None)  # the gold parses; or math-verify could not read the answer
                if verdict[0] not in (Verdict.TIMEOUT, Verdict.CRASHED):  # load-dependent: never cache
                    self._remember(key, verdict)
                for i in todo[key]:
                    if verdict[0] == Verdict.GOLD_UNPARSABLE or out[i] is None:
                        out[i] = verdict
        return out  # type: ignore[return-value]

    def _remember(self, key: tuple[str, str | None, str], verdict: Judged) -> None:
        self.cache[key] = verdict
        if len(self.cache) > VERDICT_CACHE_SIZE:
            self.cache.popitem(last=False)


def _prompt(prompt: Any) -> str:
    try:
        return prompt_text(prompt)
    except MalformedCompletionError:  # an unusual prompt shape only disables the restatement check for its row
        return ""


def _same_number(a: str, b: str) -> bool:
    x, y = notation.fast_number(a), notation.fast_number(b)
    return x is not None and y is not None and notation.numbers_equal(x, y)
