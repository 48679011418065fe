#!/usr/bin/env bash
# OpenRLHF with referee as its remote reward model.
#
# OpenRLHF posts {"query": [...], "prompts": [...], "labels": [...]} to
# --remote_rm_url and reads {"rewards": [...], "scores": [...], "extra_logs": {...}}.
# referee strips each prompt from its query, scores the response against the
# label with the configured verifier or rubric, and de-duplicates identical
# rollouts within and across calls. extra_logs carries each component's score
# and referee_cached / referee_error, which OpenRLHF logs to wandb.
set -euo pipefail

# 1. referee, with the reward for OpenRLHF chosen by configuration (or per
#    call, with ?verifier=NAME or ?rubric=NAME on the URL).
export REFEREE_ADDR=0.0.0.0:8080
export REFEREE_OPENRLHF_VERIFIER=exact_answer   # or REFEREE_OPENRLHF_RUBRIC=math_with_format
export REFEREE_OPENRLHF_LABELS=raw              # json when labels hold JSON-encoded references
referee serve &
REFEREE_PID=$!
trap 'kill "$REFEREE_PID"' EXIT
until curl -sf http://127.0.0.1:8080/readyz >/dev/null; do sleep 0.2; done

# 2. OpenRLHF. The dataset's "answer" column becomes the labels.
ray job submit --address="http://127.0.0.1:8265" \
  --runtime-env-json='{"working_dir": "/openrlhf"}' \
  -- python3 -m openrlhf.cli.train_ppo_ray \
  --pretrain Qwen/Qwen2.5-7B-Instruct \
  --prompt_data your/math-dataset \
  --input_key question \
  --label_key answer \
  --apply_chat_template \
  --advantage_estimator group_norm \
  --n_samples_per_prompt 16 \
  --remote_rm_url http://127.0.0.1:8080/compat/openrlhf \
  "$@"
