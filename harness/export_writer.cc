#include "harness/export_writer.h"

#include <cstdio>

#include "harness/export_runtime.h"
#include "harness/op.h"
#include "harness/status.h"

namespace mapfuzz {
namespace {

// Loads the runtime into a Python export: builds it with the C compiler,
// runs the script again with it preloaded, then declares its functions.
constexpr const char* kPythonLoader = R"py(
def _load_runtime():
    so = os.environ.get("REPRO_RUNTIME")
    if not so:
        work = tempfile.mkdtemp(prefix="repro-runtime-")
        src, so = os.path.join(work, "runtime.c"), os.path.join(work, "runtime.so")
        with open(src, "w") as out:
            out.write(RUNTIME_C)
        cc = os.environ.get("CC", "cc")
        try:
            subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl"], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            shutil.rmtree(work, ignore_errors=True)
            print("repro: cannot build the runtime with %s (set CC): %s" % (cc, e), file=sys.stderr)
            sys.exit(3)
        env = dict(os.environ, LD_PRELOAD=so, REPRO_RUNTIME=so)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    lib = ctypes.CDLL(so)
    shutil.rmtree(os.path.dirname(so), ignore_errors=True)  # mapped already
    os.environ.pop("LD_PRELOAD", None)
    u64, i, s = ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p
    for name, args in {
            "rt_init": [], "rt_step": [i, s], "rt_fault": [s, i, i, i], "rt_disarm": [],
            "rt_outside": [s, u64, u64, ctypes.c_uint, ctypes.c_uint, i], "rt_disk_setup": [],
            "rt_disk_full": [u64], "rt_outside_lock": [i, s, i, s, u64, u64], "rt_size_limit": [u64], "rt_drop_permission_override": [],
            "rt_call_begin": [], "rt_call_end": [], "rt_finish": [], "rt_inconclusive": [],
            "rt_expect_ok": [i], "rt_expect_fail": [i], "rt_expect_size": [i, u64, u64, u64],
            "rt_expect_file": [s], "rt_expect_read": [i, s, u64, u64, u64, s], "rt_expect_no_leak": [],
            "rt_expect_sync_backed": [i, u64, u64, u64, s], "rt_fill": [ctypes.c_uint, u64, s, u64]}.items():
        getattr(lib, name).argtypes = args
    lib.rt_path.restype = ctypes.c_char_p
    return lib


def rt_data(seed, offset, length):
    """The bytes mapfuzz writes with `seed` at file offset `offset`."""
    buf = ctypes.create_string_buffer(length or 1)
    rt.rt_fill(seed, offset, buf, length)
    return buf.raw[:length]


def rt_errno(e):
    """The errno of a failed call (as mapfuzz's python_mmap adapter maps exceptions)."""
    if isinstance(e, OSError):
        return e.errno or errno.EIO
    if isinstance(e, (ValueError, IndexError, OverflowError)):
        return errno.EINVAL
    if isinstance(e, MemoryError):
        return errno.ENOMEM
    return errno.EIO


rt = _load_runtime()
rt.rt_init()
path = rt.rt_path().decode()
rc = 0
)py";

std::string c_escape(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + args[i];
  return out;
}

}  // namespace

const char* export_language_name(ExportLanguage language) {
  return language == ExportLanguage::kPython ? "python" : "c";
}

ExportWriter::ExportWriter(ExportLanguage language, const Exporter& exporter)
    : language_(language), exporter_(exporter) {}

std::string ExportWriter::str(const std::string& s) const {
  return language_ == ExportLanguage::kPython ? "b" + c_escape(s) : c_escape(s);
}

std::string ExportWriter::num(uint64_t v) const {
  return std::to_string(v) + (language_ == ExportLanguage::kPython ? "" : "ull");
}

std::string ExportWriter::size_expr() const { return exporter_.size_expr; }

std::string ExportWriter::read_data() const { return language_ == ExportLanguage::kPython ? "got" : "rt_buf"; }

std::string ExportWriter::read_count() const {
  return language_ == ExportLanguage::kPython ? "len(got)" : "rt_got";
}

std::string ExportWriter::errno_arg(int code) const {
  const char* name = errno_name(code);
  const bool named = name && name[0] == 'E';
  if (!named) return std::to_string(code);
  return language_ == ExportLanguage::kPython ? std::string("errno.") + name : std::string(name);
}

void ExportWriter::note(const std::string& text) {
  body_.push_back((language_ == ExportLanguage::kPython ? "# " : "// ") + text);
}

void ExportWriter::call(const std::string& function, const std::vector<std::string>& args) {
  if (language_ == ExportLanguage::kPython) {
    body_.push_back("rt." + function + "(" + join(args) + ")");
  } else {
    body_.push_back(function + "(" + join(args) + ");");
  }
}

void ExportWriter::call_or_inconclusive(const std::string& function, const std::vector<std::string>& args) {
  if (language_ == ExportLanguage::kPython) {
    body_.push_back("if rt." + function + "(" + join(args) + ") != 0:\n    sys.exit(rt.rt_inconclusive())");
  } else {
    body_.push_back("if (" + function + "(" + join(args) + ") != 0) return rt_inconclusive();");
  }
}

void ExportWriter::call_if(bool when_failed, const std::string& function, const std::vector<std::string>& args) {
  if (language_ == ExportLanguage::kPython) {
    body_.push_back(std::string("if rc ") + (when_failed ? "!=" : "==") + " 0:\n    rt." + function + "(" +
                    join(args) + ")");
  } else {
    body_.push_back(std::string("if (rc ") + (when_failed ? "!=" : "==") + " 0) " + function + "(" + join(args) +
                    ");");
  }
}

std::string ExportWriter::indent(const std::vector<std::string>& statements) const {
  std::string out;
  for (const std::string& s : statements) {
    std::string line = "    ";
    for (char c : s) {
      line += c;
      if (c == '\n') line += "    ";
    }
    out += line + "\n";
  }
  return out;
}

void ExportWriter::begin_step(uint32_t index, const std::string& text) {
  pending_.clear();
  said_.clear();
  on_failure_.clear();
  const std::string comment = (language_ == ExportLanguage::kPython ? "# step " : "// step ") + std::to_string(index) + ": " + text;
  const std::string step = language_ == ExportLanguage::kPython ? "rt.rt_step(" : "rt_step(";
  pending_.push_back(comment);
  pending_.push_back(step + std::to_string(index) + ", " + str(text) + (language_ == ExportLanguage::kPython ? ")" : ");"));
}

std::vector<std::string> ExportWriter::step_lines() const {
  std::vector<std::string> lines = pending_;
  if (said_.empty()) {
    lines.push_back(language_ == ExportLanguage::kPython ? "# (the library made no call here)"
                                                         : "// (the library made no call here)");
  } else if (language_ == ExportLanguage::kPython) {
    lines.push_back("rc = 0\nrt.rt_call_begin()\ntry:\n" + indent(said_) +
                    "except Exception as e:\n    rc = rt_errno(e)\n" + indent(on_failure_) + "rt.rt_call_end()");
  } else {
    std::string block = "rc = 0;\nrt_call_begin();\n";
    for (size_t i = 0; i < said_.size(); ++i) block += (i ? "if (rc == 0) " : "") + said_[i] + "\n";
    for (const std::string& s : on_failure_) block += "if (rc != 0) " + s + "\n";
    lines.push_back(block + "rt_call_end();");
  }
  return lines;
}

void ExportWriter::say(std::string statement) {
  said_.push_back(std::move(statement));
  if (!crash_sink_ || pending_.empty()) return;
  std::vector<std::string> body = body_;
  for (std::string& line : step_lines()) body.push_back(std::move(line));
  const char* why =
      "mapfuzz's replay died in this call (a signal, or a sanitizer's report: see it). A correct library "
      "returns here; the runtime reports a SIGSEGV or SIGBUS as the bug (a memory error that does not fault "
      "shows only in a build with -fsanitize=address).";
  body.push_back((language_ == ExportLanguage::kPython ? "# " : "// ") + std::string(why));
  crash_sink_(render(crash_header_, body));
}

void ExportWriter::end_step() {
  if (pending_.empty()) return;
  for (std::string& line : step_lines()) body_.push_back(std::move(line));
  pending_.clear();
  said_.clear();
  on_failure_.clear();
}

void ExportWriter::skip_step(const std::string& why) {
  if (pending_.empty()) return;
  body_.push_back(pending_.front() + " (mapfuzz skipped it: " + why + ")");
  pending_.clear();
  said_.clear();
  on_failure_.clear();
}

void ExportWriter::fill(uint8_t seed, uint64_t offset, uint64_t length) {
  const std::string args = std::to_string(seed) + ", " + num(offset) + ", ";
  std::vector<std::string>& to = pending_.empty() ? body_ : pending_;
  if (language_ == ExportLanguage::kPython) {
    to.push_back("data = rt_data(" + args + num(length) + ")");
  } else {
    to.push_back("rt_fill(" + args + "rt_buf, " + num(length) + ");");
  }
}

void ExportWriter::destroy() {
  if (*exporter_.destroy) body_.push_back(exporter_.destroy);
}

std::string ExportWriter::render(const std::vector<std::string>& header, const std::vector<std::string>& body) const {
  const bool py = language_ == ExportLanguage::kPython;
  std::string out;
  if (py) out += "#!/usr/bin/env python3\n";
  for (const std::string& h : header) out += (py ? "# " : "// ") + h + "\n";
  if (py) {
    out += "import ctypes\nimport errno\nimport os\nimport shutil\nimport subprocess\nimport sys\nimport tempfile\n";
    out += exporter_.prelude;
    out += "\nRUNTIME_C = r'''" + std::string(export_runtime_source()) + "'''\n";
    out += kPythonLoader;
    out += std::string(exporter_.declare) + "\n";
    for (const std::string& b : body) out += (b.rfind("# step", 0) == 0 ? "\n" : "") + b + "\n";
    out += "\nsys.exit(rt.rt_finish())\n";
    return out;
  }
  out += "\n";
  out += export_runtime_source();
  out += "\n";
  out += exporter_.prelude;
  out += "\nstatic uint8_t rt_buf[" + std::to_string(kMaxIoLength) + "];\nstatic uint64_t rt_got;\n\n";
  out += "int main() {\n  rt_init();\n  const char* path = rt_path();\n  int rc = 0;\n";
  out += "  " + std::string(exporter_.declare) + "\n";
  for (const std::string& b : body) {
    if (b.rfind("// step", 0) == 0) out += "\n";
    std::string line = "  ";
    for (char c : b) {
      line += c;
      if (c == '\n') line += "  ";
    }
    out += line + "\n";
  }
  out += "  (void)path;\n  (void)rc;\n  (void)rt_got;\n  return rt_finish();\n}\n";
  return out;
}

}  // namespace mapfuzz
