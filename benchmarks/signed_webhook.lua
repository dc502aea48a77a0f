-- wrk script: POST one signed orders/create body with a fresh X-Shopify-Event-Id each time.
-- The HMAC covers only the body, so one signature serves every request; ids never repeat.
-- BODY_FILE and SIGNATURE are filled in by benchmarks/webhook_intake.py.
-- RUN_PREFIX is unique per wrk run; thread_id is set per thread by setup() below, as a
-- global, because wrk hands values to each thread's own Lua state that way.
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  local file = io.open("BODY_FILE", "rb")
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Shopify-Topic"] = "orders/create"
  wrk.headers["X-Shopify-Hmac-Sha256"] = "SIGNATURE"
  wrk.headers["X-Shopify-Shop-Domain"] = "SHOP"
  wrk.headers["X-Shopify-API-Version"] = "2026-10"
  wrk.headers["X-Shopify-Triggered-At"] = "2026-11-22T10:00:00.000000000Z"
end

function request()
  counter = counter + 1
  local id = string.format("RUN_PREFIX-%d-%d", thread_id, counter)
  wrk.headers["X-Shopify-Event-Id"] = id
  wrk.headers["X-Shopify-Webhook-Id"] = id
  return wrk.format()
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
