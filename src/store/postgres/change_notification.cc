#include "store/postgres/change_notification.h"

#include <fmt/format.h>

#include <charconv>
#include <random>

#include "model/entity_type.h"

namespace fundament::store::postgres {
namespace {

using events::ChangeEvent;
using events::Operation;

constexpr std::string_view kVersionTag = "fundament.v1";
constexpr size_t kMaxNodeLength = 64;

char OperationLetter(Operation operation) {
  switch (operation) {
    case Operation::kCreated:
      return 'c';
    case Operation::kUpdated:
      return 'u';
    case Operation::kDeleted:
      return 'd';
  }
  return '?';
}

bool IsAlphanumeric(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool IsValidNode(std::string_view node) {
  if (node.empty() || node.size() > kMaxNodeLength) return false;
  for (char c : node) {
    if (!IsAlphanumeric(c)) return false;
  }
  return true;
}

std::string EncodeEvent(const ChangeEvent& event) {
  return fmt::format("{}:{}:{}", model::TypeOf(event.kind).name, OperationLetter(event.operation), event.id);
}

// "Observation:c:17" → the event.
Result<ChangeEvent> DecodeEvent(std::string_view text) {
  size_t first = text.find(':');
  size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) return BadRequest(fmt::format("event '{}' is not Kind:op:id", text));
  const model::EntityTypeDef* type = model::FindByName(text.substr(0, first));
  if (type == nullptr) return BadRequest(fmt::format("event '{}' names no entity type", text));
  std::string_view op = text.substr(first + 1, second - first - 1);
  Operation operation;
  if (op == "c") {
    operation = Operation::kCreated;
  } else if (op == "u") {
    operation = Operation::kUpdated;
  } else if (op == "d") {
    operation = Operation::kDeleted;
  } else {
    return BadRequest(fmt::format("event '{}' has no operation c, u or d", text));
  }
  std::string_view digits = text.substr(second + 1);
  int64_t id = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || id <= 0 ||
      digits.front() == '+' || digits.front() == '-') {
    return BadRequest(fmt::format("event '{}' has no positive id", text));
  }
  return ChangeEvent{type->kind, id, operation};
}

}  // namespace

std::string ChangeChannel(std::string_view schema) { return fmt::format("fundament_changes.{}", schema); }

std::string NewNodeId() {
  std::random_device device;
  std::uniform_int_distribution<uint64_t> distribution;
  uint64_t value = (uint64_t{device()} << 32) ^ device() ^ distribution(device);
  return fmt::format("{:016x}", value);
}

std::vector<std::string> EncodeChangeNotifications(std::string_view node, const std::vector<ChangeEvent>& events,
                                                   size_t max_bytes) {
  std::vector<std::string> payloads;
  if (events.empty() || !IsValidNode(node)) return payloads;
  const std::string header = fmt::format("{} {}", kVersionTag, node);
  std::string payload = header;
  for (const ChangeEvent& event : events) {
    std::string text = EncodeEvent(event);
    if (payload.size() + 1 + text.size() > max_bytes && payload.size() > header.size()) {
      payloads.push_back(std::move(payload));
      payload = header;
    }
    payload += ' ';
    payload += text;
  }
  payloads.push_back(std::move(payload));
  return payloads;
}

Result<ChangeNotification> DecodeChangeNotification(std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) return BadRequest("notification longer than PostgreSQL allows");
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start <= payload.size()) {
    size_t space = payload.find(' ', start);
    if (space == std::string_view::npos) space = payload.size();
    words.push_back(payload.substr(start, space - start));
    start = space + 1;
  }
  if (words.empty() || words[0] != kVersionTag) {
    return BadRequest(fmt::format("notification does not start with '{}'", kVersionTag));
  }
  if (words.size() < 3) return BadRequest("notification has no node and events");
  if (!IsValidNode(words[1])) return BadRequest("notification names no valid node");
  ChangeNotification notification{std::string(words[1]), {}};
  notification.events.reserve(words.size() - 2);
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i].empty()) return BadRequest("notification has an empty event (two spaces)");
    FUNDAMENT_ASSIGN_OR_RETURN(ChangeEvent event, DecodeEvent(words[i]));
    notification.events.push_back(event);
  }
  return notification;
}

}  // namespace fundament::store::postgres
