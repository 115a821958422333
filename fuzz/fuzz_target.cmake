# The libFuzzer targets of the parse stage (scripts/fuzz.sh builds and runs them), included from
# fuzz/CMakeLists.txt, or from attach.cmake while the top level does not add fuzz/ yet. clang only: GCC has
# no -fsanitize=fuzzer. The core and parse sources are compiled again, once, into an object library
# with the fuzzer's coverage instrumentation, rather than linking the uninstrumented libraries:
#   tributary_parse_fuzz  parse_feed on any bytes (fuzz/parse_fuzz.cpp, dictionary fuzz/parse.dict)
#   tributary_html_fuzz   the HTML sanitizer and the title reader (fuzz/html_fuzz.cpp, fuzz/html.dict)
#   tributary_features_fuzz  the story features of any title and summary (fuzz/features_fuzz.cpp,
#                            fuzz/features.dict)
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(STATUS "tributary fuzz targets: need clang (this build uses ${CMAKE_CXX_COMPILER_ID}); not added")
  return()
endif()

set(_fuzz_sources)
foreach(_lib tributary_core tributary_parse tributary_dedup)
  get_target_property(_dir ${_lib} SOURCE_DIR)
  get_target_property(_srcs ${_lib} SOURCES)
  list(TRANSFORM _srcs PREPEND "${_dir}/")
  list(APPEND _fuzz_sources ${_srcs})
endforeach()

# clang before 16 cannot use libstdc++'s <expected> (see compat/expected).
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-std=c++2b")
check_cxx_source_compiles("#include <expected>
int main() { std::expected<int, int> e{1}; return *e - 1; }" TRIBUTARY_HAVE_STD_EXPECTED)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT TRIBUTARY_HAVE_STD_EXPECTED)
  message(STATUS "tributary fuzz targets: no usable std::expected; using fuzz/compat/expected")
endif()

set(_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_library(tributary_fuzz_objects OBJECT ${_fuzz_sources})
target_include_directories(tributary_fuzz_objects PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
target_include_directories(tributary_fuzz_objects PRIVATE ${STEMMER_INCLUDE_DIR})
if(NOT TRIBUTARY_HAVE_STD_EXPECTED)
  target_include_directories(tributary_fuzz_objects BEFORE PUBLIC ${CMAKE_CURRENT_LIST_DIR}/compat)
endif()
target_link_libraries(tributary_fuzz_objects PUBLIC
  tributary::options pugixml::pugixml ICU::uc ICU::i18n PkgConfig::GUMBO nlohmann_json::nlohmann_json
  simdjson::simdjson fmt::fmt ${STEMMER_LIBRARY})
target_compile_options(tributary_fuzz_objects PRIVATE -fsanitize=fuzzer-no-link ${_sanitizers})

foreach(_target parse html features)
  add_executable(tributary_${_target}_fuzz ${CMAKE_CURRENT_LIST_DIR}/${_target}_fuzz.cpp)
  target_link_libraries(tributary_${_target}_fuzz PRIVATE tributary_fuzz_objects)
  target_compile_options(tributary_${_target}_fuzz PRIVATE -fsanitize=fuzzer ${_sanitizers})
  target_link_options(tributary_${_target}_fuzz PRIVATE -fsanitize=fuzzer ${_sanitizers})
endforeach()
