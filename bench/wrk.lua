-- wrk script for the benchmark (bench/wrk.py starts it): request headers, optional POST
-- bodies sent round-robin, status counting, and a machine-readable summary.
--
-- Environment (read in every thread):
--   BENCH_HEADERS   extra request headers, "Name: value" separated by "\n"
--   BENCH_BODIES    a file of url-encoded POST bodies, one per line (POST when set)
--   BENCH_THREADS   wrk's -t value, so threads can interleave the bodies
--   BENCH_OFFSET, BENCH_STRIDE  this wrk's share of the bodies when several run at once
-- Output: one line "BENCH_JSON {...}" from done().

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local bodies = nil
local position = 0
local step = 1
local headers = {}
s2, s3, s4, s5, sx = 0, 0, 0, 0, 0

function init(args)
  local raw = os.getenv("BENCH_HEADERS") or ""
  for line in raw:gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  local path = os.getenv("BENCH_BODIES")
  if path and path ~= "" then
    bodies = {}
    for line in io.lines(path) do
      if line ~= "" then table.insert(bodies, line) end
    end
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local stride = tonumber(os.getenv("BENCH_STRIDE") or "1")
    step = tonumber(os.getenv("BENCH_THREADS") or "1") * stride
    position = tid * stride + tonumber(os.getenv("BENCH_OFFSET") or "0")
  end
  if not bodies then
    request_string = wrk.format("GET", wrk.path, headers, nil)
  end
end

function request()
  if bodies then
    local body = bodies[(position % #bodies) + 1]
    position = position + step
    return wrk.format("POST", wrk.path, headers, body)
  end
  return request_string
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then s2 = s2 + 1
  elseif status >= 300 and status < 400 then s3 = s3 + 1
  elseif status >= 400 and status < 500 then s4 = s4 + 1
  elseif status >= 500 and status < 600 then s5 = s5 + 1
  else sx = sx + 1 end
end

function done(summary, latency, requests)
  local totals = {s2 = 0, s3 = 0, s4 = 0, s5 = 0, sx = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (thread:get(key) or 0)
    end
  end
  local quantiles = {}
  for i = 1, 1000 do
    table.insert(quantiles, string.format("%d", latency:percentile(i / 10)))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, "other": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d, ' ..
    '"p999": %d}, "quantiles_us": [%s]}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    totals.s2, totals.s3, totals.s4, totals.s5, totals.sx,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), table.concat(quantiles, ",")))
end
