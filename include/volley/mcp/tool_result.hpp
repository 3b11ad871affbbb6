// volley/mcp/tool_result.hpp: what tools/call answered, and its text for a model.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace volley::mcp {

// The result of one tools/call: its content blocks, its structured content
// and whether the tool reported an error (isError), as the server sent them.
//
// When to use: client::call_tool returns it; text() is what a model is
// shown. (Tools added to a registry with add_tools return text() and turn
// is_error into the call's error.)
//
//   good: auto r = co_await client.call_tool("read_text_file", {{"path", p}}); if (!r.is_error) use(r.text());
//   bad:  r.content[0]["text"] without checking the block's type: an image
//         block has none.
struct tool_result {
  nlohmann::json content = nlohmann::json::array();
  nlohmann::json structured_content;  // null when absent
  bool is_error = false;

  // Text blocks as they are, joined by newlines; image, audio and embedded
  // resource blocks summarized as "[image: image/png, 1234 bytes]",
  // "[resource: file:///a.txt, text/plain, 12 bytes]"; resource links as
  // "[resource link: URI]". With no content block at all, the structured
  // content as JSON text.
  std::string text() const {
    std::string out;
    auto add = [&out](std::string_view piece) {
      if (!out.empty()) out.push_back('\n');
      out.append(piece);
    };
    if (content.is_array()) {
      for (const auto& block : content) add(block_text(block));
    }
    if ((!content.is_array() || content.empty()) && !structured_content.is_null()) {
      add(structured_content.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return out;
  }

  // One content block as text (see text()).
  static std::string block_text(const nlohmann::json& block) {
    if (!block.is_object()) return "[content block that is not an object]";
    const std::string type = string_member(block, "type");
    if (type == "text") return string_member(block, "text");
    if (type == "image" || type == "audio") {
      return "[" + type + ": " + or_unknown(string_member(block, "mimeType")) + ", " +
             std::to_string(decoded_size(string_member(block, "data"))) + " bytes]";
    }
    if (type == "resource") {
      const auto resource = block.find("resource");
      if (resource == block.end() || !resource->is_object()) return "[resource]";
      std::string out = "[resource: " + or_unknown(string_member(*resource, "uri"));
      if (auto mime = string_member(*resource, "mimeType"); !mime.empty()) out += ", " + mime;
      if (resource->contains("text")) {
        out += ", " + std::to_string(string_member(*resource, "text").size()) + " bytes of text";
      } else {
        out += ", " + std::to_string(decoded_size(string_member(*resource, "blob"))) + " bytes";
      }
      return out + "]";
    }
    if (type == "resource_link") {
      std::string out = "[resource link: " + or_unknown(string_member(block, "uri"));
      if (auto name = string_member(block, "name"); !name.empty()) out += " (" + name + ")";
      return out + "]";
    }
    return "[" + (type.empty() ? std::string("untyped") : type) + " content]";
  }

  // The bytes a base64 text decodes to (padded or not).
  static std::size_t decoded_size(std::string_view base64) noexcept {
    std::size_t symbols = 0;
    for (char c : base64) {
      if (c != '=' && c != '\n' && c != '\r') ++symbols;
    }
    return symbols * 3 / 4;
  }

 private:
  static std::string string_member(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
  }
  static std::string or_unknown(std::string text) { return text.empty() ? "unknown" : text; }
};

}  // namespace volley::mcp
