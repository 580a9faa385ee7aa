// Answering GET requests (OGC 18-088 §9): resolving a resource path against
// the store, then reading, expanding, selecting and paging.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/http_message.h"
#include "odata/query.h"
#include "odata/resource_path.h"
#include "sta/resolve.h"
#include "sta/entity_output.h"
#include "sta/service.h"
#include "store/store.h"

namespace fundament::sta {

// Reads for one GET request.
class Reader {
 public:
  // Every read of one request goes through `reads`, one snapshot.
  Reader(store::ReadTransaction& reads, const ServiceOptions& options, const Links& links)
      : reads_(reads), options_(options), links_(links) {}

  // Answers GET for `path` with raw query string `query` (for nextLinks).
  Result<HttpResponse> Get(const odata::ResourcePath& path, const odata::QueryOptions& options,
                           std::string_view raw_path, std::string_view raw_query);

  // The JSON of one entity as a GET returns it, with the expansions of `options`.
  Result<boost::json::object> ReadEntity(const model::EntityTypeDef& type, int64_t id,
                                         const odata::QueryOptions& options);

 private:
  // The JSON text of a collection response.
  Result<std::string> Collection(const odata::ResourcePath& path, const std::optional<ResolvedEntity>& parent,
                                 const odata::QueryOptions& options, std::string_view raw_path,
                                 std::string_view raw_query);
  // The entity (type, id) with the properties `selection` needs; kNotFound when absent.
  Result<store::Entity> ReadOne(const model::EntityTypeDef& type, int64_t id, const Selection& selection);
  // Appends the members that the expansions of `options` add to entities[i]
  // (all of `type`) to *outs[i] as JSON text ("\"Nav\":[…],…", separated by
  // commas, without braces): one grouped store read per expanded navigation,
  // and so per nesting level, however many entities there are.
  Status Expand(const model::EntityTypeDef& type, const std::vector<const store::Entity*>& entities,
                const odata::QueryOptions& options, const std::vector<std::string*>& outs, int depth);
  // At most how many entities the expansions of one entity may hold
  // (bounded by kExpandEntities).
  int64_t ExpandFanOut(const odata::QueryOptions& options) const;
  // How many entities of a collection are expanded together: as many as
  // keep the expanded entities held at once near kExpandEntities.
  size_t ExpandBatch(const odata::QueryOptions& options) const;
  int64_t PageSize(const odata::QueryOptions& options) const;

  // Bounds of one batch of expansions: the parents read at once, and the
  // entities their expansions may hold in memory together.
  static constexpr int64_t kExpandParents = 1000;
  static constexpr int64_t kExpandEntities = 20000;

  store::ReadTransaction& reads_;
  const ServiceOptions& options_;
  const Links& links_;
};

}  // namespace fundament::sta
