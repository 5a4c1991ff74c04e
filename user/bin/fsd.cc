// fsd: the filesystem server (docs/fs.md). init starts it with the root resource and the
// first connection; it drives the virtio-blk disk from user mode, mounts the ext2 filesystem on
// it, and serves files to every connection as pager-backed VMOs until the last one closes.
//
// Arguments: "ro" mounts read-only even on a writable disk; "budget=PAGES" caps the file pages
// it keeps resident (the pager's page budget; 0, the default, leaves eviction to low memory).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#include "user/fs/disk.h"
#include "user/fs/ext2.h"
#include "user/fs/file_pager.h"
#include "user/fs/fs_server.h"

namespace {
// Large (the disk's request bookkeeping, the ext2 cache): static, not on the stack.
fs::Disk g_disk;
ext2::Fs g_fs;
fs::FilePager g_pager;
fs::Server g_server;
// The ext2 metadata cache: 1 MiB (1,000 1 KiB blocks, 250 4 KiB ones), enough for the inode and
// directory blocks of a path 512 directories deep, so walking it reads each block once.
alignas(8) uint8_t g_cache[1 << 20];
}  // namespace

int main(int argc, char** argv) {
  bool read_only = false;
  uint64_t budget = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "ro") == 0) {
      read_only = true;
    } else if (strncmp(argv[i], "budget=", 7) == 0) {
      budget = strtoul(argv[i] + 7, nullptr, 0);
    } else {
      printf("fsd: unknown argument '%s' (usage: fsd [ro] [budget=PAGES])\n", argv[i]);
      return 2;
    }
  }
  zx_handle_t resource = zx_take_startup_handle(PA_HND(PA_RESOURCE, 0));
  zx_handle_t first = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  if (resource == ZX_HANDLE_INVALID || first == ZX_HANDLE_INVALID) {
    printf("fsd: needs the root resource and a connection: init starts it\n");
    return 2;
  }
  const char* why = "";
  zx_status_t s = g_disk.Init(resource, &why);
  zx_handle_close(resource);  // the disk holds the objects it made from it
  if (s != ZX_OK) {
    printf("fsd: no disk: %s (%s); running without a filesystem\n", why, zx_status_get_string(s));
    return 1;
  }
  bool writable = !read_only && !g_disk.read_only();
  g_fs.SetCacheMemory(g_cache, sizeof(g_cache));
  s = g_fs.Mount(&g_disk, writable);
  if (s == ZX_ERR_NOT_SUPPORTED && writable) {
    printf("fsd: the filesystem has features this server cannot keep up to date: read-only\n");
    writable = false;
    s = g_fs.Mount(&g_disk, false);
  }
  if (s != ZX_OK) {
    printf("fsd: cannot mount the disk (slot %d) as ext2: %s\n", g_disk.slot(),
           zx_status_get_string(s));
    g_disk.Shutdown();
    return 1;
  }
  ext2::FsInfo info = g_fs.Info();
  printf("fsd: ext2 on virtio-blk slot %d: %lu MiB, %u-byte blocks, %s\n", g_disk.slot(),
         static_cast<unsigned long>(g_disk.SizeBytes() >> 20), info.block_size,
         writable ? "read-write" : "read-only");
  zx_handle_t port;
  if ((s = zx_port_create(0, &port)) != ZX_OK ||
      (s = g_pager.Init(&g_fs, &g_disk, port)) != ZX_OK ||
      (budget != 0 && (s = g_pager.SetBudget(budget)) != ZX_OK) ||
      (s = g_server.Init(&g_fs, &g_disk, &g_pager, port)) != ZX_OK ||
      (s = g_server.AddConnection(first)) != ZX_OK) {
    printf("fsd: cannot start serving: %s\n", zx_status_get_string(s));
    g_fs.Unmount();
    g_disk.Shutdown();
    return 1;
  }
  g_server.Run();  // until the last connection closes; writes everything back at the end
  s = g_fs.Unmount();
  if (s != ZX_OK) printf("fsd: unmount failed: %s\n", zx_status_get_string(s));
  const fs::PagerStats& st = g_pager.stats();
  printf("fsd: unmounted; %lu page requests, %lu pages read in %lu disk requests, %lu written\n",
         static_cast<unsigned long>(st.requests), static_cast<unsigned long>(st.pages_supplied),
         static_cast<unsigned long>(st.disk_runs), static_cast<unsigned long>(st.pages_written));
  g_disk.Shutdown();
  return s == ZX_OK ? 0 : 1;
}
