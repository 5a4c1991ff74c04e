// The base of every kernel object a handle can name (Zircon calls them dispatchers): a type, a
// kernel object id (koid) unique for the life of the system, and a reference count shared by
// handles and internal users. Signals and waiting are added by the waitable-object layer.
#pragma once
#include <stdint.h>

#include "kernel/lib/ref_ptr.h"

using zx_koid_t = uint64_t;
using zx_rights_t = uint32_t;
using zx_obj_type_t = uint32_t;

// Zircon's object type numbers (zx_obj_type_t).
constexpr zx_obj_type_t ZX_OBJ_TYPE_NONE = 0;
constexpr zx_obj_type_t ZX_OBJ_TYPE_PROCESS = 1;
constexpr zx_obj_type_t ZX_OBJ_TYPE_THREAD = 2;
constexpr zx_obj_type_t ZX_OBJ_TYPE_VMO = 3;
constexpr zx_obj_type_t ZX_OBJ_TYPE_CHANNEL = 4;
constexpr zx_obj_type_t ZX_OBJ_TYPE_EVENT = 5;
constexpr zx_obj_type_t ZX_OBJ_TYPE_PORT = 6;
constexpr zx_obj_type_t ZX_OBJ_TYPE_LOG = 12;
constexpr zx_obj_type_t ZX_OBJ_TYPE_RESOURCE = 15;
constexpr zx_obj_type_t ZX_OBJ_TYPE_VMAR = 16;
constexpr zx_obj_type_t ZX_OBJ_TYPE_PAGER = 28;

class Dispatcher : public RefCounted<Dispatcher> {
 public:
  virtual ~Dispatcher() = default;
  virtual zx_obj_type_t type() const = 0;
  zx_koid_t koid() const { return koid_; }

 protected:
  Dispatcher();

 private:
  zx_koid_t koid_;
};

// The next kernel object id (ids start at 1024 as in Zircon; 0 is ZX_KOID_INVALID).
zx_koid_t koid_generate();
