"""A tiny causal LM, tokenizer and arithmetic dataset built locally: training runs with no Hub download.

The model learns nothing useful in a few steps; it exists so the whole GRPO path (generation, rewards by name,
weights, metrics, distributed ranks) runs for real on a laptop or in CI.
"""

from __future__ import annotations

import random
from typing import Any

SYSTEM_PROMPT = (
    "Solve the problem. Think inside <think></think>, then give only the final number inside <answer></answer>."
)
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL_TOKENS = ["<|pad|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def arithmetic_problems(count: int = 64, seed: int = 0) -> list[dict[str, Any]]:
    """Rows `{"prompt": [system, user], "answer": "<number>"}` of small sums, differences and products."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        op, value = rng.choice([("+", a + b), ("-", a - b), ("*", a * b)])
        rows.append(
            {
                "prompt": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": f"What is {a} {op} {b}?"},
                ],
                "answer": str(value),
            }
        )
    return rows


def arithmetic_dataset(count: int = 64, seed: int = 0) -> Any:
    """`arithmetic_problems` as a `datasets.Dataset` (conversational prompts, an `answer` column)."""
    from datasets import Dataset

    return Dataset.from_list(arithmetic_problems(count, seed))


def tiny_tokenizer(vocab_size: int = 400) -> Any:
    """A byte-level BPE tokenizer trained on the arithmetic corpus, with chat markers and a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = []
    for row in arithmetic_problems(512, seed=1):
        corpus.append(" ".join(m["content"] for m in row["prompt"]))
        corpus.append(f"<think>{row['prompt'][1]['content']}</think><answer>{row['answer']}</answer>")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<|pad|>",
        eos_token="<|im_end|>",
        bos_token=None,
        unk_token=None,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def tiny_model(tokenizer: Any, seed: int = 0) -> Any:
    """A 2-layer Qwen2 causal LM sized for the tokenizer (about 30k parameters)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    return Qwen2ForCausalLM(config)
