# The libFuzzer target for the parse stage (scripts/fuzz.sh builds and runs it), included from
# fuzz/CMakeLists.txt, or from attach.cmake while the top level does not add fuzz/ yet. clang only: GCC has
# no -fsanitize=fuzzer. The core and parse sources are compiled again into the target, with the
# fuzzer's coverage instrumentation, rather than linking the uninstrumented libraries.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(STATUS "tributary_parse_fuzz: needs clang (this build uses ${CMAKE_CXX_COMPILER_ID}); not added")
  return()
endif()

set(_fuzz_sources ${CMAKE_CURRENT_LIST_DIR}/parse_fuzz.cpp)
foreach(_lib tributary_core tributary_parse)
  get_target_property(_dir ${_lib} SOURCE_DIR)
  get_target_property(_srcs ${_lib} SOURCES)
  list(TRANSFORM _srcs PREPEND "${_dir}/")
  list(APPEND _fuzz_sources ${_srcs})
endforeach()

add_executable(tributary_parse_fuzz ${_fuzz_sources})
target_include_directories(tributary_parse_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/daemon)
target_link_libraries(tributary_parse_fuzz PRIVATE
  tributary::options pugixml::pugixml ICU::uc ICU::i18n PkgConfig::GUMBO nlohmann_json::nlohmann_json
  simdjson::simdjson fmt::fmt)

# clang before 16 cannot use libstdc++'s <expected> (see compat/expected).
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-std=c++2b")
check_cxx_source_compiles("#include <expected>
int main() { std::expected<int, int> e{1}; return *e - 1; }" TRIBUTARY_HAVE_STD_EXPECTED)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT TRIBUTARY_HAVE_STD_EXPECTED)
  message(STATUS "tributary_parse_fuzz: no usable std::expected; using fuzz/compat/expected")
  target_include_directories(tributary_parse_fuzz BEFORE PRIVATE ${CMAKE_CURRENT_LIST_DIR}/compat)
endif()

set(_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
target_compile_options(tributary_parse_fuzz PRIVATE ${_fuzz_flags})
target_link_options(tributary_parse_fuzz PRIVATE ${_fuzz_flags})
