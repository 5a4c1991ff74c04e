// sh: a small shell. Reads a line from the debug console (echoing and editing it itself, as the
// console delivers raw bytes), splits it into words, and runs the program named by the first
// word (from the boot image, else /bin on the disk; a name with a '/' is a path on the disk),
// waiting for it unless the line ends in '&'. Builtins: help, exit, cd, pwd.
#include <bootfs.h>
#include <fs.h>
#include <launch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

namespace {

constexpr size_t kMaxLine = 256;
constexpr int kMaxWords = 32;
constexpr int kMaxJobs = 16;

// Console bytes read but not yet consumed (type-ahead survives between lines).
char g_in[64];
size_t g_in_pos, g_in_len;

void echo(const char* s, size_t n) {
  fflush_stdout();
  zx_debug_write(s, n);
}

// Returns the next console byte, blocking.
char next_byte() {
  while (g_in_pos == g_in_len) {
    size_t actual = 0;
    zx_status_t s = zx_debug_read(ZX_HANDLE_INVALID, g_in, sizeof(g_in), &actual);
    if (s != ZX_OK) {
      printf("sh: zx_debug_read: %d\n", s);
      exit(1);
    }
    g_in_pos = 0;
    g_in_len = actual;
  }
  return g_in[g_in_pos++];
}

// Reads one line into buf (NUL-terminated, without the newline). False at end of input
// (Ctrl-D on an empty line).
bool read_line(char* buf, size_t size) {
  size_t len = 0;
  for (;;) {
    char c = next_byte();
    if (c == '\r' || c == '\n') {
      // A terminal sends \r; swallow the \n of a \r\n pair if it is already here.
      if (c == '\r' && g_in_pos < g_in_len && g_in[g_in_pos] == '\n') g_in_pos++;
      echo("\n", 1);
      buf[len] = '\0';
      return true;
    } else if (c == 0x7f || c == '\b') {  // backspace / delete
      if (len > 0) {
        len--;
        echo("\b \b", 3);
      }
    } else if (c == 0x15) {  // Ctrl-U: erase the line
      for (; len > 0; len--) echo("\b \b", 3);
    } else if (c == 0x04) {  // Ctrl-D
      if (len == 0) return false;
    } else if (c >= 0x20 && c < 0x7f && len + 1 < size) {
      buf[len++] = c;
      echo(&c, 1);
    }
  }
}

int split(char* line, char** words) {
  int n = 0;
  char* p = line;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0' || n == kMaxWords) return n;
    words[n++] = p;
    while (*p != '\0' && *p != ' ' && *p != '\t') p++;
    if (*p != '\0') *p++ = '\0';
  }
}

// Background jobs, reaped before each prompt.
struct Job {
  zx_handle_t proc;
  zx_koid_t koid;
  char name[32];
};
Job g_jobs[kMaxJobs];

zx_koid_t koid_of(zx_handle_t h) {
  zx_info_handle_basic_t info;
  if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr) != ZX_OK) {
    return ZX_KOID_INVALID;
  }
  return info.koid;
}

void reap_jobs() {
  for (Job& j : g_jobs) {
    if (j.proc == ZX_HANDLE_INVALID) continue;
    zx_signals_t observed = 0;
    zx_object_wait_one(j.proc, ZX_PROCESS_TERMINATED, 0, &observed);
    if (!(observed & ZX_PROCESS_TERMINATED)) continue;
    int64_t code = 0;
    wait_process(j.proc, &code);
    printf("[%lu] %s: done, exit %ld\n", static_cast<unsigned long>(j.koid), j.name,
           static_cast<long>(code));
    zx_handle_close(j.proc);
    j.proc = ZX_HANDLE_INVALID;
  }
}

bool print_entry(const bootfs_entry_t* e, void*) {
  printf("  %.32s\n", e->name);
  return true;
}

void help() {
  printf("builtins:\n  help          this list\n  exit [N]      leave the shell with status N\n");
  printf("  cd [DIR]      change the working directory (default /)\n  pwd           print it\n");
  printf("run a program: NAME [ARGS...] [&]   ('&' runs it in the background)\n");
  printf("programs in the boot image:\n");
  if (bootfs_list(bootfs_vmo(), print_entry, nullptr) != ZX_OK) printf("  (no boot image)\n");
  if (fs_status() == ZX_OK)
    printf("and on the disk: ls /bin (a name found in both runs the boot image's)\n");
}

void cd(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/";
  zx_status_t s = fs_chdir(dir);
  if (s != ZX_OK) printf("sh: cd: %s: %s\n", dir, zx_status_get_string(s));
}

void run(int argc, char** argv) {
  bool background = false;
  if (strcmp(argv[argc - 1], "&") == 0) {
    background = true;
    argv[--argc] = nullptr;
    if (argc == 0) return;
  }
  zx_handle_t proc;
  zx_status_t s = launch(argv[0], argc, argv, nullptr, nullptr, 0, &proc);
  if (s == ZX_ERR_NOT_FOUND) {
    printf("sh: %s: not found\n", argv[0]);
    return;
  }
  if (s != ZX_OK) {
    printf("sh: %s: cannot start: %s\n", argv[0], zx_status_get_string(s));
    return;
  }
  if (background) {
    for (Job& j : g_jobs) {
      if (j.proc == ZX_HANDLE_INVALID) {
        j.proc = proc;
        j.koid = koid_of(proc);
        strlcpy(j.name, argv[0], sizeof(j.name));
        printf("[%lu] %s\n", static_cast<unsigned long>(j.koid), j.name);
        return;
      }
    }
    printf("sh: too many background jobs; %s runs untracked\n", argv[0]);
    zx_handle_close(proc);
    return;
  }
  int64_t code = 0;
  s = wait_process(proc, &code);
  zx_handle_close(proc);
  if (s != ZX_OK) {
    printf("sh: %s: wait failed: %d\n", argv[0], s);
  } else if (code != 0) {
    printf("%s: exit %ld\n", argv[0], static_cast<long>(code));
  }
}

}  // namespace

int main(int, char**) {
  char line[kMaxLine];
  char* words[kMaxWords + 1];
  for (;;) {
    reap_jobs();
    printf("$ ");
    fflush_stdout();
    if (!read_line(line, sizeof(line))) return 0;
    int n = split(line, words);
    words[n] = nullptr;
    if (n == 0) continue;
    if (strcmp(words[0], "help") == 0) {
      help();
    } else if (strcmp(words[0], "cd") == 0) {
      cd(n, words);
    } else if (strcmp(words[0], "pwd") == 0) {
      printf("%s\n", fs_getcwd());
    } else if (strcmp(words[0], "exit") == 0) {
      return n > 1 ? atoi(words[1]) : 0;
    } else {
      run(n, words);
    }
  }
}
