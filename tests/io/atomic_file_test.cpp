#include "io/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "io/error.h"
#include "io/hdf5_file.h"
#include "tests/temp_dir.h"

namespace huiyan::io {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_ / name; }

  size_t file_count() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }

  huiyan::testing::TempDir temp_;
  const fs::path& dir_ = temp_.path();
};

std::string read_file(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), {}};
}

TEST_F(AtomicFileTest, TempPathIsNextToTheDestinationAndUnique) {
  const std::string destination = path("out.txt");
  AtomicFile first(destination);
  AtomicFile second(destination);
  EXPECT_EQ(fs::path(first.temp_path()).parent_path(), dir_);
  EXPECT_TRUE(first.temp_path().starts_with(destination + ".tmp." + std::to_string(::getpid())));
  EXPECT_NE(first.temp_path(), second.temp_path());
  EXPECT_EQ(first.destination(), destination);
}

TEST_F(AtomicFileTest, CommitReplacesTheOldContent) {
  const std::string destination = path("out.txt");
  std::ofstream(destination) << "old content that is longer";
  {
    AtomicFile file(destination);
    std::ofstream stream = file.open_stream();
    stream << "new";
    file.commit(stream);
  }
  EXPECT_EQ(read_file(destination), "new");
  EXPECT_EQ(file_count(), 1u);
}

TEST_F(AtomicFileTest, WithoutCommitTheOldFileStaysAndNoTempFileRemains) {
  const std::string destination = path("out.txt");
  std::ofstream(destination) << "old";
  {
    AtomicFile file(destination);
    std::ofstream stream = file.open_stream();
    stream << "half-written";
    stream.close();
    EXPECT_TRUE(fs::exists(file.temp_path()));
  }
  EXPECT_EQ(read_file(destination), "old");
  EXPECT_EQ(file_count(), 1u);
}

TEST_F(AtomicFileTest, WorksForHdf5FilesWrittenToTheTempPath) {
  const std::string destination = path("data.h5");
  AtomicFile file(destination);
  h5::File hdf5 = h5::File::create(file.temp_path());
  hdf5.root().set_attr("answer", 42);
  hdf5.close();
  file.commit();
  EXPECT_EQ(h5::File::open_read(destination).root().attr_int("answer"), 42);
  EXPECT_EQ(file_count(), 1u);
}

TEST_F(AtomicFileTest, WriteFileAtomicallyCreatesAndReplaces) {
  const std::string destination = path("notes.txt");
  write_file_atomically(destination, "first");
  write_file_atomically(destination, std::string("a\0b", 3));
  EXPECT_EQ(read_file(destination), std::string("a\0b", 3));
  EXPECT_EQ(file_count(), 1u);
}

TEST_F(AtomicFileTest, MissingDirectoryIsDataErrorNamingTheDestination) {
  const std::string destination = path("missing/out.txt");
  try {
    AtomicFile file(destination);
    FAIL() << "expected a DataError";
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(destination + ": "), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
}

TEST_F(AtomicFileTest, CommitTwiceIsAUsageError) {
  AtomicFile file(path("out.txt"));
  file.commit();
  EXPECT_THROW(file.commit(), std::logic_error);
}

}  // namespace
}  // namespace huiyan::io
