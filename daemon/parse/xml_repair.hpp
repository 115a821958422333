#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tributary::parse {

struct RepairedXml {
    std::string text;                   // the repaired document; empty when nothing changed
    std::vector<std::string> warnings;  // one per kind of repair
    bool changed = false;               // false: the input is fine as it is (and was not copied)
    // Non-empty: the document must be rejected, and this says why (entities declared in
    // its DOCTYPE that nest too deep or expand too far: "billion laughs").
    std::string refused;
};

// Fixes, in UTF-8 text, what breaks XML in real feeds but has one obvious meaning: bytes
// before the XML declaration, HTML named entities (&nbsp;), '&' that starts no entity,
// characters XML 1.0 forbids, and windows-1252 numeric references (&#150;). CDATA
// sections, comments and processing instructions are left alone except for forbidden
// characters.
RepairedXml repair_xml(std::string_view utf8);

}  // namespace tributary::parse
