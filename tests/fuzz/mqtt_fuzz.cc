// Fuzzes the MQTT 3.1.1 codec of the mqtt module. An input is read as the
// bytes a client sends on one connection, fed to the decoder whole, byte by
// byte, and in chunks of several sizes; every split must yield the same
// packets and the same error. Every packet decoded must encode, decode again
// to itself, and re-encode to the same bytes. Conversely, the input also
// describes a packet field by field: if Encode accepts it, it must decode to
// itself. The topic names and filters decoded, and the input itself read as
// "<filter>\n<topic>", are checked against a second, independent topic
// matcher. Any crash, sanitizer report or broken invariant (abort) is a bug.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/codec.h"
#include "mqtt/packet.h"
#include "mqtt/topic.h"

namespace {

using fundament::Status;
using fundament::mqtt::Decoder;
using fundament::mqtt::Packet;
using fundament::mqtt::ToString;

// Small enough that inputs reach the size limit, large enough for real packets.
constexpr size_t kMaxPacketSize = 1024;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s\n%s\n", what, detail.c_str());
  std::abort();
}

// What decoding a whole stream gives: the packets, then ok or an error.
struct Outcome {
  std::vector<Packet> packets;
  bool ok = true;
  std::string error;
  bool idle = true;
};

// Feeds `input` in chunks whose sizes cycle through `sizes`.
Outcome DecodeInChunks(std::string_view input, const std::vector<size_t>& sizes) {
  Decoder decoder(kMaxPacketSize);
  Outcome outcome;
  size_t turn = 0;
  while (!input.empty()) {
    const size_t size = std::min(input.size(), sizes[turn++ % sizes.size()]);
    Status status = decoder.Feed(input.substr(0, size), &outcome.packets);
    input.remove_prefix(size);
    if (!status.ok()) {
      outcome.ok = false;
      outcome.error = status.error().message;
      if (status.error().message.empty() || status.error().field.empty()) Fail("error without rule", "");
      break;
    }
  }
  outcome.idle = decoder.idle();
  return outcome;
}

// Pulls packets with Next, one at a time, from one buffer.
Outcome DecodeWithNext(std::string_view input) {
  Decoder decoder(kMaxPacketSize);
  Outcome outcome;
  while (true) {
    auto next = decoder.Next(&input);
    if (!next.ok()) {
      outcome.ok = false;
      outcome.error = next.error().message;
      break;
    }
    if (!next->has_value()) break;
    outcome.packets.push_back(std::move(**next));
  }
  if (outcome.ok && !input.empty()) Fail("Next stopped before the end of its input", "");
  outcome.idle = decoder.idle();
  return outcome;
}

void ExpectSame(const Outcome& a, const Outcome& b, const char* split) {
  if (a.packets != b.packets) Fail("split changed the packets", split);
  if (a.ok != b.ok || a.error != b.error)
    Fail("split changed the error", std::string(split) + ": " + a.error + " / " + b.error);
  if (a.ok && a.idle != b.idle) Fail("split changed whether the decoder is idle", split);
}

// A topic matcher written independently of TopicMatches: levels as vectors,
// recursive descent.
std::vector<std::string_view> Levels(std::string_view s) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '/') {
      levels.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return levels;
}

bool ReferenceMatch(const std::vector<std::string_view>& f, size_t fi, const std::vector<std::string_view>& t,
                    size_t ti) {
  if (fi == f.size()) return ti == t.size();
  if (f[fi] == "#") return true;
  if (ti == t.size()) return false;
  if (f[fi] != "+" && f[fi] != t[ti]) return false;
  return ReferenceMatch(f, fi + 1, t, ti + 1);
}

bool ReferenceMatches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#'))
    return false;
  return ReferenceMatch(Levels(filter), 0, Levels(topic), 0);
}

void CheckMatch(std::string_view filter, std::string_view topic) {
  if (fundament::mqtt::TopicMatches(filter, topic) != ReferenceMatches(filter, topic)) {
    Fail("TopicMatches disagrees with the reference", std::string(filter) + " vs " + std::string(topic));
  }
}

void CheckTopicName(std::string_view topic) {
  if (!fundament::mqtt::ValidateTopicName(topic).ok())
    Fail("decoded topic name is invalid", std::string(topic));
  // A topic name is also a filter, matching itself; '#' matches it unless it starts with '$'.
  if (!fundament::mqtt::ValidateTopicFilter(topic).ok())
    Fail("topic name is no valid filter", std::string(topic));
  if (!fundament::mqtt::TopicMatches(topic, topic)) Fail("topic does not match itself", std::string(topic));
  if (fundament::mqtt::TopicMatches("#", topic) == (topic[0] == '$')) Fail("'#' and '$'", std::string(topic));
  CheckMatch("+/#", topic);
}

void CheckPacket(const Packet& packet) {
  auto encoded = fundament::mqtt::Encode(packet);
  if (!encoded.ok())
    Fail("decoded packet does not encode", ToString(packet) + ": " + encoded.error().message);
  if (encoded->size() > kMaxPacketSize) Fail("re-encoded packet grew", ToString(packet));
  auto decoded = fundament::mqtt::DecodePacket(*encoded, kMaxPacketSize);
  if (!decoded.ok())
    Fail("encoded packet does not decode", ToString(packet) + ": " + decoded.error().message);
  if (!(*decoded == packet))
    Fail("packet changed in round trip", ToString(packet) + " -> " + ToString(*decoded));
  auto again = fundament::mqtt::Encode(*decoded);
  if (!again.ok() || *again != *encoded) Fail("encoding is not deterministic", ToString(packet));

  if (const auto* publish = std::get_if<fundament::mqtt::Publish>(&packet)) CheckTopicName(publish->topic);
  if (const auto* connect = std::get_if<fundament::mqtt::Connect>(&packet)) {
    if (connect->will) CheckTopicName(connect->will->topic);
  }
  if (const auto* subscribe = std::get_if<fundament::mqtt::Subscribe>(&packet)) {
    for (const auto& s : subscribe->subscriptions) {
      if (!fundament::mqtt::ValidateTopicFilter(s.topic_filter).ok())
        Fail("decoded filter is invalid", s.topic_filter);
      for (const auto& other : subscribe->subscriptions) {
        if (fundament::mqtt::ValidateTopicName(other.topic_filter).ok())
          CheckMatch(s.topic_filter, other.topic_filter);
      }
    }
  }
}

// A string for a packet field: often one of a few topic-like shapes, else
// arbitrary bytes.
std::string Text(FuzzedDataProvider* in) {
  static constexpr const char* kShapes[] = {"a",   "a/b",    "/", "+",  "#",       "a/+/b",
                                            "a/#", "$SYS/x", "",  "a+", "\xC3\xA9"};
  if (in->ConsumeBool()) return kShapes[in->ConsumeIntegralInRange<size_t>(0, std::size(kShapes) - 1)];
  return in->ConsumeRandomLengthString(40);
}

fundament::mqtt::QoS AnyQoS(FuzzedDataProvider* in) {
  return static_cast<fundament::mqtt::QoS>(in->ConsumeIntegralInRange<uint8_t>(0, 3));
}

uint16_t AnyId(FuzzedDataProvider* in) { return in->ConsumeBool() ? 0 : in->ConsumeIntegral<uint16_t>(); }

// A packet of any type with fields taken from the input, valid or not.
Packet BuildPacket(FuzzedDataProvider* in) {
  namespace m = fundament::mqtt;
  switch (in->ConsumeIntegralInRange<int>(1, 14)) {
    case 1: {
      m::Connect c;
      c.protocol_level = in->ConsumeIntegralInRange<uint8_t>(2, 5);
      c.clean_session = in->ConsumeBool();
      c.keep_alive = in->ConsumeIntegral<uint16_t>();
      c.client_id = Text(in);
      if (in->ConsumeBool()) c.will = m::Will{Text(in), Text(in), AnyQoS(in), in->ConsumeBool()};
      if (in->ConsumeBool()) c.username = Text(in);
      if (in->ConsumeBool()) c.password = Text(in);
      return c;
    }
    case 2:
      return m::Connack{in->ConsumeBool(),
                        static_cast<m::ConnectReturnCode>(in->ConsumeIntegralInRange<uint8_t>(0, 7))};
    case 3: {
      m::Publish p;
      p.dup = in->ConsumeBool();
      p.qos = AnyQoS(in);
      p.retain = in->ConsumeBool();
      p.topic = Text(in);
      p.packet_id = AnyId(in);
      p.payload = in->ConsumeRandomLengthString(100);
      return p;
    }
    case 4:
      return m::Puback{AnyId(in)};
    case 5:
      return m::Pubrec{AnyId(in)};
    case 6:
      return m::Pubrel{AnyId(in)};
    case 7:
      return m::Pubcomp{AnyId(in)};
    case 8: {
      m::Subscribe s{AnyId(in), {}};
      for (int n = in->ConsumeIntegralInRange<int>(0, 4); n > 0; --n)
        s.subscriptions.push_back({Text(in), AnyQoS(in)});
      return s;
    }
    case 9: {
      m::Suback s{AnyId(in), {}};
      for (int n = in->ConsumeIntegralInRange<int>(0, 4); n > 0; --n) {
        const uint8_t code = in->ConsumeBool() ? 0x80 : in->ConsumeIntegralInRange<uint8_t>(0, 3);
        s.return_codes.push_back(static_cast<m::SubackReturnCode>(code));
      }
      return s;
    }
    case 10: {
      m::Unsubscribe u{AnyId(in), {}};
      for (int n = in->ConsumeIntegralInRange<int>(0, 4); n > 0; --n) u.topic_filters.push_back(Text(in));
      return u;
    }
    case 11:
      return m::Unsuback{AnyId(in)};
    case 12:
      return m::Pingreq{};
    case 13:
      return m::Pingresp{};
    default:
      return m::Disconnect{};
  }
}

void CheckBuiltPacket(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const Packet packet = BuildPacket(&in);
  auto encoded = fundament::mqtt::Encode(packet);
  if (!encoded.ok()) {
    if (encoded.error().field.empty()) Fail("encoder error without rule", encoded.error().message);
    return;
  }
  auto decoded = fundament::mqtt::DecodePacket(*encoded);
  if (!decoded.ok())
    Fail("encoder accepted what the decoder rejects", ToString(packet) + ": " + decoded.error().message);
  if (!(*decoded == packet))
    Fail("built packet changed in round trip", ToString(packet) + " -> " + ToString(*decoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const Outcome whole = DecodeInChunks(input, {input.size() + 1});
  ExpectSame(whole, DecodeInChunks(input, {1}), "byte by byte");
  ExpectSame(whole, DecodeInChunks(input, {2, 3, 5}), "chunks of 2, 3, 5");
  ExpectSame(whole, DecodeInChunks(input, {7, 1, 64}), "chunks of 7, 1, 64");
  if (!input.empty()) {
    // Chunk sizes taken from the input itself, so the fuzzer steers the split.
    std::vector<size_t> sizes;
    for (size_t i = 0; i < input.size() && sizes.size() < 8; ++i)
      sizes.push_back(1 + static_cast<uint8_t>(input[i]) % 17);
    ExpectSame(whole, DecodeInChunks(input, sizes), "input-driven chunks");
  }
  ExpectSame(whole, DecodeWithNext(input), "Next");

  for (const Packet& packet : whole.packets) CheckPacket(packet);
  CheckBuiltPacket(data, size);

  // The same bytes as "<filter>\n<topic>" for the topic helpers alone.
  const size_t newline = input.find('\n');
  if (newline != std::string_view::npos) {
    const std::string_view filter = input.substr(0, newline);
    const std::string_view topic = input.substr(newline + 1);
    const bool filter_ok = fundament::mqtt::ValidateTopicFilter(filter).ok();
    const bool topic_ok = fundament::mqtt::ValidateTopicName(topic).ok();
    if (filter_ok && topic_ok) CheckMatch(filter, topic);
    if (topic_ok) CheckTopicName(topic);
  }
  return 0;
}
