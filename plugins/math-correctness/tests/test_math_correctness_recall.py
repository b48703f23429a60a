"""The recall corpus: 663 completions in the styles real models write, each with the verdict a careful grader
gives (tests/data/recall_corpus.json, made by make_recall_corpus.py), scored through the public reward.

Each style is a category: R1's `</think>` then a boxed answer, Qwen's and Llama's "The final answer is",
GSM8K's `####`, markdown bold, plain `Answer:` lines, bare answers, last sentences, several boxes, units,
matrices, intervals, sets, percent, thousands and decimals. About a fifth of each are plainly wrong answers in
the same style, so the corpus measures precision as well as recall.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from reward_core import get_reward

CORPUS = json.loads((Path(__file__).parent / "data" / "recall_corpus.json").read_text())["cases"]


@pytest.fixture(scope="module")
def scores():
    reward = get_reward("math.answer_correctness", workers=2)
    try:
        yield reward(
            prompts=[case["prompt"] for case in CORPUS],
            completions=[case["completion"] for case in CORPUS],
            answer=[case["gold"] for case in CORPUS],
        )
    finally:
        reward.reward.close()


def test_the_corpus_covers_every_style():
    per_category = Counter(case["category"] for case in CORPUS)
    assert len(CORPUS) >= 500
    assert len(per_category) == 15 and min(per_category.values()) >= 30
    wrong = Counter(case["category"] for case in CORPUS if case["label"] == 0)
    assert all(wrong[category] >= 5 for category in per_category)


def test_every_completion_gets_the_graders_verdict(scores):
    disagreements = [
        (case["category"], case["gold"], case["completion"][-80:], case["label"], score)
        for case, score in zip(CORPUS, scores)
        if (score == 1.0) != (case["label"] == 1)
    ]
    assert disagreements == []
