// Regression tests for the bugs the glob fuzz target found in verify/src/
// glob.cc (the inputs are under regressions/glob/).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "initcheck/error.h"
#include "initcheck/verify/glob.h"

namespace initcheck::verify {
namespace {

std::string MessageOf(void (*f)()) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// regressions/glob/rule_split_inside_class_with_leading_bracket: parse_rule
// tracked brackets by hand and took the ']' right after '[' as the end of
// the class, so it split '[]=]x=normal' inside the class ("glob '[]' has an
// unterminated '['"). It now skips classes with the matcher's own syntax.
TEST(GlobRegression, RuleSplitSkipsClassesWithALeadingBracket) {
  using Rule = std::pair<std::string, std::string>;
  EXPECT_EQ(parse_rule("[]=]x=normal"), (Rule{"[]=]x", "normal"}));
  EXPECT_EQ(parse_rule("[!]=]*=zeros"), (Rule{"[!]=]*", "zeros"}));
  EXPECT_EQ(parse_rule("a[=]b=ones"), (Rule{"a[=]b", "ones"}));
  EXPECT_EQ(parse_rule("a\\=b=ones"), (Rule{"a\\=b", "ones"}));
  EXPECT_TRUE(glob_match("[]=]x", "=x"));
  EXPECT_TRUE(glob_match("[]=]x", "]x"));
  // Unchanged: after an unterminated '[' no '=' splits the rule.
  EXPECT_EQ(MessageOf([] {
              (void)parse_rule("enc[=normal");
            }).rfind("bad rule 'enc[=normal'", 0),
            0u);
}

// regressions/glob/class_range_to_byte_ff_signed_char: class ranges compared
// plain (signed) chars, so [a-\xff] matched nothing and [\x80-z] every ASCII
// letter. Bytes now compare as unsigned, as fnmatch does in the C locale.
TEST(GlobRegression, ClassRangesCompareBytesUnsigned) {
  EXPECT_TRUE(glob_match("[a-\xff]*", "b.x"));
  EXPECT_TRUE(glob_match("[a-\xff]", "\xe9"));
  EXPECT_FALSE(glob_match("[a-\xff]", "A"));
  EXPECT_FALSE(glob_match("[\x80-\xff]", "a"));
  EXPECT_TRUE(glob_match("[\x80-\xff]", "\xc3"));
  EXPECT_TRUE(glob_match("[!\x80-\xff]", "a"));
}

// The CLI prints every Error on one line: a glob or rule holding a line
// break is quoted with the break escaped.
TEST(GlobRegression, ErrorMessagesAreOneLine) {
  for (auto f :
       {+[] { validate_glob("a\n["); }, +[] { validate_glob("x\r\\"); },
        +[] { (void)parse_rule("no\nequals"); },
        +[] { (void)parse_rule("a\n[=b"); }}) {
    const std::string m = MessageOf(f);
    EXPECT_NE(m, "<no error>");
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.find('\r'), std::string::npos) << m;
  }
  EXPECT_EQ(MessageOf([] { validate_glob("a\n["); }),
            "glob 'a\\n[' has an unterminated '['");
}

}  // namespace
}  // namespace initcheck::verify
