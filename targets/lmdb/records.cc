#include "targets/lmdb/records.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "targets/lmdb/mdb_status.h"

namespace mapfuzz::lmdb {
namespace {

constexpr char kSizeKey[] = "size";

void page_key(uint64_t page, uint8_t out[8]) {
  for (int i = 7; i >= 0; --i, page >>= 8) out[i] = static_cast<uint8_t>(page);
}

}  // namespace

int put_size(MDB_txn* txn, MDB_dbi dbi, uint64_t n) {
  MDB_val key{4, const_cast<char*>(kSizeKey)};
  MDB_val val{sizeof n, &n};
  return mdb_put(txn, dbi, &key, &val, 0);
}

Status get_size(MDB_txn* txn, MDB_dbi dbi, uint64_t* n) {
  MDB_val key{4, const_cast<char*>(kSizeKey)}, val;
  const int rc = mdb_get(txn, dbi, &key, &val);
  if (rc == MDB_SUCCESS && val.mv_size == sizeof(uint64_t)) {
    std::memcpy(n, val.mv_data, sizeof *n);
  } else if (rc == MDB_NOTFOUND) {
    *n = 0;
  } else {
    return rc == MDB_SUCCESS ? Status(EIO, "size record") : from_mdb(rc, "mdb_get");
  }
  return {};
}

int resize_records(MDB_txn* txn, MDB_dbi dbi, uint64_t old_size, uint64_t n) {
  const uint64_t keep = (n + kPage - 1) / kPage;  // pages that stay
  for (uint64_t p = keep; p < (old_size + kPage - 1) / kPage; ++p) {
    uint8_t k[8];
    page_key(p, k);
    MDB_val key{8, k};
    const int rc = mdb_del(txn, dbi, &key, nullptr);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return rc;
  }
  if (n < old_size && n % kPage != 0) {  // cut the new last page
    uint8_t k[8];
    page_key(n / kPage, k);
    MDB_val key{8, k}, val;
    const int rc = mdb_get(txn, dbi, &key, &val);
    if (rc == MDB_SUCCESS && val.mv_size > n % kPage) {
      std::vector<uint8_t> cut(static_cast<const uint8_t*>(val.mv_data),
                               static_cast<const uint8_t*>(val.mv_data) + n % kPage);
      MDB_val nv{cut.size(), cut.data()};
      if (const int r = mdb_put(txn, dbi, &key, &nv, 0); r != MDB_SUCCESS) return r;
    } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return rc;
    }
  }
  return put_size(txn, dbi, n);
}

int write_records(MDB_txn* txn, MDB_dbi dbi, uint64_t size, uint64_t offset, std::span<const uint8_t> data,
                  std::vector<uint8_t>& page) {
  uint64_t at = offset;
  const uint64_t end = offset + data.size();
  while (at < end) {
    const uint64_t p = at / kPage, page_start = p * kPage;
    const uint64_t page_len = std::min(kPage, size - page_start);
    page.assign(page_len, 0);
    uint8_t k[8];
    page_key(p, k);
    MDB_val key{8, k}, val;
    const int rc = mdb_get(txn, dbi, &key, &val);
    if (rc == MDB_SUCCESS) {
      std::memcpy(page.data(), val.mv_data, std::min<uint64_t>(val.mv_size, page_len));
    } else if (rc != MDB_NOTFOUND) {
      return rc;
    }
    const uint64_t chunk = std::min(end, page_start + page_len) - at;
    std::memcpy(page.data() + (at - page_start), data.data() + (at - offset), chunk);
    MDB_val nv{page.size(), page.data()};
    if (const int r = mdb_put(txn, dbi, &key, &nv, 0); r != MDB_SUCCESS) return r;
    at += chunk;
  }
  return MDB_SUCCESS;
}

int read_records(MDB_txn* txn, MDB_dbi dbi, uint64_t offset, std::span<uint8_t> out) {
  std::memset(out.data(), 0, out.size());
  uint64_t at = offset;
  const uint64_t end = offset + out.size();
  while (at < end) {
    const uint64_t p = at / kPage, page_start = p * kPage;
    const uint64_t chunk = std::min(end, page_start + kPage) - at;
    uint8_t k[8];
    page_key(p, k);
    MDB_val key{8, k}, val;
    const int rc = mdb_get(txn, dbi, &key, &val);
    if (rc == MDB_SUCCESS) {
      const uint64_t in_page = at - page_start;
      if (val.mv_size > in_page) {
        std::memcpy(out.data() + (at - offset), static_cast<const uint8_t*>(val.mv_data) + in_page,
                    std::min<uint64_t>(chunk, val.mv_size - in_page));
      }
    } else if (rc != MDB_NOTFOUND) {
      return rc;
    }
    at += chunk;
  }
  return MDB_SUCCESS;
}

}  // namespace mapfuzz::lmdb
