// Fuzzes the SensorThings MQTT topic parsers (sta/mqtt_topic.h): the topic
// filters of SUBSCRIBE and the topic names of PUBLISH, which any client sends.
// None may crash, hang or leak, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sta/mqtt_topic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fundament;
  std::string_view topic(reinterpret_cast<const char*>(data), size);
  (void)sta::ParseSubscriptionTopic(topic);
  (void)sta::ParseCreationTopic(topic);
  return 0;
}
