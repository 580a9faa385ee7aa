-- Bulk ingest: POST /v1.1/CreateObservations (the dataArray extension,
-- OGC 18-088 §14) with `rows` Observations per request, in `groups` groups of
-- one Datastream each (rows/groups rows a group). Request k fills groups
-- for Datastreams first + (k*groups + j) mod count, each with times new for
-- its Datastream. Counts the rows acknowledged (selfLinks) and refused
-- ("error") in each answer.
--
--   wrk -t2 -c4 -d30s --timeout 60s --latency -s sta_bulk.lua http://127.0.0.1:8080/v1.1/CreateObservations \
--       -- threads=2 first=1 count=100 rows=5000 groups=100
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local first, count, rows, groups, per_group, base
local headers = {["Content-Type"] = "application/json"}

common.install(function(k)
  local parts = {}
  for j = 0, groups - 1 do
    local slot = k * groups + j
    local datastream = first + slot % count
    local visit = math.floor(slot / count)
    local values = {}
    for i = 0, per_group - 1 do
      values[i + 1] = string.format('["%s",%s]', common.iso(base + visit * per_group + i), common.result())
    end
    parts[j + 1] = string.format(
      '{"Datastream":{"@iot.id":%d},"components":["phenomenonTime","result"],"dataArray":[%s]}',
      datastream, table.concat(values, ","))
  end
  return wrk.format("POST", nil, headers, "[" .. table.concat(parts, ",") .. "]")
end, function(status, body)
  local _, good = body:gsub("Observations%(", "")
  local _, bad = body:gsub('"error"', "")
  return good, bad
end, {init = function(opts)
  first = tonumber(opts.first or "1")
  count = tonumber(opts.count or "100")
  rows = tonumber(opts.rows or "5000")
  groups = tonumber(opts.groups or "100")
  per_group = math.floor(rows / groups)
  base = tonumber(opts.base or "1735689600")
end})
