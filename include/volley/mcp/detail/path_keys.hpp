// Resource keys for file system paths, so that two spellings of one file conflict.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace volley::mcp::detail {

// The absolute, normal form of a path a model wrote: "~" expanded, relative
// paths resolved against `base` (empty: this process's working directory),
// "." and ".." removed, symbolic links in the part that exists resolved
// (the filesystem server resolves them too), no trailing separator.
inline std::filesystem::path normal_path(std::string_view written, const std::filesystem::path& base) {
  std::string text(written);
  if (!text.empty() && text.front() == '~' && (text.size() == 1 || text[1] == '/')) {
    if (const char* home = std::getenv("HOME")) text = std::string(home) + text.substr(1);
  }
  std::filesystem::path path(text);
  if (path.is_relative()) path = (base.empty() ? std::filesystem::current_path() : base) / path;
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(path, ec);
  if (ec) resolved = path.lexically_normal();
  std::string out = resolved.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// The key of a file's contents, and the key of a directory's list of entries.
inline std::string file_key(const std::filesystem::path& normal) { return "file:" + normal.string(); }
inline std::string entries_key(const std::filesystem::path& normal) { return "entries:" + normal.string(); }

}  // namespace volley::mcp::detail
