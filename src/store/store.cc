#include "store/store.h"

namespace fundament::store {

std::optional<int64_t> Entity::ReferenceId(std::string_view navigation_name) const {
  for (const auto& [navigation, id] : references) {
    if (navigation != nullptr && navigation->name == navigation_name) return id;
  }
  return std::nullopt;
}

}  // namespace fundament::store
