// symreg::Erfinv (domain "symreg", version 1): y = erfinv(x), float and double.
#pragma once

#include "ort/ort_api.h"

namespace symreg::ort {

OpList ErfinvOps();

}  // namespace symreg::ort
