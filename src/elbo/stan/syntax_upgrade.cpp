#include "elbo/stan/syntax_upgrade.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "elbo/core/error.hpp"

namespace elbo::stan {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// ---------------------------------------------------------------------------
// Tokens. Comments and whitespace are not tokens: the rewrite edits byte ranges
// of the original text, so everything it does not touch stays byte-identical.

enum class Kind { kIdentifier, kNumber, kString, kSymbol };

struct Token {
  Kind kind;
  std::string text;
  std::size_t begin, end;  // byte offsets in the program
  long line;
};

bool is_identifier_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::vector<Token> tokenize(const std::string& s) {
  // Longest first, so `.*=` is not read as `.*` `=`.
  static const char* const kSymbols[] = {"%/%", ".*=", "./=", "<-", "+=", "-=", "*=", "/=",
                                         "==",  "!=",  "<=",  ">=", "&&", "||", ".*", "./",
                                         ".^"};
  std::vector<Token> out;
  long line = 1;
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto advance_to = [&](std::size_t j) {
    line += std::count(s.begin() + i, s.begin() + j, '\n');
    i = j;
  };
  while (i < n) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      advance_to(i + 1);
    } else if (s.compare(i, 2, "//") == 0 || c == '#') {  // `#`: old comment, `#include`
      advance_to(std::min(s.find('\n', i), n));
    } else if (s.compare(i, 2, "/*") == 0) {
      const std::size_t close = s.find("*/", i + 2);
      advance_to(close == std::string::npos ? n : close + 2);
    } else {
      Token t{Kind::kSymbol, "", i, i, line};
      std::size_t j = i + 1;
      if (c == '"') {
        t.kind = Kind::kString;
        while (j < n && s[j] != '"' && s[j] != '\n') j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
        if (j < n && s[j] == '"') ++j;
      } else if (is_identifier_start(c)) {
        t.kind = Kind::kIdentifier;
        while (j < n && is_identifier_char(s[j])) ++j;
      } else if (is_digit(c) || (c == '.' && i + 1 < n && is_digit(s[i + 1]))) {
        t.kind = Kind::kNumber;
        while (j < n && (is_digit(s[j]) || s[j] == '.')) ++j;
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
          std::size_t k = j + 1;
          if (k < n && (s[k] == '+' || s[k] == '-')) ++k;
          if (k < n && is_digit(s[k])) {
            j = k;
            while (j < n && is_digit(s[j])) ++j;
          }
        }
        if (j < n && s[j] == 'i' && !(j + 1 < n && is_identifier_char(s[j + 1]))) ++j;  // 2i
      } else {
        for (const char* sym : kSymbols) {
          const std::size_t len = std::char_traits<char>::length(sym);
          if (s.compare(i, len, sym) == 0) {
            j = i + len;
            break;
          }
        }
      }
      t.end = j;
      t.text = s.substr(i, j - i);
      out.push_back(std::move(t));
      advance_to(j);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Vocabulary.

bool is_any_of(const std::string& s, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

bool is_classic_type(const std::string& s) {  // element types stanc 2.21 knows
  return is_any_of(s, {"int", "real", "vector", "row_vector", "matrix", "simplex", "ordered",
                       "positive_ordered", "unit_vector", "cholesky_factor_corr",
                       "cholesky_factor_cov", "corr_matrix", "cov_matrix"});
}

/// Types added after 2.21 with no 2.21 form; "" when `s` is not one of them.
std::string newer_type_problem(const std::string& s) {
  if (is_any_of(s, {"complex", "complex_vector", "complex_row_vector", "complex_matrix"})) {
    return "complex numbers have no Stan 2.21 form";
  }
  if (s == "tuple") return "tuples have no Stan 2.21 form";
  if (is_any_of(s, {"sum_to_zero_vector", "sum_to_zero_matrix", "row_stochastic_matrix",
                    "column_stochastic_matrix"})) {
    return "the " + s + " constraint has no Stan 2.21 form";
  }
  return "";
}

/// `f_lupdf` -> `f_lpdf`, `f_lupmf` -> `f_lpmf`; "" for other names.
std::string normalized_name(const std::string& name) {
  for (const char* suffix : {"_lupdf", "_lupmf"}) {
    const std::size_t len = 6;
    if (name.size() > len && name.compare(name.size() - len, len, suffix) == 0) {
      return name.substr(0, name.size() - len) + (suffix[4] == 'd' ? "_lpdf" : "_lpmf");
    }
  }
  return "";
}

/// Blocks whose top-level declarations are locals (the rest declare block
/// variables, which a wrapping `{ }` would hide from later blocks and output).
bool declares_locals(const std::string& block) { return block == "model" || block == "functions"; }

// ---------------------------------------------------------------------------
// The rewrite: a light recursive-descent walk over blocks, statements and
// declarations; expressions are skipped as balanced token runs.

struct Edit {
  std::size_t begin, end;  // the replaced byte range; begin == end inserts
  std::string text;
};

struct Change {
  std::size_t begin, end;  // the source range shown before -> after
  long line;
  std::string message;     // when set, shown instead of before -> after
};

/// A type as written: `array[dims]` (optional), then the element type with its
/// bounds and sizes, all as token indices.
struct TypeSpan {
  std::size_t begin = 0;
  bool is_array = false;
  std::size_t dims_open = 0, dims_close = 0;  // `[` and `]` of array[...]
  std::size_t element = 0;                    // the element type's keyword
  std::size_t end = 0;                        // one past the type
};

struct Scope {
  Scope(std::string in_block, bool has_locals, Scope* enclosing = nullptr)
      : block(std::move(in_block)), locals(has_locals), top(enclosing ? enclosing->top : this) {}
  std::string block;         // the program block it sits in
  bool locals;               // declarations here are locals
  Scope* top;                // the program block's own scope
  bool seen_statement = false;
  int blocks_opened = 0;     // `{` inserted before late declarations
  std::vector<std::size_t> open_changes;  // their Change entries, to name the closing line
  std::size_t hoist_at = kNone;  // (block variables) byte offset after the leading declarations
  std::set<std::string> assigned;  // (top) variables assigned by a statement so far
};

class Upgrader {
 public:
  Upgrader(const std::string& program, const std::string& file)
      : src_(program), file_(file), tok_(tokenize(program)) {
    match_.assign(tok_.size(), kNone);
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < tok_.size(); ++i) {
      const std::string& t = tok_[i].text;
      if (tok_[i].kind != Kind::kSymbol) continue;
      if (t == "(" || t == "[" || t == "{") {
        open.push_back(i);
      } else if ((t == ")" || t == "]" || t == "}") && !open.empty()) {
        const char want = t == ")" ? '(' : t == "]" ? '[' : '{';
        if (tok_[open.back()].text[0] != want) continue;  // unbalanced: leave to stanc
        match_[open.back()] = i;
        match_[i] = open.back();
        open.pop_back();
      }
    }
  }

  SyntaxUpgrade run() {
    reject_newer_constructs();
    parse_program();
    rename_unnormalized();
    return finish();
  }

 private:
  // --- token access -------------------------------------------------------
  bool is(std::size_t i, const char* text) const {
    return i < tok_.size() && tok_[i].kind != Kind::kString && tok_[i].text == text;
  }
  bool is_identifier(std::size_t i) const {
    return i < tok_.size() && tok_[i].kind == Kind::kIdentifier;
  }
  std::size_t match(std::size_t i) const { return i < tok_.size() ? match_[i] : kNone; }

  /// The `>` closing the bounds `<...>` opened at `open`, skipping brackets.
  std::size_t match_angle(std::size_t open) const {
    for (std::size_t k = open + 1; k < tok_.size(); ++k) {
      if (is(k, "(") || is(k, "[")) {
        k = match(k);
        if (k == kNone) return kNone;
      } else if (is(k, ">")) {
        return k;
      } else if (is(k, ";") || is(k, "{") || is(k, "}")) {
        return kNone;
      }
    }
    return kNone;
  }

  /// From `i`, the first token in `stops` outside brackets (or an unmatched
  /// `}`, or the end): the extent of an expression.
  std::size_t skip_expression(std::size_t i, std::initializer_list<const char*> stops) const {
    while (i < tok_.size()) {
      if (tok_[i].kind == Kind::kSymbol && is_any_of(tok_[i].text, stops)) return i;
      if (is(i, "(") || is(i, "[") || is(i, "{")) {
        const std::size_t close = match(i);
        if (close == kNone) return tok_.size();
        i = close + 1;
      } else if (is(i, "}") || is(i, ")") || is(i, "]")) {
        return i;
      } else {
        ++i;
      }
    }
    return i;
  }

  /// A type starting at `i`, or nothing. Old (`real x[N]`) and new
  /// (`array[N] real x`) declarations both parse; only the new form has is_array.
  std::optional<TypeSpan> parse_type(std::size_t i) const {
    TypeSpan t;
    t.begin = i;
    if (is(i, "array") && is(i + 1, "[") && match(i + 1) != kNone) {
      t.is_array = true;
      t.dims_open = i + 1;
      t.dims_close = match(i + 1);
      i = t.dims_close + 1;
    }
    if (!is_identifier(i)) return std::nullopt;
    const std::string& word = tok_[i].text;
    if (!is_classic_type(word)) return std::nullopt;  // newer types were rejected already
    t.element = i++;
    if (is(i, "<")) {
      const std::size_t close = match_angle(i);
      if (close == kNone) return std::nullopt;
      i = close + 1;
    }
    if (is(i, "[")) {
      if (match(i) == kNone) return std::nullopt;
      i = match(i) + 1;
    }
    t.end = i;
    return t;
  }

  // --- text helpers ---------------------------------------------------------
  /// Tokens [first, last) on one line: a gap with a newline or comment becomes
  /// one space, so inserted text never adds lines.
  std::string flatten(std::size_t first, std::size_t last) const {
    std::string out;
    for (std::size_t k = first; k < last; ++k) {
      if (k > first) {
        const std::string gap = src_.substr(tok_[k - 1].end, tok_[k].begin - tok_[k - 1].end);
        out += gap.find_first_not_of(" \t") == std::string::npos ? gap : " ";
      }
      out += tok_[k].text;
    }
    return out;
  }

  /// What a removal of src_[begin, end) keeps, so lines stay put: its newlines
  /// and the indentation after the last one.
  std::string line_breaks_in(std::size_t begin, std::size_t end) const {
    const std::size_t last = src_.rfind('\n', end == 0 ? 0 : end - 1);
    if (last == std::string::npos || last < begin) return "";
    std::string out(std::count(src_.begin() + begin, src_.begin() + end, '\n'), '\n');
    const std::size_t indent_end = std::min(end, src_.find_first_not_of(" \t", last + 1));
    return out + src_.substr(last + 1, indent_end - last - 1);
  }

  /// src_[begin, end) -> text, which starts on the line the range started on.
  void replace(std::size_t begin, std::size_t end, std::string text) {
    edits_.push_back({begin, end, std::move(text) + line_breaks_in(begin, end)});
  }
  void insert(std::size_t at, std::string text) { edits_.push_back({at, at, std::move(text)}); }

  [[noreturn]] void reject(std::size_t i, const std::string& construct,
                           const std::string& message) const {
    throw InputError(file_, tok_[i].line, construct, message);
  }

  // --- constructs with no 2.21 form -------------------------------------------
  void reject_newer_constructs() const {
    for (std::size_t i = 0; i < tok_.size(); ++i) {
      const Token& t = tok_[i];
      if (t.kind == Kind::kNumber && t.text.back() == 'i') {
        reject(i, t.text, "imaginary literals (complex numbers) have no Stan 2.21 form");
      }
      if (t.kind == Kind::kSymbol && t.text == "%/%") {
        reject(i, "%/%",
               "the integer division operator has no Stan 2.21 form; write a / b, which "
               "stanc 2.21 evaluates as integer division when both are int");
      }
      if (t.kind == Kind::kSymbol && t.text == ".^") {
        reject(i, ".^", "elementwise power has no Stan 2.21 form; write a loop over pow()");
      }
      if (t.kind != Kind::kIdentifier) continue;
      const std::string problem = newer_type_problem(t.text);
      if (problem.empty()) continue;
      // A type only when a declared name follows (`complex z`, `tuple(real, int) p`,
      // `complex_vector[N] v`); in an old program these can be ordinary names.
      std::size_t k = i + 1;
      while (is(k, "(") || is(k, "[")) {
        k = match(k);
        if (k == kNone) break;
        ++k;
      }
      if (k != kNone && is_identifier(k)) reject(i, t.text, problem);
    }
  }

  // --- program structure ---------------------------------------------------------
  void parse_program() {
    while (pos_ < tok_.size()) {
      const std::size_t header = pos_;
      while (pos_ < tok_.size() && !is(pos_, "{")) ++pos_;
      if (pos_ >= tok_.size()) return;
      std::string block;
      for (std::size_t k = header; k < pos_; ++k) {
        block += (block.empty() ? "" : " ") + tok_[k].text;
      }
      ++pos_;
      if (block == "functions") {
        parse_functions();
      } else {
        Scope scope{block, declares_locals(block)};
        scope.hoist_at = tok_[pos_ - 1].end;
        parse_block_body(scope);
      }
    }
  }

  /// Function definitions and forward declarations, up to the block's `}`.
  void parse_functions() {
    std::map<std::string, long> defined;  // name -> line of its body
    while (pos_ < tok_.size() && !is(pos_, "}")) {
      std::size_t name = kNone;
      while (pos_ < tok_.size() && !is(pos_, "{") && !is(pos_, ";") && !is(pos_, "}")) {
        if (is(pos_, "(")) {
          if (name == kNone && pos_ > 0 && is_identifier(pos_ - 1)) name = pos_ - 1;
          // Argument types: `[data] array[,] T x`, separated by commas.
          const std::size_t close = match(pos_);
          if (close == kNone) return;
          for (std::size_t k = pos_ + 1; k < close; ++k) {
            if (is(k, "array")) k = rewrite_unsized_array(k);
          }
          pos_ = close + 1;
        } else if (is(pos_, "array")) {
          pos_ = rewrite_unsized_array(pos_) + 1;  // the return type
        } else {
          ++pos_;
        }
      }
      if (is(pos_, ";")) {
        ++pos_;
      } else if (is(pos_, "{")) {
        if (name != kNone) {
          const std::string& fname = tok_[name].text;
          const std::string base = normalized_name(fname).empty() ? fname : normalized_name(fname);
          const auto [it, fresh] = defined.emplace(base, tok_[name].line);
          if (!fresh) {
            reject(name, fname,
                   "overloaded user-defined functions have no Stan 2.21 form (also defined "
                   "at line " + std::to_string(it->second) + "); give each its own name");
          }
        }
        ++pos_;
        Scope body{"functions", true};
        parse_block_body(body);
      }
    }
    if (is(pos_, "}")) ++pos_;
  }

  /// `array[,] T` in a signature -> `T[,]`. Returns the last token looked at.
  std::size_t rewrite_unsized_array(std::size_t i) {
    const std::optional<TypeSpan> t = parse_type(i);
    if (!t || !t->is_array) return i;
    for (std::size_t k = t->dims_open + 1; k < t->dims_close; ++k) {
      if (!is(k, ",")) return t->end - 1;  // sized: not a signature type
    }
    const Token& elem = tok_[t->element];
    replace(tok_[i].begin, elem.begin, "");
    insert(elem.end, flatten(t->dims_open, t->dims_close + 1));
    changes_.push_back({tok_[i].begin, elem.end, tok_[i].line, ""});
    return t->end - 1;
  }

  /// Statements up to and including the `}` that closes `scope`.
  void parse_block_body(Scope& scope) {
    while (pos_ < tok_.size() && !is(pos_, "}")) parse_statement(scope);
    if (pos_ >= tok_.size()) return;
    if (scope.blocks_opened > 0) {
      insert(tok_[pos_].begin, std::string(scope.blocks_opened, '}'));
      for (std::size_t c : scope.open_changes) {
        changes_[c].message += std::to_string(tok_[pos_].line);
      }
    }
    ++pos_;
  }

  void parse_statement(Scope& scope) {
    const std::size_t start = pos_;
    if (is(start, "{")) {
      ++pos_;
      Scope inner{scope.block, true, &scope};
      parse_block_body(inner);
    } else if (is(start, "profile") && is(start + 1, "(") && match(start + 1) != kNone &&
               is(match(start + 1) + 1, "{")) {
      // A profile block is a plain block to 2.21.
      const std::size_t brace = match(start + 1) + 1;
      replace(tok_[start].begin, tok_[brace].begin, "");
      changes_.push_back({tok_[start].begin, tok_[brace].end, tok_[start].line, ""});
      pos_ = brace + 1;
      Scope inner{scope.block, true, &scope};
      parse_block_body(inner);
    } else if ((is(start, "for") || is(start, "while") || is(start, "if")) && is(start + 1, "(") &&
               match(start + 1) != kNone) {
      pos_ = match(start + 1) + 1;
      parse_nested_statement(scope);
      if (is(start, "if") && is(pos_, "else")) {
        ++pos_;
        parse_nested_statement(scope);
      }
    } else if (const std::optional<TypeSpan> type = parse_type(start);
               type && is_identifier(type->end)) {
      parse_declaration(scope, *type);
      return;  // a declaration is not a statement
    } else {
      parse_simple_statement(scope);
    }
    scope.seen_statement = true;
  }

  /// The body of a loop or branch: one statement in a scope of its own.
  void parse_nested_statement(Scope& outer) {
    if (pos_ >= tok_.size()) return;
    Scope body{outer.block, true, &outer};
    parse_statement(body);
  }

  void parse_declaration(Scope& scope, const TypeSpan& type) {
    const Token& first = tok_[type.begin];
    if (scope.seen_statement) {
      if (!scope.locals) {
        if (hoist_block_variable(scope, type)) return;
        reject(type.begin, flatten(type.begin, type.end + 1),
               "stanc 2.21 wants the variables of the '" + scope.block +
                   "' block declared before its first statement, and this one cannot move "
                   "up by itself; move it above the block's first statement");
      }
      // Later in a block -> first in a new block that closes with this one.
      insert(first.begin, "{ ");
      scope.open_changes.push_back(changes_.size());
      changes_.push_back({first.begin, first.begin, first.line,
                          "line " + std::to_string(first.line) +
                              ": declaration after a statement -> opens a block '{' that "
                              "closes at line "});
      ++scope.blocks_opened;
      scope.seen_statement = false;
    }
    std::string dims;  // `[N, M]`, moved after each declared name
    if (type.is_array) {
      replace(first.begin, tok_[type.element].begin, "");
      dims = flatten(type.dims_open, type.dims_close + 1);
    }
    // What a second declarator repeats: the type without the array dimensions.
    const std::string repeated = flatten(type.is_array ? type.element : type.begin, type.end);
    const std::size_t change = changes_.size();
    changes_.push_back({first.begin, kNone, first.line, ""});
    bool multiple = false;
    pos_ = type.end;
    while (is_identifier(pos_)) {
      if (type.is_array) insert(tok_[pos_].end, dims);
      if (changes_[change].end == kNone) changes_[change].end = tok_[pos_].end;
      pos_ = skip_expression(pos_ + 1, {",", ";"});
      if (!is(pos_, ",")) break;
      // `real a, b;` -> `real a; real b;`
      multiple = true;
      edits_.push_back({tok_[pos_].begin, tok_[pos_].end, "; " + repeated});
      ++pos_;
    }
    if (multiple) changes_[change].end = tok_[pos_ < tok_.size() ? pos_ : pos_ - 1].begin;
    if (!type.is_array && !multiple) changes_.pop_back();  // nothing changed
    if (is(pos_, ";")) {
      if (!scope.seen_statement) scope.hoist_at = tok_[pos_].end;
      ++pos_;
    }
  }

  /// A block variable declared after a statement: its declaration moves up to
  /// the end of the block's leading declarations (onto that line, so no line is
  /// added) and its initializer stays here as an assignment. Only for one
  /// declarator whose type uses nothing a statement has assigned so far.
  bool hoist_block_variable(Scope& scope, const TypeSpan& type) {
    const std::size_t name = type.end;
    const std::size_t stop = skip_expression(name + 1, {"=", ",", ";"});  // after old dims
    const std::size_t semi = is(stop, "=") ? skip_expression(stop + 1, {",", ";"}) : stop;
    if (scope.hoist_at == kNone || !is(semi, ";")) return false;
    for (std::size_t k = type.begin; k < stop; ++k) {
      if (is_identifier(k) && scope.top->assigned.count(tok_[k].text) > 0) return false;
    }
    const std::string declaration =
        flatten(type.is_array ? type.element : type.begin, type.end) + " " + flatten(name, stop) +
        (type.is_array ? flatten(type.dims_open, type.dims_close + 1) : "") + ";";
    insert(scope.hoist_at, " " + declaration);
    const Token& first = tok_[type.begin];
    if (is(stop, "=")) {
      replace(first.begin, tok_[name].begin, "");
      if (stop > name + 1) replace(tok_[name].end, tok_[stop].begin, " ");  // old dims
    } else {
      replace(first.begin, tok_[semi].end, "");
    }
    const long to_line = 1 + std::count(src_.begin(), src_.begin() + scope.hoist_at, '\n');
    const std::string kept =
        is(stop, "=") ? tok_[name].text + " " + flatten(stop, semi) + ", " : "";
    changes_.push_back({first.begin, first.begin, first.line,
                        "line " + std::to_string(first.line) + ": " + flatten(type.begin, semi) +
                            " -> " + kept + "'" + declaration + "' moved to the end of line " +
                            std::to_string(to_line) +
                            " (stanc 2.21 wants block variables declared first)"});
    pos_ = semi + 1;
    return true;
  }

  /// An assignment, sampling, print, return, ...: up to and including `;`.
  void parse_simple_statement(Scope& scope) {
    const std::size_t start = pos_;
    rewrite_unnormalized_target(start);
    if (is_identifier(start)) {  // `x[i] = ...`: x is assigned
      std::size_t k = start + 1;
      while (is(k, "[") && match(k) != kNone) k = match(k) + 1;
      if (k < tok_.size() && tok_[k].kind == Kind::kSymbol &&
          is_any_of(tok_[k].text, {"=", "+=", "-=", "*=", "/=", ".*=", "./=", "<-"})) {
        scope.top->assigned.insert(tok_[start].text);
      }
    }
    pos_ = skip_expression(start, {";"});
    if (pos_ == start && !is(pos_, ";")) {
      ++pos_;  // a stray closer or unknown token: step over it
    } else if (is(pos_, ";")) {
      ++pos_;
    }
  }

  /// `target += f_lupdf(y | θ);` is `y ~ f(θ);`, which 2.21 has.
  void rewrite_unnormalized_target(std::size_t i) {
    if (!is(i, "target") || !is(i + 1, "+=") || !is_identifier(i + 2) || !is(i + 3, "(")) return;
    const std::string normal = normalized_name(tok_[i + 2].text);
    const std::size_t close = match(i + 3);
    if (normal.empty() || close == kNone || !is(close + 1, ";")) return;
    const std::size_t bar = skip_expression(i + 4, {"|"});
    const std::size_t variate_end = is(bar, "|") ? bar : close;
    if (variate_end == i + 4) return;  // no variate
    const std::string density = normal.substr(0, normal.size() - 5);
    const std::size_t rest = is(bar, "|") ? bar + 1 : close;
    replace(tok_[i].begin, tok_[rest].begin, flatten(i + 4, variate_end) + " ~ " + density + "(");
    changes_.push_back({tok_[i].begin, tok_[close + 1].end, tok_[i].line, ""});
    renamed_.push_back(i + 2);
  }

  /// Other `_lupdf`/`_lupmf` names: 2.21 only has the normalized `_lpdf`/`_lpmf`.
  void rename_unnormalized() {
    for (std::size_t i = 0; i < tok_.size(); ++i) {
      const std::string normal = is_identifier(i) ? normalized_name(tok_[i].text) : "";
      if (normal.empty() || std::find(renamed_.begin(), renamed_.end(), i) != renamed_.end() ||
          inside_removal(tok_[i].begin)) {
        continue;
      }
      edits_.push_back({tok_[i].begin, tok_[i].end, normal});
      changes_.push_back({tok_[i].begin, tok_[i].end, tok_[i].line,
                          "line " + std::to_string(tok_[i].line) + ": " + tok_[i].text + " -> " +
                              normal + " (2.21 has no unnormalized call; constants are kept)"});
    }
  }

  bool inside_removal(std::size_t at) const {
    return std::any_of(edits_.begin(), edits_.end(),
                       [&](const Edit& e) { return e.begin <= at && at < e.end; });
  }

  // --- output -------------------------------------------------------------------
  /// src_[begin, end) with the edits inside it applied.
  std::string apply(std::size_t begin, std::size_t end, const std::vector<Edit>& sorted) const {
    std::string out;
    std::size_t at = begin;
    for (const Edit& e : sorted) {
      if (e.begin < begin || e.end > end) continue;
      if (e.begin < at) throw std::logic_error("upgrade_syntax: overlapping edits");
      out.append(src_, at, e.begin - at);
      out += e.text;
      at = e.end;
    }
    out.append(src_, at, end - at);
    return out;
  }

  static std::string squash(const std::string& s) {  // one line, single spaces
    std::string out;
    for (char c : s) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += c;
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  SyntaxUpgrade finish() {
    std::stable_sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) {
      if (a.begin != b.begin) return a.begin < b.begin;
      return (a.begin == a.end) && (b.begin != b.end);  // an insertion before a removal there
    });
    SyntaxUpgrade out;
    out.program = apply(0, src_.size(), edits_);
    if (std::count(out.program.begin(), out.program.end(), '\n') !=
        std::count(src_.begin(), src_.end(), '\n')) {
      throw std::logic_error("upgrade_syntax: the rewrite changed the number of lines");
    }
    std::stable_sort(changes_.begin(), changes_.end(),
                     [](const Change& a, const Change& b) { return a.begin < b.begin; });
    for (const Change& c : changes_) {
      if (!c.message.empty()) {
        const bool unclosed = c.message.back() == ' ';  // the program ended first
        out.changes.push_back(unclosed ? c.message + "the end" : c.message);
        continue;
      }
      // Insertions at the very start of the range belong to an enclosing change.
      std::vector<Edit> inside;
      for (const Edit& e : edits_) {
        if (!(e.begin == e.end && e.begin == c.begin)) inside.push_back(e);
      }
      out.changes.push_back("line " + std::to_string(c.line) + ": " +
                            squash(src_.substr(c.begin, c.end - c.begin)) + " -> " +
                            squash(apply(c.begin, c.end, inside)));
    }
    return out;
  }

  const std::string& src_;
  const std::string& file_;
  std::vector<Token> tok_;
  std::vector<std::size_t> match_;  // index of the matching bracket, or kNone
  std::size_t pos_ = 0;
  std::vector<Edit> edits_;
  std::vector<Change> changes_;
  std::vector<std::size_t> renamed_;  // `_lupdf` tokens already rewritten
};

}  // namespace

SyntaxUpgrade upgrade_syntax(const std::string& program, const std::string& file_name) {
  return Upgrader(program, file_name).run();
}

}  // namespace elbo::stan
