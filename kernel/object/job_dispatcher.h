// A job: the root of the process tree. This kernel has one job, the root job, which init
// receives as PA_JOB_DEFAULT and passes on; every process belongs to it. Through it a program
// can list the running processes (ZX_INFO_JOB_PROCESSES), get a handle to one by koid
// (zx_object_get_child), and read the kernel's memory statistics (ZX_INFO_KMEM_STATS; Zircon
// asks for the root resource there). Nested jobs are not built (docs/objects/job.md).
#pragma once
#include "kernel/object/dispatcher.h"

class JobDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_JOB;
  zx_obj_type_t type() const override { return kType; }
  static RefPtr<JobDispatcher> root();
};
