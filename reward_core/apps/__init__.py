"""The applications built on the library, apart from it: what a user runs rather than imports.

- `cli`: `reward-core list / show / check / score / new / serve / train` (the console script);
- `train`: `reward-core train`, a real `GRPOTrainer` run whose rewards come from a config (`configs/`);
- `tiny`, `tiny_tools`: the small local models, tokenizers and tasks the demos train;
- `report`: what a run shows and leaves behind (curves, the terminal table, `completions.jsonl`);
- `offline_scoring`: `reward-core score`, scoring saved completions;
- `scaffold`: `reward-core new`, a new reward pack from templates.

Nothing in the library (`reward_core.*` outside this package) imports these.
"""
