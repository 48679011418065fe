#!/usr/bin/env python3
"""verl reward function backed by referee, standard library only.

In the verl config:

    custom_reward_function:
      path: examples/verl_compute_score.py
      name: compute_score

verl calls compute_score once per rollout. referee caches results, so the
repeated answers of a GRPO group cost one verification each. Settings come
from the environment: REFEREE_URL (default http://127.0.0.1:8080),
REFEREE_VERIFIER (default exact_answer) or REFEREE_RUBRIC, REFEREE_API_KEY.

Try it:  python3 verl_compute_score.py '\\frac{5}{6}' 'so the answer is \\boxed{5/6}'
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

REFEREE = os.environ.get("REFEREE_URL", "http://127.0.0.1:8080").rstrip("/")


def _post(path, body, timeout=60, attempts=3):
    headers = {"Content-Type": "application/json"}
    if os.environ.get("REFEREE_API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["REFEREE_API_KEY"]
    data = json.dumps(body).encode()
    for attempt in range(attempts):
        req = urllib.request.Request(REFEREE + path, data, headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            # 503 means overloaded: wait as told and retry. Anything else
            # is a real error in the request; show referee's explanation.
            if e.code == 503 and attempt + 1 < attempts:
                time.sleep(float(e.headers.get("Retry-After") or 1))
                continue
            raise RuntimeError("referee %s: %s" % (e.code, e.read().decode(errors="replace"))) from None


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    """Return the reward of one rollout (verl's custom reward signature)."""
    body = {"reference": ground_truth, "response": solution_str}
    if os.environ.get("REFEREE_RUBRIC"):
        body["rubric"] = os.environ["REFEREE_RUBRIC"]
    else:
        body["verifier"] = os.environ.get("REFEREE_VERIFIER", "exact_answer")
    if extra_info and isinstance(extra_info, dict) and extra_info.get("prompt"):
        body["prompt"] = str(extra_info["prompt"])
    return float(_post("/v1/score", body)["reward"])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: verl_compute_score.py GROUND_TRUTH SOLUTION")
    print(compute_score("cli", sys.argv[2], sys.argv[1]))
