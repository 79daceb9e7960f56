// File: initcheck/verify/expr.h
//
// Expressions over tensor shapes, as rules use them (rules.h): conditions
// (`when`), fans (`fan_in`, `fan_out`) and segment lengths. Small, typed and
// checked when parsed, so a rule file's mistakes are reported with their
// position before any tensor is looked at.
//
// Syntax:
//   42, true, false                  integer and boolean literals
//   rank, numel, shape, shape[i]     the tensor the rule is matching (shape is
//                                    a list; i may be negative: shape[-1])
//   exists("T"), rank("T"),          another tensor of the checkpoint, named
//   numel("T"), shape("T"),          by a template (' or " quotes; see below)
//   shape("T")[i]
//   + - * / %                        integers (/ must divide exactly: 130/4 is
//                                    an error, not 32)
//   == != < <= > >=                  integers; == and != also compare shapes
//   && || !  (also and, or, not)     booleans, short-circuit
//   ( )
// Templates name other tensors relative to the one being matched, whose
// name is split at its last '.' or '/':
//   {name}    the whole name            encoder.layer.0.dense.bias
//   {prefix}  all but the last part     encoder.layer.0.dense
//   {parent}  all but the last two      encoder.layer.0
//   {leaf}    the last part             bias
// A placeholder that is empty drops the separator after it, so "{prefix}.weight"
// of a top-level "bias" is "weight". "{{" and "}}" are literal braces.
//
// Evaluation errors (a tensor that does not exist, an index out of range, a
// division that is not exact, an overflow) throw Error; conditions guard
// them with exists(...) and short-circuit: exists("{prefix}.bias") &&
// numel("{prefix}.bias") == shape[0].
#ifndef INITCHECK_VERIFY_EXPR_H_
#define INITCHECK_VERIFY_EXPR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/geometry.h"

namespace initcheck::verify {

// Expands {name}, {prefix}, {parent}, {leaf} for the tensor `name`. Throws
// Error for an unknown placeholder or an unbalanced brace.
std::string expand_template(std::string_view tmpl, std::string_view name);
// Throws Error if `tmpl` is not a valid template (the checks of
// expand_template, without a name).
void validate_template(std::string_view tmpl);

// What an expression sees: the tensor being matched and a way to look up
// the others.
struct ExprEnv {
  std::string name;
  Shape shape;
  // The shape of the tensor called `name`, or nullptr if there is none.
  std::function<const Shape*(const std::string& name)> lookup;
};

class Expr {
 public:
  enum class Type { kInt, kBool, kShape };

  // Parses `text`, which must have type `want`. Throws Error ("bad
  // expression '...': ... at character N").
  static Expr parse(std::string_view text, Type want);
  // An integer literal.
  static Expr number(int64_t value);

  const std::string& text() const { return text_; }
  Type type() const;
  int64_t eval_int(const ExprEnv& env) const;
  bool eval_bool(const ExprEnv& env) const;
  // True for a plain integer literal (its value in *value).
  bool is_literal(int64_t* value = nullptr) const;

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_EXPR_H_
