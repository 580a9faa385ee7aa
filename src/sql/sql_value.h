// A value bound to a SQL parameter: the only way anything from a request
// reaches a statement.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace fundament::sql {

// NULL, an integer, a double or text.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

}  // namespace fundament::sql
