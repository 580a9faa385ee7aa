// Fuzzes the reader of change notifications (store/postgres/change_notification.h):
// any node sharing the database, of any version, may send any payload. None
// may crash, hang or leak; whatever decodes must encode into one payload that
// decodes to the same events.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/postgres/change_notification.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fundament::store::postgres;
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  fundament::Result<ChangeNotification> decoded = DecodeChangeNotification(payload);
  if (!decoded.ok()) return 0;
  std::vector<std::string> encoded = EncodeChangeNotifications(decoded->node, decoded->events, kMaxPayloadBytes);
  if (encoded.size() != 1) std::abort();
  fundament::Result<ChangeNotification> again = DecodeChangeNotification(encoded[0]);
  if (!again.ok() || again->node != decoded->node || again->events != decoded->events) std::abort();
  return 0;
}
