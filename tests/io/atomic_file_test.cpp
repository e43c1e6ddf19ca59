#include "io/atomic_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

// A writer killed before it could clean up leaves its temporary file; the next writer of the same
// file removes it, whatever process id its name holds (in a container the writer may have been
// pid 1, which always runs there). The file of a writer still at work, in this process or
// another, stays, and so does another file's.
TEST_F(AtomicFileTest, TempFilesNoWriterHoldsAreRemoved) {
  const std::string destination = path("model.h5");
  const std::string killed = destination + ".tmp.1.0123456789abcdef";
  const std::string other = path("other.h5.tmp.1.0123456789abcdef");
  // Names AtomicFile never makes are a user's files.
  const std::string users[] = {destination + ".tmp.2024.backup",
                               destination + ".tmp.1.0123456789abcdef.gz",
                               destination + ".tmp.1.0123456789ABCDEF"};
  for (const auto& name : {killed, other}) std::ofstream(name) << "partial";
  for (const auto& name : users) std::ofstream(name) << "notes";

  int ready[2], finish[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(finish), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // another process at work on the same file
    bool told = false, finished = false;
    {
      AtomicFile writing(destination);  // never committed: its file goes at the end of the block
      char byte = 1;
      told = ::write(ready[1], &byte, 1) == 1;
      finished = ::read(finish[0], &byte, 1) == 1;
    }
    ::_exit(told && finished ? 0 : 1);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  const std::string child_prefix = destination + ".tmp." + std::to_string(child) + ".";
  const auto child_temps = [&] {
    size_t count = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      count += entry.path().string().starts_with(child_prefix) ? 1 : 0;
    }
    return count;
  };
  ASSERT_EQ(child_temps(), 1u);
  {
    AtomicFile mine(destination);
    AtomicFile later(destination);  // sweeps again while `mine` is at work
    EXPECT_TRUE(fs::exists(mine.temp_path()));
    std::ofstream stream = later.open_stream();
    stream << "model";
    later.commit(stream);
  }
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_TRUE(fs::exists(other));
  for (const auto& name : users) EXPECT_TRUE(fs::exists(name)) << name;
  EXPECT_EQ(child_temps(), 1u);
  EXPECT_EQ(read_file(destination), "model");

  ASSERT_EQ(::write(finish[1], &byte, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(child_temps(), 0u);  // the writer removed its own file as it ended
  for (const int fd : {ready[0], ready[1], finish[0], finish[1]}) ::close(fd);
}

// Files written once (a run's checkpoints) are swept by their common start: the abandoned
// temporary files of all of them go, a held one and the files themselves stay.
TEST_F(AtomicFileTest, TemporariesOfFilesWrittenOnceAreSweptByPrefix) {
  const std::string killed = path("m.step60.h5.tmp.7.0123456789abcdef");
  const std::string other_run = path("n.step60.h5.tmp.7.0123456789abcdef");
  for (const auto& name : {killed, other_run, path("m.step60.h5")}) std::ofstream(name) << "x";
  AtomicFile writing(path("m.step80.h5"));
  remove_abandoned_temporaries(path("m.step"));
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_TRUE(fs::exists(other_run));
  EXPECT_TRUE(fs::exists(path("m.step60.h5")));
  EXPECT_TRUE(fs::exists(writing.temp_path()));
}

// An output that is one of the inputs, by name or through a link, is refused before anything is
// written; a new file, or another one, is fine.
TEST_F(AtomicFileTest, AnOutputThatIsAnInputIsRefused) {
  const std::string input = path("corpus.txt");
  std::ofstream(input) << "text";
  fs::create_symlink(input, path("link.txt"));
  EXPECT_THROW(check_output_is_not_an_input(input, {input}), std::invalid_argument);
  EXPECT_THROW(check_output_is_not_an_input(path("link.txt"), {path("other.txt"), input}),
               std::invalid_argument);
  try {
    check_output_is_not_an_input(dir_ / "." / "corpus.txt", {input}, "-o");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(", which is also an input (" + input + ")"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(check_output_is_not_an_input(path("new.model"), {input}));
  EXPECT_EQ(read_file(input), "text");
}

TEST_F(AtomicFileTest, ADirectoryIsRefusedUpFront) {
  fs::create_directory(path("out"));
  EXPECT_THROW(AtomicFile(path("out")), DataError);
  EXPECT_EQ(file_count(), 1u);
  // A command checks its outputs before any work: a directory is a usage mistake there, as an
  // output that is an input is.
  EXPECT_THROW(check_output_is_not_an_input(path("out"), {}, "--attention-out"),
               std::invalid_argument);
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

// What a process ended by a signal removes: the temporary files of its outputs not committed yet
// (found through its open descriptors), each named by its destination; a committed output, an
// output through an open descriptor and another process's temporary file stay.
TEST_F(AtomicFileTest, OwnTemporariesAreRemovedByTheirDestinations) {
  const std::string kept = path("kept.txt");
  const std::string old = path("old.txt");
  std::ofstream(old) << "old";
  AtomicFile committed(kept);
  std::ofstream committed_stream = committed.open_stream();
  committed_stream << "done";
  committed.commit(committed_stream);
  AtomicFile replacing(old);
  std::ofstream replacing_stream = replacing.open_stream();
  replacing_stream << "half";
  replacing_stream.flush();
  AtomicFile fresh(path("new.h5"));
  // Pid 0 is no process's. A file with this process's id that it only reads (as a sweep does
  // another writer's, whose id may be the same in another container) is not its own either.
  const std::string foreign = path("model.h5.tmp.0.0123456789abcdef");
  std::ofstream(foreign) << "another process's";
  std::ifstream foreign_open(foreign);
  const std::string read_only =
      path("other.h5.tmp." + std::to_string(::getpid()) + ".0123456789abcdef");
  std::ofstream(read_only) << "read only";
  std::ifstream read_only_open(read_only);
  // An output through an open descriptor: its temporary file goes, unnamed (it has no file).
  const std::string behind = path("behind.txt");
  const int descriptor = ::open(behind.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(descriptor, 0);
  AtomicFile through("/dev/fd/" + std::to_string(descriptor));
  ASSERT_TRUE(fs::exists(through.temp_path()));

  const std::vector<std::string> removed = remove_own_temporaries();
  const fs::path at = fs::canonical(dir_);
  EXPECT_EQ(std::set<std::string>(removed.begin(), removed.end()),
            (std::set<std::string>{at / "old.txt", at / "new.h5"}));
  EXPECT_FALSE(fs::exists(replacing.temp_path()));
  EXPECT_FALSE(fs::exists(fresh.temp_path()));
  EXPECT_EQ(read_file(old), "old");
  EXPECT_EQ(read_file(kept), "done");
  EXPECT_TRUE(fs::exists(foreign));
  EXPECT_TRUE(fs::exists(read_only));
  EXPECT_FALSE(fs::exists(through.temp_path()));
  EXPECT_FALSE(fs::exists(path("new.h5")));
  EXPECT_TRUE(remove_own_temporaries().empty());
  ::close(descriptor);
}

// A temporary file removed while it was written (a command quitting on a signal removes them) and
// made again by a writer that opens it by name never replaces the destination.
TEST_F(AtomicFileTest, ATemporaryFileMadeAgainIsNotCommitted) {
  const std::string destination = path("out.txt");
  std::ofstream(destination) << "old";
  AtomicFile file(destination);
  fs::remove(file.temp_path());
  std::ofstream again(file.temp_path());
  again << "written after the quit";
  try {
    file.commit(again);
    FAIL() << "a temporary file made again must not be committed";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("was removed before it was complete"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(read_file(destination), "old");
}

TEST_F(AtomicFileTest, WorksForHdf5FilesWrittenToTheTempPath) {
  const std::string destination = path("data.h5");
  AtomicFile file(destination);
  h5::File hdf5 = h5::File::create(file.seekable_temp_path());
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

void write_through(const std::string& destination, const std::string& contents) {
  AtomicFile file(destination);
  std::ofstream stream = file.open_stream();
  stream << contents;
  file.commit(stream);
}

// A link to a regular file stays a link; the file it leads to (in another directory) is replaced,
// by a temporary file next to it, and nothing is left behind in either directory.
TEST_F(AtomicFileTest, ALinkStaysALinkAndItsTargetIsReplaced) {
  fs::create_directories(dir_ / "models");
  std::ofstream(path("models/real.txt")) << "old";
  fs::create_symlink("models/real.txt", dir_ / "link.txt");
  {
    AtomicFile file(path("link.txt"));
    EXPECT_FALSE(file.in_place());
    EXPECT_TRUE(fs::equivalent(fs::path(file.temp_path()).parent_path(), dir_ / "models"));
    std::ofstream stream = file.open_stream();
    stream << "new";
    file.commit(stream);
  }
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.txt"));
  EXPECT_EQ(read_file(path("models/real.txt")), "new");
  EXPECT_EQ(file_count(), 2u);  // models/ and link.txt
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "models"), {}), 1);
}

// A chain of links to nowhere gets the file at its end, made as any other (a temporary file next
// to it, renamed), so an HDF5 writer can use it too.
TEST_F(AtomicFileTest, ADanglingLinkGetsItsTarget) {
  fs::create_directories(dir_ / "sub");
  fs::create_symlink("b.txt", dir_ / "a.txt");
  fs::create_symlink("sub/target.txt", dir_ / "b.txt");
  {
    AtomicFile file(path("a.txt"));
    EXPECT_FALSE(file.in_place());
    EXPECT_EQ(file.seekable_temp_path(), file.temp_path());
    std::ofstream stream = file.open_stream();
    stream << "text";
    file.commit(stream);
  }
  EXPECT_TRUE(fs::is_symlink(dir_ / "a.txt"));
  EXPECT_EQ(read_file(path("sub/target.txt")), "text");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "sub"), {}), 1);
}

TEST_F(AtomicFileTest, TheReplacedFileKeepsItsPermissionBits) {
  const std::string destination = path("private.txt");
  std::ofstream(destination) << "old";
  fs::permissions(destination, fs::perms::owner_read | fs::perms::owner_write);
  write_through(destination, "new");
  EXPECT_EQ(fs::status(destination).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(read_file(destination), "new");
}

// A named pipe is written in place: its reader gets the text, and it stays a pipe (renaming a
// regular file over it left readers waiting forever).
TEST_F(AtomicFileTest, ANamedPipeIsWrittenInPlace) {
  const std::string fifo = path("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_file(fifo); });
  {
    AtomicFile file(fifo);
    EXPECT_TRUE(file.in_place());
    EXPECT_EQ(file.temp_path(), fifo);
    std::ofstream stream = file.open_stream();
    stream << "through the pipe";
    file.commit(stream);
  }
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_EQ(file_count(), 1u);
}

// A name of a descriptor already open (/dev/stdout, /dev/fd/<n>) on a regular file gets the
// output where that descriptor stands, and later writes through it follow on: replacing the file
// lost everything written before (`huiyan translate -o /dev/stdout > log` kept only the
// translations), and opening the name anew wrote where the shell's next line then overwrote it.
TEST_F(AtomicFileTest, AnOpenDescriptorsNameIsWrittenWhereItStands) {
  const std::string log = path("log.txt");
  std::ofstream(log) << "before\n";
  const int fd = ::open(log.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 0, SEEK_END), 7);
  std::string expected = "before\n";
  for (const std::string& name :
       {"/proc/self/fd/" + std::to_string(fd), "/dev/fd/" + std::to_string(fd)}) {
    if (!fs::exists(name)) continue;
    AtomicFile file(name);
    EXPECT_FALSE(file.in_place()) << name;
    EXPECT_NE(file.temp_path(), name);
    std::ofstream stream = file.open_stream();
    stream << "through " << name << "\n";
    file.commit(stream);
    EXPECT_FALSE(fs::exists(file.temp_path()));
    expected += "through " + name + "\n";
  }
  ASSERT_EQ(::write(fd, "end\n", 4), 4);
  ::close(fd);
  EXPECT_EQ(read_file(log), expected + "end\n");
  EXPECT_EQ(file_count(), 1u);
}

// A descriptor open only for reading is an error up front, before any work.
TEST_F(AtomicFileTest, AReadOnlyDescriptorIsAnError) {
  const std::string input = path("input.txt");
  std::ofstream(input) << "text";
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_THROW(AtomicFile("/proc/self/fd/" + std::to_string(fd)), DataError);
  ::close(fd);
  EXPECT_EQ(read_file(input), "text");
}

// HDF5 seeks, so it cannot go to a pipe or a device: a clear error instead.
TEST_F(AtomicFileTest, NoSeekablePathInPlace) {
  const std::string fifo = path("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const AtomicFile file(fifo);
  EXPECT_THROW(static_cast<void>(file.seekable_temp_path()), DataError);
  const AtomicFile regular(path("out.h5"));
  EXPECT_EQ(regular.seekable_temp_path(), regular.temp_path());
}

// Devices are written in place: /dev/null stays a device (replacing it with a file broke it for
// the whole machine), and a full device's error is reported.
TEST_F(AtomicFileTest, DevicesAreWrittenInPlace) {
  if (::access("/dev/null", W_OK) != 0) GTEST_SKIP() << "no writable /dev/null";
  write_through("/dev/null", "discarded");
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  AtomicFile full("/dev/full");
  std::ofstream stream = full.open_stream();
  stream << std::string(1 << 16, 'x');  // larger than the stream's buffer: fails at once
  try {
    full.commit(stream);
    FAIL() << "no error";
  } catch (const DataError& e) {
    // The stream kept no errno, and had nothing left to write at its close: the reason is asked
    // again.
    EXPECT_NE(std::string(e.what()).find("(No space left on device)"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

}  // namespace
}  // namespace huiyan::io
