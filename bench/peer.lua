-- wrk script of bench/peer.py: cycles through the requests of the file named after `--`
-- (blocks of "METHOD PATH" and a one-line body, empty for none) and prints one JSON line of
-- results at the end, so the Python side need not parse wrk's text report.
local prepared = {}
local count = 0
local next_index = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  while true do
    local line = file:read("*l")
    if not line then break end
    local method, path = line:match("^(%S+) (%S+)$")
    local body = file:read("*l")
    if body == "" then body = nil end
    count = count + 1
    prepared[count] = wrk.format(method, path, nil, body)
  end
  file:close()
end

function request()
  next_index = next_index % count + 1
  return prepared[next_index]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
