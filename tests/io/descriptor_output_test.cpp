#include "io/descriptor_output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "tests/temp_dir.h"

namespace huiyan::io {
namespace {

using huiyan::testing::TempDir;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Small writes, one larger than the buffer, one just under it and single characters arrive whole
// and in order.
TEST(DescriptorOutput, WritesEverythingInOrder) {
  TempDir dir;
  const std::string path = dir / "out";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  std::string expected;
  {
    DescriptorOutput buffer(fd, 16);
    std::ostream out(&buffer);
    const std::string big(40, 'b'), near(15, 'n');
    for (int i = 0; i < 5; ++i) {
      out << i << 'x' << big << near << "\n";
      expected += std::to_string(i) + "x" + big + near + "\n";
    }
    for (char c : std::string(40, 'c')) out.put(c);  // one character at a time: overflow's path
    expected += std::string(40, 'c');
    out.flush();
    EXPECT_TRUE(out.good());
    EXPECT_EQ(buffer.error(), 0);
    out << "tail";  // flushed by the destructor
    expected += "tail";
  }
  ::close(fd);
  EXPECT_EQ(read_all(path), expected);
}

// A full device: the stream fails, the buffer remembers why, and nothing is written after.
TEST(DescriptorOutput, RemembersWhyAWriteFailed) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "no writable /dev/full";
  DescriptorOutput buffer(fd, 16);
  std::ostream out(&buffer);
  out << std::string(100, 'a') << std::flush;
  EXPECT_FALSE(out.good());
  EXPECT_EQ(buffer.error(), ENOSPC);
  ::close(fd);
}

// A reader that went away: EPIPE (with SIGPIPE ignored, as the test runner may not), no crash.
TEST(DescriptorOutput, AClosedPipeIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  struct sigaction ignore = {}, previous = {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  {
    DescriptorOutput buffer(fds[1], 16);
    std::ostream out(&buffer);
    out << "hello" << std::flush;
    EXPECT_FALSE(out.good());
    EXPECT_EQ(buffer.error(), EPIPE);
  }
  ::sigaction(SIGPIPE, &previous, nullptr);
  ::close(fds[1]);
}

}  // namespace
}  // namespace huiyan::io
