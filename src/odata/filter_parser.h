// Parsing and type checking of $filter expressions (OGC 18-088 §9.3.3.5):
// text → typed FilterExpr tree (filter.h).
//
// Grammar (OData 4.0 URL conventions §5.1.1, keywords lower case), loosest
// binding first:
//   or  <  and  <  not  <  eq ne  <  gt ge lt le  <  add sub  <  mul div mod
//   <  unary -  <  primary (literal, path, function call, parenthesised).
// Binary operators associate to the left; `and`/`or` chains become one node.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/result.h"
#include "model/entity_type.h"
#include "odata/filter.h"

namespace fundament::odata {

// Bounds on what one $filter may cost to parse and to run.
struct FilterLimits {
  size_t max_length = 8192;  // bytes of (percent-decoded) text
  size_t max_depth = 64;     // nesting of parentheses, calls and unary operators, and tree height
  size_t max_nodes = 2000;   // nodes of the tree
};

// Parses and type-checks `text` (already percent-decoded) as a filter over
// entities of `type`. Errors are kBadRequest with a message of the form
// "$filter: at position N: expected …, found …", N being a 1-based character
// offset into `text`.
Result<std::shared_ptr<const FilterExpr>> ParseFilter(const model::EntityTypeDef& type, std::string_view text,
                                                      const FilterLimits& limits = {});

}  // namespace fundament::odata
