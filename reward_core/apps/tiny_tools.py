"""A tiny tool-calling task built locally: a small model learns to call a calculator it needs, with no Hub download.

The task is products of two 2-digit numbers (`What is 37 * 58?`), which a model of a few hundred thousand
parameters cannot compute, and one tool, `multiply`, that can. The tokenizer (`tool_tokenizer`) speaks TRL's
unmodified Qwen3 chat template, so `GRPOTrainer(tools=[multiply])` recognises it, renders the tool's schema into
every prompt, parses the model's `<tool_call>` blocks, runs the calls and appends the results: each completion
becomes a trajectory `assistant(tool_calls) -> tool -> assistant`.

`warm_start` fits the model, in plain torch, to a deliberately imperfect mix of such trajectories
(`WARM_START_MIX`): it sometimes calls the tool and reports the result, sometimes guesses without it, sometimes
miscopies the result, and sometimes writes a call that fails. GRPO, driven by the rewards of `configs/tools.yaml`,
then moves it towards calling the tool once and answering with what it returned.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from importlib import resources
from typing import Any

from .tiny import WarmStartResult, byte_level_bpe, supervised_fit, wrap_tokenizer

#: Chat markers of the Qwen3 template. Each is one token of its own, so a tool call or a thinking block opens and
#: closes with one token.
SPECIAL_TOKENS = [
    "<|pad|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>",
    "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>",
]

#: The kinds of trajectory the warm start teaches, with their shares. Only the first is fully right.
WARM_START_MIX: tuple[tuple[str, float], ...] = (
    ("tool", 0.40),            # multiply(a, b), then the tool's result as the answer
    ("guess", 0.30),           # no call: a guess (both factors rounded to tens), wrong for almost every product
    ("miscopy", 0.10),         # multiply(a, b), then the result with one digit changed
    ("broken_call", 0.10),     # a call whose JSON does not parse: TRL keeps it as plain text and runs nothing
    ("wrong_arguments", 0.10), # multiply(x=a, y=b): the tool call fails, then a guess
)


def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers exactly.

    Args:
        a: The first factor.
        b: The second factor.
    """
    return a * b


TOOLS = (multiply,)


def chat_template(name: str = "qwen3") -> str:
    """The text of TRL's chat template `trl/chat_templates/<name>.jinja`, unmodified.

    TRL recognises a tokenizer's template (to set its response parser) only when it matches a shipped template
    exactly, so the template is read from the installed package, never copied or edited.
    """
    return resources.files("trl").joinpath("chat_templates", f"{name}.jinja").read_text(encoding="utf-8")


def product_problems(count: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """Rows `{"prompt": [user], "answer": "<product>"}` of products of two 2-digit numbers, seeded."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        rows.append({"prompt": [{"role": "user", "content": f"What is {a} * {b}?"}], "answer": str(a * b)})
    return rows


def product_dataset(count: int = 1000, seed: int = 0) -> Any:
    """`product_problems` as a `datasets.Dataset` (conversational prompts, an `answer` column)."""
    from datasets import Dataset

    return Dataset.from_list(product_problems(count, seed))


def _factors(row: dict[str, Any]) -> tuple[int, int]:
    a, _, b = row["prompt"][-1]["content"].removeprefix("What is ").removesuffix("?").split()
    return int(a), int(b)


def _call(name: str, arguments: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": "",
            "tool_calls": [{"type": "function", "function": {"name": name, "arguments": arguments}}]}


def _run_tool(arguments: dict[str, Any]) -> str:
    """The tool message's content as TRL builds it: `str(result)`, or `str({"error": ...})` when the call raises."""
    try:
        return str(multiply(**arguments))
    except Exception as error:  # noqa: BLE001 - every failure of a call becomes its result, as in TRL
        return str({"error": str(error)})


def _miscopy(value: int, rng: random.Random) -> int:
    digits = list(str(value))
    i = rng.randrange(len(digits))
    digits[i] = rng.choice([d for d in "0123456789" if d != digits[i] and (i or d != "0")])
    return int("".join(digits))


def trajectory(row: dict[str, Any], kind: str, rng: random.Random) -> list[dict[str, Any]]:
    """The completion messages of one warm-start trajectory of `kind` (see `WARM_START_MIX`) for `row`.

    Tool messages hold what TRL would append after running the call. A `broken_call` is written as the call the
    model emits (its arguments a JSON string missing its closing brace), which the chat template renders as is.
    """
    a, b = _factors(row)
    guess = str(round(a, -1) * round(b, -1))
    if kind == "guess":
        return [{"role": "assistant", "content": guess}]
    if kind == "broken_call":
        return [_call("multiply", f'{{"a": {a}, "b": {b}')]
    arguments = {"x": a, "y": b} if kind == "wrong_arguments" else {"a": a, "b": b}
    result = _run_tool(arguments)
    if kind == "tool":
        answer = result
    elif kind == "miscopy":
        answer = str(_miscopy(a * b, rng))
    else:  # wrong_arguments: the call failed, so the model guesses
        answer = guess
    return [_call("multiply", arguments), {"role": "tool", "name": "multiply", "content": result},
            {"role": "assistant", "content": answer}]


def trajectory_ids(
    tokenizer: Any, prompt: Sequence[dict[str, Any]], completion: Sequence[dict[str, Any]], template: str
) -> tuple[list[int], list[int], list[int]]:
    """`(prompt_ids, completion_ids, model_mask)` of a trajectory, token for token as GRPOTrainer builds it.

    The trainer renders the prompt once (with the tools and the generation prompt), then concatenates token ids:
    each assistant turn as generated (up to and including the end-of-turn token), and after each run of tool
    messages the ids of the text that template adds for them up to the next assistant header; it never re-renders
    the whole conversation. `model_mask` is 1 on the tokens the model generated and 0 on the tool-result tokens.
    `template` must be prefix-preserving (TRL's `*_training.jinja` variant), as it is in the trainer.
    """
    eos = tokenizer.eos_token

    def render(messages: Sequence[dict[str, Any]], generation_prompt: bool) -> str:
        return tokenizer.apply_chat_template(list(messages), tools=list(TOOLS), chat_template=template,
                                             tokenize=False, add_generation_prompt=generation_prompt)

    def encode(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    messages = list(prompt)
    done = render(messages, True)
    prompt_ids, completion_ids, mask = encode(done), [], []
    for i, message in enumerate(completion):
        messages.append(message)
        last_tool = message["role"] == "tool" and (i + 1 == len(completion) or completion[i + 1]["role"] != "tool")
        if message["role"] == "assistant":
            text = render(messages, False)
            turn = text[len(done):text.rindex(eos) + len(eos)]
            done += turn
            ids = encode(turn)
            mask += [1] * len(ids)
        elif last_tool:
            text = render(messages, True)
            suffix = text[len(done):]
            done += suffix
            ids = encode(suffix)
            mask += [0] * len(ids)
        else:
            continue
        completion_ids += ids
    return prompt_ids, completion_ids, mask


def tool_tokenizer(vocab_size: int = 700, seed: int = 1) -> Any:
    """A byte-level BPE tokenizer for the product task, whose chat template is TRL's unmodified `qwen3.jinja`.

    It is trained on warm-start trajectories rendered with the training variant of the template. Every digit is
    a token of its own and nothing else is split before byte-level BPE, so merges may span words: the fixed tool
    preamble that the template puts in every prompt becomes a few dozen tokens, and copying a number (from the
    question into the call, from the tool's result into the answer) is copying digits at a fixed distance.
    `SPECIAL_TOKENS` are single tokens.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers

    template = chat_template("qwen3_training")
    # renders text only: the template needs no vocabulary
    renderer = wrap_tokenizer(Tokenizer(models.BPE()), chat_template("qwen3"))
    rng = random.Random(seed)
    kinds, shares = zip(*WARM_START_MIX)
    corpus = []
    for row in product_problems(400, seed=seed):
        completion = trajectory(row, rng.choices(kinds, weights=shares)[0], rng)
        corpus.append(renderer.apply_chat_template(row["prompt"] + completion, tools=list(TOOLS),
                                                   chat_template=template, tokenize=False))
    return byte_level_bpe(corpus, vocab_size, SPECIAL_TOKENS, chat_template("qwen3"), pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ]))


def warm_start(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, Any]],
    *,
    steps: int = 300,
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    mix: Sequence[tuple[str, float]] = WARM_START_MIX,
    seed: int = 0,
) -> WarmStartResult:
    """Supervised warm start in plain torch: fit `model` to trajectories of `rows` drawn from `mix`, seeded.

    Each example is a trajectory's ids exactly as GRPOTrainer concatenates them (`trajectory_ids`, with TRL's
    `qwen3_training.jinja`, the template the trainer switches to for tool calling); the loss covers the tokens
    the model generates, not the prompt or the tool results. The kinds are drawn once, so the model learns the mix.
    """
    template = chat_template("qwen3_training")
    rng = random.Random(seed)
    kinds, shares = zip(*mix)
    examples = []
    for row in rows:
        completion = trajectory(row, rng.choices(kinds, weights=shares)[0], rng)
        prompt_ids, completion_ids, mask = trajectory_ids(tokenizer, row["prompt"], completion, template)
        labels = [-100] * len(prompt_ids) + [t if m else -100 for t, m in zip(completion_ids, mask)]
        examples.append((prompt_ids + completion_ids, labels))
    return supervised_fit(model, examples, tokenizer.pad_token_id, steps=steps, batch_size=batch_size,
                          learning_rate=learning_rate, seed=seed)
