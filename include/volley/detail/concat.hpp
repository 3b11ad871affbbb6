// volley/detail/concat.hpp: joins pieces of text into one string with one
// allocation, and without `"literal" + std::string&&`, which g++ 12 at -O3
// can flag with a false -Wrestrict warning (GCC bug 105651) in the builds of
// anyone who includes volley with -Werror. Standard library only: every
// layer may use it.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace volley::detail {

inline std::string concat(std::initializer_list<std::string_view> pieces) {
  std::size_t size = 0;
  for (std::string_view piece : pieces) size += piece.size();
  std::string out;
  out.reserve(size);
  for (std::string_view piece : pieces) out.append(piece.data(), piece.size());
  return out;
}

}  // namespace volley::detail
