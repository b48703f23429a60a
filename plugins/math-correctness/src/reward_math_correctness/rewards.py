"""`math.answer_correctness`: is the final answer equal to the gold answer?

This module reads the config, calls the rules (`verdicts.Verifier`, whose docstring lists every rule that
decides a verdict) and reports: the score, the reason and the metrics of each row.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from reward_core import BaseReward, RewardConfig, column, param, read_completion, with_reasons

from . import notation
from .extraction import POLICIES, Extraction, extract
from .verdict import FAILED_TO_FINISH, Verdict
from .verdicts import Verifier


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AnswerCorrectnessConfig(RewardConfig):
    name: str = "math.answer_correctness"
    gold_column: str = param("answer", doc="Dataset column holding the gold answer (e.g. 'solution' for MATH).")
    correct_score: float = param(1.0, doc="Score of a correct final answer.")
    wrong_score: float = param(0.0, doc="Score of a wrong final answer (also: rejected or timed-out answers).")
    no_answer_score: float = param(0.0, doc="Score when the completion gives no final answer at all.")
    timeout_score: Literal["wrong", "none"] = param(
        "wrong",
        doc="A verification that misses its deadline scores as wrong, or 'none' to skip the row (TRL: NaN).",
        choices=("wrong", "none"),
    )
    deadline_seconds: float = param(2.0, doc="Hard limit per verification; the worker is killed past it.", ge=0.05)
    batch_deadline_seconds: float = param(
        1.5,
        doc="Batch budget: the batch's slow verifications (expensive-looking, or past 0.5 s while others wait) share "
        "this many seconds, each within deadline_seconds, after the rest; rows unverified then score as timeout_score.",
        ge=0.05,
    )
    memory_mb: int = param(2048, doc="Address-space cap per worker process (RLIMIT_AS), in MiB; 0 = none.", ge=0)
    workers: int = param(0, doc="Verifier processes; 0 = reward_core.cpus_per_rank().", ge=0)
    extraction: Literal["lenient", "anchored"] = param(
        "lenient",
        doc="'lenient': with no answer marker, read the whole completion when it is just an answer, else its last "
        "final-answer line (Answer: ...), else the last sentence's last expression; 'anchored': only <answer>, "
        "\\boxed, #### and 'the answer is'.",
        choices=POLICIES,
    )
    reasoning_tags: tuple[str, ...] = param(
        ("think", "reasoning"),
        doc="Reasoning blocks: when one is present, only the text after its closing tag is read.",
    )
    accept_decimal_approximations: bool = param(
        False, doc="Accept rounded decimals of exact golds (1.414214 for sqrt(2)); off: they are wrong."
    )
    partial_credit: tuple[tuple[float, float], ...] = param(
        (),
        doc="Opt-in, REWARDS WRONG ANSWERS: [[relative tolerance, score], ...], e.g. [[0.1, 0.5], [0.2, 0.25]] "
        "gives 0.5 to a wrong number within 10 % of the gold and 0.25 within 20 %.",
    )
    max_answer_chars: int = param(1000, doc="Longer final answers are rejected as wrong before parsing.", ge=1)


class AnswerCorrectnessReward(BaseReward):
    """Scores 1.0 when the completion's final answer equals the gold answer, 0.0 otherwise (scores are params).

    Only the model's own answering message is read: the last assistant message of a tool trajectory (a
    completion that ends on a tool call or a tool result has no answer), without the reasoning a response parser
    moved into `reasoning_content`; tool results are never read, so an answer that only a tool returned is not
    the model's. The final answer is read after the reasoning block (`</think>`) when there is one: the last
    `<answer>...</answer>`, else the `\\boxed{}` answers, GSM8K's `#### n`, "the (final) answer is ...". With
    `extraction="lenient"` (the default) a completion with none of those is read as a reader would: the whole
    completion when it is just an answer (`42`, `$x = 5$`), else its last `Answer:` / `**Final Answer:**` line,
    else its last sentence holding mathematics. Plain numbers are compared exactly in-process; the rest goes to
    math-verify in a pool of worker processes, each verification under a hard deadline and a memory cap, so no
    input can hang training. It resists gaming: hedges and several different answers, boxing or restating the
    unsolved problem (`\\int`, `\\binom`, `12!/10!`, an expression copied from the prompt), answers only in the
    reasoning, false chains and relations (`1=2=3`, `x \\approx 12`), rounded decimals of exact golds and
    tiny-value confusions (`1/2004!` vs `1/2006!`) are wrong. A gold that cannot be parsed gives None (TRL skips
    the row). Metrics (through TRL's `log_metric`): `gold_unparsable`, `timeouts`, `rejected`, `no_answer`,
    `unanchored`.

    Example:
    >>> from reward_core import get_reward
    >>> reward = get_reward("math.answer_correctness", workers=1)
    >>> reward(prompts=["q", "q"], completions=["#### 1,000", "<answer>999</answer>"], answer=["1000", "1000"])
    [1.0, 0.0]
    >>> reward(prompts=["q", "q"], completions=["**Answer:** $x = 5$", "It is 4 or 5."], answer=["5", "5"])
    [1.0, 0.0]
    >>> reward(prompts=["q"], answer=["42"], completions=[[
    ...     {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "multiply",
    ...      "arguments": {"a": 6, "b": 7}}}]},
    ...     {"role": "tool", "name": "multiply", "content": "42"},
    ...     {"role": "assistant", "reasoning_content": "The tool says 42.", "content": "\\\\boxed{42}"}]])
    [1.0]
    """

    config_class = AnswerCorrectnessConfig
    score_range = (0.0, 1.0)  # with the default scores
    reason_codes = {
        "correct": "the final answer equals the gold (the detail is the answer read)",
        "wrong": "the final answer differs from the gold (the detail is the answer read)",
        "no_answer": "no final answer was found (cut off, only in the reasoning or a tool result, no answering message)",
        "refused": "an answer was found but refused: a hedge, several answers, a flood of boxes (the detail says which)",
        "rejected": "refused before verification: an absurd expression (towers, huge factorials, too long)",
        "restated": "the answer restates the unsolved problem from the prompt",
        "partial": "wrong, within a partial_credit tolerance (opt-in)",
        "timeout": "verification missed its deadline, crashed or hit its memory cap (timeout_score decides)",
        "gold_unparsable": "the gold answer could not be read; the row scores None (the detail is the gold)",
    }

    def __init__(self, config: AnswerCorrectnessConfig | None = None) -> None:
        super().__init__(config)
        cfg = self.config
        levels = (cfg.correct_score, cfg.wrong_score, cfg.no_answer_score, *(credit for _, credit in cfg.partial_credit))
        self.score_range = (min(levels), max(levels))  # the instance's own bounds

        # What decides a verdict, the pool of verifier processes and the verdict cache: per process, never pickled.
        self.verifier = Verifier(cfg)

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])

    def close(self) -> None:
        """Stop the worker processes now (they restart if the reward is called again)."""
        self.verifier.close()

    def __call__(self, prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
        cfg = self.config
        n = len(completions)
        golds = column(kwargs, cfg.gold_column, n, reward=self, param="gold_column", what="the gold answers")
        readings = [
            extract(read_completion(c).final, cfg.reasoning_tags, cfg.extraction, cfg.max_answer_chars)
            for c in completions
        ]
        gold_texts = [notation.gold_text(g) for g in golds]
        options = kwargs.get("options")  # an options column, when the dataset has one
        if options is not None and len(options) != n:
            options = None
        verdicts = self.verifier.decide(gold_texts, readings, prompts, options)
        counts = {"gold_unparsable": 0, "timeouts": 0, "rejected": 0, "no_answer": 0, "unanchored": 0}
        scores: list[float | None] = []
        reasons: list[Any] = []
        for row, ((verdict, rel, read, restated), reading) in enumerate(zip(verdicts, readings)):
            if reading.answer is not None and reading.rule in ("whole", "answer_line", "last_sentence"):
                counts["unanchored"] += 1
            score, reason = self._score(verdict, rel, reading, counts)
            scores.append(score)
            if restated:
                reason = ("restated", read)
            elif reason == "gold_unparsable":
                reason = (reason, str(golds[row]))
            reasons.append(reason)
        for metric, value in counts.items():
            self.report_metric(kwargs, metric, value)
        return with_reasons(scores, reasons)

    def _score(self, verdict: Verdict, rel: float | None, reading: Extraction,
               counts: dict[str, int]) -> tuple[float | None, Any]:
        """The row's score and its reason (a code of `reason_codes`, with the answer read as the detail)."""
        cfg = self.config
        if verdict == Verdict.GOLD_UNPARSABLE:
            counts["gold_unparsable"] += 1
            return None, "gold_unparsable"
        if verdict == Verdict.CORRECT:
            return cfg.correct_score, ("correct", reading.answer)
        if reading.answer is None and reading.refusal is None:
            counts["no_answer"] += 1
            return cfg.no_answer_score, "no_answer"
        if verdict in FAILED_TO_FINISH:
            counts["timeouts"] += 1
            return (None if cfg.timeout_score == "none" else cfg.wrong_score), ("timeout", str(verdict))
        if verdict == Verdict.REJECTED:
            counts["rejected"] += 1
            if reading.refusal is not None:
                return cfg.wrong_score, ("refused", reading.refusal)
            return cfg.wrong_score, ("rejected", reading.answer)
        if rel is not None and cfg.partial_credit:
            for tolerance, credit in sorted(cfg.partial_credit):
                if rel <= tolerance:
                    return credit, ("partial", f"{reading.answer} (within {tolerance:.0%})")
        return cfg.wrong_score, ("wrong", reading.answer)
