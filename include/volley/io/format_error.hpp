// volley/io/format_error.hpp: the one exception the JSON adapters throw.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace volley::io {

// When to use: catch it around any call into volley/io that reads JSON a model,
// a provider or a file produced. It says what is wrong and where: `path()` is
// the JSON path of the offending field (`messages[3].tool_calls[0].function.name`),
// `problem()` what is wrong with it (`expected string, got number`), and
// `what()` is both joined by ": ". The adapters catch every nlohmann/json
// exception and rethrow it as this one, so no other exception escapes them
// (except std::bad_alloc when memory runs out).
//
//   good: try { t = volley::io::openai::trace_from_conversation(j); }
//         catch (const volley::io::format_error& e) { log(e.what()); skip(); }
//   bad:  catch (const nlohmann::json::exception&) { ... }  // never thrown by volley/io
class format_error : public std::runtime_error {
 public:
  format_error(std::string path, std::string problem)
      : std::runtime_error(path.empty() ? problem : path + ": " + problem),
        m_path(std::move(path)),
        m_problem(std::move(problem)) {}

  // The JSON path of the field at fault; empty when the fault is the whole input.
  const std::string& path() const noexcept { return m_path; }
  // What is wrong with it, without the path.
  const std::string& problem() const noexcept { return m_problem; }

 private:
  std::string m_path;
  std::string m_problem;
};

}  // namespace volley::io
