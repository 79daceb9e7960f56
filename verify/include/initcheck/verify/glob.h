// File: initcheck/verify/glob.h
//
// Shell-style glob matching for tensor names (initcheck check --rule), as
// fnmatch(3) without flags: '*' any run of characters (including '.' and
// '/'), '?' one character, '[abc]', '[a-z]', '[!a-z]' or '[^a-z]' a class,
// '\x' a literal x. A malformed pattern (unterminated class, trailing
// backslash) throws initcheck::Error. Matching is iterative with
// backtracking limited to the last '*', so it takes O(|pattern| |name|) time.
#ifndef INITCHECK_VERIFY_GLOB_H_
#define INITCHECK_VERIFY_GLOB_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace initcheck::verify {

// Throws Error if `pattern` is malformed.
void validate_glob(std::string_view pattern);
bool glob_match(std::string_view pattern, std::string_view name);

// A --rule 'GLOB=SCHEME': split at the first '=' that is not inside
// brackets or escaped; throws Error naming the rule if either side is empty
// or the glob is malformed. The scheme text is returned unparsed.
std::pair<std::string, std::string> parse_rule(std::string_view rule);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_GLOB_H_
