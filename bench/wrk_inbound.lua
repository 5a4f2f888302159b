-- wrk script for POST /api/v1/inbound: unique external ids, senders from a pool.
-- Settings come from the environment: BENCH_TOKEN, BENCH_RUN, BENCH_CUSTOMERS.
local token = os.getenv("BENCH_TOKEN")
local run = os.getenv("BENCH_RUN")
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "5000")
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  math.randomseed(7 + tid)
end

function request()
  counter = counter + 1
  local who = math.random(0, customers - 1)
  local body = string.format(
    '{"channel":"webform","external_id":"%s-%d-%d","sender":{"name":"Customer %d",' ..
    '"identities":[{"kind":"email","value":"c%d@bench.example.com"}]},' ..
    '"subject":"Card blocked","body":"My card was blocked at an ATM this morning, can you help?"}',
    run, tid, counter, who, who)
  local headers = {}
  headers["Authorization"] = "Bearer " .. token
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end
