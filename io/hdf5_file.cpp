#include "io/hdf5_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <numeric>
#include <stdexcept>

#include "io/error.h"

namespace huiyan::io::h5 {
namespace {

// HDF5 prints every failure to stderr by default; we report failures through exceptions instead.
// The thread-safe HDF5 build keeps this setting per thread, so each thread turns it off once.
void quiet_hdf5_errors() {
  // No HDF5 clean-up at exit: every file huiyan keeps is closed by then, and one whose write
  // failed (a full disk) is an abandoned temporary file that HDF5 1.10 crashed trying to flush
  // again at exit, turning the error's exit status 1 into a segmentation fault. Must precede
  // every other HDF5 call.
  static const bool no_clean_up_at_exit = [] {
    H5dont_atexit();
    return true;
  }();
  (void)no_clean_up_at_exit;
  thread_local const bool quiet = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)quiet;
}

herr_t keep_innermost_message(unsigned depth, const H5E_error2_t* error, void* out) {
  if (depth != 0) return 0;
  auto& message = *static_cast<std::string*>(out);
  if (error->desc != nullptr && error->desc[0] != '\0') {
    message = error->desc;
  } else {
    char text[256] = {};
    if (H5Eget_msg(error->min_num, nullptr, text, sizeof text) > 0) message = text;
  }
  return 0;
}

// The most specific message on the error stack of the last failed HDF5 call, or "". Every HDF5
// API call clears the stack on entry, so this must run before any other HDF5 call.
std::string innermost_hdf5_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost_message, &message);
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  // A failed read or write lists its time, buffer address and byte counts; the system's reason
  // ("File too large", "No space left on device") is what a user can act on.
  static constexpr std::string_view kSystemReason = "error message = '";
  if (const size_t at = message.find(kSystemReason); at != std::string::npos) {
    const size_t start = at + kSystemReason.size();
    const size_t end = message.find('\'', start);
    if (end != std::string::npos) return message.substr(start, end - start);
  }
  return message;
}

[[noreturn]] void throw_data_error(std::string_view file, std::string_view path,
                                   std::string_view what) {
  const std::string cause = innermost_hdf5_message();
  std::string message(file);
  if (!path.empty()) message.append(": ").append(path);
  message.append(": ").append(what);
  if (!cause.empty()) message.append(" (HDF5: ").append(cause).append(")");
  throw DataError(message);
}

// hsize_t and uint64_t are distinct types, so this takes dimensions of either.
size_t product(const auto& dims) {
  return std::accumulate(dims.begin(), dims.end(), size_t{1}, std::multiplies<>());
}

std::string quoted(std::string_view name) {
  std::string text = "\"";
  text.append(name).push_back('"');
  return text;
}

std::string describe_type(hid_t type) {
  const size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_ARRAY:
      return "array";
    default:
      return "an unsupported type";
  }
}

bool same_element_type(hid_t file_type, hid_t memory_type) {
  const H5T_class_t type_class = H5Tget_class(file_type);
  if (type_class != H5Tget_class(memory_type)) return false;
  if (H5Tget_size(file_type) != H5Tget_size(memory_type)) return false;
  return type_class != H5T_INTEGER || H5Tget_sign(file_type) == H5Tget_sign(memory_type);
}

// Fixed-length strings are padded to their declared size; the padding is not part of the text.
std::string trim_padding(std::string text, H5T_str_t padding) {
  if (padding == H5T_STR_NULLTERM) {
    text.resize(std::min(text.size(), text.find('\0')));
  } else {
    const char pad = padding == H5T_STR_SPACEPAD ? ' ' : '\0';
    while (!text.empty() && text.back() == pad) text.pop_back();
  }
  return text;
}

Handle variable_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
    throw std::runtime_error("HDF5: cannot build a variable-length string type");
  }
  return type;
}

// A property list that lets a path like "src/ids" create the missing group "src" on the way.
Handle intermediate_groups_lcpl() {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  if (!lcpl.valid() || H5Pset_create_intermediate_group(lcpl.get(), 1) < 0) {
    throw std::runtime_error("HDF5: cannot build a link creation property list");
  }
  return lcpl;
}

// Frees the strings HDF5 allocated while reading variable-length data, whatever happens next.
class VlenStrings {
 public:
  VlenStrings(hid_t type, hid_t space, size_t count) : type_(type), space_(space), data_(count) {}
  VlenStrings(const VlenStrings&) = delete;
  VlenStrings& operator=(const VlenStrings&) = delete;
  ~VlenStrings() { H5Dvlen_reclaim(type_, space_, H5P_DEFAULT, data_.data()); }

  char** data() { return data_.data(); }
  std::string at(size_t i) const { return data_[i] == nullptr ? std::string() : data_[i]; }

 private:
  hid_t type_;
  hid_t space_;
  std::vector<char*> data_;
};

// HDF5's own file locks guard files written in place, which huiyan never does: files are written
// under an AtomicFile's temporary name, then renamed. On NFS and Lustre they fail ("unable to lock
// file") or become byte-range locks, which the AtomicFile's lock on its temporary file refuses.
bool without_hdf5_locks(hid_t fapl) {
  return H5Pset_file_locking(fapl, false, true) >= 0;
}

}  // namespace

// ---- Handle ----

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    close();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    close_ = other.close_;
  }
  return *this;
}

Handle::~Handle() {
  close();
}

herr_t Handle::close() {
  if (!valid()) return 0;
  const herr_t status = close_(id_);
  id_ = H5I_INVALID_HID;
  return status;
}

// ---- Object ----

Object::Object(Handle handle, std::string file_path, std::string path)
    : handle_(std::move(handle)), file_path_(std::move(file_path)), path_(std::move(path)) {}

// Every operation goes through id(), which makes it the one place that guarantees the calling
// thread has HDF5's error printing turned off.
hid_t Object::id() const {
  quiet_hdf5_errors();
  return handle_.get();
}

void Object::fail(std::string_view what) const {
  throw_data_error(file_path_, path_, what);
}

void Object::fail_at(std::string_view name, std::string_view what) const {
  throw_data_error(file_path_, child_path(name), what);
}

std::string Object::child_path(std::string_view name) const {
  if (name.starts_with('/')) return std::string(name);
  std::string path = path_;
  if (!path.ends_with('/')) path.push_back('/');
  return path.append(name);
}

bool Object::has_attr(std::string_view name) const {
  return H5Aexists(id(), std::string(name).c_str()) > 0;
}

std::vector<std::string> Object::attr_names() const {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    } catch (...) {
      return -1;
    }
  };
  if (H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0) {
    fail("cannot list attributes");
  }
  std::sort(names.begin(), names.end());
  return names;
}

Handle Object::open_attr(std::string_view name) const {
  if (!has_attr(name)) fail("missing attribute " + quoted(name));
  Handle attr(H5Aopen(id(), std::string(name).c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) fail("cannot open attribute " + quoted(name));
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) {
    fail("attribute " + quoted(name) + " is not a single value");
  }
  return attr;
}

void Object::set_attr(std::string_view name, std::string_view value) {
  const std::string attr_name(name);
  // HDF5 has no zero-sized string type; an empty string is stored as a single padding byte.
  const std::string padded = value.empty() ? std::string(1, '\0') : std::string(value);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.valid() || H5Tset_size(type.get(), padded.size()) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
    fail("cannot build a string type for attribute " + quoted(name));
  }
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (has_attr(name) && H5Adelete(id(), attr_name.c_str()) < 0) {
    fail("cannot replace attribute " + quoted(name));
  }
  Handle attr(
      H5Acreate2(id(), attr_name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!attr.valid()) fail("cannot create attribute " + quoted(name));
  if (H5Awrite(attr.get(), type.get(), padded.data()) < 0 || attr.close() < 0) {
    fail("cannot write attribute " + quoted(name));
  }
}

void Object::set_int_attr(std::string_view name, int64_t value) {
  const std::string attr_name(name);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (has_attr(name) && H5Adelete(id(), attr_name.c_str()) < 0) {
    fail("cannot replace attribute " + quoted(name));
  }
  Handle attr(
      H5Acreate2(id(), attr_name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!attr.valid()) fail("cannot create attribute " + quoted(name));
  if (H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0 || attr.close() < 0) {
    fail("cannot write attribute " + quoted(name));
  }
}

void Object::set_attr(std::string_view name, double value) {
  const std::string attr_name(name);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (has_attr(name) && H5Adelete(id(), attr_name.c_str()) < 0) {
    fail("cannot replace attribute " + quoted(name));
  }
  Handle attr(
      H5Acreate2(id(), attr_name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!attr.valid()) fail("cannot create attribute " + quoted(name));
  if (H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0 || attr.close() < 0) {
    fail("cannot write attribute " + quoted(name));
  }
}

std::string Object::attr_string(std::string_view name) const {
  const Handle attr = open_attr(name);
  const Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    fail("attribute " + quoted(name) + " holds " + describe_type(type.get()) +
         ", expected a string");
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle memory_type = variable_string_type();
    const Handle space(H5Aget_space(attr.get()), H5Sclose);
    VlenStrings text(memory_type.get(), space.get(), 1);
    if (H5Aread(attr.get(), memory_type.get(), text.data()) < 0) {
      fail("cannot read attribute " + quoted(name));
    }
    return text.at(0);
  }
  std::string text(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), text.data()) < 0) {
    fail("cannot read attribute " + quoted(name));
  }
  return trim_padding(std::move(text), H5Tget_strpad(type.get()));
}

int64_t Object::attr_int(std::string_view name) const {
  const Handle attr = open_attr(name);
  const Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER) {
    fail("attribute " + quoted(name) + " holds " + describe_type(type.get()) +
         ", expected an integer");
  }
  int64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) {
    fail("cannot read attribute " + quoted(name));
  }
  return value;
}

double Object::attr_double(std::string_view name) const {
  const Handle attr = open_attr(name);
  const Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    fail("attribute " + quoted(name) + " holds " + describe_type(type.get()) +
         ", expected a floating-point number");
  }
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    fail("cannot read attribute " + quoted(name));
  }
  return value;
}

// ---- Dataset ----

std::vector<uint64_t> Dataset::shape() const {
  const Handle space(H5Dget_space(id()), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0) fail("cannot read the dataset shape");
  std::vector<hsize_t> dims(rank);
  if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
    fail("cannot read the dataset shape");
  }
  return {dims.begin(), dims.end()};
}

uint64_t Dataset::length() const {
  const std::vector<uint64_t> dims = shape();
  if (dims.size() != 1) {
    fail("has rank " + std::to_string(dims.size()) + ", expected a 1-D array");
  }
  return dims[0];
}

void Dataset::require_element_type(hid_t memory_type) const {
  const Handle type(H5Dget_type(id()), H5Tclose);
  if (!type.valid()) fail("cannot read the element type");
  if (!same_element_type(type.get(), memory_type)) {
    fail("holds " + describe_type(type.get()) + ", expected " + describe_type(memory_type));
  }
}

void Dataset::read_all(hid_t memory_type, void* out) const {
  if (product(shape()) == 0) return;
  if (H5Dread(id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
    fail("cannot read dataset");
  }
}

void Dataset::read_slice(hid_t memory_type, void* out, uint64_t offset, uint64_t count) const {
  const uint64_t size = length();
  if (offset > size || count > size - offset) {
    fail("range [" + std::to_string(offset) + ", " + std::to_string(offset + count) +
         ") is outside the array of " + std::to_string(size) + " elements");
  }
  if (count == 0) return;
  const hsize_t start[] = {offset};
  const hsize_t counts[] = {count};
  const Handle file_space(H5Dget_space(id()), H5Sclose);
  const Handle memory_space(H5Screate_simple(1, counts, nullptr), H5Sclose);
  if (!file_space.valid() || !memory_space.valid() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, counts, nullptr) < 0 ||
      H5Dread(id(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, out) < 0) {
    fail("cannot read dataset range");
  }
}

// ---- Group ----

Group Group::create_group(std::string_view name) {
  const Handle lcpl = intermediate_groups_lcpl();
  Handle group(H5Gcreate2(id(), std::string(name).c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
               H5Gclose);
  if (!group.valid()) fail_at(name, "cannot create group");
  return Group(std::move(group), file_path(), child_path(name));
}

Group Group::open_group(std::string_view name) const {
  if (!has(name)) fail_at(name, "missing group");
  Handle group(H5Gopen2(id(), std::string(name).c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) fail_at(name, "cannot open group");
  return Group(std::move(group), file_path(), child_path(name));
}

Dataset Group::open_dataset(std::string_view name) const {
  if (!has(name)) fail_at(name, "missing dataset");
  Handle dataset(H5Dopen2(id(), std::string(name).c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) fail_at(name, "cannot open dataset");
  return Dataset(std::move(dataset), file_path(), child_path(name));
}

Dataset Group::open_typed(std::string_view name, hid_t memory_type) const {
  Dataset dataset = open_dataset(name);
  dataset.require_element_type(memory_type);
  return dataset;
}

// H5Lexists fails instead of answering "no" when an intermediate link is missing, so each link
// of the path is checked in turn.
bool Group::has(std::string_view name) const {
  std::string prefix = name.starts_with('/') ? "/" : "";
  size_t start = prefix.size();
  while (start < name.size()) {
    const size_t end = std::min(name.find('/', start), name.size());
    if (end > start) {
      if (!prefix.empty() && prefix.back() != '/') prefix += '/';
      prefix.append(name.substr(start, end - start));
      if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    start = end + 1;
  }
  if (prefix.empty()) return false;
  return H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    } catch (...) {
      return -1;
    }
  };
  if (H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0) {
    fail("cannot list the group");
  }
  std::sort(names.begin(), names.end());
  return names;
}

size_t Group::element_count(std::span<const uint64_t> shape) {
  return product(shape);
}

std::vector<hsize_t> Group::checked_dims(std::string_view name, size_t value_count,
                                         std::span<const uint64_t> shape) const {
  if (shape.empty() || element_count(shape) != value_count) {
    throw std::logic_error(child_path(name) + ": " + std::to_string(value_count) +
                           " values do not fill the requested matrix shape");
  }
  return {shape.begin(), shape.end()};
}

void Group::write_elements(std::string_view name, hid_t file_type, hid_t memory_type,
                           const void* data, std::span<const hsize_t> dims,
                           const ArrayOptions& options) {
  if (options.deflate_level < 0 || options.deflate_level > 9) {
    throw std::logic_error("deflate level must be within 0..9");
  }
  const size_t count = product(dims);
  const Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                     H5Sclose);
  const Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (!space.valid() || !dcpl.valid()) fail_at(name, "cannot describe dataset");
  // HDF5 cannot chunk an empty dataset, so empty arrays are stored contiguously.
  if (count > 0 && options.chunk_elems > 0) {
    const size_t row_elems = count / dims[0];
    std::vector<hsize_t> chunk(dims.begin(), dims.end());
    chunk[0] = std::clamp<hsize_t>(options.chunk_elems / row_elems, 1, dims[0]);
    if (H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0) {
      fail_at(name, "cannot set the chunk size");
    }
    if (options.deflate_level > 0 &&
        (H5Pset_shuffle(dcpl.get()) < 0 ||
         H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate_level)) < 0)) {
      fail_at(name, "cannot enable compression");
    }
  }
  const Handle lcpl = intermediate_groups_lcpl();
  Handle dataset(H5Dcreate2(id(), std::string(name).c_str(), file_type, space.get(), lcpl.get(),
                            dcpl.get(), H5P_DEFAULT),
                 H5Dclose);
  if (!dataset.valid()) fail_at(name, "cannot create dataset");
  if (count > 0 && H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail_at(name, "cannot write dataset");
  }
  if (dataset.close() < 0) fail_at(name, "cannot write dataset");
}

void Group::write_strings(std::string_view name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& value : values) pointers.push_back(value.c_str());
  const Handle type = variable_string_type();
  const hsize_t dims[] = {values.size()};
  // Compression would only see the heap references, not the text, so strings stay contiguous.
  write_elements(name, type.get(), type.get(), pointers.data(), dims, ArrayOptions{0, 0});
}

std::vector<std::string> Group::read_strings(std::string_view name) const {
  const Dataset dataset = open_dataset(name);
  const Handle type(H5Dget_type(dataset.id()), H5Tclose);
  if (!type.valid()) dataset.fail("cannot read the element type");
  if (H5Tget_class(type.get()) != H5T_STRING) {
    dataset.fail("holds " + describe_type(type.get()) + ", expected strings");
  }
  const size_t count = dataset.length();
  std::vector<std::string> values;
  values.reserve(count);
  if (count == 0) return values;
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle memory_type = variable_string_type();
    const Handle space(H5Dget_space(dataset.id()), H5Sclose);
    VlenStrings text(memory_type.get(), space.get(), count);
    if (H5Dread(dataset.id(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0) {
      dataset.fail("cannot read dataset");
    }
    for (size_t i = 0; i < count; ++i) values.push_back(text.at(i));
    return values;
  }
  const size_t width = H5Tget_size(type.get());
  std::string buffer(width * count, '\0');
  if (H5Dread(dataset.id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0) {
    dataset.fail("cannot read dataset");
  }
  const H5T_str_t padding = H5Tget_strpad(type.get());
  for (size_t i = 0; i < count; ++i) {
    values.push_back(trim_padding(buffer.substr(i * width, width), padding));
  }
  return values;
}

void Group::link(std::string_view target_path, std::string_view new_name) {
  if (!has(target_path)) fail_at(target_path, "missing link target");
  const Handle lcpl = intermediate_groups_lcpl();
  if (H5Lcreate_hard(id(), std::string(target_path).c_str(), id(), std::string(new_name).c_str(),
                     lcpl.get(), H5P_DEFAULT) < 0) {
    fail_at(new_name, "cannot link to " + child_path(target_path));
  }
}

// ---- File ----

File File::create(const std::string& path, const std::string& name) {
  quiet_hdf5_errors();
  const std::string& named = name.empty() ? path : name;
  const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // The 1.8 format keeps files readable by every current HDF5 and allows attributes over 64 KB.
  if (!fapl.valid() || H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
      !without_hdf5_locks(fapl.get())) {
    throw_data_error(named, "", "cannot prepare file access properties");
  }
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  if (!file.valid()) throw_data_error(named, "", "cannot create HDF5 file");
  return File(std::move(file), named);
}

File File::open_read(const std::string& path) {
  quiet_hdf5_errors();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  }
  if (!S_ISREG(info.st_mode)) throw DataError(path + ": cannot open (not a regular file)");
  const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || !without_hdf5_locks(fapl.get())) {
    throw_data_error(path, "", "cannot prepare file access properties");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.valid()) throw_data_error(path, "", "not a readable HDF5 file");
  return File(std::move(file), path);
}

hid_t File::require_open() const {
  if (!handle_.valid()) throw std::logic_error(path_ + ": the HDF5 file is already closed");
  quiet_hdf5_errors();
  return handle_.get();
}

Group File::root() const {
  Handle group(H5Gopen2(require_open(), "/", H5P_DEFAULT), H5Gclose);
  if (!group.valid()) throw_data_error(path_, "/", "cannot open the root group");
  return Group(std::move(group), path_, "/");
}

void File::flush() {
  if (H5Fflush(require_open(), H5F_SCOPE_LOCAL) < 0) throw_data_error(path_, "", "cannot flush");
}

void File::close() {
  if (!handle_.valid()) return;
  quiet_hdf5_errors();
  // Anything still open would keep writing to the file after the caller believes it complete,
  // e.g. after AtomicFile::commit.
  const ssize_t open_objects = H5Fget_obj_count(handle_.get(), H5F_OBJ_ALL | H5F_OBJ_LOCAL) - 1;
  if (open_objects > 0) {
    throw std::logic_error(path_ + ": close() while " + std::to_string(open_objects) +
                           " groups or datasets of the file are still open; destroy them first");
  }
  if (handle_.close() < 0) throw_data_error(path_, "", "cannot close (data may be lost)");
}

}  // namespace huiyan::io::h5
