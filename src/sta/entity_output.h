// Writing entities into responses: the JSON form of an entity (OGC 18-088
// §9.2) with @iot.id, @iot.selfLink and a navigation link per navigation
// property, restricted by $select.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "model/entity_type.h"
#include "store/store.h"

namespace fundament::sta {

// Absolute URLs of entities and navigations below one service root
// ("https://example.org/v1.1").
class Links {
 public:
  explicit Links(std::string service_root) : root_(std::move(service_root)) {}

  const std::string& root() const { return root_; }
  // "…/v1.1/Things(1)"
  std::string Self(model::EntityKind kind, int64_t id) const;
  // "…/v1.1/Things(1)/Datastreams"
  std::string Navigation(model::EntityKind kind, int64_t id, std::string_view navigation) const;
  // Appends Self(kind, id), then "/" and `navigation` when given, to `out`.
  void AppendLink(std::string& out, model::EntityKind kind, int64_t id, std::string_view navigation = {}) const;

 private:
  std::string root_;
};

// Which members of an entity to write, from $select.
class Selection {
 public:
  // Everything: all properties, @iot.id, @iot.selfLink and all navigation links.
  Selection() = default;
  // Only the names in `select` (properties, navigations, "@iot.id", "@iot.selfLink").
  explicit Selection(const std::vector<std::string>& select);

  bool Includes(std::string_view name) const;
  bool everything() const { return names_.empty(); }
  // The store properties needed ("" list = all).
  std::vector<std::string> StoreProperties(const model::EntityTypeDef& type) const;

 private:
  std::vector<std::string> names_;
};

// The JSON of `entity` of type `type` as a GET returns it.
boost::json::object RenderEntity(const model::EntityTypeDef& type, const store::Entity& entity,
                                 const Selection& selection, const Links& links);

// The same members as RenderEntity, written straight into `out` as JSON text
// ("\"@iot.id\":1,…", without the braces): what a large collection is
// rendered with, since it builds no tree. Returns whether it wrote any.
bool AppendEntityMembers(std::string& out, const model::EntityTypeDef& type, const store::Entity& entity,
                         const Selection& selection, const Links& links);

}  // namespace fundament::sta
