#!/usr/bin/env python3
"""A keyword classifier of Debian package descriptions into archive sections, as a `yardstick eval` model.

Reads `{"id", "prompt"}` lines on stdin and writes `{"id", "output"}` lines: the first section whose keyword
occurs in the description, else "misc". It is a deliberately simple baseline: the point of the demo is the
evaluation around it, not the classifier.
"""
import json, re, sys

RULES = [
    ("libdevel", r"\b(development files|header files|headers|static library)\b"),
    ("doc", r"\b(documentation|manual|docs|reference guide)\b"),
    ("debug", r"\bdebug(ging)? symbols\b"),
    ("python", r"\bpython\b"),
    ("perl", r"\bperl\b"),
    ("ruby", r"\bruby\b"),
    ("golang", r"\b(golang|go library|go package)\b"),
    ("rust", r"\b(rust|crate)\b"),
    ("javascript", r"\b(javascript|node\.?js|npm)\b"),
    ("java", r"\bjava\b"),
    ("php", r"\bphp\b"),
    ("haskell", r"\bhaskell\b"),
    ("ocaml", r"\bocaml\b"),
    ("lisp", r"\b(lisp|emacs)\b"),
    ("kernel", r"\b(kernel|firmware|driver)\b"),
    ("fonts", r"\bfonts?\b"),
    ("games", r"\b(game|games|puzzle|arcade)\b"),
    ("sound", r"\b(audio|sound|music|mp3|alsa|pulseaudio)\b"),
    ("video", r"\b(video|movie|mpeg|codec)\b"),
    ("graphics", r"\b(image|graphics|drawing|svg|png|photo)\b"),
    ("web", r"\b(web|http|browser|html|css)\b"),
    ("mail", r"\b(mail|e-mail|email|imap|smtp)\b"),
    ("net", r"\b(network|dns|ssh|vpn|tcp|server)\b"),
    ("database", r"\b(database|sql|postgresql|mysql|sqlite)\b"),
    ("science", r"\b(scientific|science|physics|chemistry|biology|astronomy|statistics)\b"),
    ("math", r"\b(math|mathematics|algebra|numerical)\b"),
    ("x11", r"\b(x11|xorg|window manager|desktop)\b"),
    ("kde", r"\b(kde|plasma|qt)\b"),
    ("gnome", r"\b(gnome|gtk)\b"),
    ("admin", r"\b(administration|admin|system|boot|users?)\b"),
    ("utils", r"\b(utility|utilities|tool|tools)\b"),
    ("libs", r"\b(library|libraries|shared)\b"),
]
COMPILED = [(section, re.compile(pattern, re.IGNORECASE)) for section, pattern in RULES]

for line in sys.stdin:
    request = json.loads(line)
    text = request.get("prompt") or request["messages"][-1]["content"]
    output = next((section for section, pattern in COMPILED if pattern.search(text)), "misc")
    print(json.dumps({"id": request["id"], "output": output}), flush=True)
