// volley-run: a server's command line, given as one string, split into words.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace volley_run {

// The words of a command, or why the text cannot be split (in `error`).
struct command_words {
  std::vector<std::string> words;
  std::string error;
};

// Splits `text` as a POSIX shell splits plain words and quotes, and runs
// no shell:
//   - blanks (space, tab, newline) separate words;
//   - '...' keeps everything inside as it is;
//   - "..." keeps everything but \" \\ \$ \` (the backslash goes) and
//     \newline (both go);
//   - \c outside quotes is c, \newline outside quotes is nothing;
//   - ~ or ~/ at the start of a word, unquoted, is $HOME;
//   - '' or "" is an empty word.
// What only a shell could do is refused with the reason, never passed on
// as a literal argument: | & ; < > ( ) (pipes, lists, redirections,
// subshells), $ and ` (expansions, also inside "..."), # at the start of a
// word (a comment), ~user. Globs (* ? [) are not expanded: they reach the
// program as they are.
//
//   good: split_command_words("node 'my server.js' ~/data")  -> node, my server.js, /home/me/data
//   bad:  split_command_words("cd srv && node index.js")     -> error: && needs a shell
inline command_words split_command_words(std::string_view text) {
  command_words out;
  std::string word;
  bool in_word = false;  // a word has begun (it may be empty: '')
  auto finish_word = [&] {
    if (in_word) out.words.push_back(std::move(word));
    word.clear();
    in_word = false;
  };
  auto refuse = [&](std::string what) {
    out.words.clear();
    out.error = std::move(what) + ", and no shell is run (for one, give sh -c '...' as the command)";
    return out;
  };
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_blank(c)) {
      finish_word();
      ++i;
      continue;
    }
    if (c == '\'') {
      const std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) return refuse("a ' quote is not closed");
      word.append(text.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
      continue;
    }
    if (c == '"') {
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= text.size()) return refuse("a \" quote is not closed");
        const char d = text[j];
        if (d == '"') break;
        if (d == '$' || d == '`') {
          return refuse(std::string("'") + d + "' inside \"...\" is an expansion a shell would make");
        }
        if (d == '\\' && j + 1 < text.size()) {
          const char next = text[j + 1];
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            word.push_back(next);
            ++j;
            continue;
          }
          if (next == '\n') {
            ++j;
            continue;
          }
        }
        word.push_back(d);
      }
      in_word = true;
      i = j + 1;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return refuse("the command ends in a lone backslash");
      if (text[i + 1] != '\n') {
        word.push_back(text[i + 1]);
        in_word = true;
      }
      i += 2;
      continue;
    }
    if (c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')') {
      std::size_t end = i + 1;
      while (end < text.size() && text[end] == c) ++end;
      return refuse("'" + std::string(text.substr(i, end - i)) + "' is shell syntax");
    }
    if (c == '$' || c == '`') return refuse(std::string("'") + c + "' is an expansion a shell would make");
    if (!in_word && c == '#') return refuse("'#' at the start of a word begins a shell comment");
    if (!in_word && c == '~') {
      const bool alone = i + 1 == text.size() || is_blank(text[i + 1]) || text[i + 1] == '/';
      if (!alone) return refuse("'~user' is an expansion a shell would make");
      const char* home = std::getenv("HOME");
      if (home == nullptr || *home == '\0') return refuse("'~' needs HOME, which is not set");
      word.append(home);
      in_word = true;
      ++i;
      continue;
    }
    word.push_back(c);
    in_word = true;
    ++i;
  }
  finish_word();
  if (out.words.empty()) out.error = "the command is empty";
  return out;
}

}  // namespace volley_run
