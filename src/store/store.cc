#include "store/store.h"

#include <unordered_map>

namespace fundament::store {

std::optional<int64_t> Entity::ReferenceId(std::string_view navigation_name) const {
  for (const auto& [navigation, id] : references) {
    if (navigation != nullptr && navigation->name == navigation_name) return id;
  }
  return std::nullopt;
}

ReadRequest RelatedReadRequest::ForParent(int64_t parent_id) const {
  ReadRequest request;
  request.kind = kind;
  request.related = RelatedTo{parent_kind, parent_id, navigation};
  request.filter = filter;
  request.orderby = orderby;
  request.skip = skip;
  request.limit = limit;
  request.count = count;
  request.properties = properties;
  return request;
}

Result<RelatedReadResult> ReadTransaction::ReadRelated(const RelatedReadRequest& request) {
  return ReadRelatedOneByOne(*this, request);
}

Result<RelatedReadResult> ReadRelatedOneByOne(ReadTransaction& reads, const RelatedReadRequest& request) {
  RelatedReadResult groups(request.parent_ids.size());
  std::unordered_map<int64_t, size_t> first;  // parent id → index of its first entry
  for (size_t i = 0; i < request.parent_ids.size(); ++i) {
    const int64_t id = request.parent_ids[i];
    auto [seen, inserted] = first.emplace(id, i);
    if (!inserted) {
      groups[i] = groups[seen->second];
      continue;
    }
    FUNDAMENT_ASSIGN_OR_RETURN(groups[i], reads.Read(request.ForParent(id)));
  }
  return groups;
}

}  // namespace fundament::store
