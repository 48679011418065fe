#!/usr/bin/env python3
"""Score a JSONL file of model outputs with referee and print a table.

Each input line is a referee score request: at least "response", plus
"reference", "prompt", and "verifier" or "rubric" (or give --verifier /
--rubric for every line). Any other field (task, model, split, ...) is kept
and can be used for grouping with --group-by. Lines go to referee in batches
of --batch through POST /v1/score/batch; identical outputs are scored once.

    python3 eval_harness.py results.jsonl --verifier exact_answer --group-by task
    python3 eval_harness.py results.jsonl --out scored.jsonl

Prints, per group: items, mean reward, pass rate (reward >= --threshold),
errors and cache hits; a malformed line counts as an error, it does not stop
the run. Standard library only. Exit status 1 when any line failed.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

REQUEST_FIELDS = ("id", "verifier", "rubric", "prompt", "response", "reference", "params", "options")


def post(url, body, api_key, timeout):
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = "Bearer " + api_key
    req = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        raise SystemExit("referee answered %d: %s" % (e.code, e.read().decode(errors="replace")))


def read_lines(path):
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not a JSON object")
                yield n, rec, None
            except ValueError as e:
                yield n, None, "line %d: %s" % (n, e)


def table(rows, headers):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    fmt = "  ".join("{:<%d}" % w if i == 0 else "{:>%d}" % w for i, w in enumerate(widths))
    out = [fmt.format(*headers), fmt.format(*["-" * w for w in widths])]
    out += [fmt.format(*r) for r in rows]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Score a JSONL file with referee and print a table.")
    ap.add_argument("input", help="JSONL file, or - for stdin")
    ap.add_argument("--url", default=os.environ.get("REFEREE_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--verifier", help="verifier for lines that name none")
    ap.add_argument("--rubric", help="rubric for lines that name none")
    ap.add_argument("--group-by", default="verifier", help="field to group the table by (default: verifier)")
    ap.add_argument("--threshold", type=float, default=1.0, help="reward counted as a pass (default 1)")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--out", help="write one scored JSON line per input line here")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args(argv)
    api_key = os.environ.get("REFEREE_API_KEY")
    endpoint = args.url.rstrip("/") + "/v1/score/batch"

    groups = {}  # name -> [items, reward sum, passes, errors, cached]
    scored = []
    failures = 0

    def account(group, reward, error, cached):
        g = groups.setdefault(str(group), [0, 0.0, 0, 0, 0])
        g[0] += 1
        g[1] += reward
        g[2] += reward >= args.threshold and not error
        g[3] += bool(error)
        g[4] += bool(cached)

    def flush(pending):
        nonlocal failures
        if not pending:
            return
        items = [{k: rec[k] for k in REQUEST_FIELDS if k in rec} for _, rec in pending]
        for it in items:
            if "verifier" not in it and "rubric" not in it:
                if args.rubric:
                    it["rubric"] = args.rubric
                elif args.verifier:
                    it["verifier"] = args.verifier
        out = post(endpoint, {"items": items}, api_key, args.timeout)
        for (n, rec), res in zip(pending, out["results"]):
            if args.group_by == "verifier" and "verifier" not in rec:
                group = res.get("verifier") or "?"  # "name@version", or "rubric:name"
            else:
                group = rec.get(args.group_by, "(none)")
            err = res.get("error")
            failures += bool(err)
            account(group, float(res["reward"]), err, res.get("cached"))
            scored.append(dict(res, line=n))

    pending = []
    for n, rec, err in read_lines(args.input):
        if err:
            failures += 1
            account("(malformed)", 0.0, err, False)
            scored.append({"line": n, "reward": 0, "error": {"status": 400, "detail": err}})
            continue
        pending.append((n, rec))
        if len(pending) >= args.batch:
            flush(pending)
            pending = []
    flush(pending)

    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for rec in sorted(scored, key=lambda r: r["line"]):
                f.write(json.dumps(rec) + "\n")

    rows = []
    total = [0, 0.0, 0, 0, 0]
    for name in sorted(groups):
        g = groups[name]
        total = [a + b for a, b in zip(total, g)]
        rows.append([name, g[0], "%.4f" % (g[1] / g[0]), "%.1f%%" % (100.0 * g[2] / g[0]), g[3], g[4]])
    if total[0]:
        rows.append(["TOTAL", total[0], "%.4f" % (total[1] / total[0]), "%.1f%%" % (100.0 * total[2] / total[0]), total[3], total[4]])
    print(table(rows, [args.group_by or "group", "items", "mean", "pass", "errors", "cached"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
