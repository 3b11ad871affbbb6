#!/usr/bin/env python3
"""Checks that every code block in README.md marked

    <!-- snippet: examples/FILE.cpp#NAME -->
    ```cpp
    ...
    ```

is, line for line (leading indentation aside), the region of FILE between
its two `// [NAME]` marker lines. The README's code then always compiles:
the examples are built by every configuration. Exit 1 with a diff otherwise."""
import difflib
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text(encoding="utf-8").splitlines()
marker = re.compile(r"<!-- snippet: (\S+)#(\S+) -->")


def dedent(lines):
    lines = list(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return [l[indent:].rstrip() for l in lines]


def region(path, name):
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    tag = f"// [{name}]"
    marks = [i for i, l in enumerate(lines) if l.strip() == tag]
    if len(marks) != 2:
        raise SystemExit(f"{path}: expected two '{tag}' lines, found {len(marks)}")
    return dedent(lines[marks[0] + 1 : marks[1]])


failures = 0
checked = 0
for i, line in enumerate(readme):
    m = marker.search(line)
    if not m:
        continue
    start = i + 1
    if start >= len(readme) or not readme[start].startswith("```"):
        print(f"README.md:{i + 1}: snippet marker not followed by a code block")
        failures += 1
        continue
    end = start + 1
    while end < len(readme) and not readme[end].startswith("```"):
        end += 1
    block = dedent(readme[start + 1 : end])
    want = region(m.group(1), m.group(2))
    checked += 1
    if block != want:
        failures += 1
        print(f"README.md:{start + 1}: snippet {m.group(1)}#{m.group(2)} differs from the source:")
        sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(want, block, "source", "README", lineterm=""))

if checked == 0:
    print("README.md has no snippet markers")
    failures += 1
print(f"readme snippets: {checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
