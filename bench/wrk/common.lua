-- Shared by bench/run's wrk scripts: arguments, per-thread counters, and the
-- one summary line ("BENCH_SUMMARY {json}") that bench/run reads.
--
-- wrk runs every script once per thread, each in a Lua state of its own, and
-- once more in a main state where setup() and done() run. The counters live
-- in the threads; done() collects them with thread:get().
local common = {}

local threads = {}
local next_thread = 0

-- Arguments after `--` on the wrk command line, as key=value words.
function common.parse_args(args)
  local options = {}
  for _, word in ipairs(args) do
    local key, value = word:match("^([%w_]+)=(.*)$")
    if key == nil then error("expected key=value, got " .. word) end
    options[key] = value
  end
  return options
end

-- Installs the wrk callbacks. `make_request()` returns one request;
-- `count_rows(status, body)` returns how many rows the response acknowledged
-- and how many it refused (nil: one row per 2xx response).
function common.install(make_request, count_rows, options)
  options = options or {}

  function setup(thread)
    thread:set("thread_id", next_thread)
    next_thread = next_thread + 1
    table.insert(threads, thread)
  end

  function init(args)
    opts = common.parse_args(args)
    thread_count = tonumber(opts.threads or "1")
    sent = 0
    answered = 0
    ok = 0
    rows_ok = 0
    rows_error = 0
    statuses = {}
    ack_ids = {}
    keep_ids = opts.ack_file ~= nil
    math.randomseed(1000 + thread_id)
    if options.init then options.init(opts) end
  end

  -- wrk calls request() once in thread 0 before the run to check it (that
  -- request is never sent); bench/run subtracts it from `sent`.
  function request()
    local r = make_request(sent * thread_count + thread_id)
    sent = sent + 1
    return r
  end

  function response(status, headers, body)
    answered = answered + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if status >= 200 and status < 300 then
      ok = ok + 1
      if count_rows then
        local good, bad = count_rows(status, body)
        rows_ok = rows_ok + good
        rows_error = rows_error + bad
      else
        rows_ok = rows_ok + 1
      end
      if keep_ids and status == 201 then
        local id = body:match('"@iot.id":(%d+)')
        if id then ack_ids[#ack_ids + 1] = tonumber(id) end
      end
    end
  end

  function done(summary, latency, requests)
    local totals = {sent = 0, answered = 0, ok = 0, rows_ok = 0, rows_error = 0}
    local statuses_all = {}
    local ack_file = nil
    local ids_out = nil
    for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do totals[name] = totals[name] + (thread:get(name) or 0) end
      for status, n in pairs(thread:get("statuses") or {}) do
        statuses_all[status] = (statuses_all[status] or 0) + n
      end
      local opts_t = thread:get("opts") or {}
      ack_file = opts_t.ack_file
      if ack_file then
        ids_out = ids_out or assert(io.open(ack_file, "w"))
        for _, id in ipairs(thread:get("ack_ids") or {}) do ids_out:write(string.format("%d\n", id)) end
      end
    end
    if ids_out then ids_out:close() end
    local parts = {}
    for status, n in pairs(statuses_all) do parts[#parts + 1] = string.format('"%s":%d', status, n) end
    local e = summary.errors
    print(string.format(
      'BENCH_SUMMARY {"threads":%d,"duration_us":%d,"requests":%d,"bytes":%d,"sent":%d,"answered":%d,' ..
      '"ok":%d,"non2xx":%d,"rows_ok":%d,"rows_error":%d,"status":{%s},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}',
      #threads, summary.duration, summary.requests, summary.bytes, totals.sent, totals.answered,
      totals.ok, totals.answered - totals.ok, totals.rows_ok, totals.rows_error, table.concat(parts, ","),
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max))
  end
end

-- ISO 8601 UTC for seconds since 1970.
function common.iso(seconds)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", seconds)
end

-- A result value with two decimals, 0.00–100.00, as text.
function common.result()
  return string.format("%.2f", math.random(0, 10000) / 100)
end

-- Where bench/run's scripts live, to load this file from them.
return common
