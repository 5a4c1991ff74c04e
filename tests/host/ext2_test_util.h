// Shared by the ext2 host tests and the ext2 fuzzer: an in-memory block device, and images made
// the way the real disk image is made (mke2fs -t ext2 -d DIR), so the library is always tested
// against the reference tool's output rather than against images it wrote itself.
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "user/fs/ext2.h"

namespace ext2test {

namespace fs = std::filesystem;

// The whole image in memory; optionally fails reads or writes of one block, as a disk error.
class MemDevice final : public ext2::BlockDevice {
 public:
  explicit MemDevice(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  zx_status_t Read(uint64_t off, void* buf, size_t len) override {
    if (off > bytes_.size() || len > bytes_.size() - off) return ZX_ERR_IO;
    if (Hits(fail_read_offset, off, len)) return ZX_ERR_IO;
    memcpy(buf, bytes_.data() + off, len);
    reads++;
    return ZX_OK;
  }
  zx_status_t Write(uint64_t off, const void* buf, size_t len) override {
    if (off > bytes_.size() || len > bytes_.size() - off) return ZX_ERR_IO;
    if (Hits(fail_write_offset, off, len)) return ZX_ERR_IO;
    memcpy(bytes_.data() + off, buf, len);
    writes++;
    return ZX_OK;
  }
  uint64_t SizeBytes() override { return bytes_.size(); }
  std::vector<uint8_t>& bytes() { return bytes_; }

  uint64_t fail_read_offset = UINT64_MAX;
  uint64_t fail_write_offset = UINT64_MAX;
  uint64_t reads = 0, writes = 0;

 private:
  static bool Hits(uint64_t bad, uint64_t off, size_t len) { return bad >= off && bad - off < len; }
  std::vector<uint8_t> bytes_;
};

// Runs a shell command, output discarded; returns its exit status (-1 if it did not exit).
inline int Run(const std::string& cmd) {
  int st = system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Runs a command and returns its standard output.
inline std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ext2test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data())) path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

inline bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

// Deterministic content: every file gets different bytes, no block is all zeros (mke2fs -d
// turns all-zero blocks into holes, which would hide mapping bugs).
inline std::vector<uint8_t> Pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> v(size);
  uint32_t x = seed * 2654435761u + 12345;
  for (size_t i = 0; i < size; i++) {
    x = x * 1103515245u + 12345u;
    v[i] = static_cast<uint8_t>((x >> 16) | 1);
  }
  return v;
}

inline bool WritePattern(const std::string& path, size_t size, uint32_t seed) {
  return WriteFile(path, Pattern(size, seed));
}

// mke2fs -t ext2 with the given block and inode size, populated from dir (if not empty).
inline bool MakeImage(const std::string& img, const std::string& dir, uint32_t block_size,
                      uint32_t inode_size, uint64_t size_kib, const std::string& extra = "") {
  std::string cmd = "mke2fs -q -F -t ext2 -b " + std::to_string(block_size) + " -I " +
                    std::to_string(inode_size) + " " + extra;
  if (!dir.empty()) cmd += " -d '" + dir + "'";
  cmd += " '" + img + "' " + std::to_string(size_kib) + "k";
  return Run(cmd) == 0;
}

// e2fsck -fn: 0 when the image is clean.
inline int Fsck(const std::string& img) { return Run("e2fsck -fn '" + img + "'"); }

inline std::string FsckOutput(const std::string& img) {
  return Capture("e2fsck -fn '" + img + "' 2>&1");
}

}  // namespace ext2test
