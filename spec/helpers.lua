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

--- A fresh temporary file name ending in ext (nothing is created).
function H.tmpname(ext)
  local n = os.tmpname()
  os.remove(n)
  return n .. (ext or "")
end

--- A fresh temporary directory (the caller removes it).
function H.tmpdir()
  local d = H.tmpname()
  assert(os.execute("mkdir -p '" .. d .. "'"))
  return d
end

function H.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

function H.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

--- Whether a command is on the PATH.
function H.have(cmd) return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true end

--- The blocks of doc (of one kind, or all) as a list of spans.
function H.blocks(doc, kind)
  local out = {}
  for _, b in doc:iter("block", kind) do out[#out + 1] = b end
  return out
end

--- The conformance folder (../shared/conformance beside the checkout), or nil.
function H.conformance()
  for _, p in ipairs { "../shared/conformance", "/work/shared/conformance" } do
    local f = io.open(p .. "/README.md", "r")
    if f then f:close(); return p end
  end
  return nil
end

-- What a test needs is there, or the test fails saying what is missing:
-- `make deps` installs every tool, and CI has ../shared beside the
-- checkout, so nothing is skipped quietly.

--- Fails the running test unless cmd is on the PATH.
function H.need(cmd)
  assert(H.have(cmd), cmd .. " is not installed (`make deps` installs it)")
end

--- The conformance folder; fails the running test when it is missing.
function H.need_conformance()
  return assert(H.conformance(), "../shared/conformance is missing: the conformance tests need it beside the checkout")
end

--- A file of ../shared; fails the running test when it is missing.
function H.need_shared(rel)
  return assert(H.shared(rel), "../shared/" .. rel .. " is missing: the test needs it beside the checkout")
end

--- A REFI-QDA schema of the conformance data, as a temporary file to give
-- xmllint.  The published schemas (as copied from QualCoder) carry typos
-- that stop any parser: U+2010 hyphens in comment delimiters and missing
-- spaces between attributes.  Only those are repaired.
function H.refi_schema(name)
  H.need("xmllint")
  local xsd = H.read_file(H.need_conformance() .. "/refi-qda/" .. name)
    :gsub("\226\128\144", "-"):gsub('"type=', '" type='):gsub('"minOccurs=', '" minOccurs=')
  local p = H.tmpname(".xsd")
  H.write_file(p, xsd)
  return p
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
