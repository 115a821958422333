# Used by scripts/fuzz.sh only while the top-level CMakeLists.txt has no add_subdirectory(fuzz):
# loaded as CMAKE_PROJECT_INCLUDE, it defines the fuzz target once the whole top level is read.
set(TRIBUTARY_FUZZ_TARGET_FILE "${CMAKE_CURRENT_LIST_DIR}/fuzz_target.cmake")
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include ${TRIBUTARY_FUZZ_TARGET_FILE})
