#include "sta/resolve.h"

#include <fmt/format.h>

namespace fundament::sta {
namespace {

std::string EntityName(const model::EntityTypeDef& type, int64_t id) {
  return fmt::format("{}({})", type.set_name, id);
}

}  // namespace

Result<std::optional<ResolvedEntity>> ResolvePath(const ReadFunction& read, const odata::ResourcePath& path,
                                                  AbsentNavigation absent) {
  std::optional<ResolvedEntity> current;
  for (size_t i = 0; i < path.steps.size(); ++i) {
    const odata::PathStep& step = path.steps[i];
    bool single = step.id.has_value() || (step.navigation != nullptr && !step.navigation->to_many);
    if (!single) break;  // a collection: only allowed last (the parser ensures it)
    store::ReadRequest request;
    request.kind = step.type->kind;
    request.id = step.id;
    request.limit = 1;
    request.properties = {std::string(step.type->properties.front().name)};
    if (step.navigation != nullptr) {
      request.related = store::RelatedTo{current->type->kind, current->id, step.navigation};
    }
    FUNDAMENT_ASSIGN_OR_RETURN(auto result, read(request));
    if (result.entities.empty()) {
      if (step.id)
        return NotFound(i == 0 ? fmt::format("no entity {}", EntityName(*step.type, *step.id))
                               : fmt::format("no entity {} related to {}", EntityName(*step.type, *step.id),
                                             EntityName(*current->type, current->id)));
      if (absent == AbsentNavigation::kEmpty && i + 1 == path.steps.size())
        return std::optional<ResolvedEntity>();
      return NotFound(
          fmt::format("{} has no {}", EntityName(*current->type, current->id), step.navigation->name));
    }
    current = ResolvedEntity{step.type, result.entities.front().id};
  }
  return current;
}

store::ReadRequest RequestFor(const odata::ResourcePath& path, const std::optional<ResolvedEntity>& parent) {
  const odata::PathStep& last = path.last();
  store::ReadRequest request;
  request.kind = last.type->kind;
  if (!path.is_collection()) {
    request.id = parent->id;  // the last step was resolved as a single entity
    return request;
  }
  if (last.navigation != nullptr) {
    request.related = store::RelatedTo{parent->type->kind, parent->id, last.navigation};
  }
  return request;
}

}  // namespace fundament::sta
