// Fuzz target: the shape expressions of rules (Expr::parse, evaluation) and
// name templates (expand_template).
//
// The input is split at its first NUL byte into an expression and a tensor
// name (no NUL: the name "lstm.weight_ih_l0").
//
// Invariants checked for every input:
//   - only initcheck::Error escapes, with a one-line message;
//   - an expression parses as at most one of integer, boolean and shape, and
//     keeps its text;
//   - evaluation over a fixed model either gives a value or throws Error
//     (missing tensors, out-of-range indices, inexact division, overflow),
//     the same way twice;
//   - expand_template accepts exactly what validate_template accepts.
#include <string>

#include "fake_checkpoint.h"
#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/verify/expr.h"

namespace verify = initcheck::verify;

namespace {

template <class F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const initcheck::Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    return e.what();
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const initcheck::fuzz::FakeCheckpoint ck;
  const std::string_view in = initcheck::fuzz::AsText(data, size);
  const std::size_t nul = in.find('\0');
  const std::string text(in.substr(0, nul));
  const std::string name =
      nul == std::string_view::npos ? "lstm.weight_ih_l0" : std::string(in.substr(nul + 1));

  verify::ExprEnv env;
  env.name = name;
  if (const auto i = ck.find(name)) env.shape = ck.entries()[*i].shape;
  env.lookup = [](const std::string& n) -> const initcheck::Shape* {
    const auto i = ck.find(n);
    return i ? &ck.entries()[*i].shape : nullptr;
  };
  int parsed = 0;
  for (auto type : {verify::Expr::Type::kInt, verify::Expr::Type::kBool,
                    verify::Expr::Type::kShape}) {
    std::optional<verify::Expr> e;
    (void)ErrorOf([&] { e = verify::Expr::parse(text, type); });
    if (!e) continue;
    ++parsed;
    INITCHECK_FUZZ_CHECK(e->text() == text, text);
    INITCHECK_FUZZ_CHECK(e->type() == type, text);
    if (type == verify::Expr::Type::kShape) continue;
    int64_t v1 = 0, v2 = 0;
    const auto eval = [&](int64_t& out) {
      out = type == verify::Expr::Type::kInt ? e->eval_int(env) : e->eval_bool(env);
    };
    const std::string e1 = ErrorOf([&] { eval(v1); });
    const std::string e2 = ErrorOf([&] { eval(v2); });
    INITCHECK_FUZZ_CHECK(e1 == e2 && (!e1.empty() || v1 == v2), text);
  }
  INITCHECK_FUZZ_CHECK(parsed <= 1, text);
  const std::string bad_validate = ErrorOf([&] { verify::validate_template(text); });
  const std::string bad_expand = ErrorOf([&] { (void)verify::expand_template(text, name); });
  INITCHECK_FUZZ_CHECK(bad_validate.empty() == bad_expand.empty(),
                       text + ": " + bad_validate + " | " + bad_expand);
  return 0;
}
