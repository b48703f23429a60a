"""A tiny causal LM, tokenizer and arithmetic datasets built locally: training runs with no Hub download.

Two uses. The whole GRPO path (generation, rewards by name, weights, metrics, distributed ranks) runs for real
on a laptop or in CI with `tiny_model` and `arithmetic_dataset`. And `reward-core train`'s default demo
teaches the model something in about two CPU minutes: `warm_start` first fits it, in half a minute of plain-torch
supervised training, to a deliberately imperfect mix of answer formats (`WARM_START_FORMATS`) with a share of
wrong answers, so that it starts out sometimes right and sometimes well formatted; GRPO, driven by the
rewards, then moves it towards correct answers in the full `<think>...</think><answer>...</answer>` format.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SYSTEM_PROMPT = (
    "Solve the problem. Think inside <think></think>, then give only the final number inside <answer></answer>."
)
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL_TOKENS = ["<|pad|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]

#: The completion layouts of the warm start, with their shares: `{work}` is the sum (e.g. `3+4`), `{answer}`
#: the (possibly wrong) result. Only the first is what every format reward wants; each other one fails some.
WARM_START_FORMATS: tuple[tuple[str, float], ...] = (
    ("<think>{work}</think><answer>{answer}</answer>", 0.30),  # full marks on every format reward
    ("<answer>{answer}</answer>", 0.20),  # no reasoning block
    ("{answer}", 0.20),  # bare number: no tags at all
    ("<think>{work}</think>{answer}", 0.15),  # no answer tags
    ("<think></think><answer>{answer}</answer>", 0.15),  # empty reasoning
)


def _problem(a: int, b: int, op: str, system_prompt: str | None = SYSTEM_PROMPT) -> list[dict[str, str]]:
    user = {"role": "user", "content": f"What is {a} {op} {b}?"}
    return [{"role": "system", "content": system_prompt}, user] if system_prompt else [user]


def arithmetic_problems(count: int = 64, seed: int = 0) -> list[dict[str, Any]]:
    """Rows `{"prompt": [system, user], "answer": "<number>"}` of small sums, differences and products."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        op, value = rng.choice([("+", a + b), ("-", a - b), ("*", a * b)])
        rows.append({"prompt": _problem(a, b, op), "answer": str(value)})
    return rows


def arithmetic_dataset(count: int = 64, seed: int = 0) -> Any:
    """`arithmetic_problems` as a `datasets.Dataset` (conversational prompts, an `answer` column)."""
    from datasets import Dataset

    return Dataset.from_list(arithmetic_problems(count, seed))


def addition_problems(count: int = 100, seed: int = 0, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """Single-digit sums (`What is 3 + 4?`, answer `7`): the 100 pairs in a seeded order, repeated to `count`.

    Prompts are one user message; with `system_prompt` (e.g. `SYSTEM_PROMPT`) a system message comes first.
    The demo leaves it out: the tiny model learns the format from the warm start and the rewards, and every
    prompt token costs CPU time.
    """
    pairs = [(a, b) for a in range(10) for b in range(10)]
    random.Random(seed).shuffle(pairs)
    rows = []
    for i in range(count):
        a, b = pairs[i % len(pairs)]
        rows.append({"prompt": _problem(a, b, "+", system_prompt), "answer": str(a + b)})
    return rows


def addition_dataset(count: int = 100, seed: int = 0, system_prompt: str | None = None) -> Any:
    """`addition_problems` as a `datasets.Dataset` (conversational prompts, an `answer` column)."""
    from datasets import Dataset

    return Dataset.from_list(addition_problems(count, seed, system_prompt))


def tiny_tokenizer(vocab_size: int = 400) -> Any:
    """A byte-level BPE tokenizer trained on the arithmetic corpus, with chat markers and a chat template."""
    from tokenizers import pre_tokenizers

    corpus = []
    for row in arithmetic_problems(512, seed=1):
        corpus.append(" ".join(m["content"] for m in row["prompt"]))
        corpus.append(f"<think>{row['prompt'][1]['content']}</think><answer>{row['answer']}</answer>")
    rng = random.Random(1)
    for row in addition_problems(200, seed=1):
        corpus.append(warm_start_completion(row, rng))
    return byte_level_bpe(corpus, vocab_size, SPECIAL_TOKENS, CHAT_TEMPLATE,
                          pre_tokenizers.ByteLevel(add_prefix_space=False))


def byte_level_bpe(
    corpus: Sequence[str], vocab_size: int, special_tokens: Sequence[str], chat_template: str, pre_tokenizer: Any
) -> Any:
    """A byte-level BPE trained on `corpus`, wrapped for transformers with `chat_template`, `<|pad|>` as padding
    and `<|im_end|>` as end of sequence: what both demos' tokenizers are, with their own `pre_tokenizer`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer)
    return wrap_tokenizer(tokenizer, chat_template)


def wrap_tokenizer(tokenizer: Any, chat_template: str) -> Any:
    """`tokenizer` (a `tokenizers.Tokenizer`) as a `PreTrainedTokenizerFast` with the demos' special tokens."""
    from transformers import PreTrainedTokenizerFast

    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<|pad|>",
        eos_token="<|im_end|>",
        bos_token=None,
        unk_token=None,
    )
    wrapped.chat_template = chat_template
    return wrapped


def tiny_model(
    tokenizer: Any, seed: int = 0, *, hidden_size: int = 128, num_layers: int = 2, intermediate_size: int = 256
) -> Any:
    """A small Qwen2 causal LM sized for the tokenizer (2 layers of width 128 by default: about 0.4M parameters)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    return Qwen2ForCausalLM(config)


def warm_start_completion(
    row: dict[str, Any],
    rng: random.Random,
    formats: Sequence[tuple[str, float]] = WARM_START_FORMATS,
    wrong_share: float = 0.0,
) -> str:
    """One warm-start completion for `row`: a layout drawn from `formats`, wrong by 1-3 with `wrong_share`."""
    templates, shares = zip(*formats)
    template = rng.choices(templates, weights=shares)[0]
    answer = int(row["answer"])
    if rng.random() < wrong_share:
        answer = max(0, answer + rng.choice([-3, -2, -1, 1, 2, 3]))
    work = row["prompt"][-1]["content"].removeprefix("What is ").removesuffix("?").replace(" ", "")
    return template.format(work=work, answer=answer)


@dataclass(frozen=True)
class WarmStartResult:
    """What `warm_start` did: optimizer steps, the first and last batch loss, and its wall time in seconds."""

    steps: int
    first_loss: float
    last_loss: float
    seconds: float


def warm_start(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, Any]],
    *,
    steps: int = 300,
    batch_size: int = 64,
    learning_rate: float = 3e-3,
    wrong_share: float = 0.3,
    formats: Sequence[tuple[str, float]] = WARM_START_FORMATS,
    seed: int = 0,
) -> WarmStartResult:
    """Supervised warm start in plain torch: fit `model` to `warm_start_completion`s of `rows`, seeded.

    Each example is the chat-templated prompt (as GRPOTrainer renders it, generation prompt included) followed
    by a completion and the end-of-turn token; the loss covers the completion tokens only. The completions are
    drawn once, with their mix of layouts and `wrong_share` wrong answers, so the model learns that mix.
    """
    rng = random.Random(seed)
    examples = []
    for row in rows:
        prompt = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        completion = warm_start_completion(row, rng, formats, wrong_share) + tokenizer.eos_token
        completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
        examples.append((prompt_ids + completion_ids, [-100] * len(prompt_ids) + completion_ids))
    return supervised_fit(model, examples, tokenizer.pad_token_id, steps=steps, batch_size=batch_size,
                          learning_rate=learning_rate, seed=seed)


def supervised_fit(
    model: Any,
    examples: Sequence[tuple[Sequence[int], Sequence[int]]],
    pad_token_id: int,
    *,
    steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int = 0,
) -> WarmStartResult:
    """Fit `model` to `examples`, `(input_ids, labels)` pairs with -100 on the tokens the loss skips, in plain torch.

    AdamW at a constant `learning_rate`, `steps` batches of `batch_size` examples drawn with replacement by a
    generator seeded with `seed`; the examples are right-padded to the longest one once, up front.
    """
    import torch

    width = max(len(ids) for ids, _ in examples)
    input_ids = torch.tensor([list(ids) + [pad_token_id] * (width - len(ids)) for ids, _ in examples])
    labels = torch.tensor([list(lab) + [-100] * (width - len(lab)) for _, lab in examples])
    attention = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in examples])

    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    was_training = model.training
    model.train()
    start = time.perf_counter()
    losses = []
    for _ in range(steps):
        batch = torch.randint(len(examples), (batch_size,), generator=generator)
        loss = model(input_ids=input_ids[batch], attention_mask=attention[batch], labels=labels[batch]).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.train(was_training)
    return WarmStartResult(steps, losses[0] if losses else float("nan"), losses[-1] if losses else float("nan"),
                           time.perf_counter() - start)
