"""Same parameters, same scores as TRL's built-ins where the definitions agree; the differences are listed."""

from __future__ import annotations

import random

import pytest

import reward_core

trl_rewards = pytest.importorskip("trl.rewards")


def test_repetition_penalty_matches_trl_on_token_ids():
    rng = random.Random(3)
    batch = []
    for _ in range(300):
        vocab = rng.choice([2, 5, 50, 30_000])
        batch.append([rng.randrange(vocab) for _ in range(rng.randrange(0, 120))])
    for ngram_size in (1, 2, 3, 4, 7):
        for max_penalty in (-1.0, -0.5, 0.0, -3.0):
            ours = reward_core.get_reward("math.repetition_penalty", ngram_size=ngram_size, max_penalty=max_penalty)
            theirs = trl_rewards.get_repetition_penalty_reward(ngram_size=ngram_size, max_penalty=max_penalty)
            got = ours(prompts=["q"] * len(batch), completions=["x"] * len(batch), completion_ids=batch)
            assert got == theirs(completion_ids=batch), (ngram_size, max_penalty)


def test_soft_overlong_matches_trl():
    lengths = list(range(0, 140))
    batch = [[1] * n for n in lengths]
    for max_len, cache in ((100, 20), (100, 0), (50, 50), (1, 1), (128, 7)):
        ours = reward_core.get_reward("math.soft_overlong", max_completion_len=max_len, soft_punish_cache=cache)
        theirs = trl_rewards.get_soft_overlong_punishment(max_completion_len=max_len, soft_punish_cache=cache)
        got = ours(prompts=["q"] * len(batch), completions=["x"] * len(batch), completion_ids=batch)
        assert got == theirs(completion_ids=batch), (max_len, cache)


AGREE = [
    "<think>\nThis is my reasoning.\n</think>\nThis is my answer.",
    "<think>\nThis is my reasoning.\nThis is my answer.",
    "<think>a</think>b<think>",
    "no tags at all",
    "x<think>a</think>",
    "<think>二加二</think>四",
    "<think>a\nb\nc</think>",
    "<thinking>a</thinking>",
    "",
]
# (completion, TRL's score, ours, why)
DIFFER = [
    ("<think></think>4", 1.0, 0.0, "an empty thought earns nothing (allow_empty=True restores TRL's 1.0)"),
    ("<think>a</think></think>", 1.0, 0.0, "exactly one closing tag"),
    ("<think>a\n```\n<think>\n```\n</think>4", 0.0, 1.0, "a tag inside a code fence is a mention"),
    ("\n<think>a</think>4", 0.0, 1.0, "leading whitespace is allowed"),
]


def test_think_format_agrees_with_trl_except_where_documented():
    ours = reward_core.get_reward("math.think_format")
    convo = [[{"role": "assistant", "content": t}] for t in AGREE]
    assert ours(prompts=["q"] * len(AGREE), completions=convo) == trl_rewards.think_format_reward(convo)
    for text, trl_score, our_score, why in DIFFER:
        convo = [[{"role": "assistant", "content": text}]]
        assert trl_rewards.think_format_reward(convo) == [trl_score], why
        assert ours(prompts=["q"], completions=convo) == [our_score], why
    lenient = reward_core.get_reward("math.think_format", allow_empty=True)
    assert lenient(prompts=["q"], completions=["<think></think>4"]) == [1.0]
