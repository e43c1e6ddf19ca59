#include "io/hdf5_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/error.h"
#include "tests/temp_dir.h"

namespace huiyan::io::h5 {
namespace {

namespace fs = std::filesystem;

class Hdf5FileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_ / name; }

  huiyan::testing::TempDir temp_;
  const fs::path& dir_ = temp_.path();
};

// Runs body, which must throw DataError, and returns its message.
template <typename Body>
std::string data_error_message(Body body) {
  try {
    body();
  } catch (const DataError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a DataError";
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "\"" << part << "\" not in: " << text;
}

template <typename T>
std::vector<T> sample_values(size_t count) {
  std::vector<T> values;
  values.push_back(std::numeric_limits<T>::lowest());
  values.push_back(std::numeric_limits<T>::max());
  for (size_t i = 0; values.size() < count; ++i) values.push_back(static_cast<T>(i * 7 % 251));
  return values;
}

template <typename T>
class ArrayTypeTest : public Hdf5FileTest {};

using ElementTypes = ::testing::Types<int32_t, int64_t, uint8_t, float, double>;
TYPED_TEST_SUITE(ArrayTypeTest, ElementTypes);

TYPED_TEST(ArrayTypeTest, RoundTripsCompressedUncompressedMultiChunkAndEmpty) {
  const std::string file_path = this->path("arrays.h5");
  const std::vector<TypeParam> values = sample_values<TypeParam>(1000);
  {
    File file = File::create(file_path);
    {
      Group root = file.root();
      root.template write_array<TypeParam>("default", values);
      root.template write_array<TypeParam>("plain", values, ArrayOptions{0, 0});
      root.template write_array<TypeParam>("chunks/of/100", values, ArrayOptions{100, 9});
      root.template write_array<TypeParam>("empty", std::vector<TypeParam>{});
    }
    file.close();
  }
  const File file = File::open_read(file_path);
  const Group root = file.root();
  EXPECT_EQ(root.template read_array<TypeParam>("default"), values);
  EXPECT_EQ(root.template read_array<TypeParam>("plain"), values);
  EXPECT_EQ(root.template read_array<TypeParam>("chunks/of/100"), values);
  EXPECT_TRUE(root.template read_array<TypeParam>("empty").empty());
  EXPECT_EQ(root.array_size("empty"), 0u);
  EXPECT_EQ(root.array_size("default"), 1000u);
  const std::vector<TypeParam> middle(values.begin() + 150, values.begin() + 420);
  EXPECT_EQ(root.template read_range<TypeParam>("chunks/of/100", 150, 270), middle);
}

TEST_F(Hdf5FileTest, ReadRangeAtTheEdgesAndPastTheEnd) {
  const std::string file_path = path("range.h5");
  {
    File file = File::create(file_path);
    file.root().write_array<int32_t>("values", std::vector<int32_t>{1, 2, 3, 4, 5});
    file.close();
  }
  const File file = File::open_read(file_path);
  const Group root = file.root();
  EXPECT_EQ(root.read_range<int32_t>("values", 3, 2), (std::vector<int32_t>{4, 5}));
  EXPECT_TRUE(root.read_range<int32_t>("values", 5, 0).empty());
  const std::string message = data_error_message([&] { root.read_range<int32_t>("values", 4, 2); });
  expect_contains(message, "range.h5: /values: range [4, 6)");
}

TEST_F(Hdf5FileTest, MatrixRoundTripKeepsShape) {
  const std::string file_path = path("matrix.h5");
  std::vector<float> values(3 * 4 * 5);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
  const std::vector<uint64_t> shape{3, 4, 5};
  {
    File file = File::create(file_path);
    file.root().write_matrix<float>("weights/w", values, shape, ArrayOptions{40, 4});
    file.close();
  }
  const File file = File::open_read(file_path);
  const Matrix<float> matrix = file.root().read_matrix<float>("weights/w");
  EXPECT_EQ(matrix.shape, shape);
  EXPECT_EQ(matrix.values, values);
  expect_contains(data_error_message([&] { file.root().read_array<float>("weights/w"); }),
                  "matrix.h5: /weights/w: has rank 3");
}

TEST_F(Hdf5FileTest, StringsRoundTripIncludingEmptyAndNonAscii) {
  const std::string file_path = path("strings.h5");
  const std::vector<std::string> values{"plain", "", "汉语 😀 Ünïcödé", std::string(5000, 'x')};
  {
    File file = File::create(file_path);
    file.root().write_strings("names", values);
    file.root().write_strings("none", {});
    file.close();
  }
  const File file = File::open_read(file_path);
  EXPECT_EQ(file.root().read_strings("names"), values);
  EXPECT_TRUE(file.root().read_strings("none").empty());
  expect_contains(data_error_message([&] { file.root().read_array<int32_t>("names"); }),
                  "strings.h5: /names: holds string, expected int32");
}

TEST_F(Hdf5FileTest, AttributesOnGroupsAndDatasetsRoundTrip) {
  const std::string file_path = path("attrs.h5");
  std::string big_json = "{\"options\": \"";
  while (big_json.size() < 100 * 1024) big_json += "0123456789abcdef";
  big_json += "\"}";
  {
    File file = File::create(file_path);
    {
      Group root = file.root();
      root.set_attr("empty", "");
      root.set_attr("utf8", "中文 – ümlaut");
      root.set_attr("json", big_json);
      root.set_attr("count", int64_t{-42});
      root.set_attr("small", 7);
      root.set_attr("ratio", 0.125);
      root.set_attr("replaced", "old");
      root.set_attr("replaced", "new, and longer than before");
      root.write_array<double>("data", std::vector<double>{1.0});
      root.open_dataset("data").set_attr("unit", "metres");
    }
    file.close();
  }
  const File file = File::open_read(file_path);
  const Group root = file.root();
  EXPECT_EQ(root.attr_string("empty"), "");
  EXPECT_EQ(root.attr_string("utf8"), "中文 – ümlaut");
  EXPECT_EQ(root.attr_string("json"), big_json);
  EXPECT_EQ(root.attr_int("count"), -42);
  EXPECT_EQ(root.attr_int("small"), 7);
  EXPECT_EQ(root.attr_double("ratio"), 0.125);
  EXPECT_EQ(root.attr_string("replaced"), "new, and longer than before");
  EXPECT_TRUE(root.has_attr("json"));
  EXPECT_FALSE(root.has_attr("nope"));
  EXPECT_EQ(root.attr_names(), (std::vector<std::string>{"count", "empty", "json", "ratio",
                                                         "replaced", "small", "utf8"}));
  EXPECT_EQ(root.open_dataset("data").attr_string("unit"), "metres");
  expect_contains(data_error_message([&] { root.attr_string("nope"); }),
                  "attrs.h5: /: missing attribute \"nope\"");
  expect_contains(data_error_message([&] { root.attr_int("utf8"); }),
                  "attrs.h5: /: attribute \"utf8\" holds string, expected an integer");
  expect_contains(data_error_message([&] { root.open_dataset("data").attr_int("gone"); }),
                  "attrs.h5: /data: missing attribute \"gone\"");
}

TEST_F(Hdf5FileTest, GroupsHardLinksAndChildren) {
  const std::string file_path = path("groups.h5");
  {
    File file = File::create(file_path);
    {
      Group root = file.root();
      Group deep = root.create_group("a/b/c");
      EXPECT_EQ(deep.path(), "/a/b/c");
      deep.write_array<uint8_t>("bytes", std::vector<uint8_t>{1, 2, 3});
      root.create_group("z");
      root.link("/a/b/c/bytes", "z/same_bytes");
    }
    file.close();
  }
  const File file = File::open_read(file_path);
  const Group root = file.root();
  EXPECT_EQ(root.children(), (std::vector<std::string>{"a", "z"}));
  EXPECT_TRUE(root.has("a/b/c/bytes"));
  EXPECT_TRUE(root.has("/a/b"));
  EXPECT_FALSE(root.has("a/x/c"));
  EXPECT_FALSE(root.has("a/b/c/bytes/deeper"));
  EXPECT_EQ(root.open_group("z").read_array<uint8_t>("same_bytes"),
            (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(root.open_group("a").open_group("b").path(), "/a/b");
  expect_contains(data_error_message([&] { root.open_group("a/missing"); }),
                  "groups.h5: /a/missing: missing group");
}

TEST_F(Hdf5FileTest, MissingDatasetAndWrongTypeNameFileAndPath) {
  const std::string file_path = path("typed.h5");
  {
    File file = File::create(file_path);
    file.root().create_group("train").write_array<int64_t>("offsets", std::vector<int64_t>{0, 3});
    file.close();
  }
  const File file = File::open_read(file_path);
  const Group train = file.root().open_group("train");
  expect_contains(data_error_message([&] { train.read_array<int32_t>("ids"); }),
                  "typed.h5: /train/ids: missing dataset");
  expect_contains(data_error_message([&] { train.read_array<int32_t>("offsets"); }),
                  "typed.h5: /train/offsets: holds int64, expected int32");
  expect_contains(data_error_message([&] { train.read_array<double>("offsets"); }),
                  "holds int64, expected float64");
}

TEST_F(Hdf5FileTest, MissingFileIsDataError) {
  const std::string file_path = path("absent.h5");
  const std::string message = data_error_message([&] { File::open_read(file_path); });
  expect_contains(message, file_path + ": cannot open (No such file or directory)");
}

TEST_F(Hdf5FileTest, TextFileIsDataErrorWithHdf5Cause) {
  const std::string file_path = path("notes.txt");
  std::ofstream(file_path) << "this is not an HDF5 file\n";
  const std::string message = data_error_message([&] { File::open_read(file_path); });
  expect_contains(message, file_path + ": not a readable HDF5 file (HDF5: ");
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST_F(Hdf5FileTest, CloseReportsGroupsThatAreStillOpen) {
  File file = File::create(path("open.h5"));
  {
    const Group root = file.root();
    EXPECT_THROW(file.close(), std::logic_error);
  }
  file.close();
  EXPECT_THROW(file.root(), std::logic_error);
}

TEST_F(Hdf5FileTest, CreateInMissingDirectoryIsDataError) {
  const std::string file_path = path("no/such/dir/out.h5");
  expect_contains(data_error_message([&] { File::create(file_path); }),
                  file_path + ": cannot create HDF5 file");
}

}  // namespace
}  // namespace huiyan::io::h5
