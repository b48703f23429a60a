# `make demo` and `make test` are the two commands in the README; both set everything up first.
# The newest Python >= 3.11 on PATH (.ci/find-python says which are missing when none is); `make PYTHON=...` picks.
PYTHON ?= $(shell .ci/find-python 2>/dev/null)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CONSTRAINTS := .ci/constraints.txt
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))

# deepeval must never phone home, read .env files or write key files, in tests or demos.
export DEEPEVAL_TELEMETRY_OPT_OUT=1
export DEEPEVAL_DISABLE_DOTENV=1
export DEEPEVAL_DISABLE_LEGACY_KEYFILE=1

.PHONY: setup demo test bench

setup: $(VENV)/.installed

# Torch is installed first and pinned (CPU build, from the constraints file): an unpinned torch pulled in by
# trl/accelerate would download a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml setup.py reward_core/_reading.c $(wildcard plugins/*/pyproject.toml) $(CONSTRAINTS)
	@test -n "$(PYTHON)" || .ci/find-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c $(CONSTRAINTS) setuptools wheel torch==2.13.0
	$(PIP) install -q -c $(CONSTRAINTS) --no-build-isolation -e '.[trl,yaml,test,serve,ray,trainers]' $(foreach p,$(PLUGINS),-e $(p))
	$(PIP) install -q -c $(CONSTRAINTS) --no-deps verl==0.9.1 openrlhf==0.11.2
	touch $@

# The main job: GRPOTrainer teaches a small local model until its rewards rise (about two minutes on a CPU); rewards
# by name from reward_core/apps/configs/demo.yaml; the curves land in outputs/grpo-demo/rewards.png.
demo: setup
	$(VENV)/bin/reward-core list
	$(VENV)/bin/reward-core train --output-dir outputs/grpo-demo

test: setup
	$(PY) -m pytest

bench: setup
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
