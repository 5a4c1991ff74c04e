// A seeded mutation fuzzer for the ext2 library (user/fs/ext2.*), built with AddressSanitizer
// and UBSan and run by `make test`.
//
// Why a home-made mutator and not libFuzzer: it needs nothing beyond g++ on a fresh Debian, and
// a fixed seed makes every run identical, so a failure in `make test` reproduces exactly. The
// seeds are small images made by mke2fs; mutations favour the bytes a parser trusts most
// (superblock, descriptors, inode table, directory and indirect blocks), and each mutated image
// is mounted, walked, read, and on some iterations written to. The only requirement is that
// nothing crashes, hangs, or touches memory it should not: any status code is acceptable.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/host/ext2_test_util.h"

using namespace ext2test;

namespace {

struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  uint32_t Below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(Next() % n); }
};

struct Seed {
  std::vector<uint8_t> bytes;
  uint32_t bs;
  std::vector<std::pair<uint64_t, uint64_t>> hot;  // byte ranges worth mutating
};

uint64_t g_calls = 0;

// Marks the metadata of a pristine image as hot: superblock, descriptor table, the start of the
// inode table, and every directory, symlink and indirect block reachable from the root.
void FindHot(Seed& seed) {
  uint32_t bs = seed.bs;
  seed.hot.push_back({1024, 2048});
  uint64_t gdt = bs == 1024 ? 2048 : bs;
  seed.hot.push_back({gdt, gdt + bs});
  ext2::GroupDesc gd;
  memcpy(&gd, &seed.bytes[gdt], sizeof(gd));
  uint64_t itable = uint64_t(gd.bg_inode_table) * bs;
  seed.hot.push_back({itable, itable + 64 * 256});
  MemDevice dev(seed.bytes);
  auto f = std::make_unique<ext2::Fs>();
  if (f->Mount(&dev, false) != ZX_OK) return;
  std::vector<uint32_t> dirs = {ext2::kRootIno};
  for (size_t i = 0; i < dirs.size() && i < 200; i++) {
    uint64_t cookie = 0;
    ext2::DirEntry de;
    while (f->ReadDir(dirs[i], &cookie, &de) == ZX_OK) {
      if (!strcmp(de.name, ".") || !strcmp(de.name, "..")) continue;
      if (de.type == ext2::kFtDir) dirs.push_back(de.ino);
      ext2::Stat st;
      if (f->GetStat(de.ino, &st) != ZX_OK) continue;
      uint64_t nb = (st.size + bs - 1) / bs;
      for (uint64_t b = 0; b < nb && b < 64;) {
        uint32_t disk, run;
        if (f->MapBlocks(de.ino, b, 1, &disk, &run) != ZX_OK) break;
        // Directory and symlink blocks, and the blocks just before a file's 13th (where mke2fs
        // puts the indirect block).
        if (disk != 0 && (de.type != ext2::kFtRegular || b == 12)) {
          uint64_t at = uint64_t(de.type == ext2::kFtRegular ? disk - 1 : disk) * bs;
          seed.hot.push_back({at, at + bs});
        }
        b += run;
      }
    }
  }
}

bool MakeSeed(const std::string& dir, uint32_t bs, uint32_t isz, uint64_t kib, Seed* out) {
  std::string root = dir + "/root" + std::to_string(bs) + "_" + std::to_string(isz);
  std::string img = root + ".img";
  fs::create_directories(root + "/dir/sub/deeper");
  fs::create_directories(root + "/many");
  WritePattern(root + "/empty", 0, 1);
  WritePattern(root + "/small", 100, 2);
  WritePattern(root + "/ind", 13 * bs + 5, 3);
  // Into the double-indirect range where the image has room for it (not with 4 KiB blocks).
  WritePattern(root + "/dind", bs < 4096 ? (12 + bs / 4 + 3) * bs : 20 * bs, 4);
  WritePattern(root + "/dir/sub/deeper/leaf", 5000, 5);
  for (int i = 0; i < 40; i++) WritePattern(root + "/many/f" + std::to_string(i), i * 10, 10 + i);
  fs::create_symlink("dir/sub", root + "/fastlink");
  fs::create_symlink(std::string(80, 'q') + "/../small", root + "/slowlink");
  fs::create_symlink("loop", root + "/loop");
  if (!MakeImage(img, root, bs, isz, kib)) return false;
  out->bytes = ReadFile(img);
  out->bs = bs;
  FindHot(*out);
  return true;
}

void Mutate(Rng& rng, const Seed& seed, std::vector<uint8_t>& b) {
  int n = 1 + static_cast<int>(rng.Below(8));
  uint32_t nblocks = static_cast<uint32_t>(b.size() / seed.bs);
  for (int i = 0; i < n; i++) {
    uint64_t off;
    if (rng.Below(10) < 8) {
      auto& r = seed.hot[rng.Below(static_cast<uint32_t>(seed.hot.size()))];
      off = r.first + rng.Below(static_cast<uint32_t>(r.second - r.first));
    } else {
      off = rng.Below(static_cast<uint32_t>(b.size()));
    }
    off &= ~3ull;
    if (off + 4 > b.size()) continue;
    const uint32_t interesting[] = {0,           1,           2,           3,          7,
                                    11,          12,          0xFFFF,      0xFFFFFFFF, 0x80000000,
                                    nblocks - 1, nblocks,     nblocks + 1, seed.bs,    seed.bs - 4,
                                    0x7FFFFFFF,  0x0000EF53u, 0x4000,      0x8000,     0xA000};
    switch (rng.Below(5)) {
      case 0:
        b[off + rng.Below(4)] = static_cast<uint8_t>(rng.Next());
        break;
      case 1:
        b[off + rng.Below(4)] ^= static_cast<uint8_t>(1u << rng.Below(8));
        break;
      case 2: {
        uint32_t v = interesting[rng.Below(sizeof(interesting) / sizeof(interesting[0]))];
        memcpy(&b[off], &v, 4);
        break;
      }
      case 3: {
        uint16_t v = static_cast<uint16_t>(
            interesting[rng.Below(sizeof(interesting) / sizeof(interesting[0]))]);
        memcpy(&b[off + 2 * rng.Below(2)], &v, 2);
        break;
      }
      default: {
        uint32_t v = static_cast<uint32_t>(rng.Next());
        memcpy(&b[off], &v, 4);
        break;
      }
    }
  }
}

std::vector<uint8_t> g_buf(4u << 20);

// Everything a reader can do, bounded: at most 300 entries, 8 levels.
void Explore(ext2::Fs& f) {
  struct Item {
    uint32_t ino;
    int depth;
  };
  std::vector<Item> dirs = {{ext2::kRootIno, 0}};
  size_t seen = 0;
  for (size_t i = 0; i < dirs.size() && seen < 300; i++) {
    uint64_t cookie = 0;
    ext2::DirEntry de;
    int guard = 0;
    while (f.ReadDir(dirs[i].ino, &cookie, &de) == ZX_OK && ++guard < 2000 && seen < 300) {
      g_calls++;
      seen++;
      uint32_t ino;
      f.Lookup(dirs[i].ino, de.name, de.name_len, &ino);
      ext2::Stat st;
      g_calls += 2;
      if (f.GetStat(de.ino, &st) != ZX_OK) continue;
      uint16_t type = st.mode & ext2::kModeTypeMask;
      if (type == ext2::kModeDir && strcmp(de.name, ".") && strcmp(de.name, "..") &&
          dirs[i].depth < 8) {
        dirs.push_back({de.ino, dirs[i].depth + 1});
      } else if (type == ext2::kModeRegular) {
        size_t got;
        size_t n = st.size < g_buf.size() ? st.size : g_buf.size();
        f.Read(de.ino, 0, g_buf.data(), n, &got);
        f.Read(de.ino, 1000, g_buf.data(), 5000, &got);
        f.Read(de.ino, st.size > 10 ? st.size - 10 : 0, g_buf.data(), 100, &got);
        uint32_t disk, run;
        for (uint64_t b = 0; b < 300;) {
          if (f.MapBlocks(de.ino, b, 16, &disk, &run) != ZX_OK) break;
          b += run;
          g_calls++;
        }
        g_calls += 3;
      } else if (type == ext2::kModeSymlink) {
        char target[ext2::kMaxPath + 1];
        size_t len;
        f.ReadLink(de.ino, target, sizeof(target), &len);
        f.Walk(dirs[i].ino, de.name, &ino, true);
        g_calls += 2;
      }
    }
  }
  const char* paths[] = {"/dir/sub/deeper/leaf",
                         "/fastlink/deeper/../deeper/leaf",
                         "/slowlink",
                         "/loop",
                         "/many/f39",
                         "/dind",
                         "/../../."};
  for (const char* p : paths) {
    uint32_t ino;
    f.Walk(ext2::kRootIno, p, &ino);
    g_calls++;
  }
}

// A write workload; on a corrupt image any step may fail, and the next ones still run.
void Scribble(ext2::Fs& f, Rng& rng) {
  uint32_t root = ext2::kRootIno, ino = 0, dir = 0, sub = 0;
  std::vector<uint8_t> data = Pattern(20000, static_cast<uint32_t>(rng.Next()));
  size_t got;
  if (f.Create(root, "fz", 2, 0644, &ino) == ZX_OK) {
    f.Write(ino, 0, data.data(), data.size(), &got);
    f.Write(ino, 70000, data.data(), 3000, &got);
    f.Truncate(ino, 5000);
  }
  f.Lookup(root, "dind", 4, &ino);
  f.Write(ino, rng.Below(400000), data.data(), 1 + rng.Below(9000), &got);
  f.Truncate(ino, rng.Below(300000));
  if (f.Mkdir(root, "fzd", 3, 0755, &dir) == ZX_OK) {
    f.Create(dir, "in", 2, 0644, &ino);
    f.Symlink(dir, "ln", 2, "../small", &ino);
  }
  f.Lookup(root, "dir", 3, &sub);
  f.Rename(root, "fzd", 3, sub, "fzd2", 4);
  f.Rename(root, "small", 5, root, "ind", 3);
  f.Rename(root, "many", 4, sub, "many", 4);
  f.Unlink(root, "empty", 5);
  f.Unlink(root, "slowlink", 8);
  f.Rmdir(sub, "sub", 3);
  if (f.Lookup(root, "many", 4, &dir) == ZX_OK ||
      (sub && f.Lookup(sub, "many", 4, &dir) == ZX_OK)) {
    for (int i = 0; i < 40; i += 3) {
      std::string n = "f" + std::to_string(i);
      f.Unlink(dir, n.c_str(), n.size());
    }
    for (int i = 0; i < 20; i++) {
      std::string n = "new_entry_with_a_long_name_" + std::to_string(i);
      f.Create(dir, n.c_str(), n.size(), 0600, &ino);
    }
  }
  f.Sync();
  g_calls += 30;
}

}  // namespace

int main(int argc, char** argv) {
  // About 10 s on one core of the development machine; the time limit only guards a slow one.
  uint64_t iterations = 7000, seed = 1;
  double max_seconds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--iterations")) iterations = strtoull(argv[i + 1], nullptr, 0);
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], nullptr, 0);
    if (!strcmp(argv[i], "--seconds")) max_seconds = atof(argv[i + 1]);
  }
  auto t0 = std::chrono::steady_clock::now();
  TempDir tmp;
  std::vector<Seed> seeds(4);
  if (tmp.path().empty() || !MakeSeed(tmp.path(), 1024, 128, 1024, &seeds[0]) ||
      !MakeSeed(tmp.path(), 1024, 256, 1024, &seeds[1]) ||
      !MakeSeed(tmp.path(), 2048, 256, 2048, &seeds[2]) ||
      !MakeSeed(tmp.path(), 4096, 128, 4096, &seeds[3])) {
    printf("ext2 fuzz: could not make the seed images with mke2fs\n");
    return 2;
  }
  // The seeds themselves must work, or the fuzzer would only test the mount checks.
  for (auto& s : seeds) {
    MemDevice dev(s.bytes);
    auto f = std::make_unique<ext2::Fs>();
    if (f->Mount(&dev, false) != ZX_OK) {
      printf("ext2 fuzz: a seed image does not mount\n");
      return 2;
    }
  }

  Rng rng{seed * 0x9E3779B97F4A7C15ull + 1};
  MemDevice dev({});
  auto f = std::make_unique<ext2::Fs>();
  uint64_t done = 0, mounted = 0, wrote = 0;
  double secs = 0;
  for (; done < iterations; done++) {
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (secs > max_seconds) break;
    const Seed& s = seeds[rng.Below(static_cast<uint32_t>(seeds.size()))];
    // One device and one Fs for the whole run: reusing their memory keeps an iteration cheap.
    std::vector<uint8_t>& bytes = dev.bytes();
    bytes.assign(s.bytes.begin(), s.bytes.end());
    Mutate(rng, s, bytes);
    if (rng.Below(50) == 0) bytes.resize(rng.Below(static_cast<uint32_t>(bytes.size())));
    bool write = rng.Below(3) == 0;
    if (f->Mount(&dev, write) != ZX_OK) continue;
    mounted++;
    Explore(*f);
    if (write) {
      Scribble(*f, rng);
      f->Unmount();
      // Whatever the writes left behind is read again from scratch.
      if (f->Mount(&dev, false) == ZX_OK) Explore(*f);
      wrote++;
    }
    if (f->mounted()) f->Unmount();
  }
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bool complete = done == iterations;
  printf(
      "ext2 fuzz: seed %llu, %llu of %llu iterations (%llu mounted, %llu with writes), %llu calls, "
      "%.1f s, 0 crashes%s\n",
      (unsigned long long)seed, (unsigned long long)done, (unsigned long long)iterations,
      (unsigned long long)mounted, (unsigned long long)wrote, (unsigned long long)g_calls, secs,
      complete ? "" : " (stopped at the time limit)");
  return 0;
}
