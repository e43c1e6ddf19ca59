#include "nn/arena.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <string>

namespace huiyan::nn {
namespace {

// Whether this process may have transparent huge pages at all: the kernel offers them (unless
// "never" is selected) and they are not turned off for the process (as some container runtimes
// do).
bool huge_pages_possible() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline(mode, line) && line.find("[never]") == std::string::npos &&
         prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0;
}

// The kernel's word, from /proc/self/smaps, on whether the mapping holding `address` may be
// backed by huge pages: 1, 0, or -1 when smaps does not say.
int huge_page_eligible(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-' &&
        line.find(':') > line.find(' ')) {
      inside = begin <= at && at < end;
    } else if (inside && line.starts_with("THPeligible:")) {
      return std::stoi(line.substr(12));
    }
  }
  return -1;
}

// Memory we map ourselves, marked: the kernel may then back it with 2 MB pages.
TEST(Arena, AdvisedMemoryMayTakeHugePages) {
  if (!huge_pages_possible()) GTEST_SKIP() << "no transparent huge pages here";
  const size_t bytes = size_t{8} << 20;
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  advise_huge_pages(memory, bytes);
  const int eligible = huge_page_eligible(static_cast<char*>(memory) + bytes / 2);
  munmap(memory, bytes);
  if (eligible < 0) GTEST_SKIP() << "/proc/self/smaps has no THPeligible field";
  EXPECT_EQ(eligible, 1);
}

// prefer_huge_pages marks 240 MB of heap, where the next large blocks (a model's embedding
// table, say) then come from.
TEST(Arena, PreferHugePagesMarksASpanOfHeap) {
  if (!huge_pages_possible()) GTEST_SKIP() << "no transparent huge pages here";
  keep_freed_memory();
  const std::span<const std::byte> span = prefer_huge_pages();
  if (span.empty()) GTEST_SKIP() << "this C library did not give the blocks as one span";
  EXPECT_GE(span.size(), size_t{240} << 20);
  const int eligible = huge_page_eligible(span.data() + span.size() / 2);
  if (eligible < 0) GTEST_SKIP() << "/proc/self/smaps has no THPeligible field";
  EXPECT_EQ(eligible, 1);
}

}  // namespace
}  // namespace huiyan::nn
