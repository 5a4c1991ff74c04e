// init: the first process. It holds the root resource, which it hands to the filesystem server
// (fsd) together with the first connection to it; every program it starts then inherits a
// connection of its own (launch() clones one). Then it runs the shell, and starts a new one
// whenever the shell exits.
//
// Test runs boot with run=init,ARGS (comma-separated): arguments "fsd.X" become fsd's argument X
// (fsd.ro, fsd.budget=PAGES), and the first other argument names a program to run, with the
// rest as its arguments, instead of the shell. init then stops the server (closing the last
// connection makes it write everything back and unmount) and returns the program's exit code.
#include <fs.h>
#include <launch.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

namespace {

constexpr int kMaxArgs = 16;

// Starts fsd and installs the connection to it. Returns fsd's process handle, or
// ZX_HANDLE_INVALID if there is no filesystem (no disk, or one fsd cannot mount: it says why).
zx_handle_t start_fsd(zx_handle_t resource, int argc, const char** argv) {
  if (resource == ZX_HANDLE_INVALID) return ZX_HANDLE_INVALID;
  zx_handle_t mine, theirs;
  if (zx_channel_create(0, &mine, &theirs) != ZX_OK) return ZX_HANDLE_INVALID;
  zx_handle_t handles[] = {resource, theirs};
  uint32_t info[] = {PA_HND(PA_RESOURCE, 0), PA_HND(PA_USER0, 0)};
  zx_handle_t proc;
  zx_status_t s = launch("fsd", argc, argv, handles, info, 2, &proc);
  if (s != ZX_OK) {
    printf("init: cannot start fsd: %s\n", zx_status_get_string(s));
    zx_handle_close(mine);
    return ZX_HANDLE_INVALID;
  }
  fs_set_connection(mine);
  // The first request waits for the server to be up, or to give up (closing the channel).
  fs_statfs_t info_fs;
  if ((s = fs_statfs(&info_fs)) != ZX_OK) {
    fs_set_connection(ZX_HANDLE_INVALID);
    int64_t code;
    wait_process(proc, &code);
    zx_handle_close(proc);
    printf("init: no filesystem; programs come from the boot image only\n");
    return ZX_HANDLE_INVALID;
  }
  return proc;
}

// Closes our connection and waits for the server to finish writing back and exit.
void stop_fsd(zx_handle_t fsd) {
  if (fsd == ZX_HANDLE_INVALID) return;
  fs_set_connection(ZX_HANDLE_INVALID);
  zx_signals_t observed;
  zx_status_t s =
      zx_object_wait_one(fsd, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(60)), &observed);
  if (s != ZX_OK) {
    printf("init: fsd did not exit: %s; killing it\n", zx_status_get_string(s));
    zx_task_kill(fsd);
    zx_object_wait_one(fsd, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, &observed);
  }
  zx_handle_close(fsd);
}

int run_program(int argc, const char** argv) {
  zx_handle_t proc;
  zx_status_t s = launch(argv[0], argc, argv, nullptr, nullptr, 0, &proc);
  if (s != ZX_OK) {
    printf("init: cannot launch %s: %s\n", argv[0], zx_status_get_string(s));
    return 1;
  }
  int64_t code = 0;
  s = wait_process(proc, &code);
  zx_handle_close(proc);
  if (s != ZX_OK) return 1;
  return static_cast<int>(code);
}

}  // namespace

int main(int argc, char** argv) {
  const char* fsd_argv[kMaxArgs] = {"fsd"};
  int fsd_argc = 1;
  const char* prog_argv[kMaxArgs];
  int prog_argc = 0;
  for (int i = 1; i < argc; i++) {
    if (prog_argc == 0 && strncmp(argv[i], "fsd.", 4) == 0) {
      if (fsd_argc < kMaxArgs) fsd_argv[fsd_argc++] = argv[i] + 4;
    } else if (prog_argc < kMaxArgs) {
      prog_argv[prog_argc++] = argv[i];
    }
  }
  zx_handle_t fsd = start_fsd(zx_take_startup_handle(PA_HND(PA_RESOURCE, 0)), fsd_argc, fsd_argv);
  if (prog_argc > 0) {
    int code = run_program(prog_argc, prog_argv);
    stop_fsd(fsd);
    return code;
  }

  printf("init: starting sh\n");
  for (;;) {
    const char* sh_argv[] = {"sh"};
    zx_handle_t proc;
    zx_status_t s = launch("sh", 1, sh_argv, nullptr, nullptr, 0, &proc);
    if (s != ZX_OK) {
      printf("init: cannot launch sh: %d\n", s);
      zx_nanosleep(zx_deadline_after(ZX_SEC(1)));  // do not spin if sh is missing or broken
      continue;
    }
    int64_t code = 0;
    s = wait_process(proc, &code);
    zx_handle_close(proc);
    if (s != ZX_OK) {
      printf("init: waiting for sh failed: %d\n", s);
      return 1;
    }
    printf("init: sh exited with %ld; restarting it\n", static_cast<long>(code));
  }
}
