#!/usr/bin/env python3
"""A local OpenAI-compatible server for Yardstick's tests and benchmarks (loopback only).

It answers POST /v1/chat/completions and /v1/completions from a table of prompt -> answer (a JSON Lines file
and two field names), with optional latency and injected faults (HTTP 500, 429 with Retry-After, malformed
JSON, dropped connections), and serves fine-tuning jobs, events, checkpoints and files from a folder for
`yardstick sync openai`. Every request is appended to --log as one JSON line: path, prompt, outcome and
whether an Authorization header came (never its value). The first line on stdout is the port it listens on.
"""
import argparse, json, random, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--answers"); p.add_argument("--prompt-field", default="text"); p.add_argument("--answer-field", default="pred")
p.add_argument("--latency-ms", type=float, default=0); p.add_argument("--seed", type=int, default=1)
p.add_argument("--fail-500", type=float, default=0); p.add_argument("--fail-429", type=float, default=0)
p.add_argument("--retry-after", default="0"); p.add_argument("--malformed", type=float, default=0)
p.add_argument("--drop", type=float, default=0); p.add_argument("--log"); p.add_argument("--jobs")
p.add_argument("--require-key")
args = p.parse_args()

answers = {}
if args.answers:
    for line in open(args.answers, encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            answers[str(row[args.prompt_field])] = str(row[args.answer_field])
rng = random.Random(args.seed)
lock = threading.Lock()
log = open(args.log, "a", encoding="utf-8") if args.log else None


def record(entry):
    if log:
        with lock:
            log.write(json.dumps(entry) + "\n"); log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm holds the body until the
    # client's delayed ACK (tens of milliseconds), which no real inference server does.
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if args.require_key is None:
            return True
        return self.headers.get("Authorization") == "Bearer " + args.require_key

    def do_GET(self):
        if not self.authorized():
            return self.send(401, {"error": {"message": "invalid api key"}})
        parts = [x for x in self.path.split("?")[0].split("/") if x]
        record({"path": self.path, "auth": "Authorization" in self.headers})
        try:
            if parts[:3] == ["v1", "fine_tuning", "jobs"] and len(parts) == 4:
                return self.send(200, json.load(open(f"{args.jobs}/{parts[3]}.json")))
            if parts[:3] == ["v1", "fine_tuning", "jobs"] and len(parts) == 5:
                return self.send(200, json.load(open(f"{args.jobs}/{parts[3]}.{parts[4]}.json")))
            if parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content":
                return self.send(200, open(f"{args.jobs}/files/{parts[2]}", "rb").read())
        except FileNotFoundError:
            pass
        self.send(404, {"error": {"message": "not found: " + self.path}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        if "messages" in body:
            prompt = body["messages"][-1]["content"]
        else:
            prompt = body.get("prompt", "")
        entry = {"path": self.path, "prompt": prompt, "auth": "Authorization" in self.headers}
        if not self.authorized():
            entry["outcome"] = "401"; record(entry)
            return self.send(401, {"error": {"message": "invalid api key"}})
        if args.latency_ms:
            time.sleep(args.latency_ms / 1000)
        with lock:
            r = rng.random()
        cut = 0
        for name, share in (("500", args.fail_500), ("429", args.fail_429), ("malformed", args.malformed), ("drop", args.drop)):
            cut += share
            if r < cut:
                entry["outcome"] = name; record(entry)
                if name == "500":
                    return self.send(500, {"error": {"message": "injected server error"}})
                if name == "429":
                    return self.send(429, {"error": {"message": "rate limited"}}, [("Retry-After", args.retry_after)])
                if name == "malformed":
                    return self.send(200, b'{"choices": [ {"message": ')
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        answer = answers.get(prompt, prompt.split(" ")[0] if prompt else "")
        entry["outcome"] = "ok"; record(entry)
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(answer.split())}
        if self.path.endswith("/chat/completions"):
            choice = {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
        else:
            choice = {"index": 0, "text": answer, "finish_reason": "stop"}
        self.send(200, {"id": "cmpl-1", "object": "chat.completion", "model": body.get("model"), "choices": [choice], "usage": usage})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
