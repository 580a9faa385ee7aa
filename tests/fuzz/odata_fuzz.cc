// Fuzz target for the URL parsers of the odata module: resource paths, query
// options and percent-decoding. An input is read as a request target without
// its version prefix, `<path>?<query>`; the query part is also parsed against
// several entity types, whatever the path says. Any crash, leak, sanitizer
// report or broken invariant (abort) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/entity_type.h"
#include "odata/query_options.h"
#include "odata/resource_path.h"

namespace {

using fundament::odata::ExpandItem;
using fundament::odata::QueryLimits;
using fundament::odata::QueryOptions;

// The parser promises never to return options nested deeper than the limit.
void CheckDepth(const QueryOptions& options, int depth, int max_depth) {
  if (depth > max_depth) std::abort();
  for (const ExpandItem& item : options.expand) {
    if (item.navigation == nullptr) std::abort();
    CheckDepth(item.options, depth + 1, max_depth);
  }
}

void ParseQuery(const fundament::model::EntityTypeDef& type, std::string_view query,
                const QueryLimits& limits) {
  auto options = fundament::odata::ParseQueryOptions(type, query, limits);
  if (options.ok()) {
    CheckDepth(*options, 0, limits.max_expand_depth);
    if (options->skip < 0 || (options->top && *options->top < 0)) std::abort();
  } else if (options.error().message.empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fundament::model::EntityKind;
  using fundament::model::TypeOf;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t question = input.find('?');
  std::string_view path = input.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : input.substr(question + 1);

  auto decoded = fundament::odata::PercentDecode(path);
  const fundament::model::EntityTypeDef* type = &TypeOf(EntityKind::kThing);
  if (decoded.ok()) {
    auto parsed = fundament::odata::ParseResourcePath(*decoded);
    if (parsed.ok()) {
      if (parsed->steps.empty() || parsed->steps.size() > fundament::odata::kMaxResourcePathSteps)
        std::abort();
      (void)parsed->is_collection();
      type = parsed->last().type;
    }
  }

  QueryLimits limits;
  ParseQuery(*type, query, limits);
  limits.max_expand_depth = 2;
  for (EntityKind kind : {EntityKind::kThing, EntityKind::kDatastream, EntityKind::kObservation})
    ParseQuery(TypeOf(kind), input, limits);
  return 0;
}
