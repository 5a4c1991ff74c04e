// hostile: what an unprivileged program can try against the kernel, in the spirit of xv6's
// usertests and of syzkaller. Each attack builds something a careless kernel would choke on
// (structures far deeper than any kernel stack, floods of messages and packets, handle cycles,
// races between teardown and use) and then checks that the kernel still answers and refuses
// what it must. Run as the first process (run=hostile), the kernel's leak check afterwards
// shows that nothing the attacks built outlived them.
//
// The attacks live in user/bin/hostile/, one file per family; each file defines an array of
// testing::Test that this file runs in turn. Output is usertests' ("[utest] NAME PASS|FAIL"),
// plus one "hostile: ..." line of counts at the end that the closing report quotes.
#include <stdio.h>
#include <testing.h>
#include <zircon/process.h>
#include <zircon/processargs.h>

#include "hostile/counts.h"
#include "hostile/deep_structures.h"
#include "hostile/floods.h"
#include "hostile/isolation.h"

namespace {

struct Family {
  const testing::Test* tests;
  size_t count;
};

const Family kFamilies[] = {
    {hostile::kDeepTests, sizeof(hostile::kDeepTests) / sizeof(hostile::kDeepTests[0])},
    {hostile::kFloodTests, sizeof(hostile::kFloodTests) / sizeof(hostile::kFloodTests[0])},
    {hostile::kIsolationTests,
     sizeof(hostile::kIsolationTests) / sizeof(hostile::kIsolationTests[0])},
};

}  // namespace

int main(int argc, char** argv) {
  const char* prefix = argc > 1 ? argv[1] : "";
  int status = 0;
  for (const Family& f : kFamilies) {
    if (testing::run_tests(f.tests, f.count, prefix) != 0) status = 1;
  }
  printf("hostile: %lu attacks, %lu structures built, %lu messages sent, %lu packets queued\n",
         hostile::g_counts.attacks, hostile::g_counts.structures, hostile::g_counts.messages,
         hostile::g_counts.packets);
  return status;
}
