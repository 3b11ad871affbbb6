#!/usr/bin/env python3
"""The layers in DESIGN.md are a contract: each folder of include/volley/ may
include only the layers listed here (plus itself, the standard library, and
the vocabulary headers volley/effect.hpp and volley/detail/). Only the
optional layers include third-party headers, each only its own libraries:
io/ nlohmann/json; asio/ Boost (Asio, Beast) and OpenSSL, except its SSE
parser, which stays standard library only."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "include" / "volley"
allowed = {
    "core": set(),
    "exec": {"core"},
    "tool": {"core"},
    "plan": set(),
    "trace": set(),
    "grade": {"trace", "plan"},
    "run": {"core", "exec", "tool", "plan", "trace"},
    "io": {"core", "exec", "tool", "plan", "trace", "grade", "run"},
    "asio": {"core", "exec"},
    "mcp": {"core", "exec", "tool", "plan", "trace", "grade", "run", "io", "asio"},
}
third_party = {"io": ("nlohmann/",), "asio": ("boost/", "openssl/"), "mcp": ("nlohmann/", "boost/")}
# Headers of an optional layer that must not use its third-party libraries.
standard_only = {"asio/sse_parser.hpp"}
# Includes only one header of a layer may make: mcp/ reaches Boost and
# volley/asio only through http_transport.hpp, so the stdio client builds
# without Boost.
confined = {"mcp": ("mcp/http_transport.hpp", ("boost/", "volley/asio/"))}
vocabulary = {"volley/effect.hpp"}
include = re.compile(r'#\s*include\s*[<"]([^>"]+)[>"]')
failures = 0
checked = 0
for layer, others in allowed.items():
    for header in sorted((root / layer).rglob("*.hpp")):
        for number, line in enumerate(header.read_text(encoding="utf-8").splitlines(), 1):
            m = include.match(line.strip())
            if not m:
                continue
            target = m.group(1)
            checked += 1
            name = header.relative_to(root).as_posix()
            if layer in confined and target.startswith(confined[layer][1]) and name != confined[layer][0]:
                print(f"{header.relative_to(root.parent)}:{number}: only {confined[layer][0]} may include {target}")
                failures += 1
                continue
            if not target.startswith("volley/"):
                if "/" in target and not target.startswith(("bits/", "sys/")):
                    if name in standard_only or not target.startswith(third_party.get(layer, ())):
                        print(f"{header.relative_to(root.parent)}:{number}: {layer}/ includes a non-standard header {target}")
                        failures += 1
                continue
            if name in standard_only and not target.startswith("volley/detail/"):
                print(f"{header.relative_to(root.parent)}:{number}: {name} must stay standard library only, not include {target}")
                failures += 1
                continue
            if target in vocabulary or target.startswith("volley/detail/"):
                continue
            target_layer = target.split("/")[1]
            if target_layer != layer and target_layer not in others:
                print(f"{header.relative_to(root.parent)}:{number}: {layer}/ may not include {target}")
                failures += 1
print(f"layer includes: {checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
