// weights.cpp - safetensors weight files: a strict reader of the format, loading an encoder by
// its ecosystem's tensor names, and the writer.
//
// The format (as the reference implementation defines it): an 8-byte little-endian header
// length N, N bytes of a JSON object mapping each tensor name to {dtype, shape, data_offsets
// [begin, end)} (plus an optional "__metadata__" object of strings), then the data, which the
// tensors' ranges must cover exactly, without overlaps or holes. Every header field is checked
// against the file before any byte of data is used, so a truncated or lying file gives a
// message instead of a crash, and a load that fails leaves the model as it was.
#include <jansson.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <unistd.h>

#include "net.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "safetensors data is little-endian and weights.cpp copies it in the host's byte order"
#endif

namespace mt {

namespace {

// The reference implementation refuses larger headers; so do we, before allocating one.
constexpr uint64_t kMaxHeader = 100000000;

struct DType {
    const char *name;
    torch::ScalarType type;
    int size;
};

const DType kDTypes[] = {
    {"F64", torch::kFloat64, 8},   {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},     {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

struct FileTensor {
    std::string name;
    const DType *dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end; // within the data section
};

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE *)>;

struct SafeTensors {
    std::string path;
    FilePtr file{nullptr, std::fclose};
    uint64_t data_start = 0;
    std::vector<FileTensor> tensors;
};

[[noreturn]] void bad(const std::string &path, const std::string &msg) { throw Error(MT_EIO, path + ": " + msg); }

std::string shape_text(const std::vector<int64_t> &s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); i++) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
}

std::string quote_name(const std::string &s) { return "'" + s + "'"; }

const DType *find_dtype(const char *name) {
    for (const auto &d : kDTypes)
        if (std::strcmp(d.name, name) == 0) return &d;
    return nullptr;
}

// One header entry: {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}.
FileTensor parse_entry(const std::string &path, const char *key, json_t *v) {
    FileTensor t;
    t.name = key;
    const std::string where = "header: tensor " + quote_name(key);
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
           *off = json_object_get(v, "data_offsets");
    if (!json_is_object(v) || !json_is_string(dt) || !json_is_array(shape) || !json_is_array(off))
        bad(path, where + ": expected an object with dtype (string), shape and data_offsets (arrays)");
    t.dtype = find_dtype(json_string_value(dt));
    if (!t.dtype) bad(path, where + ": unknown dtype " + quote_name(json_string_value(dt)));
    // numel * size must not overflow: cap it far above any real tensor.
    const uint64_t cap = (uint64_t)1 << 60;
    uint64_t bytes = (uint64_t)t.dtype->size;
    for (size_t i = 0; i < json_array_size(shape); i++) {
        json_t *d = json_array_get(shape, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            bad(path, where + ": shape: expected non-negative integers");
        uint64_t dim = (uint64_t)json_integer_value(d);
        if (dim != 0 && bytes > cap / dim) bad(path, where + ": shape " + "is implausibly large");
        bytes *= dim;
        t.shape.push_back((int64_t)dim);
    }
    json_t *b = json_array_get(off, 0), *e = json_array_get(off, 1);
    if (json_array_size(off) != 2 || !json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
        json_integer_value(e) < json_integer_value(b))
        bad(path, where + ": data_offsets: expected [begin, end] with 0 <= begin <= end");
    t.begin = (uint64_t)json_integer_value(b);
    t.end = (uint64_t)json_integer_value(e);
    if (t.end - t.begin != bytes)
        bad(path, where + ": data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + ") hold " +
                      std::to_string(t.end - t.begin) + " bytes, but " + t.dtype->name + " " + shape_text(t.shape) +
                      " needs " + std::to_string(bytes));
    return t;
}

// The ranges must tile the data section [0, size) exactly, as the reference requires.
void check_ranges(const std::string &path, std::vector<FileTensor> ts, uint64_t size) {
    std::sort(ts.begin(), ts.end(), [](const FileTensor &a, const FileTensor &b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t at = 0;
    const FileTensor *prev = nullptr;
    for (const auto &t : ts) {
        if (t.end > size)
            bad(path, "tensor " + quote_name(t.name) + " ends at data byte " + std::to_string(t.end) +
                          ", beyond the data section's " + std::to_string(size) + " bytes (truncated file?)");
        if (t.begin < at)
            bad(path, "tensors " + quote_name(prev->name) + " and " + quote_name(t.name) + " overlap (data bytes " +
                          std::to_string(t.begin) + " to " + std::to_string(at) + ")");
        if (t.begin > at)
            bad(path, "data bytes " + std::to_string(at) + " to " + std::to_string(t.begin) + " belong to no tensor");
        at = t.end;
        prev = &t;
    }
    if (at != size)
        bad(path,
            "the data section has " + std::to_string(size) + " bytes but the tensors cover " + std::to_string(at));
}

void parse_header(SafeTensors &st, const std::string &text, uint64_t data_size) {
    json_error_t err;
    std::unique_ptr<json_t, void (*)(json_t *)> root(json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &err),
                                                     json_decref);
    if (!root)
        bad(st.path, "header is not valid JSON: line " + std::to_string(err.line) + ", column " +
                         std::to_string(err.column) + ": " + err.text);
    if (!json_is_object(root.get())) bad(st.path, "header: expected a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(root.get(), key, v) {
        if (std::strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(v)) bad(st.path, "header: __metadata__: expected an object of strings");
            continue;
        }
        st.tensors.push_back(parse_entry(st.path, key, v));
    }
    check_ranges(st.path, st.tensors, data_size);
}

SafeTensors open_safetensors(const std::string &path) {
    SafeTensors st;
    st.path = path;
    st.file.reset(std::fopen(path.c_str(), "rb"));
    if (!st.file) throw Error(MT_EIO, path + ": cannot open: " + std::strerror(errno));
    std::FILE *f = st.file.get();
    if (fseeko(f, 0, SEEK_END) != 0) bad(path, std::string("cannot seek: ") + std::strerror(errno));
    const off_t size = ftello(f);
    unsigned char len[8];
    if (size < 8 || fseeko(f, 0, SEEK_SET) != 0 || std::fread(len, 1, 8, f) != 8)
        bad(path, "truncated: " + std::to_string((long long)size) +
                      " bytes; a safetensors file starts with an 8-byte header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | len[i];
    if (n > kMaxHeader)
        bad(path, "header length " + std::to_string(n) + " exceeds the format's limit of " +
                      std::to_string(kMaxHeader) + " bytes (not a safetensors file?)");
    if (n > (uint64_t)size - 8)
        bad(path, "header length " + std::to_string(n) + " runs past the end of the file (" +
                      std::to_string((long long)size) + " bytes)");
    std::string header(n, '\0');
    if (std::fread(&header[0], 1, n, f) != n) bad(path, "cannot read the header");
    st.data_start = 8 + n;
    parse_header(st, header, (uint64_t)size - 8 - n);
    return st;
}

torch::Tensor read_tensor(SafeTensors &st, const FileTensor &t) {
    torch::Tensor out = torch::empty(t.shape, torch::TensorOptions().dtype(t.dtype->type));
    const uint64_t bytes = t.end - t.begin;
    if (bytes && (fseeko(st.file.get(), (off_t)(st.data_start + t.begin), SEEK_SET) != 0 ||
                  std::fread(out.data_ptr(), 1, bytes, st.file.get()) != bytes))
        bad(st.path, "cannot read tensor " + quote_name(t.name) + ": " + std::strerror(errno));
    return out;
}

bool dtype_fits(const FileTensor &t, const torch::Tensor &target) {
    if (target.is_floating_point())
        return t.dtype->type == torch::kFloat64 || t.dtype->type == torch::kFloat32 ||
               t.dtype->type == torch::kFloat16 || t.dtype->type == torch::kBFloat16;
    return t.dtype->type == torch::kInt64 || t.dtype->type == torch::kInt32;
}

std::string join(const std::vector<std::string> &v) {
    std::string r;
    for (const auto &s : v) r += (r.empty() ? "" : ", ") + s;
    return r;
}

struct Match {
    std::vector<std::pair<const FileTensor *, torch::Tensor>> copies;
    std::vector<std::string> missing, unexpected, wrong;
};

// Pairs every file tensor (after prefix and canonical renaming) with the encoder's weight of
// that name, collecting every problem instead of stopping at the first.
Match match_names(EncoderBase &enc, const SafeTensors &st, const std::string &prefix) {
    Match r;
    std::vector<NamedWeight> want = enc.ecosystem_weights();
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < want.size(); i++) index[want[i].name] = i;
    std::map<std::string, const FileTensor *> got;
    for (const auto &t : st.tensors) {
        std::string name = t.name;
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        name.erase(0, prefix.size());
        if (!enc.canonical_name(name)) continue;
        auto it = index.find(name);
        if (it == index.end()) {
            r.unexpected.push_back(t.name);
            continue;
        }
        if (!got.emplace(name, &t).second) {
            r.unexpected.push_back(t.name + " (a second " + name + ")");
            continue;
        }
        const torch::Tensor &target = want[it->second].tensor;
        if (target.sizes().vec() != t.shape)
            r.wrong.push_back(t.name + " (file " + shape_text(t.shape) + ", model " + shape_text(target.sizes().vec()) +
                              ")");
        else if (!dtype_fits(t, target))
            r.wrong.push_back(t.name + " (dtype " + t.dtype->name + ", model " +
                              (target.is_floating_point() ? "F32/F16/BF16/F64" : "I64/I32") + ")");
        else r.copies.emplace_back(&t, target);
    }
    for (const auto &w : want)
        if (!w.optional && !got.count(w.name)) r.missing.push_back(w.name);
    return r;
}

} // namespace

void load_safetensors(EncoderBase &enc, const std::string &path, const std::string &prefix, const std::string &what) {
    SafeTensors st = open_safetensors(path);
    Match r = match_names(enc, st, prefix);
    if (!r.missing.empty() || !r.unexpected.empty() || !r.wrong.empty()) {
        std::string msg =
            path + ": does not fit " + what + (prefix.empty() ? "" : " under prefix " + quote_name(prefix)) + ":";
        if (!r.missing.empty()) msg += " " + std::to_string(r.missing.size()) + " missing: " + join(r.missing) + ";";
        if (!r.unexpected.empty())
            msg += " " + std::to_string(r.unexpected.size()) + " unexpected: " + join(r.unexpected) + ";";
        if (!r.wrong.empty())
            msg += " " + std::to_string(r.wrong.size()) + " of the wrong shape or dtype: " + join(r.wrong) + ";";
        msg.pop_back();
        if (r.copies.empty() && !st.tensors.empty())
            msg += " (no name matched; the file's first name is " + quote_name(st.tensors.front().name) + ")";
        throw Error(MT_EMISMATCH, msg);
    }
    torch::NoGradGuard ng;
    for (auto &c : r.copies) c.second.copy_(read_tensor(st, *c.first));
}

void save_safetensors(const std::vector<NamedWeight> &weights, const std::string &path) {
    // Header first, from shapes alone, so the data can be streamed one tensor at a time.
    std::unique_ptr<json_t, void (*)(json_t *)> root(json_object(), json_decref);
    json_object_set_new(root.get(), "__metadata__", json_pack("{s:s}", "format", "pt"));
    uint64_t off = 0;
    for (const auto &w : weights) {
        const bool fp = w.tensor.is_floating_point();
        const uint64_t bytes = (uint64_t)w.tensor.numel() * (fp ? 4 : 8);
        json_t *shape = json_array();
        for (int64_t d : w.tensor.sizes()) json_array_append_new(shape, json_integer(d));
        json_t *e = json_pack("{s:s, s:o, s:[I, I]}", "dtype", fp ? "F32" : "I64", "shape", shape, "data_offsets",
                              (json_int_t)off, (json_int_t)(off + bytes));
        if (json_object_get(root.get(), w.name.c_str()))
            throw Error(MT_EINVAL, path + ": two weights named " + quote_name(w.name));
        json_object_set_new(root.get(), w.name.c_str(), e);
        off += bytes;
    }
    std::unique_ptr<char, void (*)(void *)> text(json_dumps(root.get(), JSON_COMPACT), std::free);
    if (!text) throw Error(MT_ENOMEM, path + ": cannot format the header");
    std::string header = text.get();
    header.append((8 - header.size() % 8) % 8, ' '); // data 8-byte aligned, as the reference writes it

    const std::string tmp = path + ".tmp";
    FilePtr f(std::fopen(tmp.c_str(), "wb"), std::fclose);
    if (!f) throw Error(MT_EIO, tmp + ": cannot create: " + std::strerror(errno));
    auto fail = [&](const char *doing) {
        std::string why = std::strerror(errno);
        f.reset();
        std::remove(tmp.c_str());
        throw Error(MT_EIO, tmp + ": cannot " + doing + ": " + why);
    };
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)header.size() >> (8 * i));
    if (std::fwrite(len, 1, 8, f.get()) != 8 || std::fwrite(header.data(), 1, header.size(), f.get()) != header.size())
        fail("write");
    torch::NoGradGuard ng;
    for (const auto &w : weights) {
        torch::Tensor h = w.tensor.detach()
                              .to(torch::kCPU, w.tensor.is_floating_point() ? torch::kFloat32 : torch::kInt64)
                              .contiguous();
        const size_t bytes = (size_t)h.numel() * h.element_size();
        if (bytes && std::fwrite(h.data_ptr(), 1, bytes, f.get()) != bytes) fail("write");
    }
    if (std::fflush(f.get()) != 0 || fsync(fileno(f.get())) != 0) fail("flush");
    if (std::fclose(f.release()) != 0) fail("close");
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw Error(MT_EIO, path + ": cannot rename " + tmp + " into place: " + why);
    }
}

} // namespace mt
