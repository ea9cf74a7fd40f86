-- Each request to the next address of a list, for bench/load.py: `wrk ... -s wrk_paths.lua
-- URL -- FILE`, FILE holding one path a line. Thread n of N starts n/N of the way down the
-- list, so no address is asked for twice until the threads have gone through it all.
-- The summary is wrk.lua's.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "wrk.lua")

local started = 0

setup = function(thread)
  thread:set("number", started)
  started = started + 1
end

local paths = {}
local next_index = 1

init = function(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(paths, line) end
  end
  local count = tonumber(args[2]) or 1
  next_index = math.floor(#paths * number / count) + 1
end

request = function()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format(nil, path)
end
