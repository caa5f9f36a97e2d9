#include "elbo/io/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "elbo/core/error.hpp"

namespace elbo::io {
namespace {

// What the user can do about it: most such files are Latin-1 or Windows-1252.
constexpr const char* kUtf8Hint =
    "is the file in another encoding? convert it with iconv, e.g. iconv -f latin1 -t utf-8 FILE";

std::string utf8_byte_hex(char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buf;
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;  // a continuation byte or 0xF8..0xFF
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // overlong forms, surrogates and values beyond U+10FFFF are invalid
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // the common case, no call
      ++i;
      continue;
    }
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string_view strip_utf8_bom(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

void require_utf8(std::string_view text, const std::string& source, long first_line) {
  const size_t bad = first_invalid_utf8(text);
  if (bad == std::string_view::npos) return;
  const std::string_view before = text.substr(0, bad);
  const long line = first_line + static_cast<long>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  throw InputError(source, line, "",
                   "not valid UTF-8 at column " + std::to_string(bad - line_start + 1) + " (byte " +
                       utf8_byte_hex(text[bad]) + "); " + kUtf8Hint);
}

void require_utf8_field(std::string_view value, const std::string& source, long line, const std::string& field,
                        std::string_view subject) {
  const size_t bad = first_invalid_utf8(value);
  if (bad == std::string_view::npos) return;
  throw InputError(source, line, field,
                   std::string(subject) + " is not valid UTF-8 (byte " + utf8_byte_hex(value[bad]) + "); " + kUtf8Hint);
}

}  // namespace elbo::io
