// The harness's and the adapters' name for the one error type, which lives
// on the ground floor so the fault layer can return it: faults/status.h.
#pragma once

#include "faults/status.h"  // IWYU pragma: export
