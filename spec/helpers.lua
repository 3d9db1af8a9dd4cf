-- Shared helpers for the specs: paths, the seeds, and the conformance data.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/?.so;" .. package.cpath

local H = {}

H.seeds = {
  ris = "seeds/000_c04e369ec0044b4a.txt",
  landing = "seeds/001_3e999c39419c71d7.txt",
  portal = "seeds/002_67ec986dd3c5cf05.txt",
  brief = "seeds/003_baa748464e6c1e5a.txt",
  report = "seeds/004_0f95950489b5cb3b.txt",
}

function H.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

--- The conformance folder (../shared/conformance beside the checkout), or nil.
function H.conformance()
  for _, p in ipairs { "../shared/conformance", "/work/shared/conformance" } do
    local f = io.open(p .. "/README.md", "r")
    if f then f:close(); return p end
  end
  return nil
end

--- A file of ../shared (beside the checkout, as CI has it), or nil.
function H.shared(rel)
  for _, p in ipairs { "../shared/", "/work/shared/" } do
    local f = io.open(p .. rel, "rb")
    if f then f:close(); return p .. rel end
  end
  return nil
end

--- Runs bin/qualua with args; returns exit code, stdout, stderr.
function H.qualua(args)
  local out, err = os.tmpname(), os.tmpname()
  local ok, _, code = os.execute("lua5.4 bin/qualua " .. args .. " >" .. out .. " 2>" .. err)
  local o, e = H.read_file(out), H.read_file(err)
  os.remove(out); os.remove(err)
  return ok and 0 or code, o, e
end

return H
