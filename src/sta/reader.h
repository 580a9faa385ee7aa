// Answering GET requests (OGC 18-088 §9): resolving a resource path against
// the store, then reading, expanding, selecting and paging.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

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
  Status Expand(const model::EntityTypeDef& type, const store::Entity& entity, const odata::QueryOptions& options,
                boost::json::object& out, int depth);
  int64_t PageSize(const odata::QueryOptions& options) const;

  store::ReadTransaction& reads_;
  const ServiceOptions& options_;
  const Links& links_;
};

}  // namespace fundament::sta
