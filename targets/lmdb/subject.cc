#include "targets/lmdb/subject.h"

#include <lmdb.h>

#include <cerrno>
#include <span>
#include <string>
#include <vector>

#include "targets/lmdb/environment.h"
#include "targets/lmdb/records.h"

namespace mapfuzz::lmdb {
namespace {

class LmdbSubject final : public Subject {
 public:
  Status open(const std::string& path, bool create, uint64_t size) override {
    if (Status st = env_.open(path, create, size); !st.ok()) return st;
    open_ = true;
    return {};
  }

  Status resize(uint64_t n) override {
    if (Status st = env_.revive(); !st.ok()) return st;
    if (Status st = env_.grow_map_for(n); !st.ok()) return st;
    return env_.in_write_txn(
        "resize", [&](MDB_txn* txn) -> int { return resize_records(txn, env_.dbi(), env_.size(), n); }, n);
  }

  Status write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset > env_.size() || data.size() > env_.size() - offset) return Status(EINVAL, "bounds");
    if (Status st = env_.revive(); !st.ok()) return st;
    if (data.empty()) return {};
    return env_.in_write_txn(
        "write",
        [&](MDB_txn* txn) -> int { return write_records(txn, env_.dbi(), env_.size(), offset, data, page_); },
        env_.size());
  }

  Status read(uint64_t offset, std::span<uint8_t> out, uint64_t* got) override {
    *got = 0;
    if (offset > env_.size() || out.size() > env_.size() - offset) return Status(EINVAL, "bounds");
    if (Status st = env_.revive(); !st.ok()) return st;
    if (out.empty()) return {};
    MDB_txn* txn = nullptr;
    if (Status st = env_.begin(MDB_RDONLY, &txn); !st.ok()) return st;
    const int rc = read_records(txn, env_.dbi(), offset, out);
    mdb_txn_abort(txn);
    if (rc != MDB_SUCCESS) return env_.track(rc, "mdb_get");
    *got = out.size();
    return {};
  }

  Status sync(uint64_t, uint64_t) override {
    if (Status st = env_.revive(); !st.ok()) return st;
    return env_.sync();
  }

  Status close() override {
    env_.close();
    open_ = false;
    return {};
  }

  uint64_t size() const override { return open_ ? env_.size() : 0; }

 private:
  Environment env_;
  bool open_ = false;          // open as the harness sees it (the environment may be lost after MDB_PANIC)
  std::vector<uint8_t> page_;  // write_records()'s scratch page
};

}  // namespace

std::unique_ptr<Subject> make_subject() { return std::make_unique<LmdbSubject>(); }

}  // namespace mapfuzz::lmdb
