#!/usr/bin/env python3
"""Reference remote verifier for referee, standard library only.

It speaks referee's remote verifier protocol (version 1, docs/ecosystem.md):

    POST /score    {"reference": any, "params": object|null, "prompt": str, "response": str}
                   -> 200 {"score": float, "details": object}
    POST /prepare  {"reference": any, "params": object|null}
                   -> 200 {} when the task is valid, 422 {"errors": [{"field", "message"}]} when not
    GET  /healthz  -> 200

The verifier here is deliberately small: "numeric_tolerance" scores 1 when the
last number in the response is within `tolerance` of the reference value.
Replace `prepare` and `score` with your own domain logic; keep them
deterministic and free of side effects, because referee caches results and
retries calls that failed transiently.

Register it with referee (REFEREE_REMOTE_VERIFIERS=remote.yaml):

    remote_verifiers:
      - name: numeric_tolerance
        url: http://127.0.0.1:9000
        version: "1"
        reads_prompt: false
        prepare: true

Run:  python3 remote_verifier_server.py --port 9000
"""

import argparse
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
MAX_BODY = 4 << 20


class Invalid(Exception):
    """A bad reference or params: the task author's fault, answered with 422."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def prepare(reference, params):
    """Validate and compile a task. Return what score() needs."""
    if isinstance(reference, (int, float)) and not isinstance(reference, bool):
        reference = {"value": reference}
    if not isinstance(reference, dict) or not isinstance(reference.get("value"), (int, float)):
        raise Invalid("reference", 'want a number or {"value": number, "tolerance": number}')
    tolerance = reference.get("tolerance", (params or {}).get("tolerance", 1e-6))
    if not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise Invalid("reference.tolerance", "want a non-negative number")
    return float(reference["value"]), float(tolerance)


def score(reference, params, prompt, response):
    """Score one response. Garbage from the model scores 0 with a reason."""
    value, tolerance = prepare(reference, params)
    numbers = NUMBER.findall(response[-10000:])
    if not numbers:
        return 0.0, {"reason": "no number in the response"}
    got = float(numbers[-1])
    ok = abs(got - value) <= tolerance
    return (1.0 if ok else 0.0), {"extracted": numbers[-1], "within_tolerance": ok}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: referee reuses connections

    def log_message(self, fmt, *args):  # quiet by default
        if self.server.verbose:
            super().log_message(fmt, *args)

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(404, {"detail": "no such route"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_json(413, {"detail": "body too large"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as e:
            self.send_json(400, {"detail": "malformed JSON: %s" % e})
            return
        try:
            if self.path == "/prepare":
                prepare(body.get("reference"), body.get("params"))
                self.send_json(200, {})
            elif self.path == "/score":
                s, details = score(body.get("reference"), body.get("params"),
                                   body.get("prompt", ""), str(body.get("response", "")))
                self.send_json(200, {"score": s, "details": details})
            else:
                self.send_json(404, {"detail": "no such route"})
        except Invalid as e:
            self.send_json(422, {"errors": [{"field": e.field, "message": e.message}]})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    srv.daemon_threads = True
    srv.verbose = args.verbose
    print("remote verifier listening on http://%s:%d" % (args.host, srv.server_address[1]), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
