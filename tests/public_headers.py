#!/usr/bin/env python3
"""The umbrella headers include every public header they promise, and only
those: volley/volley.hpp every header of the layers that need nothing but
the standard library (core/ exec/ tool/ run/ plan/ trace/ grade/ and
volley/effect.hpp), volley/io/io.hpp every header of io/,
volley/asio/asio.hpp every header of asio/,
volley/mcp/mcp.hpp every header of mcp/ but http_transport.hpp (which needs
volley::asio). A public header is any .hpp outside a detail/ folder; the
build compiles each alone when VOLLEY_CHECK_HEADERS is on."""
import pathlib
import re
import sys

include_root = pathlib.Path(__file__).resolve().parent.parent / "include"
root = include_root / "volley"
include = re.compile(r'^\s*#\s*include\s*"(volley/[^"]+)"', re.M)


def public_headers(layer):
    return {f"volley/{layer}/{h.name}" for h in (root / layer).glob("*.hpp")}


def included_by(umbrella):
    return set(include.findall((include_root / umbrella).read_text(encoding="utf-8")))


core_layers = ["core", "exec", "tool", "run", "plan", "trace", "grade"]
promises = {
    "volley/volley.hpp": set().union(*(public_headers(layer) for layer in core_layers)) | {"volley/effect.hpp"},
    "volley/io/io.hpp": public_headers("io") - {"volley/io/io.hpp"},
    "volley/asio/asio.hpp": public_headers("asio") - {"volley/asio/asio.hpp"},
    "volley/mcp/mcp.hpp": public_headers("mcp") - {"volley/mcp/mcp.hpp", "volley/mcp/http_transport.hpp"},
}
# Every top-level header and every layer folder must be covered by some
# promise (serve/, when it comes, brings its own).
known_layers = set(core_layers) | {"io", "asio", "mcp", "serve", "detail"}
failures = 0
for folder in sorted(p.name for p in root.iterdir() if p.is_dir()):
    if folder not in known_layers:
        print(f"include/volley/{folder}/: a layer this test does not know; add it to an umbrella header's promise")
        failures += 1
for top in sorted(p.name for p in root.glob("*.hpp")):
    if top not in ("volley.hpp", "effect.hpp"):
        print(f"include/volley/{top}: a top-level header no umbrella header promises")
        failures += 1
checked = 0
for umbrella, promised in promises.items():
    have = included_by(umbrella)
    for missing in sorted(promised - have):
        print(f"include/{umbrella} does not include {missing}")
        failures += 1
    for extra in sorted(have - promised):
        print(f"include/{umbrella} includes {extra}, which it does not promise")
        failures += 1
    for header in sorted(have):
        if not (include_root / header).is_file():
            print(f"include/{umbrella} includes {header}, which does not exist")
            failures += 1
    checked += len(promised)
print(f"public_headers: {checked} headers checked against {len(promises)} umbrella headers, {failures} problem(s)")
sys.exit(1 if failures else 0)
