# test_fuzz: the libFuzzer targets of tests/fuzz/, through `tools/fuzz --ci` (every regression
# input, then each target for 20 s from its seeds; fails on a crash, leak, timeout or
# out-of-memory of our code). It configures and builds its own directory, fuzz/ under this
# build, with clang (MILES_FUZZ=ON; the cold build is under a minute); without clang, its
# libFuzzer runtime or llvm-symbolizer it fails and says what to install (tools/setup).
# Included from tests/CMakeLists.txt.
add_test(NAME test_fuzz
  COMMAND ${PROJECT_SOURCE_DIR}/tools/fuzz --ci --build ${PROJECT_BINARY_DIR}/fuzz)
# 12 targets x 20 s, the restarts after HDF5's own crashes and the build: ~5 min on 2 cores
set_tests_properties(test_fuzz PROPERTIES TIMEOUT 900 LABELS fuzz)
