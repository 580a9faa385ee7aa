-- Single-point writes to InfluxDB 1.x: one line of line protocol per
-- request to /write, the same data as sta_observation.lua (series
-- observation,datastream=N, field result, a time new for the series).
--
--   wrk -t2 -c64 -d30s --latency -s influx_point.lua 'http://127.0.0.1:8086/write?db=bench&precision=s' \
--       -- threads=2 first=1 count=100
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local first, count, base
local headers = {["Content-Type"] = "text/plain"}

common.install(function(k)
  local datastream = first + k % count
  local t = base + math.floor(k / count)
  local body = string.format("observation,datastream=%d result=%s %d", datastream, common.result(), t)
  return wrk.format("POST", nil, headers, body)
end, nil, {init = function(opts)
  first = tonumber(opts.first or "1")
  count = tonumber(opts.count or "100")
  base = tonumber(opts.base or "1735689600")
end})
