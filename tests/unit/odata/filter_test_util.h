// Helpers shared by the $filter tests: parse against an entity type and
// return the canonical text, or the error message.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "model/entity_type.h"
#include "odata/filter.h"
#include "odata/filter_parser.h"

namespace fundament::odata::testing {

inline const model::EntityTypeDef& Type(model::EntityKind kind) { return model::TypeOf(kind); }

// The parsed filter, or null (with a test failure) when it does not parse.
inline std::shared_ptr<const FilterExpr> MustParse(model::EntityKind kind, std::string_view text,
                                                   const FilterLimits& limits = {}) {
  auto parsed = ParseFilter(Type(kind), text, limits);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : nullptr;
}

// The canonical text of a filter that must parse, or "<error: …>".
inline std::string Canonical(model::EntityKind kind, std::string_view text, const FilterLimits& limits = {}) {
  auto parsed = ParseFilter(Type(kind), text, limits);
  if (!parsed.ok()) {
    ADD_FAILURE() << text << ": " << parsed.error().message;
    return "<error: " + parsed.error().message + ">";
  }
  return ToString(**parsed);
}

// The error message of a filter that must not parse (always kBadRequest).
inline std::string ErrorOf(model::EntityKind kind, std::string_view text, const FilterLimits& limits = {}) {
  auto parsed = ParseFilter(Type(kind), text, limits);
  if (parsed.ok()) {
    ADD_FAILURE() << text << " was accepted as " << ToString(**parsed);
    return "<accepted>";
  }
  EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest) << text;
  return parsed.error().message;
}

// The operand of `name eq <literal>`-style comparisons: the right-hand side.
inline const FilterExpr& RightOf(const FilterExpr& expr) {
  return *std::get<BinaryNode>(expr.node).right;
}

}  // namespace fundament::odata::testing
