#pragma once
// The HTML side of the report: escaping, small tables, and the page that holds
// the sections. Everything the page needs is inline (stylesheet, the script
// for parameter selectors, the script that records JavaScript errors in the
// page itself so a headless-browser test can read them from the DOM).
#include <string>
#include <string_view>
#include <vector>

namespace elbo::report {

/// `text` safe as HTML text and as a quoted attribute value: & < > " ' escaped,
/// bytes that are not valid UTF-8 (and control characters other than tab and
/// newline) replaced by U+FFFD.
std::string escape_html(std::string_view text);

/// A <table>: a header row (skipped when empty) and rows of cells already in
/// HTML (escape text cells with escape_html). Rows shorter than the header are
/// padded with empty cells.
std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::string& css_class = "");

/// A report page: a title, a subtitle, then sections in the order added, with
/// a table of contents at the top.
class Page {
 public:
  Page(std::string title, std::string subtitle);
  /// `body` is HTML; `id` becomes the <section>'s id and the contents' anchor.
  void add_section(const std::string& id, const std::string& heading, const std::string& body);
  /// The whole document.
  std::string str() const;

 private:
  struct Section {
    std::string id, heading, body;
  };
  std::string title_, subtitle_;
  std::vector<Section> sections_;
};

}  // namespace elbo::report
