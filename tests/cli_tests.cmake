# Tests of the command line (csrc/main.c, csrc/cli/): the option parser in C (test_opts), what
# `miles demo` reads back from epochs.csv (test_demo), and every documented option of every
# command run through the binary, with demo's argument handling (test_cli.sh). Nothing trains.
# Included from tests/CMakeLists.txt after driver_tests.cmake, whose miles_c_test() it uses.

miles_c_test(test_opts TIMEOUT 30 SOURCES test_opts.c LIBS miles_cli)
miles_c_test(test_demo TIMEOUT 30 SOURCES test_demo.c LIBS miles_cli)

add_test(NAME test_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_cli PROPERTIES TIMEOUT 300 LABELS driver)
