// Expressions over tensor shapes (see initcheck/verify/expr.h): a tokenizer,
// a recursive-descent parser that types every node, and an evaluator.
#include "initcheck/verify/expr.h"

#include <cctype>
#include <limits>
#include <optional>

#include "initcheck/error.h"
#include "initcheck/internal/text.h"

using initcheck::internal::printable;

namespace initcheck::verify {

// ---- templates ---------------------------------------------------------------

namespace {

std::size_t LastSep(std::string_view s) {
  const std::size_t a = s.rfind('.'), b = s.rfind('/');
  if (a == std::string_view::npos) return b;
  if (b == std::string_view::npos) return a;
  return std::max(a, b);
}

std::string_view Prefix(std::string_view s) {
  const std::size_t k = LastSep(s);
  return k == std::string_view::npos ? std::string_view() : s.substr(0, k);
}

std::string_view Leaf(std::string_view s) {
  const std::size_t k = LastSep(s);
  return k == std::string_view::npos ? s : s.substr(k + 1);
}

// Expands (name != nullptr) or only validates (name == nullptr).
std::string Expand(std::string_view t, const std::string_view* name) {
  std::string out;
  const auto bad = [&](const std::string& why) {
    return Error("bad name template '" + internal::printable(t, 80) + "': " + why +
                 " (placeholders: {name}, {prefix}, {parent}, {leaf})");
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '{' && i + 1 < t.size() && t[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < t.size() && t[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '}') {
      throw bad("unmatched '}'");
    } else if (c == '{') {
      const std::size_t close = t.find('}', i);
      if (close == std::string_view::npos) throw bad("unclosed '{'");
      const std::string_view key = t.substr(i + 1, close - i - 1);
      std::string_view value;
      if (key == "name") {
        if (name) value = *name;
      } else if (key == "prefix") {
        if (name) value = Prefix(*name);
      } else if (key == "parent") {
        if (name) value = Prefix(Prefix(*name));
      } else if (key == "leaf") {
        if (name) value = Leaf(*name);
      } else {
        throw bad("unknown placeholder '{" + internal::printable(key, 40) + "}'");
      }
      out += value;
      i = close;
      // An empty expansion drops the separator that follows it.
      if (name && value.empty() && i + 1 < t.size() && (t[i + 1] == '.' || t[i + 1] == '/')) ++i;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string expand_template(std::string_view tmpl, std::string_view name) {
  return Expand(tmpl, &name);
}

void validate_template(std::string_view tmpl) { (void)Expand(tmpl, nullptr); }

// ---- nodes -------------------------------------------------------------------

struct Expr::Node {
  enum class Op {
    kInt, kBool, kRank, kNumel, kShape, kExists, kIndex, kNeg, kNot,
    kAdd, kSub, kMul, kDiv, kMod, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr,
  };
  Op op = Op::kInt;
  Type type = Type::kInt;
  int64_t value = 0;     // kInt, kBool
  std::string tmpl;      // kRank/kNumel/kShape/kExists: another tensor; "" = self
  bool other = false;    // a template was given
  std::shared_ptr<const Node> a, b;
};

namespace {

using Node = Expr::Node;
using Op = Node::Op;
using Type = Expr::Type;

const char* TypeName(Type t) {
  switch (t) {
    case Type::kInt:
      return "an integer";
    case Type::kBool:
      return "a boolean";
    case Type::kShape:
      return "a shape";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::shared_ptr<const Node> Parse() {
    auto n = Or();
    Space();
    if (pos_ < s_.size()) Fail("unexpected '" + std::string(1, s_[pos_]) + "'");
    return n;
  }

  [[noreturn]] void Fail(const std::string& why) const { FailAt(why, pos_); }
  [[noreturn]] void FailAt(const std::string& why, std::size_t at) const {
    throw Error("bad expression '" + internal::printable(s_, 100) + "': " + why +
                " at character " + std::to_string(at + 1));
  }

 private:
  void Space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(std::string_view tok) {
    Space();
    if (s_.substr(pos_, tok.size()) != tok) return false;
    // A word operator must not be the start of a longer word.
    if (std::isalpha(static_cast<unsigned char>(tok[0])) && pos_ + tok.size() < s_.size()) {
      const char next = s_[pos_ + tok.size()];
      if (std::isalnum(static_cast<unsigned char>(next)) || next == '_') return false;
    }
    pos_ += tok.size();
    return true;
  }
  void Expect(std::string_view tok) {
    if (!Eat(tok)) Fail("expected '" + std::string(tok) + "'");
  }

  static std::shared_ptr<Node> Make(Op op, Type type) {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->type = type;
    return n;
  }
  std::shared_ptr<const Node> Binary(Op op, Type type, std::shared_ptr<const Node> a,
                                     std::shared_ptr<const Node> b) {
    auto n = Make(op, type);
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }
  void Want(const std::shared_ptr<const Node>& n, Type t, std::size_t at, const char* what) {
    if (n->type != t) {
      FailAt(std::string(what) + " needs " + TypeName(t) + ", got " + TypeName(n->type), at);
    }
  }

  std::shared_ptr<const Node> Or() {
    Space();
    std::size_t at = pos_;
    auto a = And();
    while (true) {
      Space();
      const std::size_t op_at = pos_;
      if (!Eat("||") && !Eat("or")) return a;
      Want(a, Type::kBool, at, "'||'");
      at = pos_;
      auto b = And();
      Want(b, Type::kBool, op_at, "'||'");
      a = Binary(Op::kOr, Type::kBool, a, b);
    }
  }
  std::shared_ptr<const Node> And() {
    Space();
    std::size_t at = pos_;
    auto a = Not();
    while (true) {
      Space();
      const std::size_t op_at = pos_;
      if (!Eat("&&") && !Eat("and")) return a;
      Want(a, Type::kBool, at, "'&&'");
      at = pos_;
      auto b = Not();
      Want(b, Type::kBool, op_at, "'&&'");
      a = Binary(Op::kAnd, Type::kBool, a, b);
    }
  }
  std::shared_ptr<const Node> Not() {
    Space();
    const std::size_t at = pos_;
    if ((s_.substr(pos_, 1) == "!" && s_.substr(pos_, 2) != "!=" && Eat("!")) || Eat("not")) {
      auto a = Not();
      Want(a, Type::kBool, at, "'!'");
      auto n = Make(Op::kNot, Type::kBool);
      n->a = a;
      return n;
    }
    return Compare();
  }
  std::shared_ptr<const Node> Compare() {
    Space();
    const std::size_t at = pos_;
    auto a = Sum();
    Space();
    const std::size_t op_at = pos_;
    static const std::pair<const char*, Op> kOps[] = {
        {"==", Op::kEq}, {"!=", Op::kNe}, {"<=", Op::kLe},
        {">=", Op::kGe}, {"<", Op::kLt},  {">", Op::kGt}};
    for (const auto& [tok, op] : kOps) {
      if (!Eat(tok)) continue;
      auto b = Sum();
      if (op == Op::kEq || op == Op::kNe) {
        if (a->type == Type::kBool) FailAt("cannot compare booleans with " + std::string(tok), at);
        if (a->type != b->type) {
          FailAt(std::string("'") + tok + "' compares " + TypeName(a->type) + " with " +
                     TypeName(b->type),
                 op_at);
        }
      } else {
        Want(a, Type::kInt, at, tok);
        Want(b, Type::kInt, op_at, tok);
      }
      return Binary(op, Type::kBool, a, b);
    }
    return a;
  }
  std::shared_ptr<const Node> Sum() {
    Space();
    const std::size_t at = pos_;
    auto a = Product();
    while (true) {
      Space();
      const std::size_t op_at = pos_;
      Op op;
      if (Eat("+")) {
        op = Op::kAdd;
      } else if (s_.substr(pos_, 1) == "-" && Eat("-")) {
        op = Op::kSub;
      } else {
        return a;
      }
      Want(a, Type::kInt, at, op == Op::kAdd ? "'+'" : "'-'");
      auto b = Product();
      Want(b, Type::kInt, op_at, op == Op::kAdd ? "'+'" : "'-'");
      a = Binary(op, Type::kInt, a, b);
    }
  }
  std::shared_ptr<const Node> Product() {
    Space();
    const std::size_t at = pos_;
    auto a = Unary();
    while (true) {
      Space();
      const std::size_t op_at = pos_;
      Op op;
      if (Eat("*")) {
        op = Op::kMul;
      } else if (Eat("/")) {
        op = Op::kDiv;
      } else if (Eat("%")) {
        op = Op::kMod;
      } else {
        return a;
      }
      Want(a, Type::kInt, at, "arithmetic");
      auto b = Unary();
      Want(b, Type::kInt, op_at, "arithmetic");
      a = Binary(op, Type::kInt, a, b);
    }
  }
  std::shared_ptr<const Node> Unary() {
    Space();
    const std::size_t at = pos_;
    if (Eat("-")) {
      auto a = Unary();
      Want(a, Type::kInt, at, "'-'");
      auto n = Make(Op::kNeg, Type::kInt);
      n->a = a;
      return n;
    }
    return Postfix();
  }
  std::shared_ptr<const Node> Postfix() {
    auto a = Atom();
    while (true) {
      Space();
      const std::size_t at = pos_;
      if (!Eat("[")) return a;
      if (a->type != Type::kShape) FailAt("only a shape can be indexed", at);
      auto i = Or();
      Want(i, Type::kInt, at, "an index");
      Expect("]");
      a = Binary(Op::kIndex, Type::kInt, a, i);
    }
  }
  std::string QuotedString() {
    Space();
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
      Fail("expected a quoted tensor name template such as \"{prefix}.weight\"");
    }
    const char q = s_[pos_++];
    const std::size_t end = s_.find(q, pos_);
    if (end == std::string_view::npos) Fail("unterminated string");
    std::string t(s_.substr(pos_, end - pos_));
    try {
      validate_template(t);
    } catch (const Error& e) {
      FailAt(e.what(), pos_);
    }
    pos_ = end + 1;
    return t;
  }
  std::shared_ptr<const Node> Atom() {
    Space();
    if (pos_ >= s_.size()) Fail("expected a number, a name or '('");
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      auto n = Or();
      Expect(")");
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      int64_t v = 0;
      const std::size_t start = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        const int d = s_[pos_] - '0';
        if (v > (std::numeric_limits<int64_t>::max() - d) / 10) FailAt("number too large", start);
        v = v * 10 + d;
        ++pos_;
      }
      auto n = Make(Op::kInt, Type::kInt);
      n->value = v;
      return n;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
        ++pos_;
      }
      const std::string word(s_.substr(start, pos_ - start));
      if (word == "true" || word == "false") {
        auto n = Make(Op::kBool, Type::kBool);
        n->value = word == "true";
        return n;
      }
      Op op;
      Type type;
      if (word == "rank") {
        op = Op::kRank;
        type = Type::kInt;
      } else if (word == "numel") {
        op = Op::kNumel;
        type = Type::kInt;
      } else if (word == "shape") {
        op = Op::kShape;
        type = Type::kShape;
      } else if (word == "exists") {
        op = Op::kExists;
        type = Type::kBool;
      } else {
        FailAt("unknown name '" + internal::printable(word, 40) +
                   "' (names: rank, numel, shape, exists, true, false)",
               start);
      }
      auto n = Make(op, type);
      Space();
      if (Eat("(")) {
        n->tmpl = QuotedString();
        n->other = true;
        Expect(")");
      } else if (op == Op::kExists) {
        Fail("exists needs a tensor name: exists(\"{prefix}.bias\")");
      }
      return n;
    }
    Fail("expected a number, a name or '('");
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// The expression as it may appear in a one-line message.
std::string Q(const std::string& text) { return "'" + printable(text, 100) + "'"; }

int64_t Checked(__int128 v, const std::string& text) {
  if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min()) {
    throw Error(Q(text) + " overflows 64-bit integers");
  }
  return static_cast<int64_t>(v);
}

struct Value {
  int64_t i = 0;
  Shape shape;
};

const Shape& ShapeOf(const Node& n, const ExprEnv& env, const std::string& text) {
  if (!n.other) return env.shape;
  const std::string name = expand_template(n.tmpl, env.name);
  const Shape* s = env.lookup ? env.lookup(name) : nullptr;
  if (s == nullptr) {
    throw Error(Q(text) + ": no tensor '" + printable(name, 80) +
                "' (guard it with exists(\"" + printable(n.tmpl, 80) + "\"))");
  }
  return *s;
}

Value Eval(const Node& n, const ExprEnv& env, const std::string& text) {
  Value v;
  switch (n.op) {
    case Op::kInt:
    case Op::kBool:
      v.i = n.value;
      return v;
    case Op::kRank:
      v.i = static_cast<int64_t>(ShapeOf(n, env, text).size());
      return v;
    case Op::kNumel:
      v.i = shape_numel(ShapeOf(n, env, text));
      return v;
    case Op::kShape:
      v.shape = ShapeOf(n, env, text);
      return v;
    case Op::kExists: {
      const std::string name = expand_template(n.tmpl, env.name);
      v.i = env.lookup && env.lookup(name) != nullptr;
      return v;
    }
    case Op::kIndex: {
      const Value s = Eval(*n.a, env, text);
      const int64_t i = Eval(*n.b, env, text).i;
      const int64_t r = static_cast<int64_t>(s.shape.size());
      const int64_t k = i < 0 ? r + i : i;
      if (k < 0 || k >= r) {
        throw Error(Q(text) + ": index " + std::to_string(i) + " is out of range for shape " +
                    shape_string(s.shape));
      }
      v.i = s.shape[static_cast<std::size_t>(k)];
      return v;
    }
    case Op::kNeg:
      v.i = Checked(-static_cast<__int128>(Eval(*n.a, env, text).i), text);
      return v;
    case Op::kNot:
      v.i = !Eval(*n.a, env, text).i;
      return v;
    case Op::kAnd:
      v.i = Eval(*n.a, env, text).i && Eval(*n.b, env, text).i;
      return v;
    case Op::kOr:
      v.i = Eval(*n.a, env, text).i || Eval(*n.b, env, text).i;
      return v;
    case Op::kEq:
    case Op::kNe: {
      const Value a = Eval(*n.a, env, text), b = Eval(*n.b, env, text);
      const bool eq = n.a->type == Type::kShape ? a.shape == b.shape : a.i == b.i;
      v.i = n.op == Op::kEq ? eq : !eq;
      return v;
    }
    default:
      break;
  }
  const int64_t a = Eval(*n.a, env, text).i, b = Eval(*n.b, env, text).i;
  switch (n.op) {
    case Op::kAdd:
      v.i = Checked(static_cast<__int128>(a) + b, text);
      break;
    case Op::kSub:
      v.i = Checked(static_cast<__int128>(a) - b, text);
      break;
    case Op::kMul:
      v.i = Checked(static_cast<__int128>(a) * b, text);
      break;
    case Op::kDiv:
    case Op::kMod:
      if (b == 0) throw Error(Q(text) + ": division by zero");
      if (n.op == Op::kDiv && a % b != 0) {
        throw Error(Q(text) + ": " + std::to_string(a) + " / " + std::to_string(b) +
                    " is not a whole number");
      }
      v.i = Checked(n.op == Op::kDiv ? static_cast<__int128>(a) / b : static_cast<__int128>(a) % b,
                    text);
      break;
    case Op::kLt:
      v.i = a < b;
      break;
    case Op::kLe:
      v.i = a <= b;
      break;
    case Op::kGt:
      v.i = a > b;
      break;
    case Op::kGe:
      v.i = a >= b;
      break;
    default:
      break;
  }
  return v;
}

}  // namespace

Expr Expr::parse(std::string_view text, Type want) {
  Parser p(text);
  Expr e;
  e.text_ = std::string(text);
  e.root_ = p.Parse();
  if (e.root_->type != want) {
    throw Error("bad expression '" + internal::printable(text, 100) + "': it is " +
                TypeName(e.root_->type) + ", expected " + TypeName(want));
  }
  return e;
}

Expr Expr::number(int64_t value) {
  Expr e;
  e.text_ = std::to_string(value);
  auto n = std::make_shared<Node>();
  n->op = Op::kInt;
  n->type = Type::kInt;
  n->value = value;
  e.root_ = n;
  return e;
}

Expr::Type Expr::type() const { return root_->type; }

int64_t Expr::eval_int(const ExprEnv& env) const {
  if (root_->type != Type::kInt) throw Error(Q(text_) + " is not an integer expression");
  return Eval(*root_, env, text_).i;
}

bool Expr::eval_bool(const ExprEnv& env) const {
  if (root_->type != Type::kBool) throw Error(Q(text_) + " is not a condition");
  return Eval(*root_, env, text_).i != 0;
}

bool Expr::is_literal(int64_t* value) const {
  if (root_->op != Op::kInt) return false;
  if (value) *value = root_->value;
  return true;
}

}  // namespace initcheck::verify
