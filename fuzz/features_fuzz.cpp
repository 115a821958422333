// libFuzzer entry point for the story features (daemon/dedup/story_features.cpp), which read the
// title and summary of every new item as its feed sent them: any bytes must give features (maybe
// empty) whose stored form reads back the same, never a crash, a hang or a leak. The first byte
// says how long the title is (four bytes a step); the rest of the input is the summary, as HTML.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dedup/story_features.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t title_size = std::min<std::size_t>(body.size(), std::size_t{data[0]} * 4);
    tributary::ParsedItem item;
    item.title = std::string(body.substr(0, title_size));
    item.summary = std::string(body.substr(title_size));
    const tributary::dedup::StoryFeatures features = tributary::dedup::extract_features(item);
    const auto stored = tributary::dedup::deserialize(tributary::dedup::serialize(features));
    if (!stored || !(*stored == features)) __builtin_trap();
    // Every quantity is "unit:value" (the story engine splits them there).
    for (const std::string& quantity : features.quantities)
        if (quantity.find(':') == std::string::npos || quantity.front() == ':') __builtin_trap();
    return 0;
}
