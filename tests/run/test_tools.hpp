// Tools for the run/ tests: the seed's tools with their latencies, and a
// shared in-memory key-value store whose calls must serialize correctly.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "volley/volley.hpp"

namespace test_tools {

using namespace std::chrono_literals;

// The reference every parallel run is checked against: each call alone, in
// order, each as its own one-call batch.
template <volley::Executor E>
volley::task<std::vector<volley::call_result>> one_by_one(E& executor, const volley::tool_registry& tools,
                                                          std::vector<volley::tool_call> calls) {
  std::vector<volley::call_result> results;
  for (auto& call : calls) {
    std::vector<volley::tool_call> single(1, call);
    auto r = co_await volley::parallel_batch(executor, tools, std::move(single));
    results.push_back(std::move(r[0]));
  }
  co_return results;
}

inline volley::task<std::string> wait_then(volley::call_context& ctx, volley::duration latency, std::string text) {
  co_await ctx.sleep_for(latency);
  co_return text;
}

// The seed's tools: arguments are the raw text; latency by tool.
inline volley::tool_registry seed_registry() {
  volley::tool_registry tools;
  tools.add(volley::make_tool("search", volley::effect::read_only, [](const std::string& q, volley::call_context& ctx) {
    return wait_then(ctx, 2s, "results for " + q);
  }));
  tools.add(volley::make_tool("read_file", volley::effect::read_only,
                              [](const std::string& path, volley::call_context& ctx) {
                                return wait_then(ctx, 1500ms, "contents of " + path);
                              }));
  tools.add(volley::make_tool("list", volley::effect::read_only, [](const std::string& dir, volley::call_context& ctx) {
    return wait_then(ctx, 500ms, "listing of " + dir);
  }));
  return tools;
}

inline std::vector<volley::tool_call> seed_batch() {
  return {{"c1", "search", "Intel financial data"},
          {"c2", "read_file", "2023_report.pdf"},
          {"c3", "search", "return metrics"},
          {"c4", "list", "/financial_reports"}};
}

// A key-value store shared by every call of a batch. Arguments: "key" for
// get, "key=value" for put, "*" prefix for an unscoped mutation (clear_all).
// Every operation appends to a log and returns what it saw.
struct kv_store {
  std::mutex mutex;
  std::map<std::string, std::string> data;
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};

  void enter() {
    int now = in_flight.fetch_add(1) + 1;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { in_flight.fetch_sub(1); }
};

inline volley::task<std::string> kv_get(kv_store& store, std::string key, volley::call_context& ctx,
                                        volley::duration before, volley::duration after) {
  store.enter();
  co_await ctx.sleep_for(before);
  std::string value;
  {
    std::lock_guard lock{store.mutex};
    auto it = store.data.find(key);
    value = it == store.data.end() ? "<none>" : it->second;
  }
  co_await ctx.sleep_for(after);
  store.leave();
  co_return key + ":" + value;
}

inline volley::task<std::string> kv_put(kv_store& store, std::string key, std::string value, volley::call_context& ctx,
                                        volley::duration before, volley::duration after) {
  store.enter();
  co_await ctx.sleep_for(before);
  std::string old;
  {
    std::lock_guard lock{store.mutex};
    old = store.data.count(key) ? store.data[key] : "<none>";
    store.data[key] = value;
  }
  co_await ctx.sleep_for(after);
  store.leave();
  co_return key + ":" + old + "->" + value;
}

inline volley::task<std::string> kv_append_all(kv_store& store, std::string suffix, volley::call_context& ctx,
                                               volley::duration before, volley::duration after) {
  store.enter();
  co_await ctx.sleep_for(before);
  std::string seen;
  {
    std::lock_guard lock{store.mutex};
    for (auto& [k, v] : store.data) {
      seen += k + "=" + v + ";";
      v += suffix;
    }
  }
  co_await ctx.sleep_for(after);
  store.leave();
  co_return seen;
}

// Latencies come from the arguments' "|<before_us>|<after_us>" suffix so a
// test can choose them per call.
struct kv_args {
  std::string body;
  volley::duration before{};
  volley::duration after{};
  static kv_args parse(std::string_view text) {
    kv_args a;
    auto bar = text.find('|');
    a.body = std::string(text.substr(0, bar));
    if (bar != std::string_view::npos) {
      auto rest = text.substr(bar + 1);
      auto bar2 = rest.find('|');
      a.before = std::chrono::microseconds{std::stol(std::string(rest.substr(0, bar2)))};
      if (bar2 != std::string_view::npos) a.after = std::chrono::microseconds{std::stol(std::string(rest.substr(bar2 + 1)))};
    }
    return a;
  }
};

struct kv_get_tool {
  static constexpr std::string_view name = "get";
  static constexpr volley::effect effect = volley::effect::read_only;
  using args_type = kv_args;
  using result_type = std::string;
  kv_store* store;
  static kv_args parse_args(std::string_view text) { return kv_args::parse(text); }
  std::vector<std::string> resources(const kv_args& a) const { return {a.body}; }
  volley::task<std::string> operator()(const kv_args& a, volley::call_context& ctx) const {
    return kv_get(*store, a.body, ctx, a.before, a.after);
  }
};

struct kv_put_tool {
  static constexpr std::string_view name = "put";
  static constexpr volley::effect effect = volley::effect::mutating;
  using args_type = kv_args;
  using result_type = std::string;
  kv_store* store;
  static kv_args parse_args(std::string_view text) {
    auto a = kv_args::parse(text);
    if (a.body.find('=') == std::string::npos) throw std::invalid_argument("expected key=value, got '" + a.body + "'");
    return a;
  }
  std::vector<std::string> resources(const kv_args& a) const {
    // (A loop, not a.body.substr(0, a.body.find('=')): inlined into the
    // registry's parser, that draws a false -Wstringop-overread from g++ 12 -O3.)
    std::string key;
    for (char c : a.body) {
      if (c == '=') break;
      key += c;
    }
    return {std::move(key)};
  }
  volley::task<std::string> operator()(const kv_args& a, volley::call_context& ctx) const {
    auto eq = a.body.find('=');
    return kv_put(*store, a.body.substr(0, eq), a.body.substr(eq + 1), ctx, a.before, a.after);
  }
};

// Mutating and declaring no resources: it touches everything.
struct kv_append_all_tool {
  static constexpr std::string_view name = "append_all";
  static constexpr volley::effect effect = volley::effect::mutating;
  using args_type = kv_args;
  using result_type = std::string;
  kv_store* store;
  static kv_args parse_args(std::string_view text) { return kv_args::parse(text); }
  volley::task<std::string> operator()(const kv_args& a, volley::call_context& ctx) const {
    return kv_append_all(*store, a.body, ctx, a.before, a.after);
  }
};

inline volley::tool_registry kv_registry(kv_store& store) {
  volley::tool_registry tools;
  tools.add(kv_get_tool{&store});
  tools.add(kv_put_tool{&store});
  tools.add(kv_append_all_tool{&store});
  return tools;
}

}  // namespace test_tools
