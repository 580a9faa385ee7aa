-- Single-POST ingest: one Observation per request to /v1.1/Observations.
-- Request number k (counted over all threads) goes to Datastream
-- first + k mod count, with a phenomenonTime that is new for that
-- Datastream, and a random result. The FeatureOfInterest is left out, so the
-- server derives it from the Thing's Location.
--
--   wrk -t2 -c64 -d30s --latency -s sta_observation.lua http://127.0.0.1:8080/v1.1/Observations \
--       -- threads=2 first=1 count=100 [ack_file=ids.txt] [base=1735689600]
--
-- With ack_file, the @iot.id of every 201 response is written there (one per
-- line) at the end, so that bench/run can check each one is in the store.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local first, count, base
local headers = {["Content-Type"] = "application/json"}

common.install(function(k)
  local datastream = first + k % count
  local t = base + math.floor(k / count)
  local body = string.format('{"phenomenonTime":"%s","result":%s,"Datastream":{"@iot.id":%d}}',
                             common.iso(t), common.result(), datastream)
  return wrk.format("POST", nil, headers, body)
end, nil, {init = function(opts)
  first = tonumber(opts.first or "1")
  count = tonumber(opts.count or "100")
  base = tonumber(opts.base or "1735689600")
end})
