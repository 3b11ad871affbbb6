#!/usr/bin/env bash
# Fuzzes volley's JSON importers (tests/fuzz/fuzz_importers.cpp) with libFuzzer
# under ASan+UBSan for a bounded time.
#
#   tests/fuzz/run_fuzz.sh [SECONDS]      (default 60)
#
# Builds with clang++-14 into a temporary folder, writes a small seed corpus
# and a dictionary of the formats' keys there, and runs. Exits 0 when the run
# ends with no crash, leak, uncaught exception or sanitizer report; otherwise
# non-zero, keeping the folder (with the crashing input) and printing its path.
# No corpus is kept in the repository. CXX overrides the compiler.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS]  (a whole number of seconds, default 60)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cxx="${CXX:-clang++-14}"
work="$(mktemp -d "${TMPDIR:-/tmp}/volley-fuzz.XXXXXX")"
keep=0
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

echo "building the fuzz target with $cxx in $work"
"$cxx" -std=c++20 -g -O1 -Wall -Wextra -Wpedantic -Werror -I"$root/include" \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  "$root/tests/fuzz/fuzz_importers.cpp" -o "$work/fuzz_importers"

# ---- seed corpus: small valid and broken inputs of every shape the readers know
corpus="$work/corpus"
mkdir "$corpus"
seed() { printf '%s' "$2" > "$corpus/$1"; }
seed openai.json '[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"search","arguments":"{\"q\":\"x\"}"}},{"id":"c2","type":"function","function":{"name":"read","arguments":{"path":"a"}}}]},{"role":"tool","tool_call_id":"c2","content":"b"},{"role":"tool","tool_call_id":"c1","name":"search","content":"a"},{"role":"assistant","content":"done"}]'
seed openai_body.json '{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":""}}]},{"role":"tool","tool_call_id":"c","content":"r"}]}'
seed openai_message.json '{"role":"assistant","content":"x","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","function":{"name":"g","arguments":"[1]"}}]}'
seed anthropic.json '[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"text","text":"t"},{"type":"tool_use","id":"t1","name":"search","input":{"q":"x"}},{"type":"tool_use","id":"t2","name":"list","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a"},{"type":"tool_result","tool_use_id":"t2","is_error":true,"content":[{"type":"text","text":"e"}]}]},{"role":"assistant","content":"done"}]'
seed anthropic_response.json '{"id":"msg","type":"message","role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":[1,{"b":null}]}}],"stop_reason":"tool_use"}'
seed records.json '[{"task_id":0,"trial":0,"reward":1.0,"traj":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","name":"f","content":"r"}]},{"task_id":1,"reward":false,"messages":[]}]'
seed lines.jsonl $'[{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]}]\n{"id":"x","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"a"}]}]}\n\nnot json\r\n{"traj":[]}\n'
seed broken.json $'[\n  {"messages": [}\n]\n'
seed mixed.json '[{"role":"tool","tool_call_id":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"b","name":"g","input":{}}]}]'
seed wrong_types.json '[{"role":"assistant","tool_calls":[{"id":7,"function":{"name":"f","arguments":1}}]},{"role":"tool","tool_call_id":null}]'
seed utf8.json '[{"role":"assistant","tool_calls":[{"id":"\u00e9\ud83d\ude00","type":"function","function":{"name":"\u0000","arguments":"\"\\\\"}}]}]'

# ---- dictionary: the keys and values the importers look for
cat > "$work/json.dict" <<'DICT'
"\"role\""
"\"assistant\""
"\"user\""
"\"tool\""
"\"system\""
"\"content\""
"\"tool_calls\""
"\"tool_call_id\""
"\"function\""
"\"arguments\""
"\"name\""
"\"id\""
"\"type\""
"\"tool_use\""
"\"tool_result\""
"\"tool_use_id\""
"\"input\""
"\"is_error\""
"\"messages\""
"\"traj\""
"\"reward\""
"\"task_id\""
"\"trial\""
"null"
"true"
"false"
"{}"
"[]"
"\"\\u0000\""
DICT

echo "fuzzing for $seconds s"
set +e
(cd "$work" && ./fuzz_importers -max_total_time="$seconds" -timeout=10 -max_len=4096 \
  -dict="$work/json.dict" -artifact_prefix="$work/" -print_final_stats=1 "$corpus") > "$work/fuzz.log" 2>&1
status=$?
set -e
tail -n 25 "$work/fuzz.log"
if [ "$status" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|deadly signal|uncaught exception' "$work/fuzz.log"; then
  keep=1
  echo "FUZZING FOUND A PROBLEM (exit $status); log, binary and crashing input kept in $work" >&2
  exit 1
fi
echo "fuzzing: no crash, leak or sanitizer report in $seconds s"
