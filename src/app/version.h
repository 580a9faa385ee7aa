// The program's name and version, as `fundament --version` and GET / report them.
#pragma once

#include <string_view>

namespace fundament::app {

inline constexpr std::string_view kProgramName = "fundament";
inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace fundament::app
