#include "io/utf8.h"

#include <gtest/gtest.h>

namespace huiyan::io {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("Zwei junge weiße Männer"));
  EXPECT_TRUE(is_valid_utf8("慧眼 — 😀"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, ReportsTheOffsetOfTheFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("abc\xFF"), 3u);
  EXPECT_EQ(find_invalid_utf8("12345678\x80"), 8u);   // stray continuation after the fast path
  EXPECT_EQ(find_invalid_utf8("ok \xC3"), 3u);        // truncated two-byte sequence
  EXPECT_EQ(find_invalid_utf8("\xE2\x82"), 0u);       // truncated three-byte sequence
  EXPECT_EQ(find_invalid_utf8("a\xE2\x28\xA1"), 1u);  // bad continuation
}

TEST(Utf8, RejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\xAF"), 0u);  // overlong, four bytes
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);      // U+D800 surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);
}

// Data in a message stays on its one line and cannot reach a terminal as a command.
TEST(Utf8, QuotedTextIsOneLineOfPlainCharacters) {
  EXPECT_EQ(quoted("caf\u00e9 \u6771"), "'caf\u00e9 \u6771'");
  EXPECT_EQ(quoted("5\x00"
                   "6"),
            "'5'");  // a C string: the NUL ends it
  EXPECT_EQ(quoted(std::string_view("5\x00"
                                    "6",
                                    3)),
            "'5\\x006'");
  EXPECT_EQ(quoted("a\rb\x1B[31mc\x7F"), "'a\\x0Db\\x1B[31mc\\x7F'");
  EXPECT_EQ(quoted("x\u0085y\u2028z"), "'x\\u{0085}y\\u{2028}z'");
  EXPECT_EQ(quoted("1\u00AD \u202Eab\u2066\uFEFF"), "'1\\u{00AD} \\u{202E}ab\\u{2066}\\u{FEFF}'");
  EXPECT_EQ(quoted("bad\xFF\xC3"), "'bad\\xFF\\xC3'");
  EXPECT_EQ(quoted("\u6771\u4eac\u90fd", 2), "'\u6771\u4eac\u2026'");
}

}  // namespace
}  // namespace huiyan::io
