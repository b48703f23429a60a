"""veRL's own code reaches reward-core the way the README says: its config, its reward loop, its managers.

Installed by `make setup` (`verl==0.9.1 --no-deps`, plus the `trainers` extra). What runs is veRL's:
the README's overrides are composed by Hydra into veRL's shipped config (`_generated_ppo_trainer.yaml`, the
composition of `ppo_trainer.yaml` veRL checks in; Hydra 1.4 refuses the `..` paths of the defaults lists
that build it, and Hydra 1.3 needs antlr 4.9, which math-verify's 4.13 excludes) and `evaluation.yaml`;
`get_custom_reward_fn` loads `reward_core/serving/verl.py` by path; `RewardLoopWorker` (the reward loop)
builds its reward manager (naive, dapo, rate_limited) from that config, decodes each row with a real
tokenizer and scores it; the legacy `BatchRewardManager` and `PrimeRewardManager` (its process pool
included) are built by hand, as on veRL 0.9.1; `main_eval`'s `process_item` scores a generated row.

Stubbed, because they need a cluster: Ray. `RewardLoopWorker` is built as the plain class that
`RewardLoopManager` wraps in `ray.remote` (the manager also places one per node), and `main_eval`'s
`process_item` is called through the function its `@ray.remote` wraps. The model is a byte-level tokenizer
built here (no download); the rollout (vLLM, GPUs) is replaced by the response texts of the batch. The
reward server is `reward-core serve` in its own process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import re
import shlex
from pathlib import Path

import pytest

import reward_core

verl = pytest.importorskip("verl", reason="make setup installs veRL (verl==0.9.1 --no-deps)")
pytest.importorskip("hydra")
pytest.importorskip("starlette")
pytest.importorskip("reward_math_format")
pytest.importorskip("reward_math_correctness")

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VERL_FILE = Path(reward_core.__file__).parent / "serving" / "verl.py"
CONFIG_DIR = Path(verl.__file__).parent / "trainer" / "config"
README_URL = "http://127.0.0.1:8765"

# The weighted total ranks a wrong answer with tags (2.0) above a right one without (-1.0); the accuracy does not.
SPEC = ["math.answer_correctness", {"name": "math.reasoning_tags", "params": {"reasoning_tag": "think"}}]
RIGHT_TAGGED = "<think>2 and 2 make 4</think><answer>4</answer>"
WRONG_TAGGED = "<think>2 and 2 make 5</think><answer>5</answer>"
RIGHT_BARE = "The answer is \\boxed{4}"
WRONG_BARE = "The answer is \\boxed{5}"
RESPONSES = [RIGHT_TAGGED, WRONG_TAGGED, RIGHT_BARE, WRONG_BARE]
TOTALS = [3.0, 2.0, -1.0, -2.0]
ACCURACY = [1.0, 0.0, 1.0, 0.0]


def readme_command(first_line: str) -> list[str]:
    """The arguments of the README's bash block that starts with the comment `first_line`, the file's path
    in place of its `$(python -c ...)`."""
    text = (ROOT / "README.md").read_text()
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        if block.startswith(first_line):
            command = re.sub(r"\$\(python -c '[^']*serving\.verl[^']*'\)", str(VERL_FILE), block)
            lines = [line for line in command.replace("\\\n", " ").splitlines() if not line.startswith("#")]
            return shlex.split(" ".join(lines))
    raise AssertionError(f"the README has no bash block starting with {first_line!r}")


def overrides(first_line: str, url: str) -> list[str]:
    return [a.replace(README_URL, url) for a in readme_command(first_line) if "=" in a and not a.startswith("-")]


@pytest.fixture(scope="module")
def server(tmp_path_factory, serve_spec):
    with serve_spec(tmp_path_factory.mktemp("verl-server"), SPEC) as url:
        yield url


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    """A byte-level BPE tokenizer without merges (one token per byte), saved as a model directory would be."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    vocab["<|endoftext|>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    path = tmp_path_factory.mktemp("tokenizer")
    PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>") \
        .save_pretrained(path)
    return str(path)


@pytest.fixture(autouse=True)
def _no_reward_core_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("REWARD_CORE_"):
            monkeypatch.delenv(name)


def compose(config_name: str, args: list[str]):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
        return hydra_compose(config_name=config_name, overrides=args)


def batch(tokenizer_dir: str, ground_truths: list):
    """A veRL `DataProto` as the rollout leaves it: left-padded prompts, right-padded responses."""
    from transformers import AutoTokenizer

    from verl import DataProto

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    prompt = tokenizer("What is 2+2?", add_special_tokens=False)["input_ids"]
    encoded = [tokenizer(r, add_special_tokens=False)["input_ids"] for r in RESPONSES]
    width = max(map(len, encoded))
    pad = tokenizer.pad_token_id
    responses = torch.tensor([ids + [pad] * (width - len(ids)) for ids in encoded])
    prompts = torch.tensor([prompt] * len(encoded))
    mask = torch.tensor([[1] * len(prompt) + [1] * len(ids) + [0] * (width - len(ids)) for ids in encoded])
    n = len(encoded)
    return DataProto.from_dict(
        tensors={"prompts": prompts, "responses": responses, "attention_mask": mask,
                 "input_ids": torch.cat([prompts, responses], dim=1)},
        non_tensors={
            "data_source": np.array(["openai/gsm8k"] * n, dtype=object),
            "reward_model": np.array([{"ground_truth": g, "style": "rule"} for g in ground_truths], dtype=object),
            "extra_info": np.array([{"question": "What is 2+2?", "index": i} for i in range(n)], dtype=object),
        },
    ), tokenizer


@pytest.mark.parametrize("manager", ["naive", "dapo", "rate_limited"])
@pytest.mark.parametrize("name", ["compute_score_async", "compute_score"])
def test_readme_overrides_score_through_verls_reward_loop(server, tokenizer_dir, manager, name, monkeypatch):
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
    from verl.experimental.reward_loop.reward_manager import RateLimitedRewardManager

    # its limiters are class state bound to one event loop: each test is a fresh worker process in veRL
    monkeypatch.setattr(RateLimitedRewardManager, "_class_initialized", False)

    args = overrides("# veRL >= 0.7", server)
    assert "reward.custom_reward_function.name=compute_score_async" in args
    args = [a.replace("=compute_score_async", f"={name}") for a in args]
    config = compose("_generated_ppo_trainer", [*args, f"reward.reward_manager.name={manager}",
                                                f"actor_rollout_ref.model.path={tokenizer_dir}"])
    assert config.algorithm.filter_groups.metric == "acc"
    # ground truths as veRL's parquet datasets hold them: numpy scalars (sent as numbers by the client)
    data, _ = batch(tokenizer_dir, [np.int64(4)] * len(RESPONSES))

    async def score():
        worker = RewardLoopWorker(config)  # what RewardLoopManager runs as a Ray actor
        return await worker.compute_score_batch(data)

    rows = asyncio.run(score())
    assert [r["reward_score"] for r in rows] == pytest.approx(TOTALS)
    # the accuracy DAPO's group filter reads (`algorithm.filter_groups.metric=acc`), apart from the total
    assert [r["reward_extra_info"]["acc"] for r in rows] == ACCURACY
    assert [r["reward_extra_info"]["math.answer_correctness"] for r in rows] == ACCURACY
    assert all(r["reward_extra_info"]["none_rows"] == 0.0 for r in rows)
    # every row has the same keys: veRL gathers reward_extra_info key by key
    assert len({tuple(sorted(r["reward_extra_info"])) for r in rows}) == 1


def test_the_old_top_level_path_is_silently_ignored_by_verl_0_9(server, tokenizer_dir):
    """Why the README's version table says `reward.custom_reward_function` from veRL 0.7 on."""
    from verl.trainer.ppo.reward import get_custom_reward_fn

    config = compose("_generated_ppo_trainer", [f"custom_reward_function.path={VERL_FILE}"])
    assert get_custom_reward_fn(config) is None  # veRL falls back to its own scorer
    with pytest.raises(Exception, match="reward_kwargs"):  # without the `+`, Hydra refuses the key
        compose("_generated_ppo_trainer", [f"reward.custom_reward_function.reward_kwargs.url={server}"])


def test_scores_from_picks_the_accuracy_and_a_wrong_name_fails(server, tokenizer_dir):
    from verl.trainer.ppo.reward import get_custom_reward_fn

    args = [a.replace("=compute_score_async", "=compute_score") for a in overrides("# veRL >= 0.7", server)]
    config = compose("_generated_ppo_trainer", [*args, "+reward.custom_reward_function.reward_kwargs.scores_from=total"])
    row = get_custom_reward_fn(config)(data_source="d", solution_str=WRONG_TAGGED, ground_truth="4", extra_info={})
    assert row["acc"] == row["score"] == 2.0  # the weighted total
    config = compose("_generated_ppo_trainer", [*args, "+reward.custom_reward_function.reward_kwargs.scores_from=nope"])
    with pytest.raises(Exception, match="math.answer_correctness"):
        get_custom_reward_fn(config)(data_source="d", solution_str=WRONG_TAGGED, ground_truth="4", extra_info={})


def test_legacy_batch_and_prime_managers_built_by_hand(server, tokenizer_dir):
    """veRL <= 0.6 ran these from `reward_model.reward_manager`; 0.9.1 still ships them, built by hand."""
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import BatchRewardManager, PrimeRewardManager

    base = overrides("# veRL >= 0.7", server)
    config = compose("_generated_ppo_trainer", [a.replace("=compute_score_async", "=compute_score_batch")
                                                for a in base])
    data, tokenizer = batch(tokenizer_dir, ["4"] * len(RESPONSES))
    out = BatchRewardManager(tokenizer, 0, get_custom_reward_fn(config))(data, return_dict=True)
    assert out["reward_tensor"].sum(dim=1).tolist() == pytest.approx(TOTALS)
    assert out["reward_extra_info"]["acc"] == ACCURACY

    # prime: a process pool (the function must pickle) reading a bare number (return_dict=false)
    config = compose("_generated_ppo_trainer", [*[a.replace("=compute_score_async", "=compute_score") for a in base],
                                                "+reward.custom_reward_function.reward_kwargs.return_dict=false"])
    function = get_custom_reward_fn(config)
    assert pickle.loads(pickle.dumps(function)).args[0].__module__ == "reward_core.serving.verl"
    data, tokenizer = batch(tokenizer_dir, ["4"] * len(RESPONSES))
    scores = PrimeRewardManager(tokenizer, 0, function)(data)
    assert scores.sum(dim=1).tolist() == pytest.approx(TOTALS)


def test_readme_main_eval_overrides_score_with_main_evals_own_code(server):
    from verl.trainer import main_eval

    args = overrides("# veRL main_eval", server)
    config = compose("evaluation", args)
    # main_eval's @ray.remote process_item, called as its Ray worker would
    source, mean = main_eval.process_item._function(config, "openai/gsm8k", np.array(RESPONSES, dtype=object),
                                                     {"ground_truth": np.str_("4")})
    assert source == "openai/gsm8k" and mean == pytest.approx(sum(TOTALS) / len(TOTALS))


def test_clients_send_numpy_tensors_and_configs_as_their_python_values():
    from omegaconf import OmegaConf

    from reward_core.serving.client import jsonable

    value = {"int": np.int64(4), "float": np.float32(0.5), "array": np.array([[1, 2], [3, 4]]),
             "strings": np.array(["4", "four"], dtype=object), "tensor": torch.tensor([1.5]), "set": {7},
             "config": OmegaConf.create({"answer": [1, 2]}), "tuple": (1, np.bool_(True))}
    assert json.loads(json.dumps(value, default=jsonable)) == {
        "int": 4, "float": 0.5, "array": [[1, 2], [3, 4]], "strings": ["4", "four"], "tensor": [1.5], "set": [7],
        "config": {"answer": [1, 2]}, "tuple": [1, True]}
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, default=jsonable)
