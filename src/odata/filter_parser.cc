// A recursive-descent parser with one function per precedence level, which
// type-checks each node as it builds it. Recursion only happens through
// parentheses, calls and unary operators, each of which counts against
// FilterLimits::max_depth before it recurses, so no input can exhaust the stack.
#include "odata/filter_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "odata/filter_functions.h"
#include "odata/filter_lexer.h"
#include "odata/syntax.h"

namespace fundament::odata {
namespace {

using T = FilterType;

constexpr model::Micros kMicrosPerSecond = 1'000'000;
constexpr model::Micros kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr model::Micros kMicrosPerHour = 60 * kMicrosPerMinute;

// The most navigations one path may take: each becomes a join (or an EXISTS)
// when the filter runs. Real filters use up to three.
constexpr size_t kMaxNavigations = 8;

bool IsNumeric(T type) { return type == T::kInteger || type == T::kDouble; }
bool IsInstantLike(T type) { return type == T::kDateTime || type == T::kDate; }

// Types that compare with each other, one class each.
int ComparisonClass(T type) {
  switch (type) {
    case T::kInteger:
    case T::kDouble:
      return 1;
    case T::kString:
      return 2;
    case T::kBoolean:
      return 3;
    case T::kDateTime:
    case T::kDate:
    case T::kInterval:
      return 4;
    case T::kTimeOfDay:
      return 5;
    case T::kDuration:
      return 6;
    default:
      return 0;
  }
}

std::string_view Text(const Token& token) { return token.text; }

bool IsKeyword(std::string_view word) {
  static constexpr std::string_view kKeywords[] = {"and", "or",  "not", "eq",  "ne",  "gt",  "ge", "lt",
                                                   "le",  "add", "sub", "mul", "div", "mod", "has", "in"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), word) != std::end(kKeywords);
}

// A node under construction with the height of its subtree.
struct Node {
  std::unique_ptr<FilterExpr> expr;
  size_t height = 1;
};

class FilterParser {
 public:
  FilterParser(const model::EntityTypeDef& type, std::vector<Token> tokens, const FilterLimits& limits)
      : type_(type), tokens_(std::move(tokens)), limits_(limits) {}

  Result<std::shared_ptr<const FilterExpr>> Parse() {
    FUNDAMENT_ASSIGN_OR_RETURN(Node root, ParseOr());
    if (Peek().kind != TokenKind::kEnd) {
      return FilterSyntaxError(Peek().position, "an operator or end of input", DescribeToken(Peek()));
    }
    if (root.expr->type != T::kBoolean && root.expr->type != T::kJson) {
      return FilterSyntaxError(root.expr->position, "a Boolean expression", FilterTypeWithArticle(root.expr->type));
    }
    return std::shared_ptr<const FilterExpr>(std::move(root.expr));
  }

 private:
  // Counts one level of nesting for as long as it lives.
  class Nesting {
   public:
    explicit Nesting(size_t& depth) : depth_(depth) { ++depth_; }
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    size_t& depth_;
  };

  const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(next_ + ahead, tokens_.size() - 1)]; }
  const Token& Take() {
    const Token& token = tokens_[next_];
    if (next_ + 1 < tokens_.size()) ++next_;
    return token;
  }
  bool AtWord(std::string_view word) const { return Peek().kind == TokenKind::kWord && Text(Peek()) == word; }

  Error DepthError(size_t position) const {
    return FilterSyntaxError(position, fmt::format("at most {} levels of nesting", limits_.max_depth), "more");
  }

  // Makes a node, counting it against max_nodes and its height against max_depth.
  Result<Node> Make(T type, size_t position, size_t child_height,
                    decltype(FilterExpr::node) node) {
    if (++node_count_ > limits_.max_nodes) {
      return FilterSyntaxError(position, fmt::format("at most {} nodes", limits_.max_nodes), "more");
    }
    const size_t height = child_height + 1;
    if (height > limits_.max_depth) return DepthError(position);
    auto expr = std::make_unique<FilterExpr>();
    expr->type = type;
    expr->position = position;
    expr->node = std::move(node);
    return Node{std::move(expr), height};
  }

  static Status ExpectBoolean(const Node& node) {
    const T type = node.expr->type;
    if (type == T::kBoolean || type == T::kJson || type == T::kNull) return Status::Ok();
    return FilterSyntaxError(node.expr->position, "a Boolean", FilterTypeWithArticle(type));
  }

  // or / and: chains become one LogicalNode.
  Result<Node> ParseLogical(LogicalOp op) {
    const bool is_or = op == LogicalOp::kOr;
    FUNDAMENT_ASSIGN_OR_RETURN(Node first, is_or ? ParseLogical(LogicalOp::kAnd) : ParseNot());
    const std::string_view keyword = is_or ? "or" : "and";
    if (!AtWord(keyword)) return first;
    FUNDAMENT_RETURN_IF_ERROR(ExpectBoolean(first));
    const size_t position = first.expr->position;
    size_t height = first.height;
    LogicalNode logical{op, {}};
    logical.operands.push_back(std::move(first.expr));
    while (AtWord(keyword)) {
      Take();
      FUNDAMENT_ASSIGN_OR_RETURN(Node operand, is_or ? ParseLogical(LogicalOp::kAnd) : ParseNot());
      FUNDAMENT_RETURN_IF_ERROR(ExpectBoolean(operand));
      height = std::max(height, operand.height);
      logical.operands.push_back(std::move(operand.expr));
    }
    return Make(T::kBoolean, position, height, std::move(logical));
  }

  Result<Node> ParseOr() { return ParseLogical(LogicalOp::kOr); }

  Result<Node> ParseNot() {
    if (!AtWord("not")) return ParseComparison(/*equality=*/true);
    const Token& keyword = Take();
    Nesting nesting(depth_);
    if (depth_ > limits_.max_depth) return DepthError(keyword.position);
    FUNDAMENT_ASSIGN_OR_RETURN(Node operand, ParseNot());
    FUNDAMENT_RETURN_IF_ERROR(ExpectBoolean(operand));
    const size_t height = operand.height;
    return Make(T::kBoolean, keyword.position, height, UnaryNode{UnaryOp::kNot, std::move(operand.expr)});
  }

  // Equality (eq ne) binds looser than the relational operators (gt ge lt
  // le), as in OData; both associate to the left.
  Result<Node> ParseComparison(bool equality) {
    FUNDAMENT_ASSIGN_OR_RETURN(Node left, equality ? ParseComparison(false) : ParseAdditive());
    while (true) {
      BinaryOp op;
      if (!ComparisonOp(equality, &op)) return left;
      Take();
      FUNDAMENT_ASSIGN_OR_RETURN(Node right, equality ? ParseComparison(false) : ParseAdditive());
      FUNDAMENT_RETURN_IF_ERROR(CheckComparable(left, right));
      FUNDAMENT_ASSIGN_OR_RETURN(left, MakeBinary(T::kBoolean, op, std::move(left), std::move(right)));
    }
  }

  bool ComparisonOp(bool equality, BinaryOp* op) const {
    if (Peek().kind != TokenKind::kWord) return false;
    const std::string_view word = Text(Peek());
    if (equality) {
      if (word == "eq") *op = BinaryOp::kEq;
      else if (word == "ne") *op = BinaryOp::kNe;
      else return false;
    } else {
      if (word == "gt") *op = BinaryOp::kGt;
      else if (word == "ge") *op = BinaryOp::kGe;
      else if (word == "lt") *op = BinaryOp::kLt;
      else if (word == "le") *op = BinaryOp::kLe;
      else return false;
    }
    return true;
  }

  static Status CheckComparable(const Node& left, const Node& right) {
    const T l = left.expr->type;
    const T r = right.expr->type;
    if (l == T::kNull || r == T::kNull) return Status::Ok();
    for (const Node* side : {&left, &right}) {
      if (side->expr->type == T::kGeometry) {
        return FilterSyntaxError(side->expr->position, "a comparable value (use st_equals for geometries)",
                                 "a Geometry");
      }
    }
    if (l == T::kJson || r == T::kJson) return Status::Ok();
    if (ComparisonClass(l) != 0 && ComparisonClass(l) == ComparisonClass(r)) return Status::Ok();
    return FilterSyntaxError(right.expr->position, "a value comparable with " + FilterTypeWithArticle(l),
                             FilterTypeWithArticle(r));
  }

  Result<Node> MakeBinary(T type, BinaryOp op, Node left, Node right) {
    const size_t position = left.expr->position;
    const size_t height = std::max(left.height, right.height);
    return Make(type, position, height, BinaryNode{op, std::move(left.expr), std::move(right.expr)});
  }

  Result<Node> ParseAdditive() {
    FUNDAMENT_ASSIGN_OR_RETURN(Node left, ParseMultiplicative());
    while (AtWord("add") || AtWord("sub")) {
      const BinaryOp op = Text(Take()) == "add" ? BinaryOp::kAdd : BinaryOp::kSub;
      FUNDAMENT_ASSIGN_OR_RETURN(Node right, ParseMultiplicative());
      FUNDAMENT_ASSIGN_OR_RETURN(const T type, AdditiveType(op, left, right));
      FUNDAMENT_ASSIGN_OR_RETURN(left, MakeBinary(type, op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> ParseMultiplicative() {
    FUNDAMENT_ASSIGN_OR_RETURN(Node left, ParseUnary());
    while (AtWord("mul") || AtWord("div") || AtWord("mod")) {
      const std::string_view word = Text(Take());
      const BinaryOp op = word == "mul" ? BinaryOp::kMul : word == "div" ? BinaryOp::kDiv : BinaryOp::kMod;
      FUNDAMENT_ASSIGN_OR_RETURN(Node right, ParseUnary());
      FUNDAMENT_ASSIGN_OR_RETURN(const T type, MultiplicativeType(left, right));
      FUNDAMENT_ASSIGN_OR_RETURN(left, MakeBinary(type, op, std::move(left), std::move(right)));
    }
    return left;
  }

  static Error OperandError(const Node& node, std::string_view expected) {
    return FilterSyntaxError(node.expr->position, expected, FilterTypeWithArticle(node.expr->type));
  }

  // mul, div, mod: numbers only; two Integers give an Integer (div is then
  // integer division).
  static Result<T> MultiplicativeType(const Node& left, const Node& right) {
    for (const Node* side : {&left, &right}) {
      const T type = side->expr->type;
      if (!IsNumeric(type) && type != T::kJson && type != T::kNull) return OperandError(*side, "a number");
    }
    const T l = left.expr->type;
    const T r = right.expr->type;
    if (l == T::kNull || r == T::kNull) return T::kNull;
    return l == T::kInteger && r == T::kInteger ? T::kInteger : T::kDouble;
  }

  // add, sub: numbers, and instants and durations (OData 4.0 URL conventions
  // §5.1.1.2): instant ± duration, instant − instant, duration ± duration.
  static Result<T> AdditiveType(BinaryOp op, const Node& left, const Node& right) {
    const bool add = op == BinaryOp::kAdd;
    const T l = left.expr->type;
    const T r = right.expr->type;
    constexpr std::string_view kAnyOperand = "a number, DateTime or Duration";
    auto fits_any = [](T type) {
      return IsNumeric(type) || IsInstantLike(type) || type == T::kDuration || type == T::kJson || type == T::kNull;
    };
    if (!fits_any(l)) return OperandError(left, kAnyOperand);
    if (l == T::kNull) {
      if (!fits_any(r)) return OperandError(right, kAnyOperand);
      return T::kNull;
    }
    if (IsNumeric(l)) {
      if (IsNumeric(r)) return l == T::kInteger && r == T::kInteger ? T::kInteger : T::kDouble;
      if (r == T::kJson) return T::kDouble;
      if (r == T::kNull) return T::kNull;
      return OperandError(right, "a number");
    }
    // A JSON value next to a time is read as an instant (JSON has strings
    // and numbers, no durations): JSON ± Duration is an instant, JSON −
    // instant and instant − JSON are durations.
    if (l == T::kJson) {
      if (IsNumeric(r) || r == T::kJson) return T::kDouble;
      if (r == T::kDuration) return T::kDateTime;
      if (IsInstantLike(r) && !add) return T::kDuration;
      if (r == T::kNull) return T::kNull;
      return OperandError(right, add ? "a number or Duration" : "a number, DateTime or Duration");
    }
    if (r == T::kNull) return T::kNull;
    if (r == T::kJson) {
      if (IsInstantLike(l) && !add) return T::kDuration;
      if (l == T::kDuration && add) return T::kDateTime;
      return OperandError(right, IsInstantLike(l) ? "a Duration" : "a Duration or DateTime");
    }
    if (IsInstantLike(l)) {
      if (r == T::kDuration) return T::kDateTime;
      if (!add && IsInstantLike(r)) return T::kDuration;
      return OperandError(right, add ? "a Duration" : "a Duration or DateTime");
    }
    // l is a Duration.
    if (r == T::kDuration) return T::kDuration;
    if (add && IsInstantLike(r)) return T::kDateTime;
    return OperandError(right, add ? "a Duration or DateTime" : "a Duration");
  }

  Result<Node> ParseUnary() {
    if (Peek().kind != TokenKind::kMinus) return ParsePrimary();
    const Token& minus = Take();
    Nesting nesting(depth_);
    if (depth_ > limits_.max_depth) return DepthError(minus.position);
    FUNDAMENT_ASSIGN_OR_RETURN(Node operand, ParseUnary());
    const T type = operand.expr->type;
    if (!IsNumeric(type) && type != T::kDuration && type != T::kJson && type != T::kNull) {
      return OperandError(operand, "a number or Duration");
    }
    // Negated number literals become literals, so that `- 5` and `-5` are
    // one tree and the canonical text reads back the same.
    if (auto* literal = std::get_if<LiteralNode>(&operand.expr->node)) {
      if (auto* integer = std::get_if<int64_t>(&literal->value)) {
        if (*integer == std::numeric_limits<int64_t>::min()) {
          return FilterSyntaxError(minus.position, "a number whose negation is an Integer",
                                   fmt::format("-({}) (out of range)", *integer));
        }
        *integer = -*integer;
        operand.expr->position = minus.position;
        return operand;
      }
      if (auto* number = std::get_if<double>(&literal->value)) {
        *number = -*number;
        operand.expr->position = minus.position;
        return operand;
      }
    }
    const size_t height = operand.height;
    // A negated JSON value is a number (JSON has no durations).
    const T result = type == T::kJson ? T::kDouble : type;
    return Make(result, minus.position, height, UnaryNode{UnaryOp::kNegate, std::move(operand.expr)});
  }

  Result<Node> ParsePrimary() {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kOpenParen: {
        Take();
        Nesting nesting(depth_);
        if (depth_ > limits_.max_depth) return DepthError(token.position);
        FUNDAMENT_ASSIGN_OR_RETURN(Node inner, ParseOr());
        if (Peek().kind != TokenKind::kCloseParen) {
          return FilterSyntaxError(Peek().position, "')'", DescribeToken(Peek()));
        }
        Take();
        return inner;
      }
      case TokenKind::kWord:
        return ParseWord();
      case TokenKind::kPath:
        return ParsePath(Take());
      case TokenKind::kString: {
        const Token& string = Take();
        return MakeLiteral(string, T::kString, string.value);
      }
      case TokenKind::kTypedString:
        return ParseTypedString(Take());
      case TokenKind::kInteger:
        return ParseInteger(Take());
      case TokenKind::kDecimal:
        return ParseDecimal(Take());
      case TokenKind::kDate:
        return ParseDate(Take());
      case TokenKind::kDateTime:
        return ParseDateTime(Take());
      case TokenKind::kTimeOfDay:
        return ParseTimeOfDay(Take());
      case TokenKind::kInterval:
        return ParseIntervalLiteral(Take());
      default:
        return FilterSyntaxError(token.position, "an expression", DescribeToken(token));
    }
  }

  Result<Node> MakeLiteral(const Token& token, T type, LiteralValue value) {
    return Make(type, token.position, 0, LiteralNode{std::move(value)});
  }

  Result<Node> ParseWord() {
    const Token& token = Peek();
    const std::string_view word = Text(token);
    if (IsKeyword(word)) return FilterSyntaxError(token.position, "an expression", DescribeToken(token));
    const Token& after = Peek(1u);
    if (after.kind == TokenKind::kString && !after.space_before) {
      return FilterSyntaxError(token.position, "duration, geography or geometry before a quote",
                               DescribeToken(token));
    }
    FilterFunction function;
    const bool known = FindFilterFunction(word, &function);
    if (after.kind == TokenKind::kOpenParen && (known || !after.space_before)) {
      if (!known) return FilterSyntaxError(token.position, "a function", DescribeToken(token));
      return ParseCall(Take(), function);
    }
    Take();
    if (word == "true") return MakeLiteral(token, T::kBoolean, true);
    if (word == "false") return MakeLiteral(token, T::kBoolean, false);
    if (word == "null") return MakeLiteral(token, T::kNull, NullValue{});
    if (word == "INF") return MakeLiteral(token, T::kDouble, std::numeric_limits<double>::infinity());
    if (word == "NaN") return MakeLiteral(token, T::kDouble, std::numeric_limits<double>::quiet_NaN());
    return ParsePath(token);
  }

  Result<Node> ParseCall(const Token& name, FilterFunction function) {
    Nesting nesting(depth_);
    if (depth_ > limits_.max_depth) return DepthError(name.position);
    Take();  // (
    CallNode call{function, {}};
    size_t height = 0;
    if (Peek().kind == TokenKind::kCloseParen) {
      Take();
    } else {
      while (true) {
        FUNDAMENT_ASSIGN_OR_RETURN(Node arg, ParseOr());
        height = std::max(height, arg.height);
        call.args.push_back(std::move(arg.expr));
        if (Peek().kind == TokenKind::kComma) {
          Take();
          continue;
        }
        if (Peek().kind == TokenKind::kCloseParen) {
          Take();
          break;
        }
        return FilterSyntaxError(Peek().position, "',' or ')'", DescribeToken(Peek()));
      }
    }
    FUNDAMENT_ASSIGN_OR_RETURN(const T type, CheckFilterCall(function, name.position, call.args));
    return Make(type, name.position, height, std::move(call));
  }

  // ---- Paths ----

  Result<Node> ParsePath(const Token& token) {
    std::vector<PathSegment> single;
    const std::vector<PathSegment>* segments = &token.segments;
    if (token.kind != TokenKind::kPath) {
      single.push_back({token.text, token.position});
      segments = &single;
    }
    PathNode path;
    path.entity = &type_;
    size_t i = 0;
    bool resolved = false;
    for (; i < segments->size() && !resolved; ++i) {
      const PathSegment& segment = (*segments)[i];
      if (segment.text == "id" || segment.text == "@iot.id") {
        resolved = true;
      } else if (const model::PropertyDef* property = path.entity->FindProperty(segment.text)) {
        path.property = property;
        resolved = true;
      } else if (const model::NavigationDef* navigation = path.entity->FindNavigation(segment.text)) {
        if (path.navigations.size() == kMaxNavigations) {
          return FilterSyntaxError(segment.position, fmt::format("at most {} navigations in a path", kMaxNavigations),
                                   "more");
        }
        path.navigations.push_back({navigation, navigation->to_many});
        path.entity = &model::TypeOf(navigation->target);
      } else {
        return FilterSyntaxError(segment.position,
                                 fmt::format("a property or navigation of {}", path.entity->name),
                                 Quoted(segment.text));
      }
    }
    if (!resolved) {
      const size_t end = token.position + (CharPosition(token.text, token.text.size()) - 1);
      return FilterSyntaxError(end, fmt::format("a property after navigation '{}'", segments->back().text),
                               "end of path");
    }
    for (; i < segments->size(); ++i) path.members.emplace_back((*segments)[i].text);
    FUNDAMENT_ASSIGN_OR_RETURN(const T type, PathType(path, *segments));
    return Make(type, token.position, 0, std::move(path));
  }

  // The type of a resolved path; rejects members where the property has none.
  static Result<T> PathType(const PathNode& path, const std::vector<PathSegment>& segments) {
    const size_t first_member = segments.size() - path.members.size();
    auto no_member = [&](std::string what, size_t member) {
      const PathSegment& segment = segments[first_member + member];
      return FilterSyntaxError(segment.position, "no member after " + what, Quoted(segment.text));
    };
    if (path.is_id()) {
      if (!path.members.empty()) return no_member("the id", 0);
      return T::kInteger;
    }
    T type = T::kJson;
    switch (path.property->type) {
      case model::ValueType::kObject:
      case model::ValueType::kAny:
      case model::ValueType::kUnitArray:
      case model::ValueType::kStringArray:
        return T::kJson;
      case model::ValueType::kUnitOfMeasurement: {
        if (path.members.empty()) return T::kJson;
        const std::string& member = path.members[0];
        if (member != "name" && member != "symbol" && member != "definition") {
          return FilterSyntaxError(segments[first_member].position, "name, symbol or definition", Quoted(member));
        }
        if (path.members.size() > 1) return no_member(fmt::format("String member '{}'", member), 1);
        return T::kString;
      }
      case model::ValueType::kString:
        type = T::kString;
        break;
      case model::ValueType::kGeoJson:
        type = T::kGeometry;
        break;
      case model::ValueType::kInstant:
        type = T::kDateTime;
        break;
      case model::ValueType::kInterval:
      case model::ValueType::kInstantOrInterval:
        type = T::kInterval;
        break;
    }
    if (!path.members.empty()) {
      return no_member(fmt::format("{} property '{}'", FilterTypeName(type), path.property->name), 0);
    }
    return type;
  }

  // ---- Literals ----

  Result<Node> ParseInteger(const Token& token) {
    int64_t value = 0;
    const std::string_view text = token.text;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
      return FilterSyntaxError(token.position,
                               "an integer from -9223372036854775808 to 9223372036854775807", Quoted(text));
    }
    return MakeLiteral(token, T::kInteger, value);
  }

  Result<Node> ParseDecimal(const Token& token) {
    double value = 0;
    const std::string_view text = token.text;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      return FilterSyntaxError(token.position, "a number within the range of a double", Quoted(text));
    }
    return MakeLiteral(token, T::kDouble, value);
  }

  static int Digits(std::string_view text, size_t start, size_t count) {
    int value = 0;
    for (size_t i = start; i < start + count; ++i) value = value * 10 + (text[i] - '0');
    return value;
  }

  Result<Node> ParseDate(const Token& token) {
    auto midnight = model::ParseInstant(token.text);
    if (!midnight.ok()) return FilterSyntaxError(token.position, "an ISO 8601 date", Quoted(token.text));
    DateValue value{Digits(token.text, 0, 4), Digits(token.text, 5, 2), Digits(token.text, 8, 2), *midnight};
    return MakeLiteral(token, T::kDate, value);
  }

  Result<Node> ParseDateTime(const Token& token) {
    const std::string_view text = token.text;
    auto utc = model::ParseInstant(text);
    if (!utc.ok()) return FilterSyntaxError(token.position, "an ISO 8601 date and time", Quoted(text));
    // ParseInstant has checked the zone: Z, or ±hh, ±hhmm, ±hh:mm after the time.
    DateTimeValue value{*utc, 0};
    const size_t zone = text.find_first_of("+-Zz", 11);
    if (zone != std::string_view::npos && (text[zone] == '+' || text[zone] == '-')) {
      const std::string_view offset = text.substr(zone + 1);
      int minutes = Digits(offset, 0, 2) * 60;
      if (offset.size() == 5) minutes += Digits(offset, 3, 2);
      if (offset.size() == 4) minutes += Digits(offset, 2, 2);
      value.offset_minutes = text[zone] == '-' ? -minutes : minutes;
    }
    return MakeLiteral(token, T::kDateTime, value);
  }

  // hh:mm[:ss[.fraction]], fractions truncated to microseconds.
  Result<Node> ParseTimeOfDay(const Token& token) {
    const std::string_view text = token.text;
    auto fail = [&] { return FilterSyntaxError(token.position, "a time of day", Quoted(text)); };
    auto digits_at = [&](size_t i) {
      return i + 2 <= text.size() && std::isdigit(static_cast<unsigned char>(text[i])) &&
             std::isdigit(static_cast<unsigned char>(text[i + 1]));
    };
    if (!digits_at(0) || text.size() < 5 || text[2] != ':' || !digits_at(3)) return fail();
    const int hour = Digits(text, 0, 2);
    const int minute = Digits(text, 3, 2);
    int second = 0;
    model::Micros fraction = 0;
    size_t i = 5;
    if (i < text.size()) {
      if (text[i] != ':' || !digits_at(i + 1)) return fail();
      second = Digits(text, i + 1, 2);
      i += 3;
      if (i < text.size()) {
        if (text[i] != '.' || i + 1 == text.size()) return fail();
        model::Micros scale = 100'000;
        for (++i; i < text.size(); ++i) {
          if (!std::isdigit(static_cast<unsigned char>(text[i]))) return fail();
          fraction += (text[i] - '0') * scale;
          scale /= 10;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return fail();
    const model::Micros since_midnight =
        hour * kMicrosPerHour + minute * kMicrosPerMinute + second * kMicrosPerSecond + fraction;
    return MakeLiteral(token, T::kTimeOfDay, TimeOfDayValue{since_midnight});
  }

  Result<Node> ParseIntervalLiteral(const Token& token) {
    auto interval = model::ParseInterval(token.text);
    if (!interval.ok()) return FilterSyntaxError(token.position, "an ISO 8601 interval", Quoted(token.text));
    return MakeLiteral(token, T::kInterval, IntervalValue{*interval});
  }

  Result<Node> ParseTypedString(const Token& token) {
    if (token.prefix == "duration") {
      auto micros = model::ParseDuration(token.value);
      if (!micros.ok()) {
        return FilterSyntaxError(token.position,
                                 "an ISO 8601 duration of weeks, days, hours, minutes or seconds",
                                 Quoted(token.value));
      }
      return MakeLiteral(token, T::kDuration, DurationValue{*micros});
    }
    // geography'…' or geometry'…'. Offsets inside the content map to
    // positions after the prefix and the quote.
    const size_t content_position = token.position + token.prefix.size() + 1;
    auto position_of = [&](size_t offset) { return content_position + CharPosition(token.value, offset) - 1; };
    GeometryValue value;
    value.geography = token.prefix == "geography";
    std::string_view wkt = token.value;
    size_t wkt_offset = 0;
    if (wkt.size() >= 5 && (wkt.substr(0, 5) == "SRID=" || wkt.substr(0, 5) == "srid=")) {
      size_t end = 5;
      while (end < wkt.size() && wkt[end] >= '0' && wkt[end] <= '9') ++end;
      const size_t digits = end - 5;
      if (digits == 0 || digits > 6 || end == wkt.size() || wkt[end] != ';') {
        const size_t stop = std::min(wkt.find(';', 5), wkt.size());
        return FilterSyntaxError(position_of(5), "an SRID of 1 to 6 digits", Quoted(wkt.substr(5, stop - 5)));
      }
      value.srid = Digits(wkt, 5, digits);
      value.srid_given = true;
      wkt_offset = end + 1;
    }
    size_t error_offset = 0;
    auto geometry = ParseWkt(wkt.substr(wkt_offset), limits_.max_depth, &error_offset);
    if (!geometry.ok()) {
      return BadRequest(fmt::format("$filter: at position {}: {}", position_of(wkt_offset + error_offset),
                                    geometry.error().message));
    }
    value.geometry = std::move(geometry).value();
    value.geojson = ToGeoJson(value.geometry);
    return MakeLiteral(token, T::kGeometry, std::move(value));
  }

  const model::EntityTypeDef& type_;
  std::vector<Token> tokens_;
  const FilterLimits& limits_;
  size_t next_ = 0;
  size_t depth_ = 0;
  size_t node_count_ = 0;
};

}  // namespace

Result<std::shared_ptr<const FilterExpr>> ParseFilter(const model::EntityTypeDef& type, std::string_view text,
                                                      const FilterLimits& limits) {
  if (text.size() > limits.max_length) {
    return FilterSyntaxError(CharPosition(text, limits.max_length),
                             fmt::format("at most {} bytes", limits.max_length), std::to_string(text.size()));
  }
  FUNDAMENT_ASSIGN_OR_RETURN(std::vector<Token> tokens, TokenizeFilter(text));
  return FilterParser(type, std::move(tokens), limits).Parse();
}

}  // namespace fundament::odata
