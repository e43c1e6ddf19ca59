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

}  // namespace
}  // namespace huiyan::io
