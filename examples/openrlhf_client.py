#!/usr/bin/env python3
"""Send what OpenRLHF's remote reward model client sends, and print rewards.

OpenRLHF (openrlhf.utils.remote_rm_utils) posts the decoded prompt+response
texts, the prompts and the labels to --remote_rm_url. This script does the
same with a small GRPO-style batch, so the endpoint can be tried (and
tested) without a GPU:

    python3 openrlhf_client.py http://127.0.0.1:8080/compat/openrlhf
"""

import json
import sys
import urllib.request


def remote_rm(url, queries, prompts, labels, timeout=180):
    body = json.dumps({"query": queries, "prompts": prompts, "labels": labels}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def main(argv):
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8080/compat/openrlhf"
    prompt = "<|user|>What is 6 * 7?<|assistant|>"
    drafts = ["The answer is \\boxed{42}.", "6*7 = 41", "The answer is \\boxed{42}.", "42"]
    out = remote_rm(url, [prompt + d for d in drafts], [prompt] * len(drafts), ["42"] * len(drafts))
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
