#pragma once
// The actions of `huiyan tokenize`, one file each.

#include <string>
#include <vector>

namespace huiyan::cli {

int run_tokenize_train(const std::vector<std::string>& args);
int run_tokenize_encode(const std::vector<std::string>& args);
int run_tokenize_decode(const std::vector<std::string>& args);
int run_tokenize_build(const std::vector<std::string>& args);
int run_tokenize_sentences(const std::vector<std::string>& args);

}  // namespace huiyan::cli
