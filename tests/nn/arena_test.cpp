#include "nn/arena.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace huiyan::nn {
namespace {

// Whether the kernel offers transparent huge pages at all ("never" is selected otherwise).
bool kernel_has_huge_pages() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline(mode, line) && line.find("[never]") == std::string::npos;
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
  if (!kernel_has_huge_pages()) GTEST_SKIP() << "this kernel has no transparent huge pages";
  const size_t bytes = size_t{8} << 20;
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  advise_huge_pages(memory, bytes);
  const int eligible = huge_page_eligible(static_cast<char*>(memory) + bytes / 2);
  munmap(memory, bytes);
  if (eligible < 0) GTEST_SKIP() << "/proc/self/smaps has no THPeligible field";
  EXPECT_EQ(eligible, 1);
}

// After prefer_huge_pages, a large block from the heap (a model's embedding table, say) lies in
// memory marked for huge pages.
TEST(Arena, HeapBlocksMayTakeHugePagesWhenPreferred) {
  if (!kernel_has_huge_pages()) GTEST_SKIP() << "this kernel has no transparent huge pages";
  keep_freed_memory();
  prefer_huge_pages();
  const std::vector<float> table(size_t{4} << 20);  // 16 MB, below the heap's mmap threshold
  const int eligible = huge_page_eligible(table.data() + table.size() / 2);
  if (eligible < 0) GTEST_SKIP() << "/proc/self/smaps has no THPeligible field";
  EXPECT_EQ(eligible, 1);
}

}  // namespace
}  // namespace huiyan::nn
