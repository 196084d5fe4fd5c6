-- Replays a request file written by bench/scenarios.py (method \t path \t version \t body, one a line).
-- Arguments after `--`: the file and the number of wrk threads.  Thread t takes lines t, t+T, t+2T, … in
-- order, so two threads never send the same line; a one-line file is formatted once and sent as is.
-- done() prints one line `BENCH_JSON {...}` that bench/driver.py parses.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local requests = {}
local count = 0
local i = 1
local base = {}
local fixed = nil

local function build(r)
   local h = {}
   for k, v in pairs(base) do h[k] = v end
   if r[3] ~= "" then h["x-lk-resource-version"] = r[3] end
   local body = nil
   if r[4] ~= "" then
      body = r[4]
      h["Content-Type"] = "application/json"
   end
   return wrk.format(r[1], r[2], h, body)
end

function init(args)
   local path = args[1]
   local nthreads = tonumber(args[2])
   for k, v in pairs(wrk.headers) do base[k] = v end
   local n = 0
   local total = 0
   for line in io.lines(path) do
      if n % nthreads == tid or total == 0 then
         local m, p, v, b = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
         if n % nthreads == tid then
            table.insert(requests, {m, p, v, b})
         else
            first = {m, p, v, b}
         end
      end
      n = n + 1
      total = total + 1
   end
   -- Fewer lines than threads: this thread repeats the first line.
   if #requests == 0 then table.insert(requests, first) end
   count = #requests
   if count == 1 then fixed = build(requests[1]) end
end

function request()
   if fixed then return fixed end
   local r = requests[i]
   i = i + 1
   if i > count then i = 1 end
   return build(r)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
