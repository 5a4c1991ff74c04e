// Kernel console commands. Each command registers itself with COMMAND(name, help) next to the
// code it exercises; the console (kconsole.cc) finds them in the .commands section.
#pragma once

struct Command {
  const char* name;
  const char* help;
  void (*fn)(int argc, char** argv);
};

#define COMMAND_CAT2(a, b) a##b
#define COMMAND_CAT(a, b) COMMAND_CAT2(a, b)
#define COMMAND(cmd_name, help_text)                                                       \
  static void COMMAND_CAT(command_fn_, __LINE__)(int argc, char** argv);                   \
  [[gnu::used, gnu::section(".commands")]] static const Command COMMAND_CAT(               \
      command_reg_, __LINE__) = {cmd_name, help_text, COMMAND_CAT(command_fn_, __LINE__)}; \
  static void COMMAND_CAT(command_fn_, __LINE__)([[maybe_unused]] int argc,                \
                                                 [[maybe_unused]] char** argv)

// Splits line in place into at most max words; returns the count.
int command_split(char* line, char** argv, int max);
// Runs one command line; returns false if the command is unknown.
bool command_run(char* line);
[[noreturn]] void kconsole_loop();
