#pragma once
// UTF-8 well-formedness (RFC 3629) for the readers whose text ends up in outputs:
// column names (summary.json, draws.csv headers), vocabulary and corpus words
// (topic word lists), JSON data keys, reports. One validator, so every reader and
// the HTML escaper agree on what is valid: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing past U+10FFFF, no truncated sequence. A byte-order
// mark (EF BB BF) is valid UTF-8; readers strip it at the start of a file.
#include <cstddef>
#include <string>
#include <string_view>

namespace elbo::io {

/// Length (1 to 4) of the well-formed UTF-8 sequence that starts at s[i]; 0 when
/// the bytes there are not one (a stray continuation or Latin-1 byte, an overlong
/// form, a surrogate, a code point past U+10FFFF, a sequence cut short). i < s.size().
size_t utf8_sequence_length(std::string_view s, size_t i);

/// Offset of the first byte of `s` that does not start a well-formed sequence;
/// std::string_view::npos when all of `s` is UTF-8.
size_t first_invalid_utf8(std::string_view s);

/// `s` without its leading UTF-8 byte-order mark, if it has one.
std::string_view strip_utf8_bom(std::string_view s);

/// Throws elbo::InputError at the first invalid byte of `text` (a file's contents,
/// or a part of them whose first line is `first_line`): "SOURCE:LINE: not valid
/// UTF-8 at column C (byte 0xXX); ... iconv ...". C counts bytes from 1.
void require_utf8(std::string_view text, const std::string& source, long first_line = 1);

/// The same for one value on a known line (a column name): "SOURCE:LINE: field
/// 'FIELD': SUBJECT is not valid UTF-8 (byte 0xXX); ... iconv ...".
void require_utf8_field(std::string_view value, const std::string& source, long line, const std::string& field,
                        std::string_view subject);

}  // namespace elbo::io
