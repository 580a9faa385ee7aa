"""An HTTP client for one server plus builders and checks shared by the API tests.

Everything here encodes OGC 18-088 (SensorThings API 1.1), not the server's
implementation: entity shapes, navigation properties, error bodies.
"""

import datetime as dt
import math
import uuid
from urllib.parse import urljoin

import requests

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
OM_MEASUREMENT = OM + "OM_Measurement"
OM_COMPLEX = OM + "OM_ComplexObservation"
OM_TRUTH = OM + "OM_TruthObservation"
GEOJSON = "application/geo+json"
REQ = "http://www.opengis.net/spec/iot_sensing/1.1/req/"

# The entity sets of SensorThings 1.1 Part 1 with the MultiDatastream extension.
ENTITY_SETS = ["Things", "Locations", "HistoricalLocations", "Datastreams", "MultiDatastreams",
               "Sensors", "ObservedProperties", "Observations", "FeaturesOfInterest"]

# Navigation properties every entity of a set carries as X@iot.navigationLink
# (§8.2 tables and §12). An Observation links to a Datastream or a
# MultiDatastream; which of the two links it carries depends on the entity.
NAVIGATIONS = {
    "Things": ["Locations", "HistoricalLocations", "Datastreams", "MultiDatastreams"],
    "Locations": ["Things", "HistoricalLocations"],
    "HistoricalLocations": ["Thing", "Locations"],
    "Datastreams": ["Thing", "Sensor", "ObservedProperty", "Observations"],
    "MultiDatastreams": ["Thing", "Sensor", "ObservedProperties", "Observations"],
    "Sensors": ["Datastreams", "MultiDatastreams"],
    "ObservedProperties": ["Datastreams", "MultiDatastreams"],
    "Observations": ["FeatureOfInterest"],
    "FeaturesOfInterest": ["Observations"],
}

# Mandatory properties per set (§8.2 tables, §12); a create without one is a 400.
MANDATORY = {
    "Things": ["name", "description"],
    "Locations": ["name", "description", "encodingType", "location"],
    "HistoricalLocations": ["time"],
    "Datastreams": ["name", "description", "unitOfMeasurement", "observationType"],
    "MultiDatastreams": ["name", "description", "unitOfMeasurements", "multiObservationDataTypes"],
    "Sensors": ["name", "description", "encodingType", "metadata"],
    "ObservedProperties": ["name", "definition", "description"],
    "Observations": ["result"],
    "FeaturesOfInterest": ["name", "description", "encodingType", "feature"],
}

CELSIUS = {"name": "degree Celsius", "symbol": "°C",
           "definition": "http://unitsofmeasure.org/ucum.html#para-30"}
PERCENT = {"name": "percent", "symbol": "%", "definition": "http://unitsofmeasure.org/ucum.html#para-29"}


def describe(response):
    """One line naming a request and its answer, for assertion messages."""
    body = response.text
    if len(body) > 1500:
        body = body[:1500] + "…"
    return f"{response.request.method} {response.url} -> {response.status_code}: {body}"


class Api:
    """A client for the SensorThings service of one server (`…/v1.1`)."""

    def __init__(self, server):
        self.server = server
        self.root = server.root_url
        self.base = self.root + "/v1.1"
        self.session = requests.Session()

    def url(self, path):
        """An absolute URL: `path` is relative to the service root unless already absolute."""
        if path.startswith(("http://", "https://")):
            return path
        path = path.lstrip("/")
        return f"{self.base}/{path}" if path else self.base

    def self_link(self, set_name, entity_id):
        return f"{self.base}/{set_name}({entity_id})"

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs)

    def patch(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.request("PATCH", path, **kwargs)

    def put(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def get_json(self, path, status=200):
        response = self.get(path)
        assert response.status_code == status, describe(response)
        return response.json()

    def create(self, path, body):
        """POSTs `body` to a collection, checks the 201 answer and returns the created entity."""
        response = self.post(path, body)
        assert response.status_code == 201, describe(response)
        entity = response.json()
        assert isinstance(entity, dict), describe(response)
        assert response.headers.get("Location") == entity.get("@iot.selfLink"), describe(response)
        return entity

    def create_id(self, path, body):
        return self.create(path, body)["@iot.id"]

    def count(self, path):
        """The @iot.count of a collection."""
        sep = "&" if "?" in path else "?"
        body = self.get_json(f"{path}{sep}$count=true&$top=0")
        count = body.get("@iot.count")
        assert isinstance(count, int) and not isinstance(count, bool), body
        return count

    def counts(self):
        """The number of entities in every entity set."""
        return {name: self.count(name) for name in ENTITY_SETS}

    def pages(self, path, limit=1000):
        """Every page of a collection, following @iot.nextLink."""
        url = self.url(path)
        pages = []
        while url:
            response = self.session.get(url, timeout=30)
            assert response.status_code == 200, describe(response)
            page = response.json()
            pages.append(page)
            assert len(pages) <= limit, f"more than {limit} pages following nextLinks from {path}"
            next_link = page.get("@iot.nextLink")
            url = urljoin(response.url, next_link) if next_link else None
        return pages

    def all(self, path):
        """Every entity of a collection across pages."""
        return [entity for page in self.pages(path) for entity in page["value"]]

    def ids(self, path):
        """The ids of every entity of a collection, in the order served."""
        return [entity["@iot.id"] for entity in self.all(path)]

    def exists(self, set_name, entity_id):
        response = self.get(f"{set_name}({entity_id})")
        assert response.status_code in (200, 404), describe(response)
        return response.status_code == 200


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def assert_error(response, *statuses):
    """An error answer: one of `statuses`, with a JSON body {"code": <status>, "message": "…"}."""
    assert response.status_code in statuses, f"expected {statuses}: {describe(response)}"
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("application/json"), f"error Content-Type {content_type!r}: {describe(response)}"
    body = response.json()
    assert isinstance(body, dict), describe(response)
    assert is_int(body.get("code")) and body["code"] == response.status_code, \
        f"error body needs \"code\": {response.status_code}: {describe(response)}"
    assert isinstance(body.get("message"), str) and body["message"].strip(), \
        f"error body needs a non-empty \"message\": {describe(response)}"
    return body


def assert_error_names(response, field, *statuses):
    """A 400-type error whose message (or `field` member) names the offending `field`."""
    body = assert_error(response, *(statuses or (400,)))
    text = body["message"] + " " + str(body.get("field", ""))
    assert field in text, f"error should name {field!r}: {body}"
    return body


def assert_entity(api, entity, set_name, navigations=None):
    """Common control information (§8.1): integer id, absolute selfLink, navigation links."""
    assert isinstance(entity, dict), entity
    entity_id = entity.get("@iot.id")
    assert is_int(entity_id), f"@iot.id must be an integer: {entity}"
    assert entity.get("@iot.selfLink") == api.self_link(set_name, entity_id), entity
    if navigations is None:
        navigations = NAVIGATIONS[set_name]
        if set_name == "Observations":
            parents = [p for p in ("Datastream", "MultiDatastream") if f"{p}@iot.navigationLink" in entity]
            assert parents, f"an Observation links to its Datastream or MultiDatastream: {entity}"
            navigations = navigations + parents
    for nav in navigations:
        link = entity.get(f"{nav}@iot.navigationLink")
        assert isinstance(link, str), f"missing {nav}@iot.navigationLink: {entity}"
        # Relative or absolute (§8.1); either way it ends in the path of the relation.
        assert link.endswith(f"{set_name}({entity_id})/{nav}"), f"{nav}@iot.navigationLink {link!r}"
    return entity_id


def annotations_free(entity):
    """The properties of an entity without control information and navigation links."""
    return {key: value for key, value in entity.items() if "@" not in key}


# ---------------------------------------------------------------- builders


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def geometry_of(geojson):
    """The geometry of a GeoJSON geometry or Feature."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        return geojson.get("geometry")
    return geojson


def assert_same_point(geojson, lon, lat):
    geometry = geometry_of(geojson)
    assert isinstance(geometry, dict) and geometry.get("type") == "Point", geojson
    got_lon, got_lat = geometry["coordinates"][:2]
    assert math.isclose(got_lon, lon, abs_tol=1e-9) and math.isclose(got_lat, lat, abs_tol=1e-9), geojson


def thing(name=None, **extra):
    return {"name": name or uniq("thing"), "description": "a thing under test", **extra}


def location(lon=10.5, lat=54.25, name=None, **extra):
    return {"name": name or uniq("location"), "description": "a place under test",
            "encodingType": GEOJSON, "location": point(lon, lat), **extra}


def sensor(name=None, **extra):
    return {"name": name or uniq("sensor"), "description": "a sensor under test",
            "encodingType": "application/pdf", "metadata": "https://example.org/datasheet.pdf", **extra}


def observed_property(name=None, **extra):
    return {"name": name or uniq("property"), "definition": "https://example.org/def/air-temperature",
            "description": "a phenomenon under test", **extra}


def feature(lon=10.5, lat=54.25, name=None, **extra):
    return {"name": name or uniq("feature"), "description": "a feature under test",
            "encodingType": GEOJSON, "feature": point(lon, lat), **extra}


def ref(entity_id):
    return {"@iot.id": entity_id}


def datastream(thing_id=None, sensor_id=None, op_id=None, name=None, **extra):
    body = {"name": name or uniq("datastream"), "description": "a datastream under test",
            "unitOfMeasurement": dict(CELSIUS), "observationType": OM_MEASUREMENT}
    if thing_id is not None:
        body["Thing"] = ref(thing_id)
    if sensor_id is not None:
        body["Sensor"] = ref(sensor_id)
    if op_id is not None:
        body["ObservedProperty"] = ref(op_id)
    body.update(extra)
    return body


def multi_datastream(thing_id, sensor_id, op_ids, name=None, **extra):
    n = len(op_ids)
    units = [dict(CELSIUS), dict(PERCENT), {"name": None, "symbol": None, "definition": None}]
    return {"name": name or uniq("multi"), "description": "a multi datastream under test",
            "observationType": OM_COMPLEX,
            "unitOfMeasurements": [units[i % len(units)] for i in range(n)],
            "multiObservationDataTypes": [OM_MEASUREMENT] * n,
            "Thing": ref(thing_id), "Sensor": ref(sensor_id),
            "ObservedProperties": [ref(i) for i in op_ids], **extra}


def observation(phenomenon_time=None, result=21.5, **extra):
    body = {"result": result, **extra}
    if phenomenon_time is not None:
        body["phenomenonTime"] = phenomenon_time
    return body


class Graph:
    """A Thing at a Location with a Sensor, an ObservedProperty and one Datastream."""

    def __init__(self, api, lon=10.5, lat=54.25, with_location=True, datastream_name=None, **thing_extra):
        self.api = api
        self.location = api.create_id("Locations", location(lon, lat)) if with_location else None
        if with_location:
            thing_extra["Locations"] = [ref(self.location)]
        self.thing = api.create_id("Things", thing(**thing_extra))
        self.sensor = api.create_id("Sensors", sensor())
        self.op = api.create_id("ObservedProperties", observed_property())
        self.datastream = self.add_datastream(**({"name": datastream_name} if datastream_name else {}))

    def add_datastream(self, **extra):
        return self.api.create_id("Datastreams", datastream(self.thing, self.sensor, self.op, **extra))

    def observe(self, phenomenon_time=None, result=21.5, datastream_id=None, **extra):
        ds = datastream_id if datastream_id is not None else self.datastream
        return self.api.create_id("Observations",
                                  observation(phenomenon_time, result, Datastream=ref(ds), **extra))


# ---------------------------------------------------------------- time


def parse_time(text):
    """An ISO 8601 instant as an aware datetime."""
    assert isinstance(text, str), f"expected an ISO 8601 string, got {text!r}"
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, f"time without offset: {text!r}"
    return value


def parse_interval(text):
    """An ISO 8601 interval "start/end" (or an instant) as a (start, end) pair."""
    assert isinstance(text, str), f"expected an ISO 8601 string, got {text!r}"
    if "/" in text:
        start, end = text.split("/", 1)
        return parse_time(start), parse_time(end)
    instant = parse_time(text)
    return instant, instant


def now():
    return dt.datetime.now(dt.timezone.utc)


def iso(value):
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(minutes):
    """A fixed instant, `minutes` after 2024-05-01T00:00:00Z, as text."""
    return iso(dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minutes))
