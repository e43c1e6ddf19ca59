#pragma once
// `translate --attention-out`: each translated sentence's subword pieces and the attention matrix
// of its best hypothesis, for looking at alignments (h5py, h5dump, jq, a heat-map script).
//
// HDF5 (default), one group per input line i (0-based):
//   /                        attrs format = "huiyan-attention", model, sentences
//   /sentences/<i>/source    source pieces (strings)
//   /sentences/<i>/target    output pieces, then "</s>"
//   /sentences/<i>/weights   float32 [target, source]: row t is step t's attention over the
//                            source (for a Transformer, the last layer's, averaged over heads)
// JSON lines (--json): {"index": i, "source": [...], "target": [...], "weights": [[...], ...]}.
// Written to a temporary file and renamed when complete.

#include <memory>
#include <string>
#include <vector>

namespace huiyan::pipeline {

struct AttentionRecord {
  size_t index = 0;  // 0-based input line
  std::vector<std::string> source;
  std::vector<std::string> target;
  std::vector<float> weights;  // target.size() × source.size(), row-major
};

class AttentionExport {
 public:
  AttentionExport(const std::string& path, bool json, const std::string& model);
  ~AttentionExport();
  AttentionExport(const AttentionExport&) = delete;
  AttentionExport& operator=(const AttentionExport&) = delete;

  void write(const AttentionRecord& record);
  // Completes and closes the file, reporting a failed write, without putting it at `path`: a
  // command finishes all its outputs before it commits any, so a failure leaves every one as it
  // was.
  void finish();
  // Makes the file `path` (finishing it first if need be); without it, nothing is left there.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace huiyan::pipeline
