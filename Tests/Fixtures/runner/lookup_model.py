#!/usr/bin/env python3
"""A stand-in model for tests and the demo: answers each request with a field of the row whose other field equals
the request (JSON Lines on stdin and stdout, as `yardstick eval --model command:` speaks).

Usage: lookup_model.py FILE REQUEST_FIELD ANSWER_FIELD
"""
import json, sys
table = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    table[row[sys.argv[2]]] = row[sys.argv[3]]
for line in sys.stdin:
    req = json.loads(line)
    prompt = req.get("prompt") or req["messages"][-1]["content"]
    print(json.dumps({"id": req["id"], "output": table.get(prompt, "")}), flush=True)
