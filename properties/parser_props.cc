// Parser properties: Scheme::parse over every valid spelling and every kind
// of invalid text, canonical printing, and the small text formats (shapes,
// dtypes, layouts, numbers) the tools read.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "generators.h"
#include "initcheck/dtype.h"
#include "initcheck/geometry.h"
#include "initcheck/scheme.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

// Scheme::parse(s.str()) == s and str() is a fixed point, for every valid
// scheme with extreme parameter values (subnormals, DBL_MAX, -0, 1e300).
// Catches a canonical form that loses digits (%g instead of shortest
// round-trip), prints a number the lexer cannot read back, or drops a
// parameter.
RC_GTEST_PROP(ParserProperties, ParseOfStrRoundTrips, (const Scheme& s)) {
  RC_TAG(s.name());
  const Scheme back = Scheme::parse(s.str());
  RC_ASSERT(back == s);
  RC_ASSERT(back.str() == s.str());
}

// Every accepted spelling (aliases kaiming_uniform_, HeNormal,
// torch.nn.init., keras.initializers., jax.nn.initializers. renames,
// positional and keyword arguments in any order, omitted defaults, sqrt(x),
// x / 4, -(x), quoted words, whitespace) parses to the scheme it means.
// Catches an alias mapped to the wrong scheme (JAX kaiming_normal is the
// truncated he_normal), positional arguments bound out of order, a default
// that differs from the documented one.
RC_GTEST_PROP(ParserProperties, EverySpellingParsesToItsMeaning,
              (const SchemeText& t)) {
  const Scheme got = Scheme::parse(t.text);
  const Scheme want = Scheme::parse(t.canonical);
  RC_TAG(got.name());
  RC_ASSERT(got == want);
  RC_ASSERT(got.str() == want.str());
}

// Every invalid text (unknown names and keys, values outside a scheme's
// domain, NaN/inf, syntax errors, forbidden and garbage bytes, truncation)
// makes Scheme::parse throw initcheck::Error with a non-empty one-line
// message: never a crash, another exception type, or an accepted scheme.
RC_GTEST_PROP(ParserProperties, InvalidTextIsAnErrorWithOneLineMessage,
              (const BadSchemeText& bad)) {
  RC_TAG(bad.why);
  std::string message;
  try {
    const Scheme s = Scheme::parse(bad.text);
    RC_FAIL("accepted as " + s.str());
  } catch (const Error& e) {
    message = e.what();
  }
  RC_LOG() << "message: " << message << "\n";
  RC_ASSERT(!message.empty());
  // Messages escape the input's control characters (the bug the property
  // found; Regression.ParseErrorEchoesLineBreaks).
  RC_CLASSIFY(bad.text.find_first_of("\n\r") != std::string::npos,
              "input with a line break");
  RC_ASSERT(OneLine(message));
}

// A number wrapped in up to 32 parentheses and unary signs (an even number
// of minus signs) parses to the same number. Guards the depth limit a fix
// for Regression.DeeplyNestedSchemeTextCrashesParser will add: it must not
// refuse reasonable nesting.
RC_GTEST_PROP(ParserProperties, ModerateNestingIsAccepted, ()) {
  const double v = *GenPositive(Range::kModerate).as("value");
  const auto depth = static_cast<std::size_t>(*GenInt(0, 32).as("depth"));
  std::string expr = format_number(v);
  for (std::size_t i = 0; i < depth; ++i) {
    const int form = static_cast<int>(*GenInt(0, 3));
    if (form == 0) expr = "(" + expr + ")";
    if (form == 1) expr = "+" + expr;
    if (form == 2) expr = "-(-" + expr + ")";
    if (form == 3) expr = "sqrt((" + expr + ")*(" + expr + "))";
    if (expr.size() > 100000) break;
  }
  const Scheme s = Scheme::parse("constant(value=" + expr + ")");
  RC_LOG() << expr << "\n";
  RC_ASSERT(RelClose(s.number("value"), v, 1e-13));
}

// format_number gives the shortest decimal that reads back (strtod) as
// exactly the same double, for any finite bit pattern. Catches printing with
// too few digits (the canonical text would change the scheme).
RC_GTEST_PROP(ParserProperties, FormatNumberRoundTrips, ()) {
  const double x =
      *rc::gen::weightedOneOf<double>(
           {{2,
             rc::gen::map(GenWord64(),
                          [](uint64_t b) { return std::bit_cast<double>(b); })},
            {1, GenReal(Range::kExtreme)}})
           .as("x");
  RC_PRE(std::isfinite(x));
  const std::string text = format_number(x);
  RC_ASSERT(std::strtod(text.c_str(), nullptr) == x);
  RC_ASSERT(text.find(' ') == std::string::npos);
}

// Shapes, dtypes, layouts and fan conventions print in a form their parser
// reads back: parse_shape(shape_string(s)) == s (also written "64x32x3x3"),
// parse_dtype(dtype_name(t)) == t, parse_layout(layout_name(l)) == l.
// Catches a printer/parser pair drifting apart (the CLI echoes these).
RC_GTEST_PROP(ParserProperties, NamesAndShapesRoundTrip,
              (DType t, Layout l, FanConvention c)) {
  const Shape s = *GenShape(1, 5).as("shape");
  RC_ASSERT(parse_shape(shape_string(s)) == s);
  std::string x_form;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) x_form += 'x';
    x_form += std::to_string(s[i]);
  }
  RC_ASSERT(parse_shape(x_form) == s);
  RC_ASSERT(parse_dtype(dtype_name(t)) == t);
  RC_ASSERT(parse_layout(layout_name(l)) == l);
  RC_ASSERT(parse_fan_convention(fan_convention_name(c)) == c);
}

// Text that is no shape (dims < 1, trailing separators, letters, empty,
// rank > 8) makes parse_shape throw initcheck::Error with a one-line message.
// Catches a zero or negative dim accepted (a tensor with no elements, fans
// of 0).
RC_GTEST_PROP(ParserProperties, InvalidShapeIsAnError, ()) {
  const Shape s = *GenShape(1, 5).as("shape");
  std::string text = shape_string(s);
  const int what = static_cast<int>(*GenInt(0, 5).as("defect"));
  switch (what) {
    case 0:
      text = "0," + text.substr(1, text.size() - 2);
      break;
    case 1:
      text = text.substr(1, text.size() - 2) + "," +
             std::to_string(*GenInt(-99, 0));
      break;
    case 2:
      text = text.substr(1, text.size() - 2) + ",";
      break;
    case 3:
      text = text.substr(1, text.size() - 2) + "x" + "a";
      break;
    case 4:
      text = *rc::gen::element<std::string>("", " ", "[]", "x", ",");
      break;
    default:
      text = "1,1,1,1,1,1,1,1,1";
      break;
  }
  RC_LOG() << "text: " << text << "\n";
  const auto r = Capture([&] { return parse_shape(text); });
  RC_ASSERT(r.threw);
  RC_ASSERT(OneLine(r.error));
}

}  // namespace
}  // namespace initcheck::props
