// The shared UTF-8 validator (io/utf8.hpp): RFC 3629's well-formed sequences are
// accepted whole, everything else is found at its first byte.
#include <gtest/gtest.h>

#include <string>

#include "elbo/core/error.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {
namespace {

constexpr size_t npos = std::string_view::npos;

TEST(Utf8, WellFormedSequencesOfOneToFourBytes) {
  EXPECT_EQ(first_invalid_utf8(""), npos);
  EXPECT_EQ(first_invalid_utf8("plain ascii, 0-9"), npos);
  EXPECT_EQ(first_invalid_utf8("r\xC3\xA9sum\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88"), npos);  // é € 📈
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x93\x88", 0), 4u);
  // the edges of each length, and of the surrogate block
  EXPECT_EQ(first_invalid_utf8("\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"), npos);
  EXPECT_EQ(first_invalid_utf8("\xED\x9F\xBF\xEE\x80\x80"), npos);  // U+D7FF, U+E000
}

TEST(Utf8, OverlongFormsAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);              // '/' in two bytes
  EXPECT_EQ(first_invalid_utf8("ab\xC1\xBF"), 2u);            // U+007F in two bytes
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\xAF"), 0u);          // '/' in three
  EXPECT_EQ(first_invalid_utf8("x\xE0\x9F\xBF"), 1u);         // U+07FF in three
  EXPECT_EQ(first_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);      // U+FFFF in four
}

TEST(Utf8, SurrogatesAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\xED\xA0\x80"), 0u);          // U+D800
  EXPECT_EQ(first_invalid_utf8("ok \xED\xBF\xBF"), 3u);       // U+DFFF
  EXPECT_EQ(utf8_sequence_length("\xED\xB2\x80", 0), 0u);     // a low surrogate alone
}

TEST(Utf8, CodePointsPastU10FFFFAndBadLeadBytesAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);      // U+110000
  EXPECT_EQ(first_invalid_utf8("\xF7\xBF\xBF\xBF"), 0u);      // U+1FFFFF
  for (const char* lead : {"\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80", "\xFE", "\xFF"}) {
    EXPECT_EQ(first_invalid_utf8(lead), 0u) << static_cast<unsigned>(static_cast<unsigned char>(lead[0]));
  }
  EXPECT_EQ(first_invalid_utf8("a\x80" "b"), 1u);             // a continuation byte with no lead
  EXPECT_EQ(first_invalid_utf8("r\xE9sum\xE9"), 1u);          // Latin-1 é
}

TEST(Utf8, TruncatedSequencesAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("ab\xE2\x82"), 2u);            // € without its last byte, at the end
  EXPECT_EQ(first_invalid_utf8("\xF0\x9F\x93"), 0u);
  EXPECT_EQ(first_invalid_utf8("\xC3"), 0u);
  EXPECT_EQ(first_invalid_utf8("\xC3" "A"), 0u);              // cut short by an ASCII byte
  EXPECT_EQ(first_invalid_utf8("\xE2\x82" "\xC3\xA9"), 0u);   // ... or by the next sequence
  // the length never reads past the view it is given
  const std::string bytes = "\xE2\x82\xAC";
  EXPECT_EQ(utf8_sequence_length(std::string_view(bytes).substr(0, 2), 0), 0u);
}

TEST(Utf8, ByteOrderMarkIsValidAndStrippedOnlyAtTheStart) {
  EXPECT_EQ(first_invalid_utf8("\xEF\xBB\xBF" "a,b"), npos);
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB\xBF" "a,b"), "a,b");
  EXPECT_EQ(strip_utf8_bom("a,b"), "a,b");
  EXPECT_EQ(strip_utf8_bom("x\xEF\xBB\xBF"), "x\xEF\xBB\xBF");
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB"), "\xEF\xBB");  // half a BOM is not one ...
  EXPECT_EQ(first_invalid_utf8("\xEF\xBB"), 0u);      // ... and not UTF-8
}

std::string error_of(void (*check)(std::string_view, const std::string&, long), std::string_view text, long first) {
  try {
    check(text, "words.txt", first);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Utf8, RequireUtf8NamesTheLineColumnAndByte) {
  EXPECT_EQ(error_of(require_utf8, "ok\nfine \xC3\xA9\n", 1), "");
  const std::string e = error_of(require_utf8, "alpha\nbe\xE9ta\ngamma\n", 1);
  EXPECT_EQ(e.rfind("words.txt:2: not valid UTF-8 at column 3 (byte 0xE9); ", 0), 0u) << e;
  EXPECT_NE(e.find("iconv"), std::string::npos) << e;
  EXPECT_EQ(error_of(require_utf8, "\xFF", 1).rfind("words.txt:1: not valid UTF-8 at column 1 (byte 0xFF)", 0), 0u);
  // a part of a file: lines count from its first
  EXPECT_EQ(error_of(require_utf8, "a\nb\n\x80", 40).rfind("words.txt:42: not valid UTF-8 at column 1", 0), 0u);
}

TEST(Utf8, RequireUtf8FieldNamesTheField) {
  EXPECT_NO_THROW(require_utf8_field("r\xC3\xA9sidu", "data.csv", 1, "column 3", "column name"));
  try {
    require_utf8_field("r\xE9sidu", "data.csv", 1, "column 3", "column name");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.field(), "column 3");
    EXPECT_EQ(std::string(e.what()).rfind("data.csv:1: field 'column 3': column name is not valid UTF-8 (byte 0xE9); ", 0),
              0u)
        << e.what();
  }
}

}  // namespace
}  // namespace elbo::io
