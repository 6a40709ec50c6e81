# Tests of the command line (csrc/main.c, csrc/cli/): the option parser in C (test_opts).
# Included from tests/CMakeLists.txt after driver_tests.cmake, whose miles_c_test() it uses.

miles_c_test(test_opts TIMEOUT 30 SOURCES test_opts.c LIBS miles_core)
