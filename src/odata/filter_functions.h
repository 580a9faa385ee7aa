// The signatures of the built-in $filter functions: lookup by name, arity and
// argument type checks, result types. Internal to the odata module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "odata/filter.h"

namespace fundament::odata {

// The function called `name` as written in a filter, if there is one.
bool FindFilterFunction(std::string_view name, FilterFunction* function);

// The type's name with an article, for "found …" in messages: "an Integer",
// "a String", "null".
std::string FilterTypeWithArticle(FilterType type);

// Checks the arguments of a call of `function` written at `position` and
// returns the call's result type. Json and null arguments fit any parameter
// (their type is known only at run time). Errors are kBadRequest in the
// "$filter: at position N: expected …, found …" form.
Result<FilterType> CheckFilterCall(FilterFunction function, size_t position, const std::vector<FilterExprPtr>& args);

}  // namespace fundament::odata
