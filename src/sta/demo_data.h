// A demo data set for `fundament serve --demo`: a few gauges and rain sensors
// around Kiel with a week of plausible observations, created through the API
// itself so that it is exactly what a client could have written.
#pragma once

#include "common/result.h"
#include "sta/service.h"

namespace fundament::sta {

// Loads the demo data through `service` unless the store already holds Things.
// The newest observations are at the current time.
Status LoadDemoData(Service& service);

}  // namespace fundament::sta
