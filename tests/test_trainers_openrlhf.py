"""OpenRLHF's own code reaches reward-core the way the README says: its argument parser, its rollout
executor, its dynamic filtering.

Installed by `make setup` (`openrlhf==0.11.2 --no-deps`, plus the `trainers` extra). What runs is
OpenRLHF's: `openrlhf/cli/train_ppo_ray.py` as `__main__` parses the README's flags and validates them;
`RolloutRayActor.generate_responses` runs its `SingleTurnAgentExecutor` (built from the parsed
`--reward.remote_url`, the server's `/get_reward` or `reward_core/serving/openrlhf.py` loaded by path), which
tokenizes and truncates the prompt, decodes the query and fetches the rewards; `SamplesGenerator._generate_vllm`
dispatches the prompts, turns the answers into `Experience`s and applies dynamic filtering.

Stubbed, because they need GPUs or a cluster: vLLM (a module with `SamplingParams`, and the engine's
`generate`, which answers each prompt with the next of a list of response texts, tokenized), DeepSpeed's
training actors (`openrlhf.trainer.ray.launcher`, `ppo_actor`, `ppo_critic`: empty modules), Ray
(`ray.is_initialized` is true so `train` starts no cluster, the remote calls of `_generate_vllm` run in this
process, `RolloutRayActor` is the class its `@ray.remote` wraps) and `get_strategy` (DeepSpeed), which
receives the parsed arguments and stops `train` there. The tokenizer is a byte-level one built here (no
download). The reward server is `reward-core serve` in its own process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import re
import runpy
import shlex
import sys
import types
from pathlib import Path

import pytest

import reward_core

openrlhf = pytest.importorskip("openrlhf", reason="make setup installs OpenRLHF (openrlhf==0.11.2 --no-deps)")
pytest.importorskip("starlette")
pytest.importorskip("reward_math_format")
pytest.importorskip("reward_math_correctness")

ROOT = Path(__file__).resolve().parents[1]
OPENRLHF_FILE = Path(reward_core.__file__).parent / "serving" / "openrlhf.py"
README_URL = "http://127.0.0.1:8765"

SPEC = ["math.answer_correctness", {"name": "math.reasoning_tags", "params": {"reasoning_tag": "think"}}]
RIGHT = "<think>2 and 2 make 4</think><answer>4</answer>"
WRONG = "<think>2 and 2 make 5</think><answer>5</answer>"
# A prompt longer than --max_len allows, which mentions the tags near its end: OpenRLHF keeps its tail.
LONG_PROMPT = ("Some context. " * 40 + "Think inside <think></think>, then answer inside <answer></answer>.\n"
               "What is 2+2?\n")


def readme_command(first_line: str) -> tuple[list[str], dict[str, str]]:
    """(arguments, environment) of the README's bash block starting with the comment `first_line`."""
    text = (ROOT / "README.md").read_text()
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        if block.startswith(first_line):
            command = re.sub(r"\$\(python -c '[^']*serving\.openrlhf[^']*'\)", str(OPENRLHF_FILE), block)
            lines = [line for line in command.replace("\\\n", " ").splitlines() if not line.startswith("#")]
            words = shlex.split(" ".join(lines))
            env = {}
            while "=" in words[0]:
                key, _, value = words.pop(0).partition("=")
                env[key] = value
            assert words[:3] == ["python", "-m", "openrlhf.cli.train_ppo_ray"], words
            return words[3:], env
    raise AssertionError(f"the README has no bash block starting with {first_line!r}")


@pytest.fixture(scope="module")
def server(tmp_path_factory, serve_spec):
    with serve_spec(tmp_path_factory.mktemp("openrlhf-server"), SPEC) as url:
        yield url


@pytest.fixture(scope="module")
def tokenizer():
    """A byte-level BPE tokenizer without merges: one token per byte, so truncation cuts the prompt's head."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    vocab["<|endoftext|>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


class SamplingParams:
    """vLLM's `SamplingParams`, as far as OpenRLHF reads it."""

    def __init__(self, **kwargs):
        self.max_tokens = None
        self.logprobs = None
        self.__dict__.update(kwargs)


@pytest.fixture
def stubs(monkeypatch):
    """The GPU and cluster parts (see the module docstring)."""
    import ray

    vllm = types.ModuleType("vllm")
    vllm.__version__ = "0.10.0"
    vllm.SamplingParams = SamplingParams
    inputs, utils = types.ModuleType("vllm.inputs"), types.ModuleType("vllm.utils")
    inputs.TokensPrompt = dict
    utils.random_uuid = lambda: "0"
    for name, module in {"vllm": vllm, "vllm.inputs": inputs, "vllm.utils": utils}.items():
        monkeypatch.setitem(sys.modules, name, module)
    for name, attrs in {"launcher": ["RayActorGroup", "ReferenceModelActor", "RewardModelActor"],
                        "ppo_actor": ["PolicyModelActor"], "ppo_critic": ["CriticModelActor"]}.items():
        module = types.ModuleType(f"openrlhf.trainer.ray.{name}")
        for attr in attrs:
            setattr(module, attr, type(attr, (), {}))
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(ray, "is_initialized", lambda: True)
    for name in list(os.environ):
        if name.startswith("REWARD_CORE_"):
            monkeypatch.delenv(name)


class _Parsed(Exception):
    def __init__(self, args):
        self.args_ = args


def parse(argv: list[str], monkeypatch):
    """OpenRLHF's `train_ppo_ray.py` run as `__main__` on `argv`: its parsed and validated arguments."""
    import openrlhf.utils

    def get_strategy(args):  # the first thing `train` does after ray.init: DeepSpeed, stopped here
        raise _Parsed(args)

    monkeypatch.setattr(openrlhf.utils, "get_strategy", get_strategy)
    monkeypatch.setattr(sys, "argv", ["train_ppo_ray.py", "--actor.model_name_or_path", "model", *argv])
    path = Path(openrlhf.__file__).parent / "cli" / "train_ppo_ray.py"
    with pytest.raises(_Parsed) as parsed:
        runpy.run_path(str(path), run_name="__main__")
    return parsed.value.args_


class Engine:
    """One rollout engine: OpenRLHF's `RolloutRayActor` methods, vLLM's generation replaced by fixed answers."""

    def __init__(self, executor, tokenizer, answers):
        from openrlhf.trainer.ray.vllm_engine import RolloutRayActor

        self.executor = executor
        self.tokenizer = tokenizer
        self.answers = answers
        self.generate_responses = types.MethodType(
            RolloutRayActor.__ray_metadata__.modified_class.generate_responses, self)

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        prompt = self.tokenizer.decode(prompt_token_ids)
        text = self.answers[next(p for p in self.answers if prompt.endswith(p[-20:]))].pop(0)
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        output = types.SimpleNamespace(token_ids=ids, text=text, finish_reason="stop", logprobs=None)
        return types.SimpleNamespace(outputs=[output])


class Remote:
    """A Ray actor handle whose `.remote()` calls run here (their result is the 'object ref')."""

    def __init__(self, engine):
        self.engine = engine

    def __getattr__(self, name):
        method = getattr(self.engine, name, None)

        def remote(*args, **kwargs):
            result = method(*args, **kwargs) if method else 0
            return asyncio.run(result) if asyncio.iscoroutine(result) else result

        return types.SimpleNamespace(remote=remote)


def fake_ray():
    return types.SimpleNamespace(get=lambda refs: refs,
                                 wait=lambda refs, num_returns=1, timeout=None: (refs[:1], refs[1:]))


@pytest.mark.parametrize("block", ["# OpenRLHF >= 0.10 (tested: 0.11.2), through the server",
                                   "# OpenRLHF >= 0.10 (tested: 0.11.2), the file"])
def test_readme_flags_drive_openrlhfs_rollout_and_dynamic_filtering(server, tokenizer, stubs, monkeypatch, block):
    from openrlhf.trainer.ppo_utils import samples_generator
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    argv, env = readme_command(block)
    for key, value in env.items():
        monkeypatch.setenv(key, value.replace(README_URL, server))
    args = parse([a.replace(README_URL, server) for a in argv], monkeypatch)
    assert args.algo.dynamic_filtering_enable and tuple(args.algo.dynamic_filtering_range) == (0, 1)
    n = args.rollout.n_samples_per_prompt

    mixed, solved, failed = LONG_PROMPT, "Easy: What is 2+2?\n", "Hard: What is 2+2?\n"
    answers = {mixed: [RIGHT, WRONG] * (n // 2), solved: [RIGHT] * n, failed: [WRONG] * n}
    engine = Engine(SingleTurnAgentExecutor(args.reward.remote_url), tokenizer, answers)
    monkeypatch.setattr(samples_generator, "ray", fake_ray())
    generator = samples_generator.SamplesGenerator(types.SimpleNamespace(args=args), None, None, tokenizer,
                                                   [Remote(engine)])
    prompts = iter([(None, [p], ["4"], [None]) for p in answers])
    # max_len leaves the long prompt only its last 120 tokens (bytes): its tail mentions the tags
    experiences, consumed, _ = generator._generate_vllm(prompts, len(answers), dynamic_filtering=True,
                                                        max_len=120 + 60, max_new_tokens=60,
                                                        n_samples_per_prompt=n)
    assert consumed == 3
    # kept: the group whose answers differ (accuracy 0.5); dropped: all right and all wrong (no signal)
    assert [e.prompts[0] for e in experiences] == [mixed] * n
    assert [e.scores.flatten()[0].item() for e in experiences] == [1.0, 0.0] * (n // 2)
    # rewards stay the weighted total, and the tags the truncated prompt mentions are not counted
    assert [e.rewards.flatten()[0].item() for e in experiences] == [3.0, 2.0] * (n // 2)
    assert [e.info["math.answer_correctness"].flatten()[0].item() for e in experiences] == [1.0, 0.0] * (n // 2)


def test_the_old_flag_is_refused_by_openrlhf_0_10_and_later(stubs, monkeypatch, capsys):
    """Why the README's version table gives `--remote_rm_url` for 0.9.x only."""
    with pytest.raises(SystemExit):
        parse(["--remote_rm_url", "http://127.0.0.1:8765/get_reward"], monkeypatch)
    assert "unrecognized arguments: --remote_rm_url" in capsys.readouterr().err


def test_split_query_cuts_a_truncated_prompts_tail():
    from reward_core.serving.openrlhf import split_query

    response = "<think>x</think><answer>4</answer>"
    assert split_query(LONG_PROMPT + response, LONG_PROMPT) == response
    assert split_query(LONG_PROMPT[-120:] + response, LONG_PROMPT) == response
    assert split_query(LONG_PROMPT[-300:] + response, LONG_PROMPT) == response
    # a query that starts with no tail of the prompt is scored whole
    assert split_query("unrelated " + response, LONG_PROMPT) == "unrelated " + response
