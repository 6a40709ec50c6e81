# Tests of `miles prepare luma` (csrc/data/luma.c and its helpers) and of the LUMA stand-in
# generator (datasets/luma/). Included from tests/CMakeLists.txt.

add_executable(luma-load luma_load.c)
target_include_directories(luma-load PRIVATE ${PROJECT_SOURCE_DIR}/csrc)
target_link_libraries(luma-load PRIVATE miles_core)
target_compile_options(luma-load PRIVATE ${MILES_WARNINGS})

add_test(NAME test_luma COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_luma.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_luma PROPERTIES TIMEOUT 300 LABELS driver)

add_test(NAME test_luma_standin COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_luma_standin.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_luma_standin PROPERTIES TIMEOUT 300 LABELS driver)
