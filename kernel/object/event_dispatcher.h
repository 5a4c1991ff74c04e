// An event: an object that is nothing but signals (ZX_EVENT_SIGNALED and the user signals).
#pragma once
#include "kernel/object/dispatcher.h"

class EventDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_EVENT;
  zx_obj_type_t type() const override { return kType; }
  zx_signals_t user_settable_signals() const override {
    return ZX_USER_SIGNAL_ALL | ZX_EVENT_SIGNALED;
  }
};
