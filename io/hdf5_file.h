#pragma once
// A small RAII layer over the HDF5 C API: files, groups, 1-D arrays, matrices, string lists and
// scalar attributes. Every failure caused by the file becomes one DataError line naming the file,
// the HDF5 path and what was wrong. Asking for the wrong element type is a DataError too, because
// what a dataset holds is decided by the file, not by the caller.
//
// HDF5 objects must not be used from several threads at once; callers serialize access.

#include <hdf5.h>

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace huiyan::io::h5 {

// Owns one HDF5 identifier and releases it with the close function of its kind.
class Handle {
 public:
  using CloseFunction = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, CloseFunction close) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and returns the HDF5 status (negative on failure); the handle is empty afterwards.
  herr_t close();

 private:
  hid_t id_ = H5I_INVALID_HID;
  CloseFunction close_ = nullptr;
};

// The element types arrays and matrices can hold.
template <typename T>
concept Element = std::same_as<T, int32_t> || std::same_as<T, int64_t> ||
    std::same_as<T, uint8_t> || std::same_as<T, float> || std::same_as<T, double>;

struct ArrayOptions {
  size_t chunk_elems = 65536;  // capped by the array size; 0 stores the array contiguously
  int deflate_level = 4;       // 0..9; 0 stores chunks uncompressed, otherwise shuffle + deflate
};

template <Element T>
struct Matrix {
  std::vector<uint64_t> shape;
  std::vector<T> values;  // row-major
};

namespace detail {

template <Element T>
hid_t memory_type() {
  if constexpr (std::same_as<T, int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::same_as<T, int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::same_as<T, uint8_t>) return H5T_NATIVE_UINT8;
  if constexpr (std::same_as<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::same_as<T, double>) return H5T_NATIVE_DOUBLE;
}

// Files are always little-endian so that they look the same whichever machine wrote them.
template <Element T>
hid_t file_type() {
  if constexpr (std::same_as<T, int32_t>) return H5T_STD_I32LE;
  if constexpr (std::same_as<T, int64_t>) return H5T_STD_I64LE;
  if constexpr (std::same_as<T, uint8_t>) return H5T_STD_U8LE;
  if constexpr (std::same_as<T, float>) return H5T_IEEE_F32LE;
  if constexpr (std::same_as<T, double>) return H5T_IEEE_F64LE;
}

}  // namespace detail

// A group or dataset: something with a name in a file that can carry attributes.
class Object {
 public:
  const std::string& file_path() const { return file_path_; }
  const std::string& path() const { return path_; }  // absolute HDF5 path, e.g. "/train/src"
  hid_t id() const;

  bool has_attr(std::string_view name) const;
  std::vector<std::string> attr_names() const;  // sorted
  // Setting an attribute replaces any existing one of that name.
  void set_attr(std::string_view name, std::string_view value);  // fixed-length UTF-8 string
  void set_attr(std::string_view name, const char* value) {
    set_attr(name, std::string_view(value));
  }
  void set_attr(std::string_view name, double value);
  template <std::integral T>
  void set_attr(std::string_view name, T value) {
    set_int_attr(name, static_cast<int64_t>(value));
  }
  std::string attr_string(std::string_view name) const;  // fixed or variable length
  int64_t attr_int(std::string_view name) const;         // any integer type
  double attr_double(std::string_view name) const;       // any floating-point type

 protected:
  Object(Handle handle, std::string file_path, std::string path);

  // Throws DataError "<file>: <path>: <what>", plus " (HDF5: <innermost message>)" when the last
  // HDF5 call failed.
  [[noreturn]] void fail(std::string_view what) const;
  [[noreturn]] void fail_at(std::string_view name, std::string_view what) const;
  std::string child_path(std::string_view name) const;

 private:
  void set_int_attr(std::string_view name, int64_t value);
  Handle open_attr(std::string_view name) const;

  Handle handle_;
  std::string file_path_;
  std::string path_;
};

class Dataset : public Object {
 public:
  std::vector<uint64_t> shape() const;
  uint64_t length() const;  // the size of a 1-D dataset; other ranks are a DataError

 private:
  friend class Group;
  using Object::Object;

  void require_element_type(hid_t memory_type) const;
  void read_all(hid_t memory_type, void* out) const;
  void read_slice(hid_t memory_type, void* out, uint64_t offset, uint64_t count) const;
};

class Group : public Object {
 public:
  // Names may be paths; creating or writing creates the missing intermediate groups.
  Group create_group(std::string_view name);
  Group open_group(std::string_view name) const;
  Dataset open_dataset(std::string_view name) const;
  bool has(std::string_view name) const;
  std::vector<std::string> children() const;  // sorted link names

  template <Element T>
  void write_array(std::string_view name, std::span<const T> values,
                   const ArrayOptions& options = {}) {
    const hsize_t dims[] = {values.size()};
    write_elements(name, detail::file_type<T>(), detail::memory_type<T>(), values.data(), dims,
                   options);
  }
  template <Element T>
  std::vector<T> read_array(std::string_view name) const {
    const Dataset dataset = open_typed(name, detail::memory_type<T>());
    std::vector<T> values(dataset.length());
    dataset.read_all(detail::memory_type<T>(), values.data());
    return values;
  }
  // Elements [offset, offset + count); a range past the end is a DataError.
  template <Element T>
  std::vector<T> read_range(std::string_view name, uint64_t offset, uint64_t count) const {
    const Dataset dataset = open_typed(name, detail::memory_type<T>());
    std::vector<T> values(count);
    dataset.read_slice(detail::memory_type<T>(), values.data(), offset, count);
    return values;
  }
  uint64_t array_size(std::string_view name) const { return open_dataset(name).length(); }

  // Row-major values; values.size() must be the product of shape. Chunks hold whole rows.
  template <Element T>
  void write_matrix(std::string_view name, std::span<const T> values,
                    std::span<const uint64_t> shape, const ArrayOptions& options = {}) {
    const std::vector<hsize_t> dims = checked_dims(name, values.size(), shape);
    write_elements(name, detail::file_type<T>(), detail::memory_type<T>(), values.data(), dims,
                   options);
  }
  template <Element T>
  Matrix<T> read_matrix(std::string_view name) const {
    const Dataset dataset = open_typed(name, detail::memory_type<T>());
    Matrix<T> matrix{dataset.shape(), {}};
    matrix.values.resize(element_count(matrix.shape));
    dataset.read_all(detail::memory_type<T>(), matrix.values.data());
    return matrix;
  }

  // A 1-D dataset of variable-length UTF-8 strings (a string ends at its first NUL byte).
  void write_strings(std::string_view name, const std::vector<std::string>& values);
  std::vector<std::string> read_strings(std::string_view name) const;

  // A hard link: new_name becomes a second name of the object at target_path.
  void link(std::string_view target_path, std::string_view new_name);

 private:
  friend class File;
  using Object::Object;

  void write_elements(std::string_view name, hid_t file_type, hid_t memory_type, const void* data,
                      std::span<const hsize_t> dims, const ArrayOptions& options);
  Dataset open_typed(std::string_view name, hid_t memory_type) const;
  std::vector<hsize_t> checked_dims(std::string_view name, size_t value_count,
                                    std::span<const uint64_t> shape) const;
  static size_t element_count(std::span<const uint64_t> shape);
};

class File {
 public:
  // Truncates an existing file. Messages name the file `name` (the destination a temporary file
  // is written for), `path` when it is empty.
  static File create(const std::string& path, const std::string& name = "");
  static File open_read(const std::string& path);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File() = default;  // closes silently; call close() to learn about write errors

  const std::string& path() const { return path_; }
  Group root() const;
  void flush();
  // Closes the file and reports failures. Every Group and Dataset of the file must be gone by
  // then, otherwise HDF5 would keep the file open behind our back.
  void close();

 private:
  File(Handle handle, std::string path) : handle_(std::move(handle)), path_(std::move(path)) {}
  hid_t require_open() const;

  Handle handle_;
  std::string path_;
};

}  // namespace huiyan::io::h5
