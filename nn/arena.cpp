#include "nn/arena.h"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace huiyan::nn {

namespace {
constexpr size_t kAlignment = 64;
size_t round_up(size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}
}  // namespace

void Arena::Free::operator()(void* p) const {
  std::free(p);
}

void advise_huge_pages(void* memory, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<uintptr_t>(memory) + kHuge - 1) / kHuge * kHuge;
  const auto end = (reinterpret_cast<uintptr_t>(memory) + bytes) / kHuge * kHuge;
  // Without transparent huge pages (or on a kernel that refuses) the pages stay 4 KB: no error.
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

void keep_freed_memory() {
  // Blocks up to 1 GiB come from the heap (not from mmap, which unmaps them on free), and up to
  // 1 GiB of free heap top is kept. C libraries that refuse so high a threshold get the largest
  // one mallopt documents (32 MiB on 64-bit): still above a decoding step's or a batch's blocks.
  if (mallopt(M_MMAP_THRESHOLD, 1 << 30) == 0) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

std::span<const std::byte> prefer_huge_pages() {
  // The heap grows by blocks below keep_freed_memory's mmap threshold, marked for huge pages and
  // freed again: the heap keeps them (it trims nothing below 1 GiB), and what is made there later
  // faults in 2 MB at a time. A fault costs about 15 us in this workplace's VMs: loading and
  // packing a Transformer-small took 19,000 of them, 40 % of a one-line `huiyan translate`.
  constexpr size_t kBlock = size_t{30} << 20;
  constexpr size_t kBlocks = 8;
  std::array<std::byte*, kBlocks> blocks{};
  for (auto& block : blocks) block = static_cast<std::byte*>(std::malloc(kBlock));
  // Blocks from the heap's top lie one after another, a chunk header apart: marked as one span,
  // no 2 MB page is lost at their seams. Blocks the C library mapped apart (or did not give) are
  // marked one by one, and go back to the system on free.
  std::span<const std::byte> span;
  if (std::find(blocks.begin(), blocks.end(), nullptr) == blocks.end()) {
    const auto [first, last] = std::minmax_element(blocks.begin(), blocks.end());
    const auto bytes = static_cast<size_t>(*last + kBlock - *first);
    if (bytes < kBlocks * (kBlock + 4096)) span = {*first, bytes};
  }
  if (!span.empty()) {
    advise_huge_pages(const_cast<std::byte*>(span.data()), span.size());
  } else {
    for (std::byte* block : blocks) {
      if (block != nullptr) advise_huge_pages(block, kBlock);
    }
  }
  for (std::byte* block : blocks) std::free(block);
  return span;
}

Arena::Arena(size_t initial_bytes) {
  add_block(initial_bytes);
}

void Arena::add_block(size_t bytes) {
  bytes = round_up(std::max<size_t>(bytes, kAlignment));
  void* memory = std::aligned_alloc(kAlignment, bytes);
  if (memory == nullptr) throw std::bad_alloc();
  blocks_.push_back({std::unique_ptr<std::byte, Free>(static_cast<std::byte*>(memory)), bytes, 0});
}

void* Arena::allocate(size_t bytes) {
  bytes = rounded(bytes);
  Block* block = &blocks_.back();
  if (block->offset + bytes > block->size) {
    add_block(std::max(bytes, block->size * 2));
    block = &blocks_.back();
  }
  void* p = block->memory.get() + block->offset;
  block->offset += bytes;
  used_ += bytes;
  return p;
}

void Arena::reset() {
  high_water_ = std::max(high_water_, used_);
  if (blocks_.size() > 1) {
    size_t total = 0;
    for (const auto& block : blocks_) total += block.size;
    blocks_.clear();
    add_block(total);
  }
  blocks_.back().offset = 0;
  used_ = 0;
}

size_t Arena::capacity_bytes() const {
  size_t total = 0;
  for (const auto& block : blocks_) total += block.size;
  return total;
}

size_t Arena::rounded(size_t bytes) {
  return round_up(std::max<size_t>(bytes, 1));
}

void* FreeBlocks::take(size_t bytes) {
  const auto found = free_.find(Arena::rounded(bytes));
  if (found == free_.end() || found->second.empty()) return nullptr;
  void* block = found->second.back();
  found->second.pop_back();
  return block;
}

void FreeBlocks::give_back(void* block, size_t bytes, uint64_t generation) {
  if (generation == generation_) free_[Arena::rounded(bytes)].push_back(block);
}

void FreeBlocks::clear(uint64_t generation) {
  for (auto& [size, blocks] : free_) blocks.clear();
  generation_ = generation;
}

}  // namespace huiyan::nn
