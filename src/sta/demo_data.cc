#include "sta/demo_data.h"

#include <cmath>
#include <random>

#include <boost/json.hpp>

#include "common/json_writer.h"
#include <fmt/format.h>

#include "model/time.h"

namespace fundament::sta {

namespace json = boost::json;

namespace {

constexpr model::Micros kStep = 15LL * 60 * 1000000;  // one reading every 15 minutes
constexpr int kSteps = 7 * 24 * 4;                     // for a week

enum class Series { kSeaLevel, kRiverLevel, kRain };

struct DemoStation {
  const char* thing;
  const char* description;
  const char* place;
  double lon, lat;
  const char* datastream;
  Series series;
};

// Real places around Kiel; the values are synthetic.
constexpr DemoStation kStations[] = {
    {"Pegel Kiel-Holtenau", "Water level gauge at the Baltic entrance of the Kiel Canal", "Kiel-Holtenau, Schleuse",
     10.1494, 54.3686, "Wasserstand Kiel-Holtenau", Series::kSeaLevel},
    {"Pegel Schwentine Klausdorf", "River gauge on the Schwentine above its mouth into the Kiel Fjord",
     "Schwentine, Klausdorf", 10.2167, 54.3131, "Wasserstand Schwentine", Series::kRiverLevel},
    {"Pegel Eider Rendsburg", "River gauge on the Eider at Rendsburg", "Eider, Rendsburg", 9.6640, 54.3060,
     "Wasserstand Eider", Series::kRiverLevel},
    {"Regenmesser Kiel-Gaarden", "Tipping-bucket rain gauge on a school roof", "Kiel-Gaarden", 10.1563, 54.3100,
     "Niederschlag Kiel-Gaarden", Series::kRain},
    {"Regenmesser Kronshagen", "Tipping-bucket rain gauge at the municipal depot", "Kronshagen", 10.0880, 54.3370,
     "Niederschlag Kronshagen", Series::kRain},
};

HttpResponse Post(Service& service, std::string_view path, const json::value& body) {
  HttpRequest request;
  request.method = "POST";
  request.target = fmt::format("/v1.1/{}", path);
  request.headers.emplace_back("host", "localhost");
  request.headers.emplace_back("content-type", "application/json");
  request.body = ToJson(body);
  return service.Handle(request);
}

json::value ThingDocument(const DemoStation& s) {
  const bool rain = s.series == Series::kRain;
  json::object unit = rain ? json::object{{"name", "millimetre"}, {"symbol", "mm"},
                                          {"definition", "http://qudt.org/vocab/unit/MilliM"}}
                           : json::object{{"name", "centimetre"}, {"symbol", "cm"},
                                          {"definition", "http://qudt.org/vocab/unit/CentiM"}};
  return json::object{
      {"name", s.thing},
      {"description", s.description},
      {"properties", json::object{{"operator", "Demo"}, {"kind", rain ? "rain gauge" : "water level gauge"}}},
      {"Locations",
       json::array{json::object{
           {"name", s.place},
           {"description", fmt::format("Location of {}", s.thing)},
           {"encodingType", "application/geo+json"},
           {"location", json::object{{"type", "Point"}, {"coordinates", json::array{s.lon, s.lat}}}}}}},
      {"Datastreams",
       json::array{json::object{
           {"name", s.datastream},
           {"description", rain ? "Precipitation sum per 15 minutes" : "Water level above gauge datum"},
           {"observationType", "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"},
           {"unitOfMeasurement", unit},
           {"Sensor", json::object{{"name", rain ? "Tipping bucket 0.1 mm" : "Radar level sensor"},
                                   {"description", rain ? "Tipping-bucket rain gauge, 0.1 mm resolution"
                                                        : "Contactless radar water level sensor"},
                                   {"encodingType", "text/html"},
                                   {"metadata", "https://example.org/sensors/datasheet"}}},
           {"ObservedProperty",
            json::object{{"name", rain ? "Precipitation" : "Water level"},
                         {"definition", rain ? "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0434/"
                                             : "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0721/"},
                         {"description", rain ? "Amount of precipitation" : "Height of the water surface"}}}}}}};
}

// A week of plausible readings: Baltic seiches and wind set-up at the coast,
// slow rises after rain on the rivers, showers in the rain series.
json::array Readings(const DemoStation& s, model::Micros start, std::mt19937& random) {
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  json::array rows;
  double rain_state = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double hours = i * 0.25;
    double value = 0;
    switch (s.series) {
      case Series::kSeaLevel:
        value = 500 + 12 * std::sin(hours / 26.0 * 2 * M_PI) + 6 * std::sin(hours / 12.4 * 2 * M_PI) +
                (hours > 100 && hours < 130 ? 35 * std::sin((hours - 100) / 30 * M_PI) : 0) + noise(random);
        break;
      case Series::kRiverLevel:
        value = 120 + 25 * std::exp(-std::pow((hours - 110) / 18.0, 2)) + 4 * std::sin(hours / 24 * 2 * M_PI) +
                0.5 * noise(random);
        break;
      case Series::kRain: {
        // Two rainy spells, with showers starting and stopping at random.
        bool wet_spell = (hours > 40 && hours < 52) || (hours > 95 && hours < 115);
        if (uniform(random) < (wet_spell ? 0.35 : 0.02)) rain_state = wet_spell ? 1.5 * uniform(random) : 0.2;
        if (uniform(random) < 0.3) rain_state = 0;
        value = rain_state > 0 ? std::round(rain_state * 10 * (0.5 + uniform(random))) / 10 : 0;
        break;
      }
    }
    value = std::round(value * 10) / 10;
    rows.emplace_back(json::array{json::value(model::FormatInstant(start + i * kStep)), json::value(value)});
  }
  return rows;
}

bool HasThings(Service& service) {
  store::ReadRequest request;
  request.kind = model::EntityKind::kThing;
  request.limit = 1;
  auto result = service.store().Read(request);
  return result.ok() && !result->entities.empty();
}

}  // namespace

Status LoadDemoData(Service& service) {
  if (HasThings(service)) return Status::Ok();
  std::mt19937 random(20261125);
  const model::Micros now = model::Now() / kStep * kStep;
  const model::Micros start = now - (kSteps - 1) * kStep;
  for (const DemoStation& station : kStations) {
    HttpResponse created = Post(service, "Things", ThingDocument(station));
    if (created.status != 201) return Internal(fmt::format("demo data: creating {} failed: {}", station.thing, created.body));
    // The new Thing's Datastream: the only one, reached through the Thing's selfLink.
    auto thing = json::parse(created.body).as_object();
    int64_t thing_id = thing.at("@iot.id").as_int64();
    store::ReadRequest request;
    request.kind = model::EntityKind::kDatastream;
    request.related = store::RelatedTo{model::EntityKind::kThing, thing_id,
                                       model::TypeOf(model::EntityKind::kThing).FindNavigation("Datastreams")};
    FUNDAMENT_ASSIGN_OR_RETURN(auto streams, service.store().Read(request));
    if (streams.entities.empty()) return Internal("demo data: the new Thing has no Datastream");
    json::array document{json::object{{"Datastream", json::object{{"@iot.id", streams.entities.front().id}}},
                                      {"components", json::array{"phenomenonTime", "result"}},
                                      {"dataArray", Readings(station, start, random)}}};
    HttpResponse observations = Post(service, "CreateObservations", document);
    if (observations.status != 201)
      return Internal(fmt::format("demo data: observations of {} failed: {}", station.thing, observations.body));
  }
  return Status::Ok();
}

}  // namespace fundament::sta
