-- Batched writes to InfluxDB 1.x: `rows` lines per request to /write, laid
-- out as sta_bulk.lua lays out its rows (groups of one series each).
--
--   wrk -t2 -c4 -d30s --timeout 60s --latency -s influx_batch.lua 'http://127.0.0.1:8086/write?db=bench&precision=s' \
--       -- threads=2 first=1 count=100 rows=5000 groups=100
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local first, count, rows, groups, per_group, base
local headers = {["Content-Type"] = "text/plain"}

common.install(function(k)
  local lines = {}
  for j = 0, groups - 1 do
    local slot = k * groups + j
    local datastream = first + slot % count
    local visit = math.floor(slot / count)
    for i = 0, per_group - 1 do
      lines[#lines + 1] = string.format("observation,datastream=%d result=%s %d", datastream, common.result(),
                                        base + visit * per_group + i)
    end
  end
  return wrk.format("POST", nil, headers, table.concat(lines, "\n"))
end, function(status, body)
  -- InfluxDB answers 204 for a batch it took whole, an error status otherwise.
  return groups * per_group, 0
end, {init = function(opts)
  first = tonumber(opts.first or "1")
  count = tonumber(opts.count or "100")
  rows = tonumber(opts.rows or "5000")
  groups = tonumber(opts.groups or "100")
  per_group = math.floor(rows / groups)
  base = tonumber(opts.base or "1735689600")
end})
