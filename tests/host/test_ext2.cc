// Tests for the ext2 library (user/fs/ext2.*) against images made by mke2fs from directory
// trees generated here, and against e2fsck after writes. Why this shape: the library must agree
// byte for byte with the reference implementation's view of the same image, so every file the
// host wrote is read back through the library and compared, in every block size and inode size
// the system supports, and every write workload ends with e2fsck -fn finding nothing.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "tests/host/ext2_test_util.h"

using namespace ext2test;

namespace {

struct Totals {
  uint64_t images = 0, files = 0, dirs = 0, symlinks = 0, bytes = 0, runs = 0, fscks = 0;
} g_totals;

constexpr const char* kLongLinkPath =
    "../d0/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/leaf.txt";

// A sparse file: pieces of pattern at the given offsets, then truncated to size.
bool WriteSparse(const std::string& path, const std::vector<std::pair<uint64_t, size_t>>& pieces,
                 uint64_t size, uint32_t seed) {
  int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return false;
  bool ok = true;
  for (auto& [off, len] : pieces) {
    auto data = Pattern(len, seed++);
    ok = ok && pwrite(fd, data.data(), len, static_cast<off_t>(off)) == static_cast<ssize_t>(len);
  }
  ok = ok && ftruncate(fd, static_cast<off_t>(size)) == 0;
  close(fd);
  return ok;
}

// The tree every read test checks: boundary sizes for this block size, holes, a 1,000-entry
// directory, a deep path and symlinks of every kind.
void BuildTree(const std::string& root, uint32_t bs) {
  uint64_t p = bs / 4;
  fs::create_directories(root + "/sizes");
  std::vector<uint64_t> sizes = {0,
                                 1,
                                 4095,
                                 4096,
                                 4097,
                                 12 * bs - 1,
                                 12 * bs,
                                 12 * bs + 1,
                                 (12 + p) * bs - 1,
                                 (12 + p) * bs,
                                 (12 + p) * bs + 1,
                                 (12 + p + 2 * p + 3) * bs + 77};
  uint32_t seed = 1;
  for (uint64_t s : sizes) REQUIRE(WritePattern(root + "/sizes/s_" + std::to_string(s), s, seed++));

  fs::create_directories(root + "/holes");
  REQUIRE(WriteSparse(root + "/holes/h1",
                      {{0, 1000}, {20 * bs, bs}, {(12 + p + 5) * bs + 100, 3000}},
                      (12 + p + 10) * bs + 5, 100));
  REQUIRE(WriteSparse(root + "/holes/tail", {{0, 5000}}, 300000, 200));
  REQUIRE(WriteSparse(root + "/holes/empty", {}, 1 << 20, 300));
  REQUIRE(WriteSparse(root + "/holes/head", {{777777, 4321}}, 777777 + 4321, 400));
  if (bs == 1024) {
    // Past the double-indirect range (12 + 256 + 65536 blocks): the triple-indirect block,
    // and a 66 MiB file.
    uint64_t tind = (12 + p + p * p) * bs;
    REQUIRE(WriteSparse(root + "/holes/triple",
                        {{5, 2000}, {63ull << 20, 9000}, {tind - 100, 300}, {tind + 5 * bs, 8192}},
                        66ull << 20, 500));
  }

  fs::create_directories(root + "/many");
  for (int i = 0; i < 1000; i++) {
    char name[32];
    snprintf(name, sizeof(name), "/many/entry_%04d", i);
    std::string text = "entry " + std::to_string(i) + "\n";
    REQUIRE(WriteFile(root + name, std::vector<uint8_t>(text.begin(), text.end())));
  }

  std::string deep = root;
  for (int i = 0; i < 20; i++) deep += "/d" + std::to_string(i);
  fs::create_directories(deep);
  REQUIRE(WritePattern(deep + "/leaf.txt", 3333, 600));

  fs::create_directories(root + "/links");
  auto link = [&](const char* target, const char* name) {
    fs::create_symlink(target, root + "/links/" + name);
  };
  link("../sizes/s_4097", "fast");
  link(kLongLinkPath, "slow");
  link("/sizes/s_1", "abs");
  link("../d0/d1", "dirlink");
  link("nowhere", "dangling");
  link("loop2", "loop1");
  link("loop1", "loop2");
  link("self", "self");
  link("fast", "chain");
  chmod((root + "/sizes/s_1").c_str(), 0600);
}

uint16_t HostType(const fs::file_status& s) {
  switch (s.type()) {
    case fs::file_type::regular:
      return ext2::kModeRegular;
    case fs::file_type::directory:
      return ext2::kModeDir;
    case fs::file_type::symlink:
      return ext2::kModeSymlink;
    default:
      return 0;
  }
}

// Reads the whole file through the library in chunks of `chunk` bytes.
std::vector<uint8_t> ReadAll(ext2::Fs& f, uint32_t ino, uint64_t size, size_t chunk) {
  std::vector<uint8_t> out(size);
  uint64_t off = 0;
  while (off < size) {
    size_t n = std::min<uint64_t>(chunk, size - off);
    size_t got = 0;
    zx_status_t st = f.Read(ino, off, out.data() + off, n, &got);
    REQUIRE(st == ZX_OK);
    REQUIRE(got == n);
    off += n;
  }
  // At the end: zero bytes, no error.
  uint8_t b;
  size_t got = 99;
  CHECK(f.Read(ino, size, &b, 1, &got) == ZX_OK);
  CHECK(got == 0);
  return out;
}

// Every entry of the host tree, compared with what the library reads from the image.
void CompareTree(ext2::Fs& f, MemDevice& dev, const std::string& root) {
  std::vector<fs::path> paths = {fs::path(root)};
  for (auto& e : fs::recursive_directory_iterator(root)) paths.push_back(e.path());
  uint32_t bs = f.block_size();
  for (auto& hp : paths) {
    std::string rel = hp.generic_string().substr(root.size());
    if (rel.empty()) rel = "/";
    INFO("path " << rel);
    uint32_t ino = 0;
    REQUIRE(f.Walk(ext2::kRootIno, rel.c_str(), &ino, false) == ZX_OK);
    ext2::Stat st{};
    REQUIRE(f.GetStat(ino, &st) == ZX_OK);
    auto hs = fs::symlink_status(hp);
    CHECK((st.mode & ext2::kModeTypeMask) == HostType(hs));
    if (hs.type() == fs::file_type::regular) {
      CHECK((st.mode & 0777) == (static_cast<unsigned>(hs.permissions()) & 0777));
      auto want = ReadFile(hp.string());
      REQUIRE(st.size == want.size());
      // Whole file at once, and in odd-sized pieces that straddle block boundaries.
      CHECK(ReadAll(f, ino, st.size, st.size + 1) == want);
      if (st.size < (4u << 20)) CHECK(ReadAll(f, ino, st.size, 1000) == want);
      g_totals.bytes += 2 * want.size();
      g_totals.files++;
      // The block map, run by run, straight from the device bytes.
      std::vector<uint8_t> mapped(st.size);
      uint64_t nblocks = (st.size + bs - 1) / bs;
      for (uint64_t b = 0; b < nblocks;) {
        uint32_t disk, run;
        REQUIRE(f.MapBlocks(ino, b, 64, &disk, &run) == ZX_OK);
        REQUIRE(run >= 1);
        REQUIRE(run <= 64);
        for (uint32_t i = 0; i < run && b + i < nblocks; i++) {
          uint64_t off = (b + i) * bs;
          size_t n = std::min<uint64_t>(bs, st.size - off);
          if (disk != 0) memcpy(mapped.data() + off, dev.bytes().data() + (disk + i) * bs, n);
        }
        b += run;
        g_totals.runs++;
      }
      CHECK(mapped == want);
    } else if (hs.type() == fs::file_type::symlink) {
      char target[ext2::kMaxPath + 1];
      size_t len = 0;
      REQUIRE(f.ReadLink(ino, target, sizeof(target), &len) == ZX_OK);
      CHECK(std::string(target, len) == fs::read_symlink(hp).string());
      CHECK(st.size == len);
      g_totals.symlinks++;
    } else if (hs.type() == fs::file_type::directory) {
      std::set<std::string> want = {".", ".."};
      if (rel == "/") want.insert("lost+found");  // made by mke2fs
      for (auto& e : fs::directory_iterator(hp)) want.insert(e.path().filename().string());
      std::set<std::string> got;
      uint64_t cookie = 0;
      ext2::DirEntry de;
      zx_status_t s;
      while ((s = f.ReadDir(ino, &cookie, &de)) == ZX_OK) {
        CHECK(got.insert(de.name).second);
        uint32_t looked;
        REQUIRE(f.Lookup(ino, de.name, de.name_len, &looked) == ZX_OK);
        CHECK(looked == de.ino);
        ext2::Stat es{};
        REQUIRE(f.GetStat(de.ino, &es) == ZX_OK);
        uint8_t ft = (es.mode & ext2::kModeTypeMask) == ext2::kModeDir       ? ext2::kFtDir
                     : (es.mode & ext2::kModeTypeMask) == ext2::kModeSymlink ? ext2::kFtSymlink
                                                                             : ext2::kFtRegular;
        CHECK(de.type == ft);
      }
      CHECK(s == ZX_ERR_STOP);
      CHECK(got == want);
      g_totals.dirs++;
    }
  }
}

struct Config {
  uint32_t bs, isz;
};
const Config kConfigs[] = {{1024, 128}, {1024, 256}, {2048, 256}, {4096, 128}, {4096, 256}};

std::vector<uint8_t> LoadImage(const std::string& img) { return ReadFile(img); }

}  // namespace

TEST_CASE("ext2: mke2fs images read back byte for byte (1/2/4 KiB blocks, 128/256-byte inodes)") {
  auto t0 = std::chrono::steady_clock::now();
  for (const Config& c : kConfigs) {
    INFO("block size " << c.bs << ", inode size " << c.isz);
    TempDir tmp;
    REQUIRE(!tmp.path().empty());
    std::string root = tmp.path() + "/root", img = tmp.path() + "/img";
    fs::create_directories(root);
    BuildTree(root, c.bs);
    REQUIRE(MakeImage(img, root, c.bs, c.isz, c.bs == 4096 ? 48 * 1024 : 16 * 1024));
    MemDevice dev(LoadImage(img));
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, false) == ZX_OK);
    CHECK(f.block_size() == c.bs);
    CompareTree(f, dev, root);
    g_totals.images++;

    // Paths: symlinks in the middle and at the end, loops, dangling, "." and "..".
    uint32_t ino, want;
    REQUIRE(f.Walk(ext2::kRootIno, "/sizes/s_4097", &want) == ZX_OK);
    CHECK(f.Walk(ext2::kRootIno, "/links/fast", &ino) == ZX_OK);
    CHECK(ino == want);
    CHECK(f.Walk(ext2::kRootIno, "/links/chain", &ino) == ZX_OK);
    CHECK(ino == want);
    CHECK(f.Walk(ext2::kRootIno, "links/fast", &ino) == ZX_OK);  // relative to the root
    CHECK(ino == want);
    REQUIRE(f.Walk(ext2::kRootIno,
                   "/d0/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/"
                   "d17/d18/d19/leaf.txt",
                   &want) == ZX_OK);
    CHECK(f.Walk(ext2::kRootIno, "/links/slow", &ino) == ZX_OK);
    CHECK(ino == want);
    CHECK(f.Walk(ext2::kRootIno,
                 "/links/dirlink/d2/./d3/../d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/"
                 "d13/d14/d15/d16/d17/d18/d19//leaf.txt",
                 &ino) == ZX_OK);
    CHECK(ino == want);
    REQUIRE(f.Walk(ext2::kRootIno, "/sizes/s_1", &want) == ZX_OK);
    CHECK(f.Walk(ext2::kRootIno, "/links/abs", &ino) == ZX_OK);
    CHECK(ino == want);
    uint32_t d5;
    REQUIRE(f.Walk(ext2::kRootIno, "/d0/d1/d2/d3/d4/d5", &d5) == ZX_OK);
    CHECK(f.Walk(d5, "../../../../../../links/abs", &ino) == ZX_OK);  // relative start
    CHECK(ino == want);
    CHECK(f.Walk(ext2::kRootIno, "/links/loop1", &ino) == ZX_ERR_BAD_PATH);
    CHECK(f.Walk(ext2::kRootIno, "/links/self", &ino) == ZX_ERR_BAD_PATH);
    CHECK(f.Walk(ext2::kRootIno, "/links/dangling", &ino) == ZX_ERR_NOT_FOUND);
    CHECK(f.Walk(ext2::kRootIno, "/links/dangling", &ino, false) == ZX_OK);
    CHECK(f.Walk(ext2::kRootIno, "/nonexistent", &ino) == ZX_ERR_NOT_FOUND);
    CHECK(f.Walk(ext2::kRootIno, "/sizes/s_1/x", &ino) == ZX_ERR_NOT_DIR);
    CHECK(f.Walk(ext2::kRootIno, "/", &ino) == ZX_OK);
    CHECK(ino == ext2::kRootIno);
    CHECK(f.Walk(ext2::kRootIno, "/..", &ino) == ZX_OK);
    CHECK(ino == ext2::kRootIno);
    std::string long_name(256, 'x');
    CHECK(f.Walk(ext2::kRootIno, ("/" + long_name).c_str(), &ino) == ZX_ERR_BAD_PATH);
    uint32_t dir;
    const char* name;
    size_t name_len;
    CHECK(f.WalkParent(ext2::kRootIno, "/links/dirlink/d2/newfile", &dir, &name, &name_len) ==
          ZX_OK);
    CHECK(std::string(name, name_len) == "newfile");
    CHECK(f.Walk(ext2::kRootIno, "/d0/d1/d2", &ino) == ZX_OK);
    CHECK(dir == ino);
    CHECK(f.WalkParent(ext2::kRootIno, "/", &dir, &name, &name_len) == ZX_ERR_INVALID_ARGS);

    // Errors for the wrong kind of inode.
    size_t got;
    uint8_t buf[16];
    CHECK(f.Read(ext2::kRootIno, 0, buf, sizeof(buf), &got) == ZX_ERR_NOT_FILE);
    REQUIRE(f.Walk(ext2::kRootIno, "/sizes/s_1", &ino) == ZX_OK);
    CHECK(f.Lookup(ino, "x", 1, &dir) == ZX_ERR_NOT_DIR);
    uint64_t cookie = 0;
    ext2::DirEntry de;
    CHECK(f.ReadDir(ino, &cookie, &de) == ZX_ERR_NOT_DIR);
    CHECK(f.GetStat(0, nullptr) == ZX_ERR_INVALID_ARGS);
    CHECK(f.GetStat(f.superblock().s_inodes_count + 1, nullptr) == ZX_ERR_INVALID_ARGS);
    CHECK(f.Write(ino, 0, buf, 1, &got) == ZX_ERR_ACCESS_DENIED);  // read-only mount

    // A 4 MiB+ file maps into few runs (mke2fs lays files out contiguously).
    REQUIRE(f.Walk(ext2::kRootIno, "/sizes/s_4097", &ino) == ZX_OK);
    uint32_t disk, run;
    REQUIRE(f.MapBlocks(ino, 0, 1000, &disk, &run) == ZX_OK);
    CHECK(disk != 0);
    CHECK(run == (4097 + c.bs - 1) / c.bs);
    REQUIRE(f.Walk(ext2::kRootIno, "/holes/empty", &ino) == ZX_OK);
    REQUIRE(f.MapBlocks(ino, 3, 50, &disk, &run) == ZX_OK);
    CHECK(disk == 0);
    CHECK(run == 50);
    REQUIRE(f.Walk(ext2::kRootIno, "/links/fast", &ino, false) == ZX_OK);
    CHECK(f.MapBlocks(ino, 0, 1, &disk, &run) == ZX_ERR_NOT_FILE);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printf(
      "ext2 read: %llu images, %llu files, %llu dirs, %llu symlinks, %llu bytes compared, "
      "%llu block runs mapped, %.1f s\n",
      (unsigned long long)g_totals.images, (unsigned long long)g_totals.files,
      (unsigned long long)g_totals.dirs, (unsigned long long)g_totals.symlinks,
      (unsigned long long)g_totals.bytes, (unsigned long long)g_totals.runs, secs);
}

TEST_CASE("ext2: hash-indexed (dir_index) directories still read") {
  TempDir tmp;
  std::string root = tmp.path() + "/root", img = tmp.path() + "/img";
  fs::create_directories(root + "/big");
  for (int i = 0; i < 600; i++) {
    std::string text = std::to_string(i);
    REQUIRE(WriteFile(root + "/big/name_with_some_length_" + std::to_string(i),
                      std::vector<uint8_t>(text.begin(), text.end())));
  }
  REQUIRE(MakeImage(img, root, 1024, 256, 8192));
  // e2fsck -D rebuilds large directories as hash trees.
  Run("e2fsck -fyD '" + img + "'");
  REQUIRE(Fsck(img) == 0);
  REQUIRE(Capture("debugfs -R 'htree /big' '" + img + "'").find("Root node dump") !=
          std::string::npos);
  MemDevice dev(LoadImage(img));
  ext2::Fs f;
  REQUIRE(f.Mount(&dev, false) == ZX_OK);
  CompareTree(f, dev, root);
}

TEST_CASE("ext2: device read errors reach the caller as ZX_ERR_IO") {
  TempDir tmp;
  std::string root = tmp.path() + "/root", img = tmp.path() + "/img";
  fs::create_directories(root);
  REQUIRE(WritePattern(root + "/file", 50000, 7));
  REQUIRE(MakeImage(img, root, 1024, 128, 2048));
  MemDevice dev(LoadImage(img));
  ext2::Fs f;
  REQUIRE(f.Mount(&dev, false) == ZX_OK);
  uint32_t ino, disk, run;
  REQUIRE(f.Walk(ext2::kRootIno, "/file", &ino) == ZX_OK);
  REQUIRE(f.MapBlocks(ino, 20, 1, &disk, &run) == ZX_OK);
  dev.fail_read_offset = uint64_t(disk) * 1024 + 10;
  std::vector<uint8_t> buf(50000);
  size_t got;
  CHECK(f.Read(ino, 0, buf.data(), buf.size(), &got) == ZX_ERR_IO);
  CHECK(f.Read(ino, 20 * 1024 + 5, buf.data(), 10, &got) == ZX_ERR_IO);
  CHECK(f.Read(ino, 0, buf.data(), 20 * 1024, &got) == ZX_OK);  // the rest still reads
  CHECK(got == 20 * 1024);
  // A failing superblock read fails the mount.
  MemDevice dev2(LoadImage(img));
  dev2.fail_read_offset = 1500;
  ext2::Fs f2;
  CHECK(f2.Mount(&dev2, false) == ZX_ERR_IO);
}

// ---------------------------------------------------------------------------------------------
// Writes

namespace {

uint32_t FakeClock() { return 1700000000; }

// The image must satisfy e2fsck; on failure its report is in the test output. Besides the exit
// status, any question e2fsck asked counts: with -n some fixes (the superblock's free counts)
// are answered "no" without changing the exit status.
void ExpectClean(MemDevice& dev, const std::string& img) {
  REQUIRE(WriteFile(img, dev.bytes()));
  std::string out = Capture("e2fsck -fn '" + img + "' 2>&1; echo \"exit=$?\"");
  bool ok = out.find("exit=0") != std::string::npos && out.find("? no") == std::string::npos &&
            out.find("IGNORED") == std::string::npos;
  if (!ok) FAIL_CHECK("e2fsck -fn:\n" << out);
  g_totals.fscks++;
}

// The library, a host-side model of the files it should contain, and the checks between them.
struct Harness {
  MemDevice& dev;
  ext2::Fs& f;
  std::map<std::string, std::vector<uint8_t>> files;  // path -> contents

  uint32_t Ino(const std::string& path, bool follow = true) {
    uint32_t ino = 0;
    INFO("walk " << path);
    REQUIRE(f.Walk(ext2::kRootIno, path.c_str(), &ino, follow) == ZX_OK);
    return ino;
  }
  uint32_t Create(const std::string& dir, const std::string& name) {
    uint32_t ino;
    INFO("create " << dir << "/" << name);
    REQUIRE(f.Create(Ino(dir), name.data(), name.size(), 0644, &ino) == ZX_OK);
    files[dir + "/" + name] = {};
    return ino;
  }
  void Write(const std::string& path, uint64_t off, const std::vector<uint8_t>& data,
             size_t chunk) {
    uint32_t ino = Ino(path);
    auto& model = files[path];
    for (size_t done = 0; done < data.size();) {
      size_t n = std::min(chunk, data.size() - done), got;
      INFO("write " << path << " at " << off + done);
      REQUIRE(f.Write(ino, off + done, data.data() + done, n, &got) == ZX_OK);
      REQUIRE(got == n);
      done += n;
    }
    if (model.size() < off + data.size()) model.resize(off + data.size(), 0);
    std::copy(data.begin(), data.end(), model.begin() + static_cast<ptrdiff_t>(off));
  }
  void Truncate(const std::string& path, uint64_t size) {
    INFO("truncate " << path << " to " << size);
    REQUIRE(f.Truncate(Ino(path), size) == ZX_OK);
    files[path].resize(size, 0);
  }
  void Rename(const std::string& sd, const std::string& sn, const std::string& dd,
              const std::string& dn) {
    INFO("rename " << sd << "/" << sn << " -> " << dd << "/" << dn);
    REQUIRE(f.Rename(Ino(sd), sn.data(), sn.size(), Ino(dd), dn.data(), dn.size()) == ZX_OK);
    std::string from = sd + "/" + sn, to = dd + "/" + dn;
    std::map<std::string, std::vector<uint8_t>> moved;
    for (auto it = files.begin(); it != files.end();) {
      if (it->first == from || it->first.rfind(from + "/", 0) == 0) {
        moved[to + it->first.substr(from.size())] = it->second;
        it = files.erase(it);
      } else {
        ++it;
      }
    }
    files.erase(to);
    for (auto& [k, v] : moved) files[k] = v;
  }
  void Unlink(const std::string& dir, const std::string& name) {
    INFO("unlink " << dir << "/" << name);
    REQUIRE(f.Unlink(Ino(dir), name.data(), name.size()) == ZX_OK);
    files.erase(dir + "/" + name);
  }
  // Every modelled file reads back exactly, through fs (which may be another mount).
  void Verify(ext2::Fs& fs_) {
    for (auto& [path, want] : files) {
      INFO("verify " << path);
      uint32_t ino;
      REQUIRE(fs_.Walk(ext2::kRootIno, path.c_str(), &ino) == ZX_OK);
      ext2::Stat st{};
      REQUIRE(fs_.GetStat(ino, &st) == ZX_OK);
      REQUIRE(st.size == want.size());
      CHECK(ReadAll(fs_, ino, st.size, st.size + 1) == want);
      g_totals.bytes += want.size();
    }
  }
};

}  // namespace

TEST_CASE(
    "ext2: writes (create, write, extend, truncate, mkdir, symlink, rename, unlink, rmdir) "
    "pass e2fsck -fn") {
  const Config configs[] = {{1024, 128}, {2048, 256}, {4096, 256}};
  for (const Config& c : configs) {
    INFO("block size " << c.bs << ", inode size " << c.isz);
    TempDir tmp;
    std::string root = tmp.path() + "/root", img = tmp.path() + "/img";
    fs::create_directories(root + "/a");
    fs::create_directories(root + "/keep/empty");
    fs::create_directories(root + "/many");
    REQUIRE(WritePattern(root + "/a/file1", 5000, 1));
    REQUIRE(WritePattern(root + "/keep/old", 70000, 2));
    for (int i = 0; i < 100; i++) {
      REQUIRE(WritePattern(root + "/many/m" + std::to_string(i), 100 + i * 37, 10 + i));
    }
    REQUIRE(MakeImage(img, root, c.bs, c.isz, c.bs == 1024 ? 8192 : 24576));
    MemDevice dev(ReadFile(img));
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    f.set_clock(FakeClock);
    Harness h{dev, f, {}};
    h.files["/a/file1"] = Pattern(5000, 1);
    h.files["/keep/old"] = Pattern(70000, 2);
    for (int i = 0; i < 100; i++)
      h.files["/many/m" + std::to_string(i)] = Pattern(100 + i * 37, 10 + i);
    uint64_t p = c.bs / 4;
    ext2::FsInfo before = f.Info();

    // A new file across the single/double-indirect boundary, written in odd-sized pieces.
    h.Create("", "new1");
    h.Write("/new1", 0, Pattern((12 + p + 3) * c.bs + 123, 50), 7777);
    // Overwrite inside an mke2fs file, then extend it past a hole.
    h.Write("/a/file1", 1000, Pattern(3000, 51), 3000);
    h.Write("/a/file1", 15000, Pattern(2000, 52), 2000);
    // Truncate down across the boundaries, up into a hole, and write past it.
    h.Truncate("/new1", 12 * c.bs + 5);
    h.Truncate("/new1", 3 * c.bs + 17);
    h.Truncate("/new1", 100000);
    h.Write("/new1", 100000, Pattern(5000, 53), 5000);
    h.Truncate("/keep/old", 0);
    h.Write("/keep/old", 3, Pattern(10, 54), 10);
    // A sparse file with one block deep in the double-indirect range.
    h.Create("", "sparse");
    h.Write("/sparse", (12 + p + 2 * p + 7) * c.bs + 11, Pattern(100, 55), 100);
    // Directories, nested, and symlinks of both kinds.
    uint32_t ino;
    REQUIRE(f.Mkdir(h.Ino("/"), "d1", 2, 0755, &ino) == ZX_OK);
    REQUIRE(f.Mkdir(ino, "d2", 2, 0700, &ino) == ZX_OK);
    CHECK(f.Mkdir(h.Ino("/"), "d1", 2, 0755, &ino) == ZX_ERR_ALREADY_EXISTS);
    CHECK(f.Create(h.Ino("/"), "new1", 4, 0644, &ino) == ZX_ERR_ALREADY_EXISTS);
    CHECK(f.Create(h.Ino("/"), "a/b", 3, 0644, &ino) == ZX_ERR_INVALID_ARGS);
    CHECK(f.Create(h.Ino("/"), "..", 2, 0644, &ino) == ZX_ERR_INVALID_ARGS);
    CHECK(f.Create(h.Ino("/a/file1"), "x", 1, 0644, &ino) == ZX_ERR_NOT_DIR);
    REQUIRE(f.Symlink(h.Ino("/d1"), "fast", 4, "d2", &ino) == ZX_OK);
    std::string long_target = "d2/" + std::string(120, 'y');
    REQUIRE(f.Symlink(h.Ino("/d1"), "slow", 4, long_target.c_str(), &ino) == ZX_OK);
    char target[300];
    size_t tlen;
    REQUIRE(f.ReadLink(ino, target, sizeof(target), &tlen) == ZX_OK);
    CHECK(std::string(target, tlen) == long_target);
    CHECK(h.Ino("/d1/fast") == h.Ino("/d1/d2"));
    // Grow a directory over several blocks, punch holes in it, refill it.
    for (int i = 0; i < 300; i++) {
      h.Create("/d1/d2", "file_number_" + std::to_string(i));
      if (i % 7 == 0)
        h.Write("/d1/d2/file_number_" + std::to_string(i), 0, Pattern(i * 13, i), 999);
    }
    for (int i = 0; i < 300; i += 2) h.Unlink("/d1/d2", "file_number_" + std::to_string(i));
    for (int i = 0; i < 50; i++) {
      h.Create("/d1/d2", "a_much_longer_file_name_than_before_" + std::to_string(i));
    }
    // Renames: across directories, a directory across directories, replacing a file,
    // replacing an empty directory, within a directory.
    h.Rename("/d1/d2", "file_number_1", "/keep", "moved");
    h.Rename("/d1", "d2", "/keep", "d2moved");
    CHECK(h.Ino("/keep/d2moved/..") == h.Ino("/keep"));
    h.Rename("/many", "m1", "/many", "m2");
    REQUIRE(f.Mkdir(h.Ino("/"), "victim", 6, 0755, &ino) == ZX_OK);
    REQUIRE(f.Mkdir(h.Ino("/"), "mover", 5, 0755, &ino) == ZX_OK);
    h.Create("/mover", "inside");
    h.Rename("", "mover", "", "victim");
    CHECK(h.Ino("/victim/..") == ext2::kRootIno);
    h.Rename("/a", "file1", "/a", "file1renamed");
    // What must be refused.
    CHECK(f.Rename(h.Ino("/"), "keep", 4, h.Ino("/keep/d2moved"), "x", 1) == ZX_ERR_INVALID_ARGS);
    CHECK(f.Rename(h.Ino("/"), "keep", 4, h.Ino("/"), "new1", 4) == ZX_ERR_NOT_DIR);
    CHECK(f.Rename(h.Ino("/"), "new1", 4, h.Ino("/"), "keep", 4) == ZX_ERR_NOT_FILE);
    CHECK(f.Rename(h.Ino("/"), "d1", 2, h.Ino("/"), "keep", 4) == ZX_ERR_NOT_EMPTY);
    CHECK(f.Rmdir(h.Ino("/"), "keep", 4) == ZX_ERR_NOT_EMPTY);
    CHECK(f.Rmdir(h.Ino("/"), "new1", 4) == ZX_ERR_NOT_DIR);
    CHECK(f.Unlink(h.Ino("/"), "keep", 4) == ZX_ERR_NOT_FILE);
    CHECK(f.Unlink(h.Ino("/"), "nothere", 7) == ZX_ERR_NOT_FOUND);
    CHECK(f.Truncate(h.Ino("/keep"), 0) == ZX_ERR_NOT_FILE);
    // Removal of mke2fs's files and directories.
    for (int i = 2; i < 100; i++) h.Unlink("/many", "m" + std::to_string(i));
    h.Unlink("/many", "m0");
    REQUIRE(f.Rmdir(h.Ino("/"), "many", 4) == ZX_OK);
    REQUIRE(f.Rmdir(h.Ino("/keep"), "empty", 5) == ZX_OK);
    REQUIRE(f.Unlink(h.Ino("/d1"), "slow", 4) == ZX_OK);
    CHECK(h.Ino("/d1/fast", false) != 0);

    h.Verify(f);
    REQUIRE(f.Sync() == ZX_OK);
    ExpectClean(dev, img);
    // A fresh mount of the written image sees the same files.
    MemDevice dev2(ReadFile(img));
    ext2::Fs f2;
    REQUIRE(f2.Mount(&dev2, false) == ZX_OK);
    h.Verify(f2);
    // And so does debugfs, for one of them.
    std::string out = tmp.path() + "/dumped";
    Run("debugfs -R 'dump /new1 " + out + "' '" + img + "'");
    CHECK(ReadFile(out) == h.files["/new1"]);

    // Everything removed again: the free counts return to what they were, less the two
    // directories and two files still there.
    ext2::FsInfo after = f.Info();
    CHECK(after.free_inodes < before.free_inodes);
  }
}

TEST_CASE("ext2: filling the disk ends in ZX_ERR_NO_SPACE and a clean image; freeing restores it") {
  TempDir tmp;
  std::string img = tmp.path() + "/img";
  REQUIRE(MakeImage(img, "", 1024, 128, 2048));
  MemDevice dev(ReadFile(img));
  ext2::Fs f;
  REQUIRE(f.Mount(&dev, true) == ZX_OK);
  ext2::FsInfo before = f.Info();
  uint32_t ino;
  REQUIRE(f.Create(ext2::kRootIno, "big", 3, 0644, &ino) == ZX_OK);
  auto chunk = Pattern(64 * 1024, 9);
  uint64_t off = 0;
  zx_status_t st = ZX_OK;
  size_t got = 0;
  while (st == ZX_OK && off < (4u << 20)) {
    st = f.Write(ino, off, chunk.data(), chunk.size(), &got);
    off += got;
  }
  CHECK(st == ZX_ERR_NO_SPACE);
  CHECK(f.Info().free_blocks == 0);
  ExpectClean(dev, img);
  ext2::Stat s{};
  REQUIRE(f.GetStat(ino, &s) == ZX_OK);
  CHECK(s.size == off);
  // Directories cannot grow either, but the failure is clean.
  st = ZX_OK;
  for (int i = 0; i < 200 && st == ZX_OK; i++) {
    std::string name = "some_long_name_to_fill_the_root_directory_" + std::to_string(i);
    st = f.Create(ext2::kRootIno, name.c_str(), name.size(), 0644, &ino);
  }
  CHECK(st == ZX_ERR_NO_SPACE);
  ExpectClean(dev, img);
  REQUIRE(f.Unlink(ext2::kRootIno, "big", 3) == ZX_OK);
  ExpectClean(dev, img);
  CHECK(f.Info().free_blocks >= before.free_blocks - 2);
}

TEST_CASE("ext2: writing into a hash-indexed directory leaves it linear and e2fsck-clean") {
  TempDir tmp;
  std::string root = tmp.path() + "/root", img = tmp.path() + "/img";
  fs::create_directories(root + "/big");
  for (int i = 0; i < 600; i++) REQUIRE(WritePattern(root + "/big/n" + std::to_string(i), 10, i));
  REQUIRE(MakeImage(img, root, 1024, 256, 8192));
  Run("e2fsck -fyD '" + img + "'");
  MemDevice dev(ReadFile(img));
  ext2::Fs f;
  REQUIRE(f.Mount(&dev, true) == ZX_OK);
  uint32_t big, ino;
  REQUIRE(f.Walk(ext2::kRootIno, "/big", &big) == ZX_OK);
  REQUIRE(f.Create(big, "added", 5, 0644, &ino) == ZX_OK);
  for (int i = 0; i < 600; i += 3) {
    std::string n = "n" + std::to_string(i);
    REQUIRE(f.Unlink(big, n.c_str(), n.size()) == ZX_OK);
  }
  ExpectClean(dev, img);
  CHECK(f.Lookup(big, "added", 5, &ino) == ZX_OK);
  CHECK(f.Lookup(big, "n1", 2, &ino) == ZX_OK);
  CHECK(f.Lookup(big, "n3", 2, &ino) == ZX_ERR_NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// Corrupt images

namespace {

// A small valid image and where things are in it (found with debugfs, not with the library),
// so each case can break exactly one field.
struct CorruptBase {
  TempDir tmp;
  std::string img;
  std::vector<uint8_t> bytes;
  uint32_t bs = 1024;

  CorruptBase() {
    std::string root = tmp.path() + "/root";
    img = tmp.path() + "/img";
    fs::create_directories(root + "/dir");
    fs::create_directories(root + "/dir2/sub");
    REQUIRE(WritePattern(root + "/file", 3000, 1));
    REQUIRE(WritePattern(root + "/file2", 3000, 2));
    REQUIRE(WritePattern(root + "/big", 300 * 1024, 3));  // direct, IND and DIND blocks
    REQUIRE(WritePattern(root + "/dir/x", 10, 4));
    fs::create_symlink(std::string(100, 'z'), root + "/link");
    REQUIRE(MakeImage(img, root, bs, 128, 2048));
    bytes = ReadFile(img);
  }
  uint64_t InodeOffset(const std::string& path) {
    std::string out = Capture("debugfs -R 'imap " + path + "' '" + img + "'");
    unsigned long block = 0, off = 0;
    size_t at = out.find("located at block");
    REQUIRE(at != std::string::npos);
    REQUIRE(sscanf(out.c_str() + at, "located at block %lu, offset %lx", &block, &off) == 2);
    return block * bs + off;
  }
  uint32_t FirstBlock(const std::string& path) {
    return static_cast<uint32_t>(
        strtoul(Capture("debugfs -R 'blocks " + path + "' '" + img + "'").c_str(), nullptr, 10));
  }
};

void Put32(std::vector<uint8_t>& b, uint64_t off, uint32_t v) { memcpy(&b[off], &v, 4); }
void Put16(std::vector<uint8_t>& b, uint64_t off, uint16_t v) { memcpy(&b[off], &v, 2); }
uint32_t Get32(const std::vector<uint8_t>& b, uint64_t off) {
  uint32_t v;
  memcpy(&v, &b[off], 4);
  return v;
}

zx_status_t MountStatus(std::vector<uint8_t> bytes, bool writable = false) {
  MemDevice dev(std::move(bytes));
  ext2::Fs f;
  return f.Mount(&dev, writable);
}

// Reads a whole file through a fresh mount; the first error, or ZX_OK.
zx_status_t ReadPath(std::vector<uint8_t> bytes, const char* path) {
  MemDevice dev(std::move(bytes));
  ext2::Fs f;
  zx_status_t st = f.Mount(&dev, false);
  if (st != ZX_OK) return st;
  uint32_t ino;
  st = f.Walk(ext2::kRootIno, path, &ino, false);
  if (st != ZX_OK) return st;
  ext2::Stat s;
  st = f.GetStat(ino, &s);
  if (st != ZX_OK) return st;
  if ((s.mode & ext2::kModeTypeMask) == ext2::kModeDir) {
    uint64_t cookie = 0;
    ext2::DirEntry de;
    while ((st = f.ReadDir(ino, &cookie, &de)) == ZX_OK) {
    }
    return st == ZX_ERR_STOP ? ZX_OK : st;
  }
  if ((s.mode & ext2::kModeTypeMask) == ext2::kModeSymlink) {
    char buf[ext2::kMaxPath + 1];
    size_t len;
    return f.ReadLink(ino, buf, sizeof(buf), &len);
  }
  std::vector<uint8_t> buf(s.size);
  size_t got;
  return f.Read(ino, 0, buf.data(), buf.size(), &got);
}

constexpr uint64_t kSb = 1024;
constexpr uint64_t kGd = 2048;  // 1 KiB blocks: the descriptor table is block 2

}  // namespace

TEST_CASE("ext2: corrupt superblocks and group descriptors are refused at mount") {
  CorruptBase base;
  REQUIRE(MountStatus(base.bytes) == ZX_OK);
  struct Case {
    const char* what;
    uint64_t off;
    int width;
    uint32_t value;
    zx_status_t want;
  };
  const Case cases[] = {
      {"bad magic", kSb + 56, 2, 0x1234, ZX_ERR_IO_DATA_INTEGRITY},
      {"revision 5", kSb + 76, 4, 5, ZX_ERR_NOT_SUPPORTED},
      {"8 KiB blocks", kSb + 24, 4, 3, ZX_ERR_NOT_SUPPORTED},
      {"absurd block size", kSb + 24, 4, 200, ZX_ERR_IO_DATA_INTEGRITY},
      {"blocks past the device", kSb + 4, 4, 0xFFFFFFF0u, ZX_ERR_IO_DATA_INTEGRITY},
      {"one block", kSb + 4, 4, 1, ZX_ERR_IO_DATA_INTEGRITY},
      {"0 blocks per group", kSb + 32, 4, 0, ZX_ERR_IO_DATA_INTEGRITY},
      {"too many blocks per group", kSb + 32, 4, 8193, ZX_ERR_IO_DATA_INTEGRITY},
      {"0 inodes per group", kSb + 40, 4, 0, ZX_ERR_IO_DATA_INTEGRITY},
      {"inodes count past the groups", kSb + 0, 4, 0x7FFFFFFF, ZX_ERR_IO_DATA_INTEGRITY},
      {"inode size 100", kSb + 88, 2, 100, ZX_ERR_IO_DATA_INTEGRITY},
      {"inode size past the block", kSb + 88, 2, 2048, ZX_ERR_IO_DATA_INTEGRITY},
      {"first data block 0 with 1 KiB blocks", kSb + 20, 4, 0, ZX_ERR_IO_DATA_INTEGRITY},
      {"first inode 1", kSb + 84, 4, 1, ZX_ERR_IO_DATA_INTEGRITY},
      {"free blocks past the total", kSb + 12, 4, 0xFFFFFF, ZX_ERR_IO_DATA_INTEGRITY},
      {"extents (incompat)", kSb + 96, 4, 0x42, ZX_ERR_NOT_SUPPORTED},
      {"needs journal recovery", kSb + 96, 4, 0x06, ZX_ERR_NOT_SUPPORTED},
      {"block bitmap at 0", kGd + 0, 4, 0, ZX_ERR_IO_DATA_INTEGRITY},
      {"inode bitmap past the end", kGd + 4, 4, 5000, ZX_ERR_IO_DATA_INTEGRITY},
      {"inode table runs past the end", kGd + 8, 4, 2040, ZX_ERR_IO_DATA_INTEGRITY},
      {"inode table over the superblock", kGd + 8, 4, 1, ZX_ERR_IO_DATA_INTEGRITY},
      {"group free count past the group", kGd + 12, 2, 9000, ZX_ERR_IO_DATA_INTEGRITY},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto b = base.bytes;
    if (c.width == 4) Put32(b, c.off, c.value);
    if (c.width == 2) Put16(b, c.off, static_cast<uint16_t>(c.value));
    CHECK(MountStatus(b) == c.want);
  }
  // The root directory must be a live directory.
  uint64_t root = base.InodeOffset("/");
  auto b = base.bytes;
  Put16(b, root, ext2::kModeRegular | 0644);
  CHECK(MountStatus(b) == ZX_ERR_IO_DATA_INTEGRITY);
  b = base.bytes;
  Put32(b, root + 40, 5000);  // its first block past the end
  CHECK(ReadPath(b, "/") == ZX_ERR_IO_DATA_INTEGRITY);
  // A device shorter than the filesystem.
  b = base.bytes;
  b.resize(b.size() / 2);
  CHECK(MountStatus(b) == ZX_ERR_IO_DATA_INTEGRITY);
  b.resize(1500);
  CHECK(MountStatus(b) == ZX_ERR_IO_DATA_INTEGRITY);
  // An ro_compat feature this code does not maintain: read-only is fine, writable is not.
  b = base.bytes;
  Put32(b, kSb + 100, Get32(b, kSb + 100) | ext2::kRoCompatMetadataCsum);
  CHECK(MountStatus(b, false) == ZX_OK);
  CHECK(MountStatus(b, true) == ZX_ERR_NOT_SUPPORTED);
}

TEST_CASE("ext2: corrupt inodes, block maps and directories fail the call, not the process") {
  CorruptBase base;
  REQUIRE(ReadPath(base.bytes, "/big") == ZX_OK);
  REQUIRE(ReadPath(base.bytes, "/dir") == ZX_OK);
  REQUIRE(ReadPath(base.bytes, "/link") == ZX_OK);
  const uint32_t nblocks = Get32(base.bytes, kSb + 4);
  const uint32_t ninodes = Get32(base.bytes, kSb + 0);
  uint64_t file = base.InodeOffset("/file"), big = base.InodeOffset("/big");
  uint64_t dir = base.InodeOffset("/dir"), link = base.InodeOffset("/link");
  uint64_t dirblk = uint64_t(base.FirstBlock("/dir")) * base.bs;
  uint32_t ind = Get32(base.bytes, big + 40 + 4 * 12);
  uint32_t dind = Get32(base.bytes, big + 40 + 4 * 13);
  REQUIRE(ind != 0);
  REQUIRE(dind != 0);

  auto expect = [&](const char* what, const char* path, auto mutate) {
    INFO(what);
    auto b = base.bytes;
    mutate(b);
    CHECK(ReadPath(b, path) == ZX_ERR_IO_DATA_INTEGRITY);
  };
  expect("direct block past the end", "/file", [&](auto& b) { Put32(b, file + 40, nblocks); });
  expect("direct block on the superblock", "/file", [&](auto& b) { Put32(b, file + 40, 1); });
  expect("indirect block past the end", "/big", [&](auto& b) { Put32(b, big + 88, 0xFFFFFF00); });
  expect("entry of the indirect block past the end", "/big",
         [&](auto& b) { Put32(b, uint64_t(ind) * base.bs + 12, nblocks + 7); });
  expect("entry of the double-indirect block past the end", "/big",
         [&](auto& b) { Put32(b, uint64_t(dind) * base.bs, 0xFFFFFFFF); });
  expect("absurd file size", "/file", [&](auto& b) { Put32(b, file + 108, 0xFFFFFFFF); });
  expect("unknown file type", "/file", [&](auto& b) { Put16(b, file, 0xF1A4); });
  expect("extents flag on ext2", "/file", [&](auto& b) { Put32(b, file + 32, 0x80000); });
  expect("directory size not whole blocks", "/dir", [&](auto& b) { Put32(b, dir + 4, 1000); });
  expect("hole in a directory", "/dir", [&](auto& b) { Put32(b, dir + 40, 0); });
  expect("directory record rec_len 0", "/dir", [&](auto& b) { Put16(b, dirblk + 4, 0); });
  expect("directory record overruns the block", "/dir/x",
         [&](auto& b) { Put16(b, dirblk + 12 + 4, static_cast<uint16_t>(base.bs)); });
  expect("directory record rec_len not a multiple of 4", "/dir",
         [&](auto& b) { Put16(b, dirblk + 4, 13); });
  expect("name longer than its record", "/dir", [&](auto& b) { b[dirblk + 6] = 200; });
  expect("entry's inode past the inode count", "/dir/x",
         [&](auto& b) { Put32(b, dirblk + 24, ninodes + 10); });
  expect("entry names a deleted inode", "/dir/x", [&](auto& b) {
    uint32_t x = Get32(b, dirblk + 24);
    (void)x;
    Put16(b, base.InodeOffset("/dir/x") + 26, 0);
  });
  expect("symlink of size 0", "/link", [&](auto& b) { Put32(b, link + 4, 0); });
  expect("symlink longer than a block", "/link", [&](auto& b) { Put32(b, link + 4, 5000); });
  expect("slow symlink's block is a hole", "/link", [&](auto& b) { Put32(b, link + 40, 0); });

  // Writes on corrupt images.
  {
    INFO("two files sharing a block: the second free is caught");
    auto b = base.bytes;
    Put32(b, base.InodeOffset("/file2") + 40, Get32(b, file + 40));
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    CHECK(f.Unlink(ext2::kRootIno, "file", 4) == ZX_OK);
    CHECK(f.Unlink(ext2::kRootIno, "file2", 5) == ZX_ERR_IO_DATA_INTEGRITY);
  }
  {
    INFO("an indirect block that points to itself");
    auto b = base.bytes;
    Put32(b, uint64_t(ind) * base.bs, ind);
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t ino;
    REQUIRE(f.Walk(ext2::kRootIno, "/big", &ino) == ZX_OK);
    CHECK(f.Truncate(ino, 0) == ZX_ERR_IO_DATA_INTEGRITY);
  }
  {
    INFO("a '..' cycle: moving a directory under it cannot loop");
    auto b = base.bytes;
    uint32_t sub = 0;
    {
      MemDevice dev(b);
      ext2::Fs f;
      REQUIRE(f.Mount(&dev, false) == ZX_OK);
      REQUIRE(f.Walk(ext2::kRootIno, "/dir2/sub", &sub) == ZX_OK);
    }
    uint64_t subblk = uint64_t(base.FirstBlock("/dir2/sub")) * base.bs;
    Put32(b, subblk + 12, sub);  // sub/.. = sub
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    CHECK(f.Rename(ext2::kRootIno, "dir", 3, sub, "dir", 3) == ZX_ERR_IO_DATA_INTEGRITY);
  }
  {
    INFO("device write errors reach the caller");
    MemDevice dev(base.bytes);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t ino, disk, run;
    REQUIRE(f.Walk(ext2::kRootIno, "/file", &ino) == ZX_OK);
    REQUIRE(f.MapBlocks(ino, 0, 1, &disk, &run) == ZX_OK);
    dev.fail_write_offset = uint64_t(disk) * base.bs;
    size_t got;
    uint8_t data[100] = {};
    CHECK(f.Write(ino, 0, data, sizeof(data), &got) == ZX_ERR_IO);
  }
}

TEST_CASE("ext2: growing a file past a last block with stale bytes after the end reads zeros") {
  CorruptBase base;
  uint32_t disk = 0;
  {
    MemDevice dev(base.bytes);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, false) == ZX_OK);
    uint32_t ino, run;
    REQUIRE(f.Walk(ext2::kRootIno, "/file", &ino) == ZX_OK);
    REQUIRE(f.MapBlocks(ino, 2, 1, &disk, &run) == ZX_OK);  // bytes 2048..3071, size 3000
  }
  for (int grow_by_truncate = 0; grow_by_truncate < 2; grow_by_truncate++) {
    auto b = base.bytes;
    memset(&b[uint64_t(disk) * base.bs + 3000 - 2048], 0xAB, 3072 - 3000);
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t ino;
    REQUIRE(f.Walk(ext2::kRootIno, "/file", &ino) == ZX_OK);
    size_t got;
    uint8_t x = 7;
    if (grow_by_truncate) {
      REQUIRE(f.Truncate(ino, 6000) == ZX_OK);
    } else {
      REQUIRE(f.Write(ino, 5999, &x, 1, &got) == ZX_OK);
    }
    std::vector<uint8_t> buf(3000);
    REQUIRE(f.Read(ino, 3000, buf.data(), buf.size(), &got) == ZX_OK);
    REQUIRE(got == 3000);
    CHECK(std::count(buf.begin(), buf.end() - 1, 0) == 2999);
    CHECK(buf.back() == (grow_by_truncate ? 0 : 7));
  }
}

TEST_CASE("ext2: the allocator cross-checks the bitmaps, and block maps cannot loop") {
  CorruptBase base;
  const uint32_t bbitmap = Get32(base.bytes, kGd + 0);
  const uint32_t ibitmap = Get32(base.bytes, kGd + 4);
  const uint32_t itable = Get32(base.bytes, kGd + 8);
  uint64_t big = base.InodeOffset("/big");
  const uint32_t dind = Get32(base.bytes, big + 40 + 4 * 13);
  REQUIRE(dind != 0);
  auto bump_free = [&](std::vector<uint8_t>& b, uint64_t gd_off, uint64_t sb_off) {
    Put16(b, kGd + gd_off, static_cast<uint16_t>(Get32(b, kGd + gd_off) + 1));
    Put32(b, kSb + sb_off, Get32(b, kSb + sb_off) + 1);
  };
  // Creates /new on a writable mount of b; the status, and whether /file is still a regular
  // file of 3000 bytes (what reusing a live inode would have destroyed).
  auto create = [&](std::vector<uint8_t>& b, bool* file_intact) {
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t ino;
    zx_status_t st = f.Create(ext2::kRootIno, "new", 3, 0644, &ino);
    uint32_t fino;
    ext2::Stat s{};
    *file_intact = f.Walk(ext2::kRootIno, "/file", &fino) == ZX_OK &&
                   f.GetStat(fino, &s) == ZX_OK &&
                   (s.mode & ext2::kModeTypeMask) == ext2::kModeRegular && s.size == 3000;
    b = dev.bytes();
    return st;
  };
  bool intact;
  {
    INFO("the undamaged image: a create works");
    auto b = base.bytes;
    CHECK(create(b, &intact) == ZX_OK);
    CHECK(intact);
  }
  {
    INFO("the inode bitmap zeroed: its count disagrees, nothing is allocated");
    auto b = base.bytes;
    memset(&b[uint64_t(ibitmap) * base.bs], 0, base.bs);
    CHECK(create(b, &intact) == ZX_ERR_IO_DATA_INTEGRITY);
    CHECK(intact);
  }
  {
    INFO("one live inode's bit cleared, counts adjusted to agree: the inode itself says no");
    auto b = base.bytes;
    // Inode 11 (lost+found) is the first one past the reserved ones: the allocator's first pick.
    b[uint64_t(ibitmap) * base.bs + 10 / 8] &= static_cast<uint8_t>(~(1u << (10 % 8)));
    bump_free(b, 14, 16);
    CHECK(create(b, &intact) == ZX_ERR_IO_DATA_INTEGRITY);
    CHECK(intact);
  }
  {
    INFO("the inode table's first block marked free: never handed out as data");
    auto b = base.bytes;
    uint32_t bit = itable - 1;  // first data block 1
    b[uint64_t(bbitmap) * base.bs + bit / 8] &= static_cast<uint8_t>(~(1u << (bit % 8)));
    bump_free(b, 12, 12);
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t ino;
    REQUIRE(f.Walk(ext2::kRootIno, "/file2", &ino) == ZX_OK);
    size_t got;
    std::vector<uint8_t> data(4 * base.bs, 0x5A);
    CHECK(f.Write(ino, 100 * base.bs, data.data(), data.size(), &got) == ZX_ERR_IO_DATA_INTEGRITY);
    CHECK(ReadPath(dev.bytes(), "/file") == ZX_OK);  // the inode table is untouched
  }
  {
    INFO("a double-indirect block naming itself: read as an error, not as data");
    auto b = base.bytes;
    Put32(b, uint64_t(dind) * base.bs, dind);
    CHECK(ReadPath(b, "/big") == ZX_ERR_IO_DATA_INTEGRITY);
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t ino, disk, run;
    REQUIRE(f.Walk(ext2::kRootIno, "/big", &ino) == ZX_OK);
    CHECK(f.MapBlocks(ino, 12 + base.bs / 4, 1, &disk, &run) == ZX_ERR_IO_DATA_INTEGRITY);
    size_t got;
    uint8_t data[16] = {};
    CHECK(f.Write(ino, uint64_t(12 + base.bs / 4) * base.bs, data, sizeof(data), &got) ==
          ZX_ERR_IO_DATA_INTEGRITY);
    CHECK(f.Unlink(ext2::kRootIno, "big", 3) == ZX_ERR_IO_DATA_INTEGRITY);
    CHECK(f.Walk(ext2::kRootIno, "/big", &ino) == ZX_OK);  // the name stays with its blocks
  }
  {
    INFO("a block map naming the inode table or a bitmap");
    auto b = base.bytes;
    Put32(b, big + 40, itable);
    CHECK(ReadPath(b, "/big") == ZX_ERR_IO_DATA_INTEGRITY);
    b = base.bytes;
    Put32(b, big + 40 + 4 * 12, bbitmap);  // the indirect block is the block bitmap
    CHECK(ReadPath(b, "/big") == ZX_ERR_IO_DATA_INTEGRITY);
  }
  {
    INFO("descriptors whose bitmaps coincide or lie in the inode table are refused at mount");
    auto b = base.bytes;
    Put32(b, kGd + 0, ibitmap);
    CHECK(MountStatus(b) == ZX_ERR_IO_DATA_INTEGRITY);
    b = base.bytes;
    Put32(b, kGd + 4, itable + 1);
    CHECK(MountStatus(b) == ZX_ERR_IO_DATA_INTEGRITY);
  }
  {
    INFO("a directory whose '.' is damaged is not written to");
    auto b = base.bytes;
    uint64_t dirblk = uint64_t(base.FirstBlock("/dir")) * base.bs;
    Put32(b, dirblk, 0);
    MemDevice dev(b);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, true) == ZX_OK);
    uint32_t dir, ino;
    REQUIRE(f.Walk(ext2::kRootIno, "/dir", &dir) == ZX_OK);
    CHECK(f.Create(dir, "new", 3, 0644, &ino) == ZX_ERR_IO_DATA_INTEGRITY);
  }
  {
    INFO("a trailing slash names a directory");
    MemDevice dev(base.bytes);
    ext2::Fs f;
    REQUIRE(f.Mount(&dev, false) == ZX_OK);
    uint32_t ino;
    CHECK(f.Walk(ext2::kRootIno, "/file/", &ino) == ZX_ERR_NOT_DIR);
    CHECK(f.Walk(ext2::kRootIno, "/file//", &ino, false) == ZX_ERR_NOT_DIR);
    CHECK(f.Walk(ext2::kRootIno, "/dir/", &ino) == ZX_OK);
    CHECK(f.Walk(ext2::kRootIno, "/file", &ino) == ZX_OK);
  }
}
