#include "elbo/io/cbor_reader.hpp"

#include "elbo/core/error.hpp"

namespace elbo::io {

namespace {

// nlohmann's DOM builder, refusing to open a container beyond max_depth: the
// reader stops at the first refusal, before recursing further.
class DepthBoundedSax : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;
  DepthBoundedSax(nlohmann::json& result, int max_depth) : Base(result, true), max_depth_(max_depth) {}
  bool start_object(std::size_t n) { return open() && Base::start_object(n); }
  bool start_array(std::size_t n) { return open() && Base::start_array(n); }
  bool end_object() { --depth_; return Base::end_object(); }
  bool end_array() { --depth_; return Base::end_array(); }
  bool too_deep() const { return too_deep_; }

 private:
  bool open() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  int max_depth_, depth_ = 0;
  bool too_deep_ = false;
};

}  // namespace

nlohmann::json parse_cbor(std::string_view bytes, const std::string& source, int max_depth) {
  nlohmann::json result;
  DepthBoundedSax sax(result, max_depth);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &sax, nlohmann::json::input_format_t::cbor);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    const auto at = what.find("] ");
    throw InputError(source, 0, "", "is not valid CBOR: " + (at == std::string::npos ? what : what.substr(at + 2)));
  }
  if (sax.too_deep()) {
    throw InputError(source, 0, "", "nests deeper than " + std::to_string(max_depth) + " levels: not a file elbo wrote");
  }
  if (!ok) throw InputError(source, 0, "", "is not valid CBOR");
  return result;
}

}  // namespace elbo::io
