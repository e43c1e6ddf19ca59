#pragma once
// Memory for one training step (or one inference batch): allocation is a pointer bump, and
// reset() frees everything at once. After a reset with several blocks in use, the next step gets
// one block as large as all of them, so a steady state makes no system allocation at all.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

namespace huiyan::nn {

// Asks the C library to keep large freed blocks for reuse rather than hand them back to the
// system: a batch's arena, caches and the next batch's then reuse memory that is already mapped,
// instead of taking fresh pages, each zeroed by the kernel on first touch (measured: a third of
// beam search's time went to page faults). Call once at program start.
void keep_freed_memory();

// Asks the kernel for 2 MB pages (transparent huge pages) on the heap's next 240 MB, where a
// model's parameters, its packed weights and its decoding memory then fault in 2 MB at a time
// instead of 4 KB. For commands that run a trained model: measured on Transformer-small, a
// one-line `huiyan translate` took half the time and translating Multi30k's test2016 8-18 % less,
// but training ran 5-7 % slower. Memory that worker threads allocate comes from their own heaps
// and keeps 4 KB pages; a kernel set to `never` (/sys/kernel/mm/transparent_hugepage/enabled)
// gives none. Call once, after keep_freed_memory and before loading a model. Returns the span of
// heap marked (empty where the C library did not hand out one span).
std::span<const std::byte> prefer_huge_pages();

// Asks the kernel for transparent huge pages (2 MB) on the whole 2 MB pages within
// [memory, memory + bytes); a no-op where the kernel has none.
void advise_huge_pages(void* memory, size_t bytes);

class Arena {
 public:
  explicit Arena(size_t initial_bytes = size_t{1} << 20);

  // 64-byte aligned, uninitialized.
  void* allocate(size_t bytes);
  template <typename T>
  T* allocate(size_t count) {
    return static_cast<T*>(allocate(count * sizeof(T)));
  }

  void reset();
  // The bytes allocate(bytes) takes: a multiple of the 64-byte alignment.
  static size_t rounded(size_t bytes);
  size_t used_bytes() const { return used_; }
  size_t capacity_bytes() const;

 private:
  struct Free {
    void operator()(void* p) const;
  };
  struct Block {
    std::unique_ptr<std::byte, Free> memory;
    size_t size = 0;
    size_t offset = 0;
  };
  void add_block(size_t bytes);

  std::vector<Block> blocks_;
  size_t used_ = 0;
  size_t high_water_ = 0;
};

// Arena blocks handed back before the arena's reset, kept by size for the next request of the
// same size. In inference no tape holds a graph's tensors, so a tensor's memory can go back as
// soon as the tensor dies: a batch's encoder layers then reuse one layer's memory, still in the
// cache, instead of writing fresh memory (and taking fresh pages) for every tensor.
class FreeBlocks {
 public:
  explicit FreeBlocks(uint64_t generation) : generation_(generation) {}
  // A block of exactly Arena::rounded(bytes) bytes handed back in this generation, or null.
  void* take(size_t bytes);
  // Blocks of an older generation are dropped: the arena has been reset since they were made.
  void give_back(void* block, size_t bytes, uint64_t generation);
  // Forgets every block (the arena was reset); later blocks belong to `generation`.
  void clear(uint64_t generation);

 private:
  std::unordered_map<size_t, std::vector<void*>> free_;
  uint64_t generation_;
};

}  // namespace huiyan::nn
