// volley/tool/tool_registry.hpp: the tools a batch can call, by name.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "volley/core/outcome.hpp"
#include "volley/core/task.hpp"
#include "volley/effect.hpp"
#include "volley/tool/call_context.hpp"
#include "volley/tool/tool.hpp"

namespace volley {

class registered_tool;

// A call's arguments, parsed by its tool, with the resources they touch:
// what the scheduler needs before the call may start. Arguments of up to
// 48 bytes that move without throwing (a path, a query, a small struct)
// are held inline: preparing a call then allocates nothing for them.
class prepared_arguments {
 public:
  prepared_arguments() = default;
  prepared_arguments(prepared_arguments&& other) noexcept : resources(std::move(other.resources)) {
    take_args_from(other);
  }
  prepared_arguments& operator=(prepared_arguments&& other) noexcept {
    if (this != &other) {
      reset_args();
      resources = std::move(other.resources);
      take_args_from(other);
    }
    return *this;
  }
  ~prepared_arguments() { reset_args(); }

  std::vector<std::string> resources;

 private:
  friend class registered_tool;

  static constexpr std::size_t inline_size = 48;
  // How to destroy (and, when inline, move) the erased arguments.
  struct arguments_operations {
    void (*destroy)(void* args) noexcept;
    void (*move_to)(void* from, void* to) noexcept;  // null: held on the heap (moving passes the pointer)
  };
  template <class A>
  static constexpr bool fits_inline =
      sizeof(A) <= inline_size && alignof(A) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<A>;

  // Makes the arguments an A built from `value` (A: the tool's args_type,
  // which invoke casts back to); returns them.
  template <class A, class Value>
  std::remove_cv_t<A>& emplace_args(Value&& value) {
    using stored = std::remove_cv_t<A>;
    reset_args();
    if constexpr (fits_inline<stored>) {
      static constexpr arguments_operations operations{
          [](void* args) noexcept { static_cast<stored*>(args)->~stored(); },
          [](void* from, void* to) noexcept {
            ::new (to) stored(std::move(*static_cast<stored*>(from)));
            static_cast<stored*>(from)->~stored();
          }};
      stored* args = ::new (static_cast<void*>(m_inline)) stored(std::forward<Value>(value));
      m_args = args;
      m_operations = &operations;
      return *args;
    } else {
      static constexpr arguments_operations operations{[](void* args) noexcept { delete static_cast<stored*>(args); },
                                                       nullptr};
      stored* args = new stored(std::forward<Value>(value));
      m_args = args;
      m_operations = &operations;
      return *args;
    }
  }
  void take_args_from(prepared_arguments& other) noexcept {
    m_operations = std::exchange(other.m_operations, nullptr);
    if (!m_operations) {
      m_args = nullptr;
    } else if (m_operations->move_to) {
      m_operations->move_to(other.m_args, m_inline);
      m_args = m_inline;
    } else {
      m_args = other.m_args;
    }
    other.m_args = nullptr;
  }
  void reset_args() noexcept {
    if (m_operations) m_operations->destroy(m_args);
    m_operations = nullptr;
    m_args = nullptr;
  }

  const arguments_operations* m_operations = nullptr;  // null: no arguments
  void* m_args = nullptr;                              // into m_inline, or on the heap
  alignas(std::max_align_t) unsigned char m_inline[inline_size];
};

// One tool behind the registry's erased interface: its name and effect, and
// text in, outcome<std::string> out. Function pointers, no virtual calls.
class registered_tool {
 public:
  template <Tool T>
  explicit registered_tool(T tool)
      : m_name(std::string_view(tool.name)),
        m_effect(tool.effect),
        m_description(description_of(tool)),
        m_input_schema(input_schema_of(tool)),
        m_tool(new T(std::move(tool)), [](void* p) { delete static_cast<T*>(p); }),
        m_prepare(&prepare_impl<T>),
        m_prepare_into(&prepare_into_impl<T>),
        m_invoke(&invoke_impl<T>) {}

  const std::string& name() const noexcept { return m_name; }
  volley::effect effect() const noexcept { return m_effect; }
  // What the tool says it does; empty when it says nothing.
  const std::string& description() const noexcept { return m_description; }
  // The JSON Schema of its arguments, as JSON text; empty when it gives none.
  const std::string& input_schema() const noexcept { return m_input_schema; }

  // Parses the text a model wrote; a parse failure is invalid_arguments
  // naming the tool and the parser's message.
  outcome<prepared_arguments> prepare(std::string_view arguments) const { return m_prepare(*this, arguments); }

  // The same, parsed straight into `target` (an empty prepared_arguments):
  // no prepared arguments to move afterwards. On failure `target` holds
  // nothing the caller may use.
  //
  // When to use: the arguments' home already exists (a batch's call record)
  // and prepare()'s value would only be moved into it.
  //   good: if (auto parsed = tool->prepare_into(call.arguments, record.arguments); !parsed) ...
  //   bad:  reusing one target for a second call while the first may still
  //         run on it: its arguments are replaced under it.
  outcome<void> prepare_into(std::string_view arguments, prepared_arguments& target) const {
    return m_prepare_into(*this, arguments, target);
  }

  // Runs the tool on prepared arguments. A thrown exception becomes
  // tool_failed (cancelled when the call's stop was requested); never
  // rethrown. The arguments must outlive the returned task.
  task<outcome<std::string>> invoke(const prepared_arguments& arguments, call_context& ctx) const {
    return m_invoke(*this, arguments.m_args, ctx);
  }

 private:
  // Parses into `target`; throws what the tool's parser or resources throw.
  template <class T>
  static void parse_into(const registered_tool& self, std::string_view text, prepared_arguments& target) {
    const T& tool = *static_cast<const T*>(self.m_tool.get());
    const auto& args = target.emplace_args<typename T::args_type>(detail::parse_tool_args(tool, text));
    target.resources = detail::tool_resources(tool, args);
  }
  // The error for a parse that threw (called from inside the catch).
  static error rejected_arguments(const registered_tool& self) {
    return make_error(errc::invalid_arguments,
                      "tool '" + self.m_name + "' rejected its arguments: " + detail::current_exception_text());
  }

  template <class T>
  static outcome<prepared_arguments> prepare_impl(const registered_tool& self, std::string_view text) {
    prepared_arguments prepared;
    try {
      parse_into<T>(self, text, prepared);
    } catch (...) {
      return rejected_arguments(self);
    }
    return prepared;
  }

  template <class T>
  static outcome<void> prepare_into_impl(const registered_tool& self, std::string_view text,
                                         prepared_arguments& target) {
    try {
      parse_into<T>(self, text, target);
    } catch (...) {
      return rejected_arguments(self);
    }
    return {};
  }

  template <class T>
  static task<outcome<std::string>> invoke_impl(const registered_tool& self, void* args, call_context& ctx) {
    // Calls may run concurrently on one tool object: tools must be safe for that.
    T& tool = *static_cast<T*>(self.m_tool.get());
    const auto& typed_args = *static_cast<const typename T::args_type*>(args);
    error failure{errc::tool_failed, {}};
    try {
      if constexpr (std::is_void_v<typename T::result_type>) {
        co_await tool(typed_args, ctx);
        co_return std::string{};
      } else {
        auto result = co_await tool(typed_args, ctx);
        co_return detail::format_tool_result(tool, result);
      }
    } catch (...) {
      failure = detail::current_tool_failure(self.m_name, ctx);
    }
    co_return failure;
  }

  template <class T>
  static std::string description_of(const T& tool) {
    if constexpr (tool_with_description<T>) {
      return std::string(std::string_view(tool.description));
    } else {
      return {};
    }
  }
  template <class T>
  static std::string input_schema_of(const T& tool) {
    if constexpr (tool_with_input_schema<T>) {
      return std::string(std::string_view(tool.input_schema));
    } else {
      return {};
    }
  }

  std::string m_name;
  volley::effect m_effect;
  std::string m_description;
  std::string m_input_schema;
  std::unique_ptr<void, void (*)(void*)> m_tool;
  outcome<prepared_arguments> (*m_prepare)(const registered_tool&, std::string_view);
  outcome<void> (*m_prepare_into)(const registered_tool&, std::string_view, prepared_arguments&);
  task<outcome<std::string>> (*m_invoke)(const registered_tool&, void*, call_context&);
};

// The tools a batch may call, looked up by the name a model wrote.
//
// When to use: build one per agent (or per rollout sandbox) before running
// batches; it must outlive every batch that uses it, and must not change
// while a batch runs (lookups take no lock).
//
//   good: volley::tool_registry tools;
//         tools.add(read_file{});
//         tools.add(volley::make_tool("search", volley::effect::read_only, search_fn));
//   bad:  tools.add(read_file{}); tools.add(read_file{});   // throws: duplicate name
class tool_registry {
 public:
  // Adds a tool; throws std::invalid_argument when the name is taken or empty.
  template <Tool T>
  registered_tool& add(T tool) {
    std::string name{std::string_view(tool.name)};
    if (name.empty()) throw std::invalid_argument("volley::tool_registry::add: a tool needs a name");
    if (m_tools.contains(name)) {
      throw std::invalid_argument("volley::tool_registry::add: a tool named '" + name + "' is already registered");
    }
    auto entry = std::make_unique<registered_tool>(std::move(tool));
    auto& ref = *entry;
    m_tools.emplace(std::move(name), std::move(entry));
    return ref;
  }

  // The tool of that name, or nullptr.
  const registered_tool* find(std::string_view name) const {
    auto it = m_tools.find(name);
    return it == m_tools.end() ? nullptr : it->second.get();
  }
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  std::size_t size() const noexcept { return m_tools.size(); }

  // Every registered tool, sorted by name (to describe them to a model or
  // serve them over MCP).
  std::vector<const registered_tool*> list() const {
    std::vector<const registered_tool*> out;
    out.reserve(m_tools.size());
    for (const auto& [name, tool] : m_tools) out.push_back(tool.get());
    std::sort(out.begin(), out.end(), [](const registered_tool* a, const registered_tool* b) { return a->name() < b->name(); });
    return out;
  }

  // The registered names, sorted (for error messages and listings).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(m_tools.size());
    for (const auto& [name, tool] : m_tools) out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<registered_tool>, string_hash, std::equal_to<>> m_tools;
};

}  // namespace volley
