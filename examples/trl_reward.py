#!/usr/bin/env python3
"""TRL reward function backed by referee: one batch call per GRPO step.

    from trl import GRPOTrainer
    from trl_reward import referee_reward
    trainer = GRPOTrainer(model=..., reward_funcs=[referee_reward], train_dataset=ds, ...)

The dataset needs an "answer" column (TRL passes extra columns as keyword
arguments). All completions of the step, every group of it, go to referee in
one POST /v1/score/batch; identical completions are scored once. Standard
library only. Settings: REFEREE_URL, REFEREE_VERIFIER (default exact_answer)
or REFEREE_RUBRIC, REFEREE_API_KEY.

Try it:  python3 trl_reward.py
"""

import json
import os
import urllib.request

REFEREE = os.environ.get("REFEREE_URL", "http://127.0.0.1:8080").rstrip("/")


def _text(x):
    # Conversational datasets give lists of messages; take the last content.
    if isinstance(x, list):
        return x[-1]["content"] if x else ""
    return str(x)


def referee_reward(prompts, completions, answer, **kwargs):
    """Return one reward per completion, in order."""
    defaults = {}
    if os.environ.get("REFEREE_RUBRIC"):
        defaults["rubric"] = os.environ["REFEREE_RUBRIC"]
    else:
        defaults["verifier"] = os.environ.get("REFEREE_VERIFIER", "exact_answer")
    items = [{"prompt": _text(p), "reference": a, "response": _text(c)}
             for p, c, a in zip(prompts, completions, answer)]
    headers = {"Content-Type": "application/json"}
    if os.environ.get("REFEREE_API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["REFEREE_API_KEY"]
    req = urllib.request.Request(REFEREE + "/v1/score/batch",
                                 json.dumps({"defaults": defaults, "items": items}).encode(), headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.load(r)
    # A failed item carries its own error and the on_error reward (0); the
    # reward is still usable, so training goes on.
    return [float(res["reward"]) for res in out["results"]]


if __name__ == "__main__":
    # One GRPO group of 4 drafts for one prompt, two of them identical.
    prompts = ["What is 6 * 7?"] * 4
    completions = [[{"role": "assistant", "content": c}] for c in
                   ["The answer is \\boxed{42}.", "It is 41.", "The answer is \\boxed{42}.", "42"]]
    print(json.dumps(referee_reward(prompts, completions, answer=["42"] * 4)))
